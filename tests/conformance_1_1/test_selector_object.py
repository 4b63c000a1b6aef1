"""Arazzo 1.1.0 § Selector Object, end to end: `context`, `selector` and `type` (jsonpath,
xpath, jsonpointer, or an Expression Type Object) in workflow and step `outputs`, Parameter Object
`value`, Request Body `payload` and Payload Replacement `value`; planned once, applied at run
time; what a malformed one and a failing one report; and 1.0 documents unchanged."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from pytest_arazzo.checks import check_file
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Reply
from tests.conformance_1_1.harness11 import OK, arazzo11

USER = {"user": {"profile": {"email": "ann@example.test"}}, "items": [{"id": 1}, {"id": 2}]}
INVOICE = (
    "<Invoice><Header><InvoiceNumber>INV-7</InvoiceNumber></Header>"
    "<Line sku='A'>2</Line><Line sku='B'>3</Line></Invoice>"
)


def _sel(selector: str, type_: Any = "jsonpath", context: str = "$response.body") -> dict[str, Any]:
    return {"context": context, "selector": selector, "type": type_}


def _list_step(outputs: dict[str, Any]) -> dict[str, Any]:
    return {"stepId": "list", "operationId": "listPets", "successCriteria": OK, "outputs": outputs}


def _outputs(harness: Harness, body: Any, outputs: dict[str, Any]) -> dict[str, Any]:
    """Run one step answering ``body`` and return its outputs (as workflow outputs)."""
    harness.server.route("GET", "/pets", body)
    mapped = {name: f"$steps.list.outputs.{name}" for name in outputs}
    result = harness.run(arazzo11(workflow("w", [_list_step(outputs)], outputs=mapped)))
    return dict(result.outputs)


def _xml() -> Reply:
    return Reply(200, INVOICE.encode(), {"Content-Type": "application/xml"})


def test_selector_object__output_example_jsonpath(harness: Harness) -> None:
    """§ Selector Object "An output example": `context: $response.body`, `selector:
    $.user.profile.email`, `type: jsonpath`. A singular query gives the value it selects."""
    outputs = _outputs(harness, USER, {"userEmail": _sel("$.user.profile.email")})
    assert outputs == {"userEmail": "ann@example.test"}


def test_selector_object__jsonpath_query_that_is_not_singular_gives_a_list(
    harness: Harness,
) -> None:
    """§ Selector Object type jsonpath (RFC 9535 nodelist): a query with a wildcard, slice or
    filter gives every selected value as a list, even one value or none (docs/semantics.md)."""
    outputs = _outputs(
        harness,
        USER,
        {
            "ids": _sel("$.items[*].id"),
            "two": _sel("$.items[?@.id == 2].id"),
            "none": _sel("$.items[?@.id > 5]"),
            "second": _sel("$.items[1].id"),
        },
    )
    assert outputs == {"ids": [1, 2], "two": [2], "none": [], "second": 2}


def test_selector_object__jsonpointer_gives_the_pointed_value(harness: Harness) -> None:
    """§ Selector Object type `jsonpointer` (§ Expression Type Object: rfc6901): the value the
    pointer points at, also through an Expression Type Object."""
    outputs = _outputs(
        harness,
        USER,
        {
            "email": _sel("/user/profile/email", "jsonpointer"),
            "item": _sel("/items/1", {"type": "jsonpointer", "version": "rfc6901"}),
        },
    )
    assert outputs == {"email": "ann@example.test", "item": {"id": 2}}


def test_selector_object__xpath_on_the_xml_text(harness: Harness) -> None:
    """§ Selector Object type xpath (XML Path Language 3.1 by default; `xpath-30` through an
    Expression Type Object): a single node gives its string value, several a list, an atomic
    result itself."""
    outputs = _outputs(
        harness,
        _xml(),
        {
            "number": _sel(
                "/Invoice/Header/InvoiceNumber", {"type": "xpath", "version": "xpath-30"}
            ),
            "skus": _sel("/Invoice/Line/@sku", "xpath"),
            "lines": _sel("count(/Invoice/Line)", "xpath"),
            "total": _sel("sum(/Invoice/Line)", {"type": "xpath", "version": "xpath-10"}),
        },
    )
    assert outputs == {"number": "INV-7", "skus": ["A", "B"], "lines": 2, "total": 5}


def test_selector_object__workflow_outputs(harness: Harness) -> None:
    """§ Workflow Object `outputs`: "Map[string, {expression} | Selector Object]"; the context
    may be any runtime expression (here a step output)."""
    harness.server.route("GET", "/pets", USER)
    step = _list_step({"body": "$response.body"})
    flow = workflow(
        "w",
        [step],
        outputs={"email": _sel("$.user.profile.email", context="$steps.list.outputs.body")},
    )
    assert harness.run(arazzo11(flow)).outputs == {"email": "ann@example.test"}


def test_selector_object__parameter_value(harness: Harness) -> None:
    """§ Parameter Object `value`: "a constant, a Runtime Expression, or a Selector Object to be
    evaluated and passed to the referenced operation"."""
    harness.server.route("GET", "/pets", USER)
    harness.server.route("GET", r"/pets/(?P<id>\d+)", {"ok": True})
    get = {
        "stepId": "get",
        "operationId": "getPet",
        "successCriteria": OK,
        "parameters": [
            {
                "name": "petId",
                "in": "path",
                "value": _sel("$.items[1].id", context="$steps.list.outputs.body"),
            },
            {
                "name": "X-Email",
                "in": "header",
                "value": _sel("/user/profile/email", "jsonpointer", "$steps.list.outputs.body"),
            },
        ],
    }
    harness.run(arazzo11(workflow("w", [_list_step({"body": "$response.body"}), get])))
    sent = harness.server.received("GET")[-1]
    assert sent.path == "/pets/2"
    assert sent.header("X-Email") == "ann@example.test"


