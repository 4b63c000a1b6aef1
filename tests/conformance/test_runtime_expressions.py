"""Arazzo 1.0.1 § Runtime Expressions, run end to end against a loopback server.

Every expression form of the ABNF is read from a real exchange; values keep their type; JSON
Pointer escapes and case-insensitive header names work; a malformed expression is a plan-time
error naming the step and the field, before any request is sent.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Reply

PET = {"id": 42, "name": "Rex", "tags": ["a", "b"], "a/b": {"m~n": 5}, "vaccinated": True}


def _create_step(**extra: Any) -> dict[str, Any]:
    return {
        "stepId": "create",
        "operationId": "createPet",
        "parameters": [
            {"name": "X-Request-Id", "in": "header", "value": "req-1"},
            {"name": "limit", "in": "query", "value": 10},
        ],
        "requestBody": {"payload": {"name": "$inputs.name", "age": 3}},
        "successCriteria": [{"condition": "$statusCode == 201"}],
        **extra,
    }


def _serve_pets(harness: Harness) -> None:
    harness.server.route(
        "POST", "/pets", Reply(201, PET, {"X-Rate-Limit": "7", "Location": "/pets/42"})
    )
    harness.server.route("GET", r"/pets/(\d+)", lambda request, match: {**PET, "id": 42})


def test_runtime_expressions__request_and_response_sources(harness: Harness) -> None:
    """Arazzo 1.0.1 § Runtime Expressions: $url, $method, $statusCode, $request.*, $response.*."""
    _serve_pets(harness)
    outputs = {
        "url": "$url",
        "method": "$method",
        "status": "$statusCode",
        "requestHeader": "$request.header.x-request-id",
        "requestQuery": "$request.query.limit",
        "requestBody": "$request.body",
        "requestName": "$request.body#/name",
        "rateLimit": "$response.header.x-rate-limit",
        "location": "$response.header.LOCATION",
        "id": "$response.body#/id",
        "tags": "$response.body#/tags",
        "firstTag": "$response.body#/tags/0",
        "escaped": "$response.body#/a~1b/m~0n",
        "vaccinated": "$response.body#/vaccinated",
        "body": "$response.body",
    }
    exposed = {name: f"$steps.create.outputs.{name}" for name in outputs}
    document = arazzo(workflow("w", [_create_step(outputs=outputs)], outputs=exposed))
    out = harness.run(document, inputs={"name": "Rex"}).outputs
    assert out["url"] == f"{harness.server.url}/pets?limit=10"
    assert out["method"] == "POST"
    assert out["status"] == 201
    assert out["requestHeader"] == "req-1"
    assert out["requestQuery"] == "10"
    assert out["requestBody"] == {"name": "Rex", "age": 3}
    assert out["requestName"] == "Rex"
    assert out["rateLimit"] == "7"
    assert out["location"] == "/pets/42"
    assert out["id"] == 42 and isinstance(out["id"], int)
    assert out["tags"] == ["a", "b"]
    assert out["firstTag"] == "a"
    assert out["escaped"] == 5
    assert out["vaccinated"] is True
    assert out["body"] == PET


def test_runtime_expressions__response_body_pointer_reads_json_sent_with_a_bom(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Runtime Expressions `$response.body#/status`: a JSON body that starts with
    a UTF-8 byte order mark (some servers send one) is still JSON, so pointers read into it."""
    harness.server.route(
        "GET",
        "/health",
        Reply(200, b'\xef\xbb\xbf{"status": "open"}', {"Content-Type": "application/json"}),
    )
    step = {
        "stepId": "ping",
        "operationId": "health",
        "successCriteria": [{"condition": "$response.body#/status == 'open'"}],
        "outputs": {"status": "$response.body#/status"},
    }
    document = arazzo(workflow("w", [step], outputs={"status": "$steps.ping.outputs.status"}))
    assert harness.run(document).outputs == {"status": "open"}


