"""OpenAPI contract checks of every request and response (issue 6).

OpenAPI 3.0.3 § Parameter Object, § Request Body Object, § Responses Object (exact codes, ``4XX``
ranges, ``default``), § Schema Object (``nullable``); JSON Schema 2020-12 for validation.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from requests.structures import CaseInsensitiveDict

from pytest_arazzo.contract.checker import ContractChecker
from pytest_arazzo.contract.compile import convert_oas30
from pytest_arazzo.contract.decode import coerce, decode_form
from pytest_arazzo.contract.severity import contract_severity
from pytest_arazzo.document.loader import load_document
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse
from pytest_arazzo.plan.model import OperationPlan
from pytest_arazzo.plan.planner import ArazzoFile
from tests.conftest import ROOT, SEED, record_args
from tests.stripe_server import StripeServer

CASSETTE = (
    ROOT
    / "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice"
    / "create-and-finalize-invoice.yaml"
)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def operations() -> dict[str, OperationPlan]:
    plan = ArazzoFile(load_document(SEED), SourceCache()).plan("create-and-finalize-invoice")
    return {step.step_id: step.operation for step in plan.steps if step.operation}


def _json(status: int, body: Any, content_type: str = "application/json") -> ReceivedResponse:
    headers = CaseInsensitiveDict({"Content-Type": content_type})
    return ReceivedResponse(status, headers, json.dumps(body).encode())


def _recorded_invoice() -> dict[str, Any]:
    cassette = yaml.safe_load(CASSETTE.read_text())
    return cassette["interactions"][2]["response"]["json"]


# -- requests ----------------------------------------------------------------------------------


def test_request__form_body_decoded_coerced_and_validated(operations: dict[str, Any]) -> None:
    body = (
        "customer=cus_1&amount=100000000&currency=usd&metadata[order]=7&period[start]=x"
        "&period[end]=5&tax_rates[0]=txr_1&discountable=maybe&colour=red"
    )
    request = OutgoingRequest("POST", "http://x", "/v1/invoiceitems", dict(FORM), body.encode())
    assert ContractChecker().contract(operations["addInvoiceItem"]).request_violations(request) == [
        "request body at $: Additional properties are not allowed ('colour' was unexpected)",
        "request body at $.amount: 100000000 is greater than the maximum of 99999999",
        "request body at $.discountable: 'maybe' is not of type 'boolean'",
        "request body at $.period.start: 'x' is not of type 'integer'",
    ]


def test_request__valid_form_body_has_no_violation(operations: dict[str, Any]) -> None:
    body = "customer=cus_1&amount=-5&currency=usd&metadata[a]=b&tax_rates[0]=t&discountable=true"
    request = OutgoingRequest("POST", "http://x", "/v1/invoiceitems", dict(FORM), body.encode())
    contract = ContractChecker().contract(operations["addInvoiceItem"])
    assert contract.request_violations(request) == []


def test_request__required_body_and_undocumented_content_type(operations: dict[str, Any]) -> None:
    contract = ContractChecker().contract(operations["createDraftInvoice"])
    empty = OutgoingRequest("POST", "http://x", "/v1/invoices", dict(FORM), b"")
    assert contract.request_violations(empty) == ["request body is required but none was sent"]
    as_json = OutgoingRequest(
        "POST", "http://x", "/v1/invoices", {"Content-Type": "application/json"}, b"{}"
    )
    assert contract.request_violations(as_json) == [
        "request content type 'application/json' is not documented "
        "(documented: application/x-www-form-urlencoded)"
    ]


def test_request__parameters_required_typed_and_enums(tmp_path: Path) -> None:
    operation = _operation(
        tmp_path,
        """
        parameters:
        - {name: limit, in: query, required: true, schema: {type: integer, maximum: 100}}
        - {name: tags, in: query, schema: {type: array, items: {type: string, enum: [a, b]}}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
        - {name: id, in: path, required: true, schema: {type: string, maxLength: 3}}
        responses: {'204': {description: none}}
        """,
        path="/things/{id}",
    )
    request = OutgoingRequest(
        "GET",
        "http://x",
        "/things/abcd",
        query=[("limit", "many"), ("tags", "a"), ("tags", "c")],
        path_params={"id": "abcd"},
    )
    assert ContractChecker().contract(operation).request_violations(request) == [
        "request query parameter 'limit': 'many' is not of type 'integer'",
        "request query parameter 'tags' at $[1]: 'c' is not one of ['a', 'b']",
        "request header parameter 'X-Trace' is required but was not sent",
        "request path parameter 'id': 'abcd' is too long",
    ]


def test_request__each_parameter_read_from_its_own_location(tmp_path: Path) -> None:
    """§ Parameter Object: a cookie parameter is read from the Cookie header, a header one from
    the headers, a path one from the path; only the locations the operation uses are decoded,
    and a value in another place does not count."""
    operation = _operation(
        tmp_path,
        """
        parameters:
        - {name: n, in: cookie, required: true, schema: {type: integer}}
        - {name: X-Id, in: header, required: true, schema: {type: string, maxLength: 2}}
        - {name: id, in: path, required: true, schema: {type: string, maxLength: 3}}
        responses: {'204': {description: none}}
        """,
        path="/things/{id}",
    )
    contract = ContractChecker().contract(operation)
    headers = {"Cookie": "a=1; n=abc", "x-id": "long"}
    request = OutgoingRequest("GET", "http://x", "/things/ab", headers, path_params={"id": "ab"})
    assert contract.request_violations(request) == [
        "request cookie parameter 'n': 'abc' is not of type 'integer'",
        "request header parameter 'X-Id': 'long' is too long",
    ]
    elsewhere = OutgoingRequest("GET", "http://x", "/things/ab", query=[("n", "1"), ("X-Id", "a")])
    assert contract.request_violations(elsewhere) == [
        "request cookie parameter 'n' is required but was not sent",
        "request header parameter 'X-Id' is required but was not sent",
    ]


# -- responses ---------------------------------------------------------------------------------


def test_response__enum_violation_with_json_path_and_value(operations: dict[str, Any]) -> None:
    invoice = _recorded_invoice()
    invoice["status"] = "finalised"
    contract = ContractChecker().contract(operations["finalizeInvoice"])
    assert contract.response_violations(_json(200, invoice)) == [
        "response 200 body at $.status: 'finalised' is not one of "
        "['draft', 'open', 'paid', 'uncollectible', 'void', None]"
    ]


def test_response__nullable_default_ranges_and_content_type(operations: dict[str, Any]) -> None:
    contract = ContractChecker().contract(operations["finalizeInvoice"])
    invoice = _recorded_invoice()
    invoice["description"] = None  # nullable: true
    assert contract.response_violations(_json(200, invoice)) == []
    error = {"error": {"type": "invalid_request_error", "message": "no"}}
    assert contract.response_violations(_json(404, error)) == []  # default
    assert contract.response_violations(_json(402, {"error": {"type": "teapot"}})) == [
        "response 402 body at $.error.type: 'teapot' is not one of "
        "['api_error', 'card_error', 'idempotency_error', 'invalid_request_error']"
    ]
    assert contract.response_violations(_json(200, invoice, "text/html")) == [
        "response 200 content type 'text/html' is not documented (documented: application/json)"
    ]


def test_response__status_ranges_and_undocumented_status(tmp_path: Path) -> None:
    operation = _operation(
        tmp_path,
        """
        responses:
          '200': {description: ok, content: {application/json: {schema: {type: object}}}}
          4XX:
            description: client error
            content: {application/problem+json: {schema: {required: [title]}}}
        """,
    )
    contract = ContractChecker().contract(operation)
    problem = _json(422, {"detail": "x"}, "application/problem+json")
    assert contract.response_violations(problem) == [
        "response 422 body at $: 'title' is a required property"
    ]
    assert contract.response_violations(_json(500, {})) == [
        "response 500 is not documented for GET /things (documented: 200, 4XX)"
    ]


@pytest.mark.parametrize(
    ("content", "violations"),
    [
        (b'{"title": "t"}', []),
        (b'{"detail": "x"}', ["response 200 body at $: 'title' is a required property"]),
        (b'"title"', ["response 200 body at $: 'title' is not of type 'object'"]),
        (b"\xef\xbb\xbf" + b'{"title": "t"}', ["response 200 body is not valid JSON"]),  # BOM
        (b"{not json", ["response 200 body is not valid JSON"]),
        (b"[1, 2", ["response 200 body is not valid JSON"]),
    ],
)
def test_response__body_parsed_once_with_the_same_verdict(
    tmp_path: Path, content: bytes, violations: list[str]
) -> None:
    """§ Responses Object: the JSON body checked is the one the step's expressions read (parsed
    once); a BOM (RFC 8259 § 8.1: not JSON) or a body that does not parse stays a violation."""
    operation = _operation(
        tmp_path,
        """
        responses:
          '200':
            description: ok
            content: {application/json: {schema: {type: object, required: [title]}}}
        """,
    )
    contract = ContractChecker().contract(operation)
    response = ReceivedResponse(
        200, CaseInsensitiveDict({"Content-Type": "application/json"}), content
    )
    assert contract.response_violations(response) == violations
    if not violations:
        assert "body" in vars(response)  # the contract's parse is the one expressions read


def test_response__a_form_body_is_decoded_as_the_contract_decodes_forms() -> None:
    """The response's own parse stands in for the contract's only for JSON: a form body keeps
    the contract's decoding (``a[b]=1`` is ``{"a": {"b": "1"}}``, not a flat key)."""
    from pytest_arazzo.contract.decode import decode_body
    from pytest_arazzo.contract.response import _instance

    form = "application/x-www-form-urlencoded"
    response = ReceivedResponse(200, CaseInsensitiveDict({"Content-Type": form}), b"a[b]=1&c=2")
    assert (
        _instance(response, form)
        == decode_body(b"a[b]=1&c=2", form)
        == {
            "a": {"b": "1"},
            "c": "2",
        }
    )