def test_selector_object__request_body_example(harness: Harness) -> None:
    """§ Selector Object "A Step RequestBody example": `invoiceId` from
    `$steps.fetchXml.outputs.invoiceXml` with selector `/Invoice/Header/InvoiceNumber` and
    `type: {type: xpath, version: xpath-30}`, anywhere inside the payload."""
    harness.server.route("GET", "/health", _xml())
    harness.server.route("POST", "/pets", {})
    fetch = {
        "stepId": "fetchXml",
        "operationId": "health",
        "successCriteria": OK,
        "outputs": {"invoiceXml": "$response.body"},
    }
    number = _sel(
        "/Invoice/Header/InvoiceNumber",
        {"type": "xpath", "version": "xpath-30"},
        "$steps.fetchXml.outputs.invoiceXml",
    )
    create = {
        "stepId": "create",
        "operationId": "createPet",
        "successCriteria": OK,
        "requestBody": {
            "contentType": "application/json",
            "payload": {"invoiceId": number, "lines": [{"n": 1, "of": number}]},
        },
    }
    harness.run(arazzo11(workflow("w", [fetch, create])))
    assert harness.server.received("POST")[-1].json() == {
        "invoiceId": "INV-7",
        "lines": [{"n": 1, "of": "INV-7"}],
    }


def test_selector_object__payload_replacement_value(harness: Harness) -> None:
    """§ Payload Replacement Object `value`: "a constant, a Runtime Expression, or Selector
    Objects"."""
    harness.server.route("GET", "/pets", {"newQuantity": 9})
    harness.server.route("POST", "/pets", {})
    create = {
        "stepId": "create",
        "operationId": "createPet",
        "successCriteria": OK,
        "requestBody": {
            "payload": {"quantity": 1},
            "replacements": [
                {
                    "target": "/quantity",
                    "value": _sel("$.newQuantity", context="$steps.list.outputs.payload"),
                }
            ],
        },
    }
    document = arazzo11(workflow("w", [_list_step({"payload": "$response.body"}), create]))
    harness.run(document)
    assert harness.server.received("POST")[-1].json() == {"quantity": 9}