def test_runtime_expressions__request_path_and_step_outputs_keep_types(harness: Harness) -> None:
    """Arazzo 1.0.1 § Runtime Expressions: $request.path.*, $steps.<id>.outputs.* (typed)."""
    _serve_pets(harness)
    steps = [
        _create_step(outputs={"pet": "$response.body", "id": "$response.body#/id"}),
        {
            "stepId": "fetch",
            "operationId": "getPet",
            "parameters": [{"name": "petId", "in": "path", "value": "$steps.create.outputs.id"}],
            "successCriteria": [{"condition": "$request.path.petId == 42"}],
            "outputs": {
                "petId": "$request.path.petId",
                "tagsOfPet": "$steps.create.outputs.pet#/tags",
            },
        },
    ]
    outputs = {
        "petId": "$steps.fetch.outputs.petId",
        "tags": "$steps.fetch.outputs.tagsOfPet",
        "secondTag": "$steps.create.outputs.pet#/tags/1",
        "summary": "pet {$steps.create.outputs.id} is {$steps.create.outputs.pet#/name}",
    }
    result = harness.run(arazzo(workflow("w", steps, outputs=outputs)), inputs={"name": "Rex"})
    assert result.outputs == {
        "petId": 42,
        "tags": ["a", "b"],
        "secondTag": "b",
        "summary": "pet 42 is Rex",
    }
    assert harness.server.received("GET")[0].path == "/pets/42"