def test_operation_without_schemas_is_fine(tmp_path: Path) -> None:
    operation = _operation(tmp_path, "responses: {default: {description: anything}}")
    contract = ContractChecker().contract(operation)
    request = OutgoingRequest("GET", "http://x", "/things", {}, b"")
    assert contract.request_violations(request) == []
    assert contract.response_violations(_json(503, ["whatever"], "text/plain")) == []


@pytest.mark.parametrize(
    ("content_type", "documented", "chosen"),
    [
        ("application/json; charset=utf-8", ["text/*", "application/json"], "application/json"),
        ("application/json", ["*/*", "application/*"], "application/*"),
        ("application/json", ["*/*", "text/plain"], "*/*"),
        ("application/json", ["text/plain"], None),
        ("TEXT/Plain", ["text/plain"], "text/plain"),
    ],
)
def test_match_media__remembered_answer_follows_both_inputs(
    content_type: str, documented: list[str], chosen: str | None
) -> None:
    """§ Media Type Object: the most specific documented range covering the content type; the
    remembered answer is keyed by the content type and the documented list, so a change to
    either gives the answer for the new inputs."""
    from pytest_arazzo.contract.locate import match_media

    for _ in range(2):  # the second time: remembered
        assert match_media(content_type, documented) == chosen
    exact = content_type.startswith("application/json")  # now documented exactly: it wins
    assert match_media(content_type, [*documented, "application/json"]) == (
        "application/json" if exact else chosen
    )


