"""Arazzo 1.0.1 § Workflow Object `inputs` (JSON Schema 2020-12) and `outputs`, § Step Object
`outputs`: inputs are validated before any request, schema defaults apply, `$ref` works, and
outputs must resolve.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.harness import Harness, arazzo, workflow

PING = [{"stepId": "ping", "operationId": "health", "outputs": {"body": "$response.body"}}]
SCHEMA = {
    "type": "object",
    "required": ["customer", "amount"],
    "properties": {
        "customer": {"type": "string", "pattern": "^cus_"},
        "amount": {"type": "integer", "minimum": 1},
        "currency": {"type": "string", "default": "usd", "enum": ["usd", "eur"]},
        "options": {
            "type": "object",
            "properties": {
                "expand": {"type": "boolean", "default": False},
                "limit": {"type": "integer"},
            },
        },
    },
    "additionalProperties": False,
}


def _echo_inputs(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    outputs = {name: f"$inputs.{name}" for name in schema["properties"]}
    return arazzo(workflow("w", PING, inputs=schema, outputs=outputs), **extra)


def test_workflow_object__inputs_every_violation_listed_before_any_request(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Workflow Object inputs: "A JSON Schema 2020-12 object representing the
    input parameters"; invalid inputs fail before any request, listing every violation."""
    harness.server.route("GET", "/health", {})
    report = harness.fail(
        _echo_inputs(SCHEMA), inputs={"customer": "x_1", "currency": "gbp", "colour": "red"}
    )
    assert "inputs do not match the workflow's input schema" in report
    assert "(inputs): 'amount' is a required property" in report
    assert "(inputs): Additional properties are not allowed ('colour' was unexpected)" in report
    assert "customer: 'x_1' does not match '^cus_'" in report
    assert "currency: 'gbp' is not one of ['usd', 'eur']" in report
    assert harness.server.requests == []


