"""Robustness of the planner: wrongly typed input is skipped (the schema check reports it), never a
crash, so the checks need no ``AZ999`` for it.

Arazzo 1.0.1 § Schema says what each field holds; users bring anything. ``ArazzoFile(...)``,
``.plan(...)`` and ``plan.reachable()`` must return for every document, and a source url that is
no usable file path (a NUL, a name too long for the OS) is one clean ``AZ201``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from pytest_arazzo.checks import check_file
from pytest_arazzo.contract.checker import ContractChecker
from pytest_arazzo.diagnostics.problems import CODES, Problem
from pytest_arazzo.document.loader import Document, load_document, parse_text
from pytest_arazzo.document.sources import Operation, RefResolver, Source, SourceCache
from pytest_arazzo.execute.failures import StepFailure
from pytest_arazzo.execute.runner import Runner
from pytest_arazzo.http.auth import Credentials
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse
from pytest_arazzo.plan.model import WorkflowPlan
from pytest_arazzo.plan.planner import ArazzoFile
from pytest_arazzo.transport.base import Authorize
from tests.test_check_robustness import OPENAPI, VALID, apply, paths_of

WRONG: list[Any] = [None, 5, -1, 1.5, True, "", "x", "$inputs.", [], [5], ["x"], {}, {"k": 5}]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("plan")
    (directory / "shop.yaml").write_text(OPENAPI)
    return directory


def plan_everything(data: Any, root: Path) -> list[Problem]:
    """Build the file and plan each workflow (and all it reaches); return every problem."""
    document = Document(root / "wf.arazzo.yaml", data, display="wf.arazzo.yaml")
    file = ArazzoFile(document, SourceCache(root))
    found = list(file.source_problems)
    for workflow_id in file.workflows:
        plan = file.plan(workflow_id)
        for reached in plan.reachable():
            found += reached.problems
    for item in found:
        assert isinstance(item, Problem) and item.code in CODES, item
    assert not [p for p in check_file(file) if p.code == "AZ999"], check_file(file)
    return found


def replaced(path: tuple[Any, ...], value: Any) -> Any:
    return apply(copy.deepcopy(VALID), path, "replace", value, "")


W0, S0 = ("workflows", 0), ("workflows", 0, "steps", 0)
CASES = {
    "dependsOn: 5": (("workflows", 1, "dependsOn"), 5),
    "dependsOn: [[x]]": (("workflows", 1, "dependsOn"), [["x"]]),
    "workflow parameters: str": ((*W0, "parameters"), "x"),
    "step parameters: mapping": ((*S0, "parameters"), {"name": "id"}),
    "parameter: str": ((*S0, "parameters", 0), "x"),
    "parameter name: list": ((*W0, "parameters", 0, "name"), ["id"]),
    "parameter in: list": ((*W0, "parameters", 0, "in"), ["path"]),
    "parameter in: mapping": ((*W0, "parameters", 0, "in"), {"a": 1}),
    "reference: int": ((*S0, "parameters", 0, "reference"), 5),
    "reference: list": ((*S0, "parameters", 0, "reference"), ["$components.parameters.id"]),
    "components.parameters: list": (("components", "parameters"), [1]),
    "components.failureActions: int": (("components", "failureActions"), 5),
    "successCriteria: int": ((*S0, "successCriteria"), 5),
    "successCriteria: mapping": ((*S0, "successCriteria"), {"condition": "$statusCode == 200"}),
    "criterion: str": ((*S0, "successCriteria", 0), "$statusCode == 200"),
    "onSuccess: mapping": ((*S0, "onSuccess"), {"name": "x", "type": "end"}),
    "onFailure: int": ((*S0, "onFailure"), 5),
    "onFailure item: int": ((*S0, "onFailure", 0), 5),
    "action criteria: int": ((*S0, "onFailure", 0, "criteria"), 5),
    "action stepId: list": ((*S0, "onSuccess", 0, "stepId"), ["post"]),
    "action name/type: list": ((*S0, "onSuccess", 0, "type"), ["goto"]),
    "successActions: int": ((*W0, "successActions"), 5),
    "failureActions: str": ((*W0, "failureActions"), "x"),
    "steps: int": ((*W0, "steps"), 5),
    "steps: mapping": ((*W0, "steps"), {"stepId": "post"}),
    "step: str": (S0, "post"),
    "stepId: list": ((*S0, "stepId"), ["post"]),
    "stepId: int": ((*S0, "stepId"), 5),
    "step workflowId: int": (("workflows", 0, "steps", 1, "workflowId"), 5),
    "operationId: int": ((*S0, "operationId"), 5),
    "operationId: list": ((*S0, "operationId"), ["PostNotes"]),
    "requestBody: list": ((*S0, "requestBody"), [{"payload": {}}]),
    "contentType: int": ((*S0, "requestBody", "contentType"), 5),
    "replacements: int": ((*S0, "requestBody", "replacements"), 5),
    "replacement: str": ((*S0, "requestBody", "replacements", 0), "x"),
    "outputs: list": ((*S0, "outputs"), ["id"]),
    "inputs: list": ((*W0, "inputs"), [1]),
    "workflowId: int": ((*W0, "workflowId"), 5),
    "workflow: str": (W0, "note"),
    "workflows: int": (("workflows",), 5),
    "workflows: mapping": (("workflows",), {"workflowId": "note"}),
    "sourceDescriptions: int": (("sourceDescriptions",), 5),
    "sourceDescriptions: mapping": (("sourceDescriptions",), {"name": "shop"}),
    "source: str": (("sourceDescriptions", 0), "shop.yaml"),
    "source url: list": (("sourceDescriptions", 0, "url"), ["shop.yaml"]),
    "source name: mapping": (("sourceDescriptions", 0, "name"), {"a": 1}),
    "components: list": (("components",), []),
}


@pytest.mark.parametrize("path,value", list(CASES.values()), ids=list(CASES))
def test_wrongly_typed_field__planned_without_a_crash(
    root: Path, path: tuple[Any, ...], value: Any
) -> None:
    plan_everything(replaced(path, value), root)


def test_non_mapping_documents__planned_without_a_crash(root: Path) -> None:
    for data in (None, 5, "x", [VALID], {"workflows": [5, None, {"workflowId": 5}]}):
        plan_everything(data, root)


@st.composite
def retyped(draw: st.DrawFn) -> Any:
    """The valid document with one to four nodes replaced by values of another type."""
    document: Any = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from([path for path in paths_of(document) if path]))
        current = _at(document, path)
        value = draw(st.sampled_from([v for v in WRONG if type(v) is not type(current)]))
        document = apply(document, path, "replace", copy.deepcopy(value), "")
    return document


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for token in path:
        document = document[token]
    return document


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=retyped())
def test_retyped_documents__planned_without_a_crash(root: Path, data: Any) -> None:
    """Arazzo 1.0.1 § Schema: replacing any nodes of a valid workflow with wrongly typed values
    never makes ``ArazzoFile(...).plan(...)`` raise."""
    plan_everything(data, root)


# -- source urls that are no file path (sources.SourceCache.source) ------------------------------


@pytest.mark.parametrize(
    "url,reason",
    [
        ("shop\x00.yaml", "it contains a NUL character"),
        ("file:///tmp/shop%00.yaml", "it contains a NUL character"),
        ("x" * 300 + ".yaml", "the name is too long for the file system"),
        ("/".join(["y" * 200] * 30) + ".yaml", "the name is too long for the file system"),
    ],
    ids=["nul", "nul-in-file-url", "long-name", "long-path"],
)
def test_unusable_source_url__clean_az201(root: Path, url: str, reason: str) -> None:
    """Arazzo 1.0.1 § Source Description Object: a url the OS cannot open as a path is one
    AZ201 at the url, saying why, and the planner goes on."""
    data = replaced(("sourceDescriptions", 0, "url"), url)
    found = [p for p in plan_everything(data, root) if p.code == "AZ201"]
    assert found, "no AZ201"
    problem = found[0]
    assert problem.is_error
    assert str(problem.where) == "wf.arazzo.yaml"  # a raw Document has no positions
    assert problem.message.startswith("source 'shop' has url '")
    assert problem.message.endswith(f"which is not a usable file path: {reason}")
    assert len(problem.message) < 200  # a long url is clipped
    assert "relative to the Arazzo file" in problem.hint


def test_goto_problem_points_at_its_own_action_after_a_skipped_one(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Failure Action Object: a goto to a missing step is reported at that action,
    even when an earlier list entry was not an action (and so was not planned)."""
    text = (
        "arazzo: 1.0.1\n"
        "info: {title: t, version: '1'}\n"
        "sourceDescriptions: []\n"
        "workflows:\n"
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: s\n"
        "    workflowId: w\n"
        "    onFailure:\n"
        "    - 5\n"
        "    - {name: back, type: goto, stepId: nope}\n"  # line 11
    )
    plan = ArazzoFile(parse_text(text, tmp_path / "w.arazzo.yaml"), SourceCache()).plan("w")
    (found,) = [p for p in plan.problems if p.code == "AZ240"]
    assert str(found.where) == f"{tmp_path / 'w.arazzo.yaml'}:11:32"


