"""Arazzo 1.1.0 § Success Action Object and § Failure Action Object `parameters`: "A list of
parameters that MUST be passed to a workflow as referenced by `workflowId` ... The `in` field
MUST NOT be used"; run end to end against the loopback server."""

from __future__ import annotations

from typing import Any

from pytest_arazzo.checks import check_file
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Reply
from tests.conformance_1_1.harness11 import OK, arazzo11

SHOW_INPUTS = {
    "type": "object",
    "properties": {"petId": {"type": "string"}, "note": {"default": "none"}},
}


def _show() -> dict[str, Any]:
    """A workflow that GETs /pets/{petId} for its input petId and outputs what it got."""
    step = {
        "stepId": "show",
        "operationId": "getPet",
        "parameters": [{"name": "petId", "in": "path", "value": "$inputs.petId"}],
        "successCriteria": OK,
        "outputs": {"id": "$response.body#/id"},
    }
    outputs = {"id": "$steps.show.outputs.id", "note": "$inputs.note"}
    return workflow("show", [step], inputs=SHOW_INPUTS, outputs=outputs)


def _create(**extra: Any) -> dict[str, Any]:
    return {"stepId": "create", "operationId": "createPet", "successCriteria": OK, **extra}


def test_goto_workflow__parameters_become_its_inputs(harness: Harness) -> None:
    """§ Success Action Object `parameters`: a `goto` to a workflow passes them as its inputs,
    evaluated in the context of the step (its response), as § Parameter Object says ("When the
    ... success action, or failure action in context specifies a `workflowId`, then all
    parameters map to workflow inputs")."""
    harness.server.route("POST", "/pets", {"id": "p7"})
    harness.server.route("GET", r"/pets/(?P<id>\w+)", lambda request, match: {"id": match["id"]})
    action = {
        "name": "show-it",
        "type": "goto",
        "workflowId": "show",
        "parameters": [
            {"name": "petId", "value": "$response.body#/id"},
            {"name": "note", "value": "status {$statusCode}"},
        ],
    }
    outputs = {"id": "$workflows.show.outputs.id", "note": "$workflows.show.outputs.note"}
    main = workflow("main", [_create(onSuccess=[action])], outputs=outputs)
    result = harness.run(arazzo11([main, _show()]), "main")
    assert [r.path for r in harness.server.requests] == ["/pets", "/pets/p7"]
    assert [r.step_id for r in result.trace] == ["create", "workflow:show"]
    assert result.outputs == {"id": "p7", "note": "status 200"}


def test_retry_workflow__parameters_are_passed_then_the_step_is_retried(harness: Harness) -> None:
    """§ Failure Action Object: a `retry` with `workflowId` runs that workflow (with the
    action's parameters as inputs) "after which the current step is retried"."""
    harness.server.replies("POST", "/pets", [Reply(409, body={"id": "old"}), {"id": "new"}])
    harness.server.route("GET", r"/pets/(?P<id>\w+)", lambda request, match: {"id": match["id"]})
    action = {
        "name": "inspect",
        "type": "retry",
        "workflowId": "show",
        "parameters": [{"name": "petId", "value": "$response.body#/id"}],
        "criteria": [{"condition": "$statusCode == 409"}],
    }
    main = workflow("main", [_create(onFailure=[action], outputs={"id": "$response.body#/id"})])
    document = arazzo11([main, _show()], components=None)
    result = harness.run(document, "main")
    assert [r.path for r in harness.server.requests] == ["/pets", "/pets/old", "/pets"]
    assert result.trace[-1].step_id == "create" and result.trace[-1].passed


def test_action_parameters__an_input_the_expression_cannot_read_fails_the_step(
    harness: Harness,
) -> None:
    """A parameter value that does not resolve fails the step, naming the action and the
    parameter; the workflow it names does not run."""
    harness.server.route("POST", "/pets", {"id": "p7"})
    action = {
        "name": "show-it",
        "type": "goto",
        "workflowId": "show",
        "parameters": [{"name": "petId", "value": "$response.body#/missing"}],
    }
    report = harness.fail(arazzo11([workflow("main", [_create(onSuccess=[action])]), _show()]))
    assert "action 'show-it' parameter 'petId': $response.body#/missing" in report
    assert "no input was passed to workflow 'show'" in report
    assert [r.path for r in harness.server.requests] == ["/pets"]


def test_action_parameters__without_a_workflow_id_are_reported(harness: Harness) -> None:
    """The parameters "MUST be passed to a workflow as referenced by `workflowId`": on an
    action that names none they could go nowhere (AZ269); with `in` they break "The `in`
    field MUST NOT be used" (schema check)."""
    end = {"name": "stop", "type": "end", "parameters": [{"name": "petId", "value": 1}]}
    goto = {
        "name": "go",
        "type": "goto",
        "workflowId": "show",
        "parameters": [{"name": "petId", "in": "query", "value": 1}],
    }
    document = arazzo11([workflow("main", [_create(onSuccess=[end, goto])]), _show()])
    problems = check_file(harness.file(document))
    found = [(p.code, p.where.pointer) for p in problems if p.is_error]
    assert ("AZ269", "/workflows/0/steps/0/onSuccess/0/parameters") in found
    assert any(
        pointer.startswith("/workflows/0/steps/0/onSuccess/1/parameters/0") for _, pointer in found
    )
    (az269,) = [p for p in problems if p.code == "AZ269"]
    assert "action 'stop' has parameters but no workflowId" in az269.message
    assert az269.where.line > 0


def test_action_parameters__1_0_documents_do_not_pass_them(harness: Harness) -> None:
    """A 1.0.1 document keeps its meaning: actions have no `parameters` (a schema error), and a
    goto to a workflow passes the current inputs its schema declares, as before."""
    harness.server.route("POST", "/pets", {"id": "p7"})
    action = {
        "name": "show-it",
        "type": "goto",
        "workflowId": "show",
        "parameters": [{"name": "petId", "value": "$response.body#/id"}],
    }
    document = arazzo([workflow("main", [_create(onSuccess=[action])]), _show()])
    codes = [(p.code, p.where.pointer) for p in check_file(harness.file(document))]
    assert ("AZ102", "/workflows/0/steps/0/onSuccess/0/parameters") in codes
    assert harness.plan(document, "main").steps[0].on_success[0].parameters == []