def test_selector_object__a_selector_that_selects_nothing_fails_the_step(
    harness: Harness,
) -> None:
    """§ Selector Object: a singular query, pointer or XPath that selects nothing has no value:
    the step fails naming the output, the selector and the context value it saw."""
    harness.server.route("GET", "/pets", USER)
    flow = workflow("w", [_list_step({"email": _sel("$.user.mail")})])
    report = harness.fail(arazzo11(flow))
    assert "list" in report
    assert "selector '$.user.mail' (jsonpath rfc9535) on $response.body" in report
    assert "the query selects nothing" in report
    assert "ann@example.test" in report  # the context value seen

    pointer = workflow("w", [_list_step({"x": _sel("/user/age", "jsonpointer")})])
    report = harness.fail(arazzo11(pointer))
    assert "selector '/user/age' (jsonpointer rfc6901)" in report
    assert "age" in report


def test_selector_object__xpath_on_a_context_that_is_not_xml_fails(harness: Harness) -> None:
    """§ Selector Object: "context ... MUST evaluate to structured data"; XPath needs XML."""
    harness.server.route("GET", "/pets", USER)
    report = harness.fail(arazzo11(workflow("w", [_list_step({"x": _sel("/user", "xpath")})])))
    assert "selector '/user' (xpath xpath-31) on $response.body" in report
    assert "xpath needs an XML document" in report


def test_selector_object__malformed_ones_are_plan_errors(harness: Harness) -> None:
    """§ Selector Object / § Expression Type Object: an unknown type or version (AZ323, with the
    allowed ones), a selector that does not parse or a JSON Pointer not starting with '/'
    (AZ322) are reported before any request, each where it stands."""
    outputs = {
        "a": _sel("$.a", "jsonpth"),
        "b": _sel("$.a", {"type": "jsonpath", "version": "rfc9999"}),
        "c": _sel("$.a[", "jsonpath"),
        "d": _sel("user/email", "jsonpointer"),
        "e": _sel("//a[", {"type": "xpath", "version": "xpath-20"}),
        "f": {"context": "$nothing", "selector": "/a", "type": "jsonpointer"},
    }
    plan = harness.plan(arazzo11(workflow("w", [_list_step(outputs)])))
    found = {(p.code, p.where.pointer): p.message for p in plan.errors}
    base = "/workflows/0/steps/0/outputs"
    assert set(found) == {
        ("AZ323", f"{base}/a/type"),
        ("AZ323", f"{base}/b/type"),
        ("AZ322", f"{base}/c/selector"),
        ("AZ322", f"{base}/d/selector"),
        ("AZ322", f"{base}/e/selector"),
        ("AZ322", f"{base}/f/context"),
    }
    assert "did you mean 'jsonpath'" in found[("AZ323", f"{base}/a/type")]
    assert (
        "allowed: rfc9535, draft-goessner-dispatch-jsonpath-00"
        in found[("AZ323", f"{base}/b/type")]
    )
    assert "must start with '/'" in found[("AZ322", f"{base}/d/selector")]
    assert harness.server.requests == []


def test_selector_object__static_check_gives_the_line(harness: Harness) -> None:
    """§ Selector Object: `--arazzo-check` reports a bad selector with its file line."""
    document = arazzo11(workflow("w", [_list_step({"a": _sel("$..[", "jsonpath")})]))
    problems = check_file(harness.file(document))
    found = [p for p in problems if p.code == "AZ322"]
    assert len(found) == 1
    text = (harness.dir / "main.arazzo.yaml").read_text().splitlines()
    assert "selector:" in text[found[0].where.line - 1]


def test_selector_object__is_plain_data_in_a_1_0_document(harness: Harness) -> None:
    """Arazzo 1.0.1 has no Selector Object: there the same mapping keeps its 1.0 meaning (plain
    data, sent as written), with a warning (AZ325) saying what 1.1 would do."""
    harness.server.route("POST", "/pets", {})
    literal = _sel("/user/email", "jsonpointer", "$inputs.user")
    create = {
        "stepId": "create",
        "operationId": "createPet",
        "successCriteria": OK,
        "requestBody": {"payload": {"who": literal}},
    }
    flow = workflow("w", [create], inputs={"type": "object"})
    plan = harness.plan(arazzo(flow))
    assert [(p.code, p.severity) for p in plan.problems] == [("AZ325", "warning")]
    harness.run(arazzo(flow), inputs={"user": {"email": "x"}})
    sent = harness.server.received("POST")[-1].json()
    assert sent == {
        "who": {"context": {"email": "x"}, "selector": "/user/email", "type": "jsonpointer"}
    }


