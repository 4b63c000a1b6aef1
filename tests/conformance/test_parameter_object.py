"""Arazzo 1.0.1 § Parameter Object (path, query, header, cookie), § Workflow Object parameters,
§ Reusable Object (parameters) and OpenAPI ``style``/``explode`` serialization, end to end.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Request

STYLES_PATH = "/s/{plain}/{label}/{matrix}"


def _param(name: str, location: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": location, "schema": {"type": "array"}, **extra}


def _styles_openapi(harness: Harness) -> None:
    harness.openapi["paths"][STYLES_PATH] = {
        "get": {
            "operationId": "styles",
            "parameters": [
                _param("plain", "path", required=True),
                _param("label", "path", required=True, style="label", explode=True),
                _param("matrix", "path", required=True, style="matrix"),
                _param("ids", "query"),  # form, explode: true (defaults)
                _param("csv", "query", explode=False),
                _param("spaced", "query", style="spaceDelimited", explode=False),
                _param("piped", "query", style="pipeDelimited", explode=False),
                _param("filter", "query", style="deepObject", explode=True),
                _param("point", "query"),  # object, form, explode: true → x=1&y=2
                _param("X-Ids", "header"),
                _param("X-Obj", "header", explode=True),
                _param("session", "cookie"),
                {
                    "name": "assertion",
                    "in": "query",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
            ],
            "responses": {"200": {"description": "ok"}},
        }
    }


def _captured(harness: Harness) -> Request:
    assert len(harness.server.requests) == 1
    return harness.server.requests[0]


def test_parameter_object__serialization_follows_openapi_style_and_explode(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Parameter Object (path/query/header/cookie) with the OpenAPI operation's
    `style`/`explode`: simple, label, matrix, form, delimited, deepObject, and `content`."""
    _styles_openapi(harness)
    harness.server.route("GET", "/s/.*", {})
    parameters = [
        {"name": "plain", "in": "path", "value": ["a", "b c"]},
        {"name": "label", "in": "path", "value": ["x", "y"]},
        {"name": "matrix", "in": "path", "value": {"r": 1, "g": 2}},
        {"name": "ids", "in": "query", "value": [1, 2]},
        {"name": "csv", "in": "query", "value": [1, 2]},
        {"name": "spaced", "in": "query", "value": ["a", "b"]},
        {"name": "piped", "in": "query", "value": ["a", "b"]},
        {"name": "filter", "in": "query", "value": {"status": "open", "tags": {"a": True}}},
        {"name": "point", "in": "query", "value": {"x": 1, "y": 2}},
        {"name": "X-Ids", "in": "header", "value": [3, 4]},
        {"name": "X-Obj", "in": "header", "value": {"a": 1, "b": 2}},
        {"name": "session", "in": "cookie", "value": "s p&c"},
        {"name": "assertion", "in": "query", "value": {"iss": "me"}},
    ]
    step = {"stepId": "s", "operationId": "styles", "parameters": parameters}
    harness.run(arazzo(workflow("w", [step])))
    request = _captured(harness)
    assert request.raw_path == "/s/a,b%20c/.x.y/;matrix=r,1,g,2"
    assert request.query == [
        ("ids", "1"),
        ("ids", "2"),
        ("csv", "1,2"),
        ("spaced", "a b"),
        ("piped", "a|b"),
        ("filter[status]", "open"),
        ("filter[tags][a]", "true"),
        ("x", "1"),
        ("y", "2"),
        ("assertion", '{"iss":"me"}'),
    ]
    assert request.header("x-ids") == "3,4"
    assert request.header("x-obj") == "a=1,b=2"
    assert request.cookies == {"session": "s p&c"}