def test_request_content_type__any_case_the_last_one() -> None:
    """RFC 9110 § 5.1: header names are case-insensitive; of two spellings the last one counts
    (as a case-insensitive mapping of the headers keeps it)."""
    headers = {"content-type": "text/plain", "X": "1", "Content-TYPE": "application/json"}
    assert OutgoingRequest("POST", "http://x", "/", headers).content_type == "application/json"
    assert OutgoingRequest("POST", "http://x", "/", {"X": "1"}).content_type is None


# -- conversion and decoding -------------------------------------------------------------------


def test_convert_oas30__nullable_and_boolean_exclusive_bounds() -> None:
    assert convert_oas30({"type": "string", "nullable": True, "enum": ["a"]}) == {
        "type": ["string", "null"],
        "enum": ["a", None],
    }
    assert convert_oas30({"nullable": True, "minLength": 1}) == {
        "anyOf": [{"minLength": 1}, {"type": "null"}]
    }
    assert convert_oas30({"type": "integer", "minimum": 0, "exclusiveMinimum": True}) == {
        "type": "integer",
        "exclusiveMinimum": 0,
    }


def test_decode_form_and_coerce__bracket_notation() -> None:
    form = decode_form("a[b]=1&items[0][c]=x&items[1][c]=y&tags[]=p&tags[]=q&n=1&n=2&flag=true")
    assert form == {
        "a": {"b": "1"},
        "items": {"0": {"c": "x"}, "1": {"c": "y"}},
        "tags": {"0": "p", "1": "q"},
        "n": ["1", "2"],
        "flag": "true",
    }
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "object", "additionalProperties": {"type": "integer"}},
            "items": {"type": "array", "items": {"type": "object"}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "n": {"type": "array", "items": {"type": "number"}},
            "flag": {"type": "boolean"},
        },
    }
    assert coerce(form, schema) == {
        "a": {"b": 1},
        "items": [{"c": "x"}, {"c": "y"}],
        "tags": ["p", "q"],
        "n": [1, 2],
        "flag": True,
    }