def test_workflow_object__inputs_schema_defaults_apply(harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object inputs (decision): `default` values of the schema fill
    inputs that were not given, also inside a given object."""
    harness.server.route("GET", "/health", {})
    result = harness.run(
        _echo_inputs(SCHEMA), inputs={"customer": "cus_1", "amount": 5, "options": {"limit": 2}}
    )
    assert result.outputs == {
        "customer": "cus_1",
        "amount": 5,
        "currency": "usd",
        "options": {"limit": 2, "expand": False},
    }
    assert result.inputs["currency"] == "usd"


def test_components_object__inputs_ref_resolves_in_the_arazzo_document(harness: Harness) -> None:
    """Arazzo 1.0.1 § Reusable Object: "Input Objects MUST use standard JSON Schema referencing
    via the $ref keyword": `$ref: '#/components/inputs/x'` (nested refs too)."""
    harness.server.route("GET", "/health", {})
    components = {
        "inputs": {
            "order": {
                "type": "object",
                "required": ["store"],
                "properties": {
                    "store": {"$ref": "#/components/inputs/store"},
                    "qty": {"type": "integer", "default": 1},
                },
            },
            "store": {"type": "string", "minLength": 3},
        }
    }
    wf = workflow(
        "w", PING, inputs={"$ref": "#/components/inputs/order"}, outputs={"qty": "$inputs.qty"}
    )
    document = arazzo(wf, components=components)
    assert harness.run(document, inputs={"store": "pets.example"}).outputs == {"qty": 1}
    report = harness.fail(document, inputs={"store": "x"})
    assert "store: 'x' is too short" in report


def test_workflow_object__inputs_ref_that_does_not_resolve_is_a_plan_error(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Workflow Object inputs: a `$ref` that resolves nowhere fails before any
    request, naming it."""
    wf = workflow("w", PING, inputs={"$ref": "#/components/inputs/ordr"})
    report = harness.fail(arazzo(wf, components={"inputs": {"order": {"type": "object"}}}))
    assert "$ref '#/components/inputs/ordr' does not resolve" in report
    assert harness.server.requests == []


def test_workflow_object__called_workflow_inputs_are_validated(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object workflowId: the parameters are the callee's inputs, checked
    against the callee's schema."""
    callee = workflow(
        "callee", PING, inputs={"type": "object", "properties": {"n": {"type": "integer"}}}
    )
    caller = workflow(
        "caller",
        [
            {
                "stepId": "call",
                "workflowId": "callee",
                "parameters": [{"name": "n", "value": "three"}],
            }
        ],
    )
    report = harness.fail(arazzo([caller, callee]), "caller")
    assert "the called workflow 'callee' failed" in report
    assert "n: 'three' is not of type 'integer'" in report
    assert harness.server.requests == []


def test_workflow_object__outputs_must_resolve(harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object outputs: "A map between a friendly name and a dynamic
    output value"; one that does not resolve fails the run, naming each output and why."""
    harness.server.route("GET", "/health", {"status": "up"})
    outputs = {
        "status": "$steps.ping.outputs.body#/status",
        "version": "$steps.ping.outputs.body#/version",
        "other": "$steps.ping.outputs.nope",
    }
    report = harness.fail(arazzo(workflow("w", PING, outputs=outputs)))
    assert "workflow output 'version' ($steps.ping.outputs.body#/version) did not resolve" in report
    assert "no key 'version'" in report
    assert "workflow output 'other' ($steps.ping.outputs.nope) did not resolve" in report
    assert "step 'ping' has no output 'nope' (it has: body)" in report


def test_workflow_object__output_of_a_skipped_step_fails_unless_the_workflow_ended(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Workflow Object outputs: when the workflow runs to its end, an output of a
    step that a goto skipped does not resolve (only an `end` returns "applicable outputs")."""
    harness.server.route("GET", "/health", {})
    steps = [
        {**PING[0], "onSuccess": [{"name": "skip", "type": "goto", "stepId": "last"}]},
        {"stepId": "skipped", "operationId": "health", "outputs": {"x": "$statusCode"}},
        {"stepId": "last", "operationId": "health"},
    ]
    report = harness.fail(arazzo(workflow("w", steps, outputs={"x": "$steps.skipped.outputs.x"})))
    assert "workflow output 'x' ($steps.skipped.outputs.x) did not resolve" in report
    assert "step 'skipped' has not run yet" in report


def test_step_object__outputs_must_resolve(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object outputs: an output that does not resolve fails the step."""
    harness.server.route("GET", "/health", [1, 2])
    step = {"stepId": "ping", "operationId": "health", "outputs": {"third": "$response.body#/2"}}
    report = harness.fail(arazzo(workflow("w", [step])))
    assert "step 'ping' output 'third' ($response.body#/2) did not resolve" in report
    assert "index 2 out of range (length 2)" in report


def test_step_object__unresolved_output_report_shows_the_step_exchange_and_trace(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Step Object outputs: the failure of an output names the step (with its
    position), the request and response, the body the output could not read, and the steps run
    including this one."""
    harness.server.route("GET", "/health", {"ok": True})
    harness.server.route("GET", "/pets", {"data": []})
    steps = [
        {"stepId": "ping", "operationId": "health"},
        {
            "stepId": "list",
            "operationId": "listPets",
            "outputs": {"id": "$response.body#/data/0/id"},
        },
    ]
    report = harness.fail(arazzo(workflow("w", steps)))
    assert "at step 'list' (main.arazzo.yaml:" in report
    assert f"request:  GET {harness.server.url}/pets" in report
    assert "response: 200 OK" in report
    assert "step 'list' output 'id' ($response.body#/data/0/id) did not resolve" in report
    assert 'response body: {"data": []}' in report
    assert "steps run: ping 200 ok, list 200 FAILED (outputs did not resolve)" in report


def test_workflow_object__inputs_ref_with_siblings_reach_dependencies_and_defaults(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Workflow Object `inputs`/`dependsOn`: a `$ref` with sibling keywords
    (here `description`) still declares the referenced properties, so a dependency receives the
    inputs it declares and their `default`s apply."""
    harness.server.route("GET", "/pets", lambda request, match: {"query": request.args})
    harness.server.route("GET", "/health", {})
    auth = {
        "type": "object",
        "required": ["token"],
        "properties": {"token": {"type": "string"}, "limit": {"type": "integer", "default": 5}},
    }
    setup_step = {
        "stepId": "list",
        "operationId": "listPets",
        "parameters": [
            {"name": "status", "in": "query", "value": "$inputs.token"},
            {"name": "limit", "in": "query", "value": "$inputs.limit"},
        ],
    }
    ref = {"$ref": "#/components/inputs/auth", "description": "credentials"}
    document = arazzo(
        [
            workflow("main", PING, dependsOn=["setup"], inputs=ref),
            workflow("setup", [setup_step], inputs=ref),
        ],
        components={"inputs": {"auth": auth}},
    )
    harness.run(document, "main", inputs={"token": "t-1"})
    assert harness.server.received("GET", "/pets")[0].args == {"status": "t-1", "limit": "5"}
