"""Robustness: whatever a file holds, the checks end in clean diagnostics, never a crash.

Arazzo 1.0.1 § Format and § Schema say what a document should be; users bring anything. Every
outcome must be a :class:`Problem` with a documented code and a ``file[:line:col]`` position
(``pytest --arazzo-check`` and normal runs: no INTERNALERROR, no traceback).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_arazzo.checks import check_document, check_workflow, unrunnable
from pytest_arazzo.diagnostics.problems import CODES, Problem
from pytest_arazzo.document.loader import Document, LoadError, load_document, parse_text
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.plan.planner import ArazzoFile

OPENAPI = """\
openapi: 3.0.3
info: {title: Shop, version: '1'}
paths:
  /v1/notes/{id}:
    post:
      operationId: PostNotes
      parameters: [{name: id, in: path, required: true}]
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Note'}
      responses: {'200': {description: ok}}
components:
  schemas:
    Note:
      type: object
      required: [text]
      properties:
        text: {type: string}
        tags: {type: array, items: {$ref: '#/components/schemas/Note'}}
"""

VALID: dict[str, Any] = {
    "arazzo": "1.0.1",
    "info": {"title": "Notes", "version": "1"},
    "sourceDescriptions": [{"name": "shop", "url": "shop.yaml", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "note",
            "inputs": {"type": "object", "properties": {"text": {"type": "string"}}},
            "parameters": [{"name": "id", "in": "path", "value": "n1"}],
            "successActions": [{"name": "done", "type": "end"}],
            "steps": [
                {
                    "stepId": "post",
                    "operationId": "PostNotes",
                    "parameters": [{"reference": "$components.parameters.id", "value": "n2"}],
                    "requestBody": {
                        "contentType": "application/json",
                        "payload": {"text": "$inputs.text", "tags": [{"text": "{$inputs.text}"}]},
                        "replacements": [{"target": "/text", "value": "x"}],
                    },
                    "successCriteria": [
                        {"condition": "$statusCode == 200"},
                        {"context": "$response.body", "condition": "$.id", "type": "jsonpath"},
                    ],
                    "onSuccess": [{"name": "again", "type": "goto", "stepId": "post"}],
                    "onFailure": [
                        {"name": "retry", "type": "retry", "retryAfter": 1, "retryLimit": 2},
                        {"reference": "$components.failureActions.stop"},
                    ],
                    "outputs": {"id": "$response.body#/id"},
                },
                {"stepId": "sub", "workflowId": "other", "parameters": [{"name": "a", "value": 1}]},
            ],
            "outputs": {"id": "$steps.post.outputs.id"},
        },
        {
            "workflowId": "other",
            "dependsOn": ["note"],
            "steps": [{"stepId": "x", "workflowId": "note"}],
        },
    ],
    "components": {
        "parameters": {"id": {"name": "id", "in": "path", "value": "n3"}},
        "failureActions": {"stop": {"name": "stop", "type": "end"}},
        "inputs": {"note": {"type": "object"}},
    },
}

FIELDS = sorted(
    {
        "arazzo", "info", "title", "version", "sourceDescriptions", "name", "url", "type",
        "workflows", "workflowId", "steps", "stepId", "operationId", "operationPath",
        "parameters", "in", "value", "requestBody", "contentType", "payload", "replacements",
        "target", "successCriteria", "condition", "context", "onSuccess", "onFailure",
        "criteria", "outputs", "inputs", "dependsOn", "components", "successActions",
        "failureActions", "reference", "retryAfter", "retryLimit", "properties", "required",
        "$ref", "x-ext", "items", "additionalProperties", "allOf", "anyOf",
    }
)  # fmt: skip
STRINGS = [
    "", "$", "$$", "$inputs", "$inputs.text", "$inputs.", "$steps.post.outputs.id",
    "$steps..outputs", "$response.body#/id", "$response.body#/~2", "{$inputs.text",
    "{$inputs.text}", "$statusCode == 200 &&", "$.status == \"x\"", "$[?@.a]", "((", "[",
    "$components.parameters.id", "$components.failureActions.nope",
    "$sourceDescriptions.shop.PostNotes", "$sourceDescriptions.shop.url",
    "$workflows.note.outputs.id", "{$sourceDescriptions.shop.url}#/paths/~1v1~1notes~1{id}/post",
    "#/paths/x", "#/components/inputs/note",
    "#/nope", "shop.yaml", "nope.yaml", "../../etc/passwd", "/dev/null", "http://example.com/x.yaml",
    "openapi", "arazzo", "goto", "retry", "end", "simple", "regex", "jsonpath", "xpath", "path",
    "query", "header", "cookie", "application/json", "application/x-www-form-urlencoded",
    "PostNotes", "postnotes", "note", "other", "post", "a b", "x" * 300, "\x00", "é", "\ud800",
    "draft-goessner-dispatch-jsonpath-00", "xpath-30", "a[b][0]", "/text", "~", "1.0.1",
]  # fmt: skip


def scalars() -> st.SearchStrategy[Any]:
    return (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**6), max_value=10**6)
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.sampled_from(STRINGS)
        | st.text(max_size=12)
    )


def trees() -> st.SearchStrategy[Any]:
    keys = st.sampled_from(FIELDS) | st.text(max_size=8)
    return st.recursive(
        scalars(),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5)
        ),
        max_leaves=25,
    )


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths_of(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths_of(child, (*prefix, index))


def apply(document: Any, path: tuple[Any, ...], action: str, new: Any, key: str) -> Any:
    """Replace the node at ``path``, delete it, or add ``key: new`` to it."""
    if not path:
        return new if action == "replace" else document
    parent = document
    for token in path[:-1]:
        parent = parent[token]
    last = path[-1]
    if action == "replace":
        parent[last] = new
    elif action == "delete":
        del parent[last]
    elif isinstance(parent[last], dict):
        parent[last][key] = new
    elif isinstance(parent[last], list):
        parent[last].append(new)
    return document


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """The valid document with a few nodes replaced, deleted or added."""
    document: Any = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(list(paths_of(document))))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        new = draw(trees())
        key = draw(st.sampled_from(FIELDS))
        document = apply(document, path, action, new, key)
    return document


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("robust")
    (directory / "shop.yaml").write_text(OPENAPI)
    return directory


LINE = re.compile(r"^\S[^\n]*?(?::\d+:\d+)?: (error|warning|info) (AZ\d{3}): \S")


def assert_clean(found: list[Problem]) -> None:
    """Every outcome is a documented, located diagnostic; no check crashed."""
    for item in found:
        assert isinstance(item, Problem)
        assert item.code in CODES, item
        assert LINE.match(item.render()), item.render()
        # A crash of a check, the planner included, is reported as an internal error (AZ999):
        # a bug. The planner skips wrongly typed input; the schema check reports it.
        assert "internal error" not in item.message, item.render()


def check_everything(document: Document, root: Path) -> None:
    cache = SourceCache(root)

    def build(doc: Document) -> ArazzoFile:
        return ArazzoFile(doc, cache)

    assert_clean(check_document(document, build))
    data = document.data if isinstance(document.data, dict) else {}
    workflows = data.get("workflows") if isinstance(data.get("workflows"), list) else []
    for workflow in workflows[:3]:
        if isinstance(workflow, dict) and isinstance(workflow.get("workflowId"), str):
            assert_clean(unrunnable(document, build, workflow["workflowId"]))
            # Building a file never raises: a source that cannot be loaded is a problem of it.
            # Anything raised here is a bug and fails the test.
            assert_clean(check_workflow(build(document), workflow["workflowId"]))


def as_document(data: Any, root: Path, form: str) -> Document | None:
    """``data`` written as YAML or JSON text and loaded back (positions included)."""
    name = root / ("wf.arazzo.json" if form == "json" else "wf.arazzo.yaml")
    try:
        text = json.dumps(data) if form == "json" else yaml.safe_dump(data, allow_unicode=True)
    except (ValueError, yaml.YAMLError):
        return Document(name, data, display="wf.arazzo.yaml")
    try:
        return parse_text(text, name)
    except LoadError as error:
        assert error.code in CODES and error.message
        return None


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=mutated() | trees(), form=st.sampled_from(["yaml", "json", "raw"]))
def test_malformed_documents__clean_diagnostics(root: Path, data: Any, form: str) -> None:
    """Arazzo 1.0.1 § Schema: mutated valid documents and random trees give diagnostics."""
    if form == "raw":
        document: Document | None = Document(root / "wf.arazzo.yaml", data, display="wf.yaml")
    else:
        document = as_document(data, root, form)
    if document is not None:
        check_everything(document, root)


YAMLISH = st.lists(
    st.sampled_from(
        [
            "arazzo: 1.0.1", "workflows:", "- workflowId: w", "  steps:", "  - stepId: s",
            "    operationId: PostNotes", "sourceDescriptions: [{name: shop, url: shop.yaml}]",
            "info: {title: t, version: '1'}", "  - &a [x, *a]", "x: *nope", "\t- tab", "? [k]",
            "a: !!int x", "b: !!python/object:os.system ls", "---", "...", "'unclosed", "{[",
            "c: 0777", "on: yes", "- 2001-01-01", "  inputs: {$ref: '#/components/inputs/x'}",
            "    successCriteria: [{condition: '$.a', context: $response.body, type: jsonpath}]",
            "%YAML 1.1", "!!binary aGk=", "d: " + "9" * 5000, "e: [" * 50,
        ]
    )
    | st.text(max_size=20),
    max_size=12,
).map("\n".join)  # fmt: skip


# The codes of a file that cannot be read or parsed (AZ005/AZ006 are about a parsed document).
READING_CODES = {f"AZ{number:03d}" for number in (*range(1, 5), *range(7, 16))}  # AZ015: tags


@FUZZ
@given(text=YAMLISH | st.text(max_size=200), raw=st.binary(max_size=64))
def test_malformed_text__clean_diagnostics(root: Path, text: str, raw: bytes) -> None:
    """Arazzo 1.0.1 § Format: text that is not (good) YAML/JSON is one clean reading problem."""
    for name, content in (
        ("t.arazzo.yaml", text.encode("utf-8", "surrogatepass")),
        ("t.arazzo.json", text.encode("utf-8", "surrogatepass")),
        ("b.arazzo.yaml", raw),
    ):
        path = root / name
        path.write_bytes(content)
        try:
            document = load_document(path, name)
        except LoadError as error:
            assert error.code in READING_CODES, error
            assert str(error).startswith(name)
            continue
        check_everything(document, root)


def malformed_files(count: int, seed: int = 4) -> list[str]:
    """Deterministic malformed documents (mutations of the valid one) as YAML text."""
    rng = random.Random(seed)
    junk: list[Any] = [None, 5, -1, 1.5, True, "", "$inputs.", "a b", [], {}, [1, "x"], {"k": []}]
    files = []
    for _ in range(count):
        document: Any = copy.deepcopy(VALID)
        for _ in range(rng.randint(1, 4)):
            path = rng.choice(list(paths_of(document)))
            action = rng.choice(["replace", "delete", "add"])
            document = apply(document, path, action, rng.choice(junk), rng.choice(FIELDS))
        files.append(yaml.safe_dump(document, allow_unicode=True))
    return files


def test_pytest_run__no_internal_error_whatever_the_files(pytester: pytest.Pytester) -> None:
    """Arazzo 1.0.1 § Arazzo Description Structure: a run over many malformed files (and a
    huge one) ends with items and diagnostics: no INTERNALERROR, no traceback."""
    (pytester.path / "shop.yaml").write_text(OPENAPI)
    texts = [
        *malformed_files(30),
        "",
        "- a list\n",
        "scalar\n",
        "workflows: 5\n",
        "a: " + "[" * 300 + "]" * 300 + "\n",
    ]
    for index, text in enumerate(texts):
        (pytester.path / f"m{index:02}.arazzo.yaml").write_text(text)
    (pytester.path / "bin.arazzo.yaml").write_bytes(b"\x00\xff" * 100)
    (pytester.path / "huge.arazzo.yaml").write_bytes(b"#" * (21 * 1024 * 1024))
    for args in (["--arazzo-check"], []):
        result = pytester.runpytest(*args, "-p", "no:cacheprovider")
        output = result.stdout.str() + result.stderr.str()
        assert "INTERNALERROR" not in output
        assert "Traceback" not in output
        assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        outcomes = result.parseoutcomes()
        ran = outcomes.get("passed", 0) + outcomes.get("failed", 0)
        assert ran >= len(texts) + 2  # every file became at least one item
    result.stdout.fnmatch_lines(["*huge.arazzo.yaml: error AZ002: file is larger than 20 MiB*"])
