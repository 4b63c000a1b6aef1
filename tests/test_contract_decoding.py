"""Contract checks decode a request with the rules it was encoded with (issue 10, item 2).

OpenAPI 3.0.3 § Parameter Object (``style``/``explode``, § Style Values), § Encoding Object
(``deepObject``), § Schema Object (``anyOf``/``oneOf``); RFC 9110 § 6.4.1 (204, 205, 304 and
responses to HEAD have no content). Every request here is built by the encoder
(:mod:`pytest_arazzo.http.encoding`), so what the contract checker reads is what went out.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from requests.structures import CaseInsensitiveDict

from pytest_arazzo.contract.checker import ContractChecker
from pytest_arazzo.document.loader import load_document
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.http.encoding import (
    encode_form,
    header_value,
    path_value,
    query_pairs,
)
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse
from pytest_arazzo.plan.model import OperationPlan
from pytest_arazzo.plan.planner import ArazzoFile
from tests.loopback import QuietHandler, ServerThread

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _operation(
    tmp_path: Path, operation_yaml: str, path: str = "/things", method: str = "post"
) -> OperationPlan:
    """The one operation of a small OpenAPI 3.0 file written for the test."""
    body = textwrap.indent(textwrap.dedent(operation_yaml).strip(), "      ")
    (tmp_path / "api.yml").write_text(
        f"openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  {path}:\n    {method}:\n"
        f"{body}\n"
    )
    arazzo = tmp_path / "flow.arazzo.yml"
    arazzo.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: api, url: api.yml, type: openapi}]\n"
        "workflows: [{workflowId: w, steps: []}]\n"
    )
    file = ArazzoFile(load_document(arazzo), SourceCache(tmp_path))
    (operation,) = file.sources["api"].operations
    return file.resolved.operation_plan(operation)


def _form_violations(tmp_path: Path, properties: str, payload: dict[str, Any]) -> list[str]:
    """Violations of a form body built by the encoder from ``payload``."""
    operation = _operation(
        tmp_path,
        f"""
        requestBody:
          content:
            application/x-www-form-urlencoded:
              schema:
                type: object
                additionalProperties: false
                properties: {properties}
        responses: {{'200': {{description: ok}}}}
        """,
    )
    body = encode_form(payload).encode()
    request = OutgoingRequest("POST", "http://x", "/things", dict(FORM), body)
    return ContractChecker().contract(operation).request_violations(request)


# -- anyOf / oneOf: a form string read as each branch would read it -----------------------------

OFF_SESSION = (
    "{off_session: {anyOf: [{type: boolean}, {type: string, enum: [one_off, recurring]}]}}"
)
AMOUNT = "{amount: {anyOf: [{type: integer}, {type: string, enum: ['']}]}}"
ONE_OF = "{limit: {oneOf: [{type: integer, minimum: 1}, {type: string, enum: [all]}]}}"


@pytest.mark.parametrize(
    ("properties", "payload"),
    [
        (OFF_SESSION, {"off_session": True}),
        (OFF_SESSION, {"off_session": False}),
        (OFF_SESSION, {"off_session": "one_off"}),
        (AMOUNT, {"amount": 5}),
        (AMOUNT, {"amount": ""}),
        (ONE_OF, {"limit": 3}),
        (ONE_OF, {"limit": "all"}),
    ],
)
def test_any_of__a_value_some_branch_accepts_is_valid(
    tmp_path: Path, properties: str, payload: dict[str, Any]
) -> None:
    assert _form_violations(tmp_path, properties, payload) == []


@pytest.mark.parametrize(
    ("properties", "payload", "message"),
    [
        (OFF_SESSION, {"off_session": "maybe"}, "'maybe' is not one of ['one_off', 'recurring']"),
        (AMOUNT, {"amount": "lots"}, "'lots' is not one of ['']"),
        (ONE_OF, {"limit": 0}, "0 is less than the minimum of 1"),
    ],
)
def test_any_of__a_value_no_branch_accepts_is_reported(
    tmp_path: Path, properties: str, payload: dict[str, Any], message: str
) -> None:
    (violation,) = _form_violations(tmp_path, properties, payload)
    name = next(iter(payload))
    assert violation.startswith(f"request body at $.{name}: ")
    assert message in violation


def test_any_of__nested_in_an_indexed_array(tmp_path: Path) -> None:
    properties = (
        "{items: {type: array, items: {type: object, additionalProperties: false, properties: "
        "{price: {type: string}, quantity: {anyOf: [{type: integer}, {type: string, enum: ['']}]}"
        "}}}}"
    )
    assert _form_violations(tmp_path, properties, {"items": [{"price": "p", "quantity": 2}]}) == []
    assert _form_violations(tmp_path, properties, {"items": [{"price": "p", "quantity": ""}]}) == []
    (violation,) = _form_violations(tmp_path, properties, {"items": [{"price": "p", "qty": 2}]})
    assert violation.startswith("request body at $.items[0]: Additional properties")


# -- deepObject-indexed arrays ----------------------------------------------------------------

ITEMS = (
    "{items: {type: array, items: {type: object, properties: {price: {type: string, maxLength: 5}"
    "}}}, expand: {type: array, items: {type: string}}}"
)


def test_indexed_groups_decode_to_arrays(tmp_path: Path) -> None:
    payload = {"items": [{"price": "p1"}, {"price": "p2"}], "expand": ["lines", "customer"]}
    assert encode_form(payload).count("%5B0%5D") == 2  # items[0][price], expand[0]
    assert _form_violations(tmp_path, ITEMS, payload) == []


def test_indexed_groups__an_invalid_member_is_placed_in_the_array(tmp_path: Path) -> None:
    payload = {"items": [{"price": "p1"}, {"price": "toolong"}], "expand": ["lines"]}
    assert _form_violations(tmp_path, ITEMS, payload) == [
        "request body at $.items[1].price: 'toolong' is too long"
    ]


def test_deep_object_query_array(tmp_path: Path) -> None:
    operation = _operation(
        tmp_path,
        """
        parameters:
        - name: expand
          in: query
          style: deepObject
          explode: true
          schema: {type: array, items: {type: string, enum: [lines, customer]}}
        responses: {'200': {description: ok}}
        """,
        method="get",
    )
    contract = ContractChecker().contract(operation)

    def check(value: list[str]) -> list[str]:
        query = query_pairs("expand", value, "deepObject", True)
        return contract.request_violations(
            OutgoingRequest("GET", "http://x", "/things", query=query)
        )

    assert check(["lines", "customer"]) == []
    assert check(["lines", "total"]) == [
        "request query parameter 'expand' at $[1]: 'total' is not one of ['lines', 'customer']"
    ]


# -- styled parameters: deserialized before they are validated --------------------------------

ARRAY = "{type: array, items: {type: integer, maximum: 9}}"
OBJECT = (
    "{type: object, additionalProperties: false, properties: {r: {type: integer, maximum: 9}, "
    "g: {type: integer}}}"
)


def _param_request(
    location: str, name: str, value: Any, style: str, explode: bool
) -> OutgoingRequest:
    """A GET of ``/things/{id}`` with one parameter encoded as the runner encodes it."""
    request = OutgoingRequest("GET", "http://x", "/things/1", path_params={"id": "1"})
    if location == "path":
        request.path = "/things/" + path_value(name, value, style, explode)
        request.path_params = {name: value}
    elif location == "query":
        request.query = query_pairs(name, value, style, explode)
    else:
        request.headers[name] = header_value(name, value, explode)
    return request


STYLED = [
    ("query", "form", False, ARRAY, [1, 2], [1, 12]),
    ("query", "form", True, ARRAY, [1, 2], [1, 12]),
    ("query", "pipeDelimited", False, ARRAY, [1, 2], [1, 12]),
    ("query", "spaceDelimited", False, ARRAY, [1, 2], [1, 12]),
    ("query", "form", False, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("query", "form", True, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("query", "deepObject", True, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("path", "simple", False, ARRAY, [1, 2], [1, 12]),
    ("path", "label", False, ARRAY, [1, 2], [1, 12]),
    ("path", "label", True, ARRAY, [1, 2], [1, 12]),
    ("path", "matrix", False, ARRAY, [1, 2], [1, 12]),
    ("path", "matrix", True, ARRAY, [1, 2], [1, 12]),
    ("path", "simple", False, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("path", "simple", True, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("path", "label", True, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("path", "matrix", False, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("path", "matrix", True, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("header", "simple", False, ARRAY, [1, 2], [1, 12]),
    ("header", "simple", False, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
    ("header", "simple", True, OBJECT, {"r": 1, "g": 2}, {"r": 12, "g": 2}),
]


@pytest.mark.parametrize(("location", "style", "explode", "schema", "valid", "invalid"), STYLED)
def test_styled_parameters_are_deserialized(
    tmp_path: Path,
    location: str,
    style: str,
    explode: bool,
    schema: str,
    valid: Any,
    invalid: Any,
) -> None:
    name = "id" if location == "path" else "X-Colour" if location == "header" else "colour"
    operation = _operation(
        tmp_path,
        f"""
        parameters:
        - {{name: {name}, in: {location}, required: true, style: {style},
            explode: {str(explode).lower()}, schema: {schema}}}
        - {{name: other, in: query, schema: {{type: string}}}}
        responses: {{'200': {{description: ok}}}}
        """,
        path="/things/{id}" if location == "path" else "/things/1",
        method="get",
    )
    contract = ContractChecker().contract(operation)
    assert contract.request_violations(_param_request(location, name, valid, style, explode)) == []
    found = contract.request_violations(_param_request(location, name, invalid, style, explode))
    where = "$.r" if isinstance(invalid, dict) else "$[1]"
    assert found == [
        f"request {location} parameter '{name}' at {where}: 12 is greater than the maximum of 9"
    ]


def test_path_parameter_is_read_from_the_path_that_was_sent(tmp_path: Path) -> None:
    operation = _operation(
        tmp_path,
        """
        parameters:
        - {name: id, in: path, required: true, style: label, schema: {type: string, maxLength: 3}}
        responses: {'200': {description: ok}}
        """,
        path="/things/{id}/parts",
        method="get",
    )
    contract = ContractChecker().contract(operation)
    sent = OutgoingRequest("GET", "http://x", "/things/.a%2Fb/parts", path_params={"id": "a/b"})
    assert contract.request_violations(sent) == []
    sent = OutgoingRequest("GET", "http://x", "/things/.abcd/parts", path_params={"id": "abcd"})
    assert contract.request_violations(sent) == ["request path parameter 'id': 'abcd' is too long"]


def test_path_template_regex__remembered_by_template_text_only() -> None:
    """§ Path Templating: the regex reading a path's variables is built once per template text;
    another template (even a reordered one) gets its own, and a path that does not match is
    ``None`` every time."""
    from pytest_arazzo.contract import decode

    decode._path_pattern.cache_clear()
    assert decode._path_segments("/a/{x}/b/{y}", "/a/1/b/2") == {"x": "1", "y": "2"}
    assert decode._path_segments("/a/{x}/b/{y}", "/a/3/b/4?q=1") == {"x": "3", "y": "4"}
    assert decode._path_segments("/a/{y}/b/{x}", "/a/1/b/2") == {"y": "1", "x": "2"}
    assert decode._path_segments("/a/{x}/b/{y}", "/a/1/c/2") is None
    info = decode._path_pattern.cache_info()
    assert (info.hits, info.misses) == (2, 2)
    assert info.maxsize is not None and info.maxsize <= 4096


# -- responses that never have a body -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status"), [("post", 204), ("post", 205), ("post", 304), ("head", 200)]
)
def test_bodiless_responses_are_no_content_type_violation(
    tmp_path: Path, method: str, status: int
) -> None:
    operation = _operation(
        tmp_path,
        f"""
        responses:
          '{status}':
            description: documented with content anyway
            content: {{application/json: {{schema: {{type: object, required: [id]}}}}}}
        """,
        method=method,
    )
    contract = ContractChecker().contract(operation)
    empty = ReceivedResponse(status, CaseInsensitiveDict(), b"")
    assert contract.response_violations(empty) == []


def test_bodiless_responses__status_is_still_checked_and_a_200_body_still_matters(
    tmp_path: Path,
) -> None:
    operation = _operation(
        tmp_path,
        """
        responses:
          '200':
            description: ok
            content: {application/json: {schema: {type: object}}}
        """,
    )
    contract = ContractChecker().contract(operation)
    assert contract.response_violations(ReceivedResponse(204, CaseInsensitiveDict(), b"")) == [
        "response 204 is not documented for POST /things (documented: 200)"
    ]
    assert contract.response_violations(ReceivedResponse(200, CaseInsensitiveDict(), b"")) == [
        "response 200 content type '(none)' is not documented (documented: application/json)"
    ]


# -- end to end: a live run against a loopback server ---------------------------------------

OPENAPI = """\
openapi: 3.0.3
info: {title: styles, version: '1'}
paths:
  /things/{id}:
    post:
      operationId: createThing
      parameters:
      - {name: id, in: path, required: true, style: matrix, explode: true,
         schema: {type: array, items: {type: integer}}}
      - {name: tags, in: query, style: pipeDelimited, explode: false,
         schema: {type: array, items: {type: string, enum: [a, b]}}}
      - {name: X-Sizes, in: header, schema: {type: array, items: {type: integer}}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              additionalProperties: false
              properties:
                off_session: {anyOf: [{type: boolean}, {type: string, enum: [one_off, recurring]}]}
                amount: {anyOf: [{type: integer}, {type: string, enum: ['']}]}
                items: {type: array, items: {type: object, properties: {price: {type: string}}}}
      responses:
        '204':
          description: created
          content: {application/json: {schema: {type: object, required: [id]}}}
    head:
      operationId: probeThing
      parameters:
      - {name: id, in: path, required: true, schema: {type: array, items: {type: integer}}}
      responses:
        '200':
          description: there
          content: {application/json: {schema: {type: object, required: [id]}}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: styles, version: 1.0.0}
sourceDescriptions:
- {name: stylesApi, url: ../openapi/styles.yml, type: openapi}
workflows:
- workflowId: styled-requests
  inputs:
    type: object
    properties:
      offSession: {}
      tag: {type: string}
  steps:
  - stepId: create
    operationId: createThing
    parameters:
    - {name: id, in: path, value: [1, 2]}
    - {name: tags, in: query, value: [a, $inputs.tag]}
    - {name: X-Sizes, in: header, value: [3, 4]}
    requestBody:
      contentType: application/x-www-form-urlencoded
      payload:
        off_session: $inputs.offSession
        amount: ''
        items: [{price: p1}, {price: p2}]
    successCriteria:
    - condition: $statusCode == 204
  - stepId: probe
    operationId: probeThing
    parameters:
    - {name: id, in: path, value: [1, 2]}
    successCriteria:
    - condition: $statusCode == 200
"""


class StylesServer:
    """Records each request; answers POST with 204 and HEAD with 200, both without a body."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(QuietHandler):
            def _serve(self, status: int) -> None:
                split = urlsplit(self.path)
                owner.requests.append(
                    {
                        "method": self.command,
                        "path": split.path,
                        "query": split.query,
                        "headers": dict(self.headers.items()),
                        "form": parse_qsl(self.read_body().decode(), keep_blank_values=True),
                    }
                )
                self.send_reply(status, {}, b"")

            def do_POST(self) -> None:
                self._serve(204)

            def do_HEAD(self) -> None:
                self._serve(200)

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        self.serving = ServerThread(httpd, "styles")
        self.url = self.serving.url


@pytest.fixture
def styles_server() -> Iterator[StylesServer]:
    server = StylesServer()
    server.serving.start()
    yield server
    server.serving.stop()


def _styles_project(pytester: pytest.Pytester, off_session: Any, tag: str = "b") -> None:
    (pytester.path / "specs/arazzo").mkdir(parents=True)
    (pytester.path / "specs/openapi").mkdir(parents=True)
    (pytester.path / "fixtures/inputs").mkdir(parents=True)
    (pytester.path / "specs/openapi/styles.yml").write_text(OPENAPI)
    (pytester.path / "specs/arazzo/styles.arazzo.yml").write_text(ARAZZO)
    inputs = {"styled-requests": {"default": {"offSession": off_session, "tag": tag}}}
    (pytester.path / "fixtures/inputs/styles.yaml").write_text(json.dumps(inputs))


def _run_live(pytester: pytest.Pytester, server: StylesServer) -> pytest.RunResult:
    return pytester.runpytest(
        "--live", "--arazzo-server", f"stylesApi={server.url}", "-p", "no:cacheprovider"
    )


@pytest.mark.parametrize("off_session", [True, "one_off"])
def test_live__styled_and_any_of_requests_and_bodiless_responses_pass(
    pytester: pytest.Pytester, styles_server: StylesServer, off_session: Any
) -> None:
    _styles_project(pytester, off_session)
    result = _run_live(pytester, styles_server)
    result.assert_outcomes(passed=1)
    post, head = styles_server.requests
    assert post["path"] == "/things/;id=1;id=2"
    assert post["query"] == "tags=a%7Cb"
    assert post["headers"]["X-Sizes"] == "3,4"
    sent = "true" if off_session is True else "one_off"
    assert post["form"] == [
        ("off_session", sent),
        ("amount", ""),
        ("items[0][price]", "p1"),
        ("items[1][price]", "p2"),
    ]
    assert head["method"] == "HEAD"


def test_live__a_styled_value_the_schema_rejects_fails_with_its_violation(
    pytester: pytest.Pytester, styles_server: StylesServer
) -> None:
    _styles_project(pytester, "sometimes", tag="c")
    result = _run_live(pytester, styles_server)
    result.assert_outcomes(failed=1)
    output = result.stdout.str()  # (fnmatch would read the brackets as character classes)
    assert "- request query parameter 'tags' at $[1]: 'c' is not one of ['a', 'b']" in output
    assert "- request body at $.off_session: 'sometimes' is not one of ['one_off', " in output