def test_selector_object__query_libraries_load_only_for_their_type(harness: Harness) -> None:
    """Planning a jsonpointer Selector Object loads no JSONPath or XPath library (the plugin
    loads in every pytest session); a jsonpath one loads only the RFC 9535 library."""
    pointer = arazzo11(workflow("w", [_list_step({"a": _sel("/a", "jsonpointer")})]))
    path = harness.write("pointer.arazzo.yaml", pointer)
    harness.write("pets.openapi.yaml", harness.openapi)
    jsonpath = arazzo11(workflow("w", [_list_step({"a": _sel("$.a")})]))
    other = harness.write("jsonpath.arazzo.yaml", jsonpath)
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pytest_arazzo.document.loader import load_document\n"
        "from pytest_arazzo.document.sources import SourceCache\n"
        "from pytest_arazzo.plan.planner import ArazzoFile\n"
        "libs = ('jsonpath_rfc9535', 'jsonpath_ng', 'elementpath')\n"
        "def plan(p):\n"
        "    p = Path(p)\n"
        "    f = ArazzoFile(load_document(p, p.name), SourceCache(p.parent))\n"
        "    assert not f.plan('w').errors, f.plan('w').errors\n"
        f"plan({str(path)!r})\n"
        "print(sorted(set(libs) & set(sys.modules)))\n"
        f"plan({str(other)!r})\n"
        "print(sorted(set(libs) & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split("\n")[:2] == ["[]", "['jsonpath_rfc9535']"], done.stdout + done.stderr


def test_selector_object__context_an_absent_optional_input_is_left_out(harness: Harness) -> None:
    """§ Selector Object in a payload or a parameter: a context naming an optional input that was
    not given is left out, like a `$inputs.x` value (docs/semantics.md, absent optional
    inputs)."""
    harness.server.route("POST", "/pets", {})
    create = {
        "stepId": "create",
        "operationId": "createPet",
        "successCriteria": OK,
        "parameters": [
            {"name": "X-Id", "in": "header", "value": _sel("/id", "jsonpointer", "$inputs.pet")}
        ],
        "requestBody": {
            "payload": {"name": "Rex", "id": _sel("/id", "jsonpointer", "$inputs.pet")},
        },
    }
    flow = workflow("w", [create], inputs={"type": "object"})
    harness.run(arazzo11(flow))
    sent = harness.server.received("POST")[-1]
    assert sent.json() == {"name": "Rex"}
    assert sent.header("X-Id") is None
    harness.run(arazzo11(flow), inputs={"pet": {"id": 5}})
    sent = harness.server.received("POST")[-1]
    assert sent.json() == {"name": "Rex", "id": 5}
    assert sent.header("X-Id") == "5"


def test_selector_object__valid_ones_pass_the_static_check(harness: Harness) -> None:
    """§ Selector Object wherever 1.1 allows it (outputs, parameter value, payload, replacement
    value, with types and Expression Type Objects): `--arazzo-check` finds no error."""
    xpath30 = {"type": "xpath", "version": "xpath-30"}
    create = {
        "stepId": "create",
        "operationId": "createPet",
        "successCriteria": OK,
        "parameters": [
            {
                "name": "X-Id",
                "in": "header",
                "value": _sel("$.items[0].id", context="$steps.list.outputs.body"),
            }
        ],
        "requestBody": {
            "payload": {
                "email": _sel("/user/profile/email", "jsonpointer", "$steps.list.outputs.body")
            },
            "replacements": [
                {
                    "target": "$.email",
                    "targetSelectorType": {"type": "jsonpath", "version": "rfc9535"},
                    "value": _sel("string(/a)", xpath30, "$steps.list.outputs.body"),
                }
            ],
        },
        "outputs": {"id": _sel("$.id")},
    }
    flow = workflow(
        "w",
        [_list_step({"body": "$response.body"}), create],
        outputs={"id": _sel("/id", "jsonpointer", "$steps.create.outputs.id")},
    )
    problems = check_file(harness.file(arazzo11(flow)))
    assert [p for p in problems if p.is_error] == []