def test_parameter_object__workflow_parameters_apply_and_steps_override(harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object parameters: "applicable for all steps ... can be
    overridden at the step level but cannot be removed there" (same name and `in`; header
    names are case-insensitive)."""
    harness.server.route("GET", "/health", {})
    harness.server.route("GET", "/pets", [])
    steps = [
        {"stepId": "a", "operationId": "health"},
        {
            "stepId": "b",
            "operationId": "listPets",
            "parameters": [
                {"name": "x-tenant", "in": "header", "value": "step"},
                {"name": "limit", "in": "header", "value": "not-the-query-one"},
            ],
        },
    ]
    wf = workflow(
        "w",
        steps,
        parameters=[
            {"name": "X-Tenant", "in": "header", "value": "workflow"},
            {"name": "limit", "in": "query", "value": 5},
            {"name": "trace", "in": "cookie", "value": "t1"},
        ],
    )
    harness.run(arazzo(wf))
    first, second = harness.server.requests
    assert first.header("x-tenant") == "workflow" and first.args == {"limit": "5"}
    assert second.header("x-tenant") == "step"
    assert second.args == {"limit": "5"} and second.header("limit") == "not-the-query-one"
    assert first.cookies == second.cookies == {"trace": "t1"}


def test_reusable_object__parameter_reference_with_value_override(harness: Harness) -> None:
    """Arazzo 1.0.1 § Reusable Object: `reference: $components.parameters.page` with `value`
    "Sets a value of the referenced parameter"."""
    harness.server.route("GET", "/pets", [])
    components = {
        "parameters": {
            "page": {"name": "page", "in": "query", "value": 1},
            "size": {"name": "size", "in": "query", "value": "$inputs.size"},
        }
    }
    step = {
        "stepId": "s",
        "operationId": "listPets",
        "parameters": [
            {"reference": "$components.parameters.page", "value": 3},
            {"reference": "$components.parameters.size"},
        ],
    }
    harness.run(arazzo(workflow("w", [step]), components=components), inputs={"size": 20})
    assert _captured(harness).args == {"page": "3", "size": "20"}


def test_parameter_object__absent_optional_input_is_left_out(harness: Harness) -> None:
    """Arazzo 1.0.1 § Parameter Object value `$inputs.x` (decision): an optional input that was
    not given leaves the parameter out; it is never sent empty or as 'None'."""
    harness.server.route("GET", "/pets", [])
    step = {
        "stepId": "s",
        "operationId": "listPets",
        "parameters": [
            {"name": "status", "in": "query", "value": "$inputs.status"},
            {"name": "limit", "in": "query", "value": "$inputs.limit"},
            {"name": "X-Note", "in": "header", "value": "$inputs.note"},
        ],
    }
    inputs = {"type": "object", "properties": {k: {} for k in ("status", "limit", "note")}}
    harness.run(arazzo(workflow("w", [step], inputs=inputs)), inputs={"limit": 0})
    request = _captured(harness)
    assert request.args == {"limit": "0"}
    assert request.header("x-note") is None


def test_parameter_object__path_values_cannot_add_segments(harness: Harness) -> None:
    """Arazzo 1.0.1 § Parameter Object `in: path`: the value is one percent-encoded segment."""
    harness.server.route("GET", r"/pets/.*", {})
    step = {
        "stepId": "s",
        "operationId": "getPet",
        "parameters": [{"name": "petId", "in": "path", "value": "../admin?x=1#y"}],
    }
    harness.run(arazzo(workflow("w", [step])))
    request = _captured(harness)
    assert request.raw_path == "/pets/..%2Fadmin%3Fx%3D1%23y"
    assert request.path == "/pets/../admin?x=1#y" and request.query == []


def test_parameter_object__missing_in_for_an_operation_is_a_plan_error(harness: Harness) -> None:
    """Arazzo 1.0.1 § Parameter Object `in`: "In all other scenarios (e.g., a step specifies an
    operationId), the in field MUST be specified"."""
    step = {"stepId": "s", "operationId": "listPets", "parameters": [{"name": "limit", "value": 1}]}
    report = harness.fail(arazzo(workflow("w", [step])))
    assert "AZ220" in report and "parameter 'limit' has no 'in'" in report
    assert harness.server.requests == []