def test_runtime_expressions__inputs_outputs_workflows_sources_components(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Runtime Expressions: $inputs, $outputs, $workflows, $sourceDescriptions,
    $components (a workflow's own outputs may read the ones declared before them)."""
    harness.server.route("GET", "/health", {"ok": True, "version": "2.1"})
    setup = workflow(
        "setup",
        [
            {
                "stepId": "ping",
                "operationId": "health",
                "outputs": {"version": "$response.body#/version"},
            }
        ],
        inputs={"type": "object", "properties": {"region": {"type": "string"}}},
        outputs={"version": "$steps.ping.outputs.version"},
    )
    main = workflow(
        "main",
        [{"stepId": "check", "operationId": "health"}],
        dependsOn=["setup"],
        inputs={
            "type": "object",
            "properties": {"region": {"type": "string"}, "count": {"type": "integer"}},
        },
        outputs={
            "region": "$inputs.region",
            "count": "$inputs.count",
            "regionAgain": "$outputs.region",
            "setupRegion": "$workflows.setup.inputs.region",
            "setupVersion": "$workflows.setup.outputs.version",
            "sourceUrl": "$sourceDescriptions.pets.url",
            "sourceType": "$sourceDescriptions.pets.type",
            "page": "$components.parameters.page",
            "pageValue": "$components.parameters.page.value",
            "pagination": "$components.inputs.pagination",
            "label": "{$inputs.region}-{$inputs.count}",
        },
    )
    components = {
        "parameters": {"page": {"name": "page", "in": "query", "value": 3}},
        "inputs": {"pagination": {"type": "object", "properties": {"page": {"type": "integer"}}}},
    }
    document = arazzo([setup, main], components=components)
    result = harness.run(document, "main", {"region": "eu", "count": 2})
    assert result.outputs == {
        "region": "eu",
        "count": 2,
        "regionAgain": "eu",
        "setupRegion": "eu",
        "setupVersion": "2.1",
        "sourceUrl": "./pets.openapi.yaml",
        "sourceType": "openapi",
        "page": {"name": "page", "in": "query", "value": 3},
        "pageValue": 3,
        "pagination": {"type": "object", "properties": {"page": {"type": "integer"}}},
        "label": "eu-2",
    }


def test_runtime_expressions__whole_expression_keeps_type_template_is_text(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Runtime Expressions: "Runtime expressions preserve the type of the
    referenced value"; "Expressions can be embedded into string values" with {}."""
    harness.server.route("POST", "/pets", Reply(201, {"id": 1}))
    step = {
        "stepId": "create",
        "operationId": "createPet",
        "parameters": [
            {"name": "Authorization", "in": "header", "value": "Bearer {$inputs.token}"}
        ],
        "requestBody": {
            "payload": {
                "count": "$inputs.count",
                "tags": "$inputs.tags",
                "owner": "$inputs.owner",
                "text": "{$inputs.count} pets",
                "literal": "$5 off, {$ not an expression}",
            }
        },
    }
    inputs = {"token": "t0k", "count": 3, "tags": ["x"], "owner": {"id": 7}}
    harness.run(arazzo(workflow("w", [step])), inputs=inputs)
    request = harness.server.received("POST", "/pets")[0]
    assert request.header("authorization") == "Bearer t0k"
    assert request.json() == {
        "count": 3,
        "tags": ["x"],
        "owner": {"id": 7},
        "text": "3 pets",
        "literal": "$5 off, {$ not an expression}",
    }


def test_runtime_expressions__malformed_expression_fails_before_any_request(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Runtime Expressions (ABNF): a malformed expression is an error naming the
    step and the field, reported before any request is sent."""
    steps = [
        {"stepId": "first", "operationId": "health"},
        {
            "stepId": "second",
            "operationId": "listPets",
            "parameters": [{"name": "limit", "in": "query", "value": "$response.body.count"}],
            "outputs": {"pet": "$steps.first.outptus.pet", "name": "{$inputs.name"},
        },
    ]
    report = harness.fail(arazzo(workflow("w", steps)))
    assert "3 problems in the workflow file; no request was sent" in report
    assert (
        "step 'second' parameters/0/value: invalid runtime expression '$response.body.count'"
        in report
    )
    assert "did you mean '$response.body#/count'?" in report
    assert "step 'second' outputs/pet: invalid runtime expression" in report
    assert "did you mean '$steps.first.outputs.pet'?" in report
    assert "step 'second' outputs/name: invalid runtime expression '{$inputs.name'" in report
    assert "expected '}' to close the embedded expression" in report
    assert harness.server.requests == []


def test_runtime_expressions__malformed_expression_in_a_called_workflow_fails_first(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Runtime Expressions: problems in any workflow the run can reach (here a
    workflowId step's target) are reported before the first request."""
    caller = workflow(
        "caller",
        [{"stepId": "ping", "operationId": "health"}, {"stepId": "call", "workflowId": "callee"}],
    )
    callee = workflow(
        "callee", [{"stepId": "s", "operationId": "health", "outputs": {"x": "$statuscode"}}]
    )
    report = harness.fail(arazzo([caller, callee]), "caller")
    assert "step 's' outputs/x: invalid runtime expression '$statuscode'" in report
    assert "did you mean '$statusCode'?" in report
    assert harness.server.requests == []


def test_runtime_expressions__unresolvable_value_names_step_output_and_reason(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Runtime Expressions: a well-formed expression with no value at run time
    fails the step and says which expression and why."""
    _serve_pets(harness)
    step = _create_step(outputs={"owner": "$response.body#/owner/name"})
    report = harness.fail(arazzo(workflow("w", [step])), inputs={"name": "Rex"})
    assert "step 'create' output 'owner' ($response.body#/owner/name) did not resolve" in report
    assert "no key 'owner'" in report


def test_runtime_expressions__missing_response_header_fails_next_request_build(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Runtime Expressions: `$response.header.<token>`: a header that is not
    there is named, with the headers the response has."""
    _serve_pets(harness)
    steps = [
        _create_step(outputs={"etag": "$response.header.ETag"}),
        {"stepId": "next", "operationId": "health"},
    ]
    report = harness.fail(arazzo(workflow("w", steps)), inputs={"name": "Rex"})
    assert "the response has no header 'ETag'" in report
    assert "X-Rate-Limit" in report
