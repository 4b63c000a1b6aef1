"""Arazzo 1.1.0 § Parameter Object `in: querystring` ("A parameter that treats the entire URL query
string as a single value"; OpenAPI 3.2.0), run end to end against the loopback server, with the
request checked against the OpenAPI 3.2 operation that declares it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pytest_arazzo.checks import check_file
from pytest_arazzo.contract.checker import ContractChecker
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance_1_1.harness11 import OK, arazzo11

SEARCH = "./search.openapi.yaml"
FILTER_SCHEMA = {
    "type": "object",
    "properties": {
        "category": {"type": "string"},
        "minPrice": {"type": "integer"},
        "inStock": {"type": "boolean"},
    },
    "additionalProperties": False,
}


def _search_openapi() -> dict[str, Any]:
    """An OpenAPI 3.2 description with one form and one JSON `in: querystring` parameter."""

    def operation(operation_id: str, media: str) -> dict[str, Any]:
        parameter = {
            "name": "q",
            "in": "querystring",
            "content": {media: {"schema": FILTER_SCHEMA}},
        }
        responses = {"200": {"description": "ok"}}
        return {"operationId": operation_id, "parameters": [parameter], "responses": responses}

    return {
        "openapi": "3.2.0",
        "info": {"title": "search", "version": "1"},
        "servers": [{"url": "https://search.example.test"}],
        "paths": {
            "/search": {"get": operation("search", "application/x-www-form-urlencoded")},
            "/find": {"get": operation("find", "application/json")},
        },
    }


def _document(step: dict[str, Any], version: str = "1.1") -> dict[str, Any]:
    sources = [{"name": "search", "url": SEARCH, "type": "openapi"}]
    build = arazzo11 if version == "1.1" else arazzo
    return build(workflow("w", [{"stepId": "s", "successCriteria": OK, **step}]), sources=sources)


def _setup(harness: Harness) -> None:
    harness.write(SEARCH, _search_openapi())
    harness.server.route("GET", "/search", {"ok": True})
    harness.server.route("GET", "/find", {"ok": True})


def _query_param(value: Any, name: str = "q") -> dict[str, Any]:
    return {"name": name, "in": "querystring", "value": value}


def test_querystring__the_value_is_the_whole_query_string(harness: Harness) -> None:
    """§ Parameter Object: "the value MUST resolve to a string representing the complete query
    string"; with embedded expressions ("Querystring with Runtime Expressions") each substituted
    value is percent-encoded, so `&` in an input cannot add a field. The request passes the
    OpenAPI 3.2 contract check, and `$request.query.<field>` reads a field of it."""
    _setup(harness)
    step = {
        "operationId": "search",
        "parameters": [
            _query_param("category={$inputs.category}&minPrice={$inputs.minPrice}&inStock=true")
        ],
        "outputs": {"category": "$request.query.category"},
    }
    document = _document(step)
    document["workflows"][0]["inputs"] = {"type": "object"}
    document["workflows"][0]["outputs"] = {"category": "$steps.s.outputs.category"}
    result = harness.run(document, inputs={"category": "dogs & cats", "minPrice": 5})
    (sent,) = harness.server.requests
    assert sent.raw_query == "category=dogs%20%26%20cats&minPrice=5&inStock=true"
    assert sent.query == [("category", "dogs & cats"), ("minPrice", "5"), ("inStock", "true")]
    assert result.outputs == {"category": "dogs & cats"}
    plan = harness.plan(document)
    contract = ContractChecker().contract(plan.steps[0].operation)  # type: ignore[arg-type]
    assert contract.request_violations(result.exchanges[0].request) == []


def test_querystring__a_literal_string_is_sent_as_written(harness: Harness) -> None:
    """§ Parameter Object example "Querystring Example (application/x-www-form-urlencoded)": the
    string is the query; characters a query cannot carry (space, `#`) are percent-encoded, `%XX`
    escapes are kept."""
    _setup(harness)
    value = "filter=active&sort=desc&limit=50&note=a b#c&x=%26"
    harness.run(_document({"operationId": "search", "parameters": [_query_param(value)]}))
    (sent,) = harness.server.requests
    assert sent.raw_query == "filter=active&sort=desc&limit=50&note=a%20b%23c&x=%26"
    assert sent.args["x"] == "&"


def test_querystring__json_content_is_percent_encoded_whole(harness: Harness) -> None:
    """§ Parameter Object example "Querystring Example (application/json)": the value "MUST match
    the media type format as expressed by the parameter's `content` field"; JSON text is data,
    sent percent-encoded, and decodes back to what the OpenAPI schema describes (a wrong type is
    a contract violation, a correct one none)."""
    _setup(harness)
    value = '{"category":"dogs","minPrice":50}'
    step = {"operationId": "find", "parameters": [_query_param(value)]}
    result = harness.run(_document(step))
    (sent,) = harness.server.requests
    assert sent.raw_query == quote(value, safe="")
    plan = harness.plan(_document(step))
    contract = ContractChecker().contract(plan.steps[0].operation)  # type: ignore[arg-type]
    assert contract.request_violations(result.exchanges[0].request) == []
    bad = {"operationId": "find", "parameters": [_query_param('{"minPrice":"cheap"}')]}
    bad_result = harness.run(_document(bad))
    violations = contract.request_violations(bad_result.exchanges[0].request)
    assert len(violations) == 1 and "request querystring parameter 'q'" in violations[0]
    assert "minPrice" in violations[0]


def test_querystring__a_value_that_is_not_a_string_is_reported(harness: Harness) -> None:
    """ "For `querystring` parameters, the value MUST resolve to a string": a literal object is
    a plan error (AZ265, at the value's line); an expression that resolves to an object fails
    the step before anything is sent."""
    _setup(harness)
    literal = _document({"operationId": "search", "parameters": [_query_param({"a": 1})]})
    problems = [p for p in check_file(harness.file(literal)) if p.code == "AZ265"]
    assert [p.where.pointer for p in problems] == ["/workflows/0/steps/0/parameters/0/value"]
    assert "got an object" in problems[0].message and problems[0].where.line > 0
    expression = _document({"operationId": "search", "parameters": [_query_param("$inputs.q")]})
    expression["workflows"][0]["inputs"] = {"type": "object"}
    report = harness.fail(expression, inputs={"q": {"a": 1}})
    assert "parameter 'q' (querystring)" in report
    assert "must resolve to a string" in report and "got an object" in report
    assert harness.server.requests == []


def test_querystring__cannot_coexist_with_query_parameters(harness: Harness) -> None:
    """ "The `querystring` location cannot coexist with `query` parameters in the same
    operation": a step with both (its workflow's parameters included) is AZ265."""
    _setup(harness)
    step = {
        "operationId": "search",
        "parameters": [_query_param("a=1"), {"name": "b", "in": "query", "value": 2}],
    }
    plan = harness.plan(_document(step))
    (problem,) = [p for p in plan.errors if p.code == "AZ265"]
    assert "cannot coexist with query parameters" in problem.message
    assert "'b'" in problem.message


def test_querystring__1_0_documents_have_no_querystring(harness: Harness) -> None:
    """A 1.0.1 document keeps its meaning: `querystring` is not one of its `in` values."""
    _setup(harness)
    document = _document({"operationId": "search", "parameters": [_query_param("a=1")]}, "1.0")
    found = [p for p in check_file(harness.file(document)) if p.is_error]
    assert found  # the 1.0 schema's `in` enum (reported at the parameter or at its `in`)
    assert all(p.where.pointer.startswith("/workflows/0/steps/0/parameters/0") for p in found)
    plan = harness.plan(_document({"operationId": "search", "parameters": [_query_param("a=1")]}))
    assert plan.steps[0].parameters[0].location == "querystring"  # the same step, read as 1.1