def test_parameter_object__path_parameter_not_given_fails_before_sending(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Parameter Object `in: path`: a path template variable with no parameter
    means the URL cannot be built; the step fails naming it (and what the step gave instead)."""
    step = {
        "stepId": "s",
        "operationId": "getPet",
        "parameters": [{"name": "pet_id", "in": "path", "value": 1}],
    }
    report = harness.fail(arazzo(workflow("w", [step])))
    assert "cannot build the request: path: /pets/{petId} needs path parameter 'petId'" in report
    assert "(it gives path parameter 'pet_id')" in report
    assert harness.server.requests == []


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "nul\x00"])
def test_parameter_object__header_values_cannot_inject_headers(
    harness: Harness, value: str
) -> None:
    """Arazzo 1.0.1 § Parameter Object `in: header`: a value with CR/LF/NUL is refused."""
    step = {
        "stepId": "s",
        "operationId": "health",
        "parameters": [{"name": "X-Note", "in": "header", "value": "$inputs.note"}],
    }
    report = harness.fail(arazzo(workflow("w", [step])), inputs={"note": value})
    assert "header 'X-Note' value contains a line break or NUL" in report
    assert harness.server.requests == []


def test_parameter_object__header_value_outside_latin1_is_refused_before_sending(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Parameter Object `in: header`: HTTP/1.1 header values are ISO-8859-1 text
    (RFC 9110 § 5.5), so a value such as '東京' cannot be sent: the step fails naming the header,
    instead of the HTTP client crashing while sending. Latin-1 text ('Zürich') is sent."""
    harness.server.route("GET", "/health", {})
    step = {
        "stepId": "s",
        "operationId": "health",
        "parameters": [{"name": "X-City", "in": "header", "value": "$inputs.city"}],
    }
    document = arazzo(workflow("w", [step]))
    report = harness.fail(document, inputs={"city": "東京"})
    assert "cannot build the request: parameter 'X-City': header 'X-City' value '東京'" in report
    assert "only ISO-8859-1 text" in report
    assert harness.server.requests == []
    harness.run(document, inputs={"city": "Zürich"})
    assert harness.server.requests[0].header("x-city") == "Zürich"


def test_parameter_object__cookie_object_keys_cannot_inject_headers(harness: Harness) -> None:
    """Arazzo 1.0.1 § Parameter Object `in: cookie`: an exploded object value makes its keys
    cookie names; a key with a line break is refused like any header value with one."""
    step = {
        "stepId": "s",
        "operationId": "health",
        "parameters": [{"name": "prefs", "in": "cookie", "value": "$inputs.prefs"}],
    }
    report = harness.fail(
        arazzo(workflow("w", [step])), inputs={"prefs": {"a\r\nX-Injected: 1": "v"}}
    )
    assert "cannot build the request: cookie parameters: header 'Cookie' value contains a line" in (
        report
    )
    assert harness.server.requests == []


@pytest.mark.parametrize("value", ["..", "."])
def test_parameter_object__path_value_that_is_a_dot_segment_is_refused(
    harness: Harness, value: str
) -> None:
    """Arazzo 1.0.1 § Parameter Object `in: path`: a path value must not change which resource
    is called. '..' or '.' as a whole segment would be removed by the HTTP client (RFC 3986
    § 5.2.4: `DELETE /pets/..` goes out as `DELETE /`), so the step fails before sending."""
    harness.server.route("*", ".*", {})
    step = {
        "stepId": "s",
        "operationId": "deletePet",
        "parameters": [{"name": "petId", "in": "path", "value": "$inputs.id"}],
    }
    report = harness.fail(arazzo(workflow("w", [step])), inputs={"id": value})
    assert f"/pets/{{petId}} with the value '{value}' would be sent as a dot-segment" in report
    assert harness.server.requests == []