def test_contract_severity__values() -> None:
    assert [contract_severity(v) for v in ("", "Error", "warning", "off")] == [
        "error",
        "error",
        "warning",
        "off",
    ]
    with pytest.raises(ValueError, match="error, warning or off"):
        contract_severity("strict")


# -- end to end ----------------------------------------------------------------------------------


def test_request_violation_fails_the_item(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    """A workflow that sends a field the operation does not have (additionalProperties: false)."""
    seed = seed_project.path / "specs/arazzo" / SEED.name
    seed.write_text(
        seed.read_text().replace(
            "        auto_advance: false\n", "        auto_advance: false\n        colour: red\n"
        )
    )
    result = seed_project.runpytest("specs/", *record_args(stripe_server))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*at step 'createDraftInvoice'*failed",
            "*contract violations:",
            "*- request body at $: Additional properties are not allowed ('colour' was unexpected)",
            "*what to do: the workflow, the OpenAPI description and the API disagree*",
        ]
    )


def _replay_project(project: pytest.Pytester, status: str) -> None:
    target = project.path / "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice"
    target.mkdir(parents=True)
    text = CASSETTE.read_text().replace("      status: open\n", f"      status: {status}\n")
    (target / CASSETTE.name).write_text(text)


def test_response_violation_fails_the_replayed_item(seed_project: pytest.Pytester) -> None:
    _replay_project(seed_project, "finalised")
    result = seed_project.runpytest("specs/", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*at step 'finalizeInvoice'*failed",
            "*contract violations:",
            "*- response 200 body at $.status: 'finalised' is not one of "
            "[[]'draft', 'open', 'paid', 'uncollectible', 'void', None[]]",
        ]
    )


@pytest.mark.parametrize("severity", ["warning", "off"])
def test_contract_severity_from_ini(seed_project: pytest.Pytester, severity: str) -> None:
    _replay_project(seed_project, "finalised")
    seed_project.makepyprojecttoml(f'[tool.pytest.ini_options]\narazzo_contract = "{severity}"\n')
    result = seed_project.runpytest("specs/", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)  # (the seed's own static warnings, e.g. AZ216, may add)
    assert result.stdout.str().count("ContractWarning: ") == (severity == "warning")
    if severity == "warning":
        result.stdout.fnmatch_lines(["*ContractWarning: step 'finalizeInvoice': response 200 *"])


def _operation(tmp_path: Path, operation_yaml: str, path: str = "/things") -> OperationPlan:
    """The one GET operation of a small OpenAPI 3.0 file written for the test."""
    body = textwrap.indent(textwrap.dedent(operation_yaml).strip(), "      ")
    (tmp_path / "api.yml").write_text(
        f"openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  {path}:\n    get:\n{body}\n"
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