# -- plans are plain data: nothing loaded or resolved while a workflow runs ---------------------

PLAIN_OPENAPI = """\
openapi: 3.0.3
info: {title: shop, version: '1'}
servers: [{url: 'http://shop.test/v1'}]
components:
  securitySchemes:
    key: {$ref: 'parts.yaml#/key'}
paths:
  /orders:
    post:
      operationId: createOrder
      security: [{key: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: 'parts.yaml#/Order'}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: 'parts.yaml#/Order'}
"""
PLAIN_PARTS = """\
key: {type: apiKey, in: header, name: X-Key}
Order:
  type: object
  required: [id, quantity]
  properties:
    id: {type: string, readOnly: true}
    quantity: {type: integer, minimum: 1}
    next: {$ref: '#/Order'}
"""
PLAIN_ARAZZO = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: shop, url: shop.yaml, type: openapi}]
workflows:
- workflowId: order
  steps:
  - stepId: create
    operationId: createOrder
    requestBody: {payload: {quantity: 2}}
    successCriteria: [{condition: $statusCode == 201}]
    onSuccess: [{name: more, type: goto, workflowId: again, criteria: [{condition: 'false'}]}]
    outputs: {id: $response.body#/id}
  outputs: {id: $steps.create.outputs.id}
- workflowId: again
  dependsOn: [order]
  steps:
  - {stepId: noop, workflowId: order}
"""


class _Answer:
    """A transport that answers every request with one JSON response."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.sent: list[OutgoingRequest] = []

    def send(
        self, request: OutgoingRequest, step_id: str, authorize: Authorize | None = None
    ) -> ReceivedResponse:
        if authorize is not None:
            authorize(request)
        self.sent.append(request)
        headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        return ReceivedResponse(201, headers, json.dumps(self.body).encode())

    def close(self) -> None:
        pass


def _objects(root: object) -> list[object]:
    """Every object reachable from ``root`` through containers and attributes."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or isinstance(node, (str, bytes, int, float, type(None), type)):
            continue
        seen[id(node)] = node
        if isinstance(node, dict):
            stack += [*node.keys(), *node.values()]
        elif isinstance(node, (list, tuple, set, frozenset)):
            stack += list(node)
        else:
            stack += list(getattr(node, "__dict__", {}).values())
            stack += [
                getattr(node, name)
                for name in getattr(node, "__slots__", ())
                if hasattr(node, name)
            ]
    return list(seen.values())


def _plain_plan(tmp_path: Path) -> WorkflowPlan:
    (tmp_path / "shop.yaml").write_text(PLAIN_OPENAPI)
    (tmp_path / "parts.yaml").write_text(PLAIN_PARTS)
    (tmp_path / "wf.arazzo.yaml").write_text(PLAIN_ARAZZO)
    document = load_document(tmp_path / "wf.arazzo.yaml", "wf.arazzo.yaml")
    plan = ArazzoFile(document, SourceCache(tmp_path)).plan("order")
    assert not plan.errors, plan.errors
    return plan


def test_plan__holds_no_document_cache_or_loaded_source(tmp_path: Path) -> None:
    """After planning, the plan (and every plan it links to: Arazzo 1.0.1 § Step Object
    workflowId, § Success Action Object goto, § Workflow Object dependsOn) is plain data."""
    plan = _plain_plan(tmp_path)
    objects = _objects(plan)
    live = (Document, SourceCache, Source, Operation, RefResolver, ArazzoFile)
    assert not [type(item).__name__ for item in objects if isinstance(item, live)]
    again = plan.target("again")
    assert again.target("order") is plan  # the cycle is linked, not re-planned
    assert [item.workflow_id for item in plan.reachable()] == ["order", "again"]
    with pytest.raises(KeyError, match="workflow 'nope' does not exist"):
        plan.target("nope")


def test_plan__runs_with_its_source_files_deleted(tmp_path: Path) -> None:
    """Everything a run needs (the operation, its servers and security scheme, the schemas of
    the contract check behind ``$ref`` in another file) is loaded at plan time."""
    plan = _plain_plan(tmp_path)
    for name in ("shop.yaml", "parts.yaml", "wf.arazzo.yaml"):
        (tmp_path / name).unlink()
    transport = _Answer({"id": "o_1", "quantity": 0})
    checker = ContractChecker()
    credentials = Credentials({"shop": "SHOP_KEY"}, {"SHOP_KEY": "k-123"}, ())
    runner = Runner(transport, credentials=credentials, exchange_checks=checker.checks())
    with pytest.raises(StepFailure) as failure:  # the response breaks the contract: minimum 1
        runner.run(plan, {})
    assert "response 201 body at $.quantity: 0 is less than the minimum of 1" in str(failure.value)
    (request,) = transport.sent
    assert request.url == "http://shop.test/v1/orders"
    assert request.headers["X-Key"] == "k-123"
    transport.body = {"id": "o_2", "quantity": 3}
    assert runner.run(plan, {}).outputs == {"id": "o_2"}
