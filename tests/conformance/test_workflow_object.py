"""Arazzo 1.0.1 § Workflow Object (dependsOn, inputs, outputs), § Step Object (workflowId) and
§ Source Description Object (type: arazzo), run end to end.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.harness import PETS, Harness, arazzo, workflow
from tests.conformance.server import Reply

OK = [{"condition": "$statusCode == 200"}]
NAME_INPUT = {"type": "object", "properties": {"name": {"type": "string"}}}


def _paths(harness: Harness) -> list[str]:
    return [f"{request.method} {request.path}" for request in harness.server.requests]


def _create(outputs: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "stepId": "create",
        "operationId": "createPet",
        "requestBody": {"payload": {"name": "$inputs.name"}},
        "successCriteria": OK,
        "outputs": outputs or {"id": "$response.body#/id"},
    }


def _serve(harness: Harness) -> None:
    harness.server.route(
        "POST", "/pets", lambda request, match: {"id": 7, "name": request.json().get("name")}
    )
    harness.server.route("GET", r"/pets/(\d+)", lambda request, match: {"id": int(match[1])})
    harness.server.route("GET", "/health", {"up": True})


def test_workflow_object__depends_on_runs_first_and_exposes_outputs(harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object dependsOn: "A list of workflows that MUST be completed
    before this workflow can be processed"; their outputs are read via $workflows.<id>."""
    _serve(harness)
    setup = workflow(
        "setup", [_create()], inputs=NAME_INPUT, outputs={"petId": "$steps.create.outputs.id"}
    )
    main = workflow(
        "main",
        [
            {
                "stepId": "fetch",
                "operationId": "getPet",
                "parameters": [
                    {"name": "petId", "in": "path", "value": "$workflows.setup.outputs.petId"}
                ],
                "successCriteria": OK,
            }
        ],
        dependsOn=["setup"],
        inputs={"type": "object", "properties": {"name": {"type": "string"}, "extra": {}}},
        outputs={"setupName": "$workflows.setup.inputs.name"},
    )
    result = harness.run(arazzo([main, setup]), "main", {"name": "Rex", "extra": 1})
    assert _paths(harness) == ["POST /pets", "GET /pets/7"]
    assert harness.server.requests[0].json() == {"name": "Rex"}
    assert result.outputs == {"setupName": "Rex"}
    assert result.trace[0].render() == "workflow:setup ok"


def test_workflow_object__shared_dependency_runs_once(harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object dependsOn (decision): a workflow several others depend on
    runs once per run."""
    _serve(harness)
    ping = [{"stepId": "ping", "operationId": "health"}]
    documents = [
        workflow("base", ping),
        workflow("left", ping, dependsOn=["base"]),
        workflow("right", ping, dependsOn=["base"]),
        workflow("top", ping, dependsOn=["left", "right"]),
    ]
    harness.run(arazzo(documents), "top")
    assert _paths(harness) == ["GET /health"] * 4


def test_workflow_object__failed_dependency_fails_the_dependant_clearly(harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object dependsOn: a dependency that fails means the dependant
    cannot be processed; the report names both and shows the dependency's failure."""
    harness.server.route("GET", "/health", Reply(503, {"error": "maintenance"}))
    setup = workflow("setup", [{"stepId": "ping", "operationId": "health", "successCriteria": OK}])
    main = workflow("main", [{"stepId": "list", "operationId": "listPets"}], dependsOn=["setup"])
    report = harness.fail(arazzo([setup, main]), "main")
    assert report.startswith("workflow 'main'")
    assert "it depends on workflow 'setup', which failed, so none of its own steps ran" in report
    assert "workflow 'setup' (main.arazzo.yaml" in report and "at step 'ping'" in report
    assert "criterion failed: $statusCode == 200 with $statusCode = 503" in report
    assert _paths(harness) == ["GET /health"]


def test_workflow_object__depends_on_cycle_is_a_plan_error(harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object dependsOn: workflows that depend on each other in a cycle
    can never be processed: rejected before any request, with the cycle spelled out."""
    ping = [{"stepId": "ping", "operationId": "health"}]
    document = arazzo(
        [
            workflow("a", ping, dependsOn=["b"]),
            workflow("b", ping, dependsOn=["c"]),
            workflow("c", ping, dependsOn=["a"]),
            workflow("self", ping, dependsOn=["self"]),
        ]
    )
    report = harness.fail(document, "a")
    assert "AZ254" in report and "dependsOn forms a cycle: a -> b -> c -> a" in report
    assert "dependsOn forms a cycle: self -> self" in harness.fail(document, "self")
    assert harness.server.requests == []


def test_workflow_object__depends_on_unknown_workflow_is_a_plan_error(harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object dependsOn: "Each value provided MUST be a workflowId"."""
    ping = [{"stepId": "ping", "operationId": "health"}]
    document = arazzo([workflow("setUp", ping), workflow("main", ping, dependsOn=["setup"])])
    report = harness.fail(document, "main")
    assert (
        "AZ253" in report and "workflow 'main' depends on 'setup', which does not exist" in report
    )
    assert "did you mean 'setUp'?" in report


def test_step_object__workflow_id_parameters_become_inputs_and_outputs_come_back(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Step Object workflowId and § Parameter Object "When the step in context
    specifies a workflowId, then all parameters map to workflow inputs"; the callee's outputs
    come back as `$outputs.*` in the step (decision) and as `$workflows.<id>.outputs.*`."""
    _serve(harness)
    callee = workflow(
        "create-pet",
        [_create({"id": "$response.body#/id", "name": "$response.body#/name"})],
        inputs=NAME_INPUT,
        outputs={"petId": "$steps.create.outputs.id", "petName": "$steps.create.outputs.name"},
    )
    caller = workflow(
        "caller",
        [
            {
                "stepId": "make",
                "workflowId": "create-pet",
                "parameters": [{"name": "name", "value": "{$inputs.prefix}-dog"}],
                "successCriteria": [
                    {"condition": "$statusCode == 200"},  # the callee's last response
                    {"condition": "$outputs.petId == 7"},
                ],
                "outputs": {
                    "id": "$outputs.petId",
                    "sameId": "$workflows.create-pet.outputs.petId",
                    "body": "$response.body",
                },
            },
            {
                "stepId": "again",
                "workflowId": "create-pet",
                "parameters": [{"name": "name", "value": "cat"}],
            },
        ],
        inputs={"type": "object", "properties": {"prefix": {"type": "string"}}},
        outputs={
            "id": "$steps.make.outputs.id",
            "sameId": "$steps.make.outputs.sameId",
            "body": "$steps.make.outputs.body",
            "secondName": "$steps.again.outputs.petName",  # no outputs map: all callee outputs
        },
    )
    result = harness.run(arazzo([caller, callee]), "caller", {"prefix": "hot"})
    assert result.outputs == {
        "id": 7,
        "sameId": 7,
        "body": {"id": 7, "name": "hot-dog"},
        "secondName": "cat",
    }


def test_step_object__called_workflow_failure_fails_the_step_and_can_be_retried(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Step Object workflowId: the called workflow failing is the step failing,
    so the step's failure actions apply; without one the report shows the callee's failure."""
    harness.server.replies("GET", "/health", [Reply(500), Reply(200)])
    callee = workflow("check", [{"stepId": "ping", "operationId": "health", "successCriteria": OK}])
    retrying = workflow(
        "retrying",
        [{"stepId": "call", "workflowId": "check", "onFailure": [{"name": "r", "type": "retry"}]}],
    )
    harness.run(arazzo([retrying, callee]), "retrying")
    harness.server.routes.clear()
    harness.server.route("GET", "/health", Reply(500))
    plain = workflow("plain", [{"stepId": "call", "workflowId": "check"}])
    report = harness.fail(arazzo([plain, callee]), "plain")
    assert "workflow 'plain'" in report and "at step 'call'" in report
    assert "the called workflow 'check' failed:" in report
    assert "workflow 'check' (main.arazzo.yaml" in report


def test_step_object__workflow_id_that_does_not_exist_is_a_plan_error(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object workflowId: "referencing an existing workflow"."""
    document = arazzo(workflow("w", [{"stepId": "call", "workflowId": "nope"}]))
    assert "workflow 'nope' does not exist" in harness.fail(document)


def test_limits__workflows_calling_each_other_stop_at_max_depth(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object workflowId: mutual recursion is stopped with a clear failure."""
    documents = [
        workflow("a", [{"stepId": "call", "workflowId": "b"}]),
        workflow("b", [{"stepId": "call", "workflowId": "a"}]),
    ]
    report = harness.fail(arazzo(documents), "a")
    assert "workflows nest deeper than 16 levels" in report


def _other_document() -> dict[str, Any]:
    """An Arazzo document in a subdirectory, with its own source and components."""
    return arazzo(
        [
            workflow(
                "make-pet",
                [
                    {
                        "stepId": "create",
                        "operationId": "createPet",
                        "parameters": [{"reference": "$components.parameters.trace"}],
                        "requestBody": {"payload": {"name": "$inputs.name"}},
                        "outputs": {"id": "$response.body#/id"},
                    }
                ],
                inputs=NAME_INPUT,
                outputs={"petId": "$steps.create.outputs.id"},
            )
        ],
        sources=[{"name": "store", "url": "../pets.openapi.yaml", "type": "openapi"}],
        components={"parameters": {"trace": {"name": "X-Trace", "in": "header", "value": "other"}}},
    )


def test_source_description_object__workflows_of_an_arazzo_source(harness: Harness) -> None:
    """Arazzo 1.0.1 § Source Description Object type `arazzo` and § Step Object workflowId:
    `$sourceDescriptions.<name>.<workflowId>` runs a workflow of another Arazzo document, with
    that document's sources (relative to it) and components; also from dependsOn and goto."""
    _serve(harness)
    harness.write("flows/other.arazzo.yaml", _other_document())
    sources = [
        {"name": "pets", "url": PETS, "type": "openapi"},
        {"name": "flows", "url": "./flows/other.arazzo.yaml", "type": "arazzo"},
    ]
    main = workflow(
        "main",
        [
            {
                "stepId": "make",
                "workflowId": "$sourceDescriptions.flows.make-pet",
                "parameters": [{"name": "name", "value": "Rex"}],
                "outputs": {"id": "$outputs.petId"},
                "onSuccess": [
                    {
                        "name": "more",
                        "type": "goto",
                        "workflowId": "$sourceDescriptions.flows.make-pet",
                    }
                ],
            }
        ],
        dependsOn=["$sourceDescriptions.flows.make-pet"],
        inputs=NAME_INPUT,
        outputs={
            "id": "$steps.make.outputs.id",
            "fromDependency": "$workflows.make-pet.outputs.petId",
        },
    )
    result = harness.run(arazzo(main, sources=sources), "main", {"name": "Tom"})
    assert [request.json()["name"] for request in harness.server.requests] == ["Tom", "Rex", "Tom"]
    assert {request.header("x-trace") for request in harness.server.requests} == {"other"}
    assert result.outputs == {"id": 7, "fromDependency": 7}


def test_source_description_object__unknown_workflow_of_an_arazzo_source(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Step Object workflowId: a qualified workflowId must exist in that source,
    and the source must be of type arazzo."""
    harness.write("flows/other.arazzo.yaml", _other_document())
    sources = [
        {"name": "pets", "url": PETS, "type": "openapi"},
        {"name": "flows", "url": "./flows/other.arazzo.yaml", "type": "arazzo"},
    ]
    steps = [
        {"stepId": "a", "workflowId": "$sourceDescriptions.flows.make-cat"},
        {"stepId": "b", "workflowId": "$sourceDescriptions.pets.make-pet"},
        {"stepId": "c", "workflowId": "$sourceDescriptions.nope.make-pet"},
    ]
    report = harness.fail(arazzo(workflow("main", steps), sources=sources))
    assert "workflow '$sourceDescriptions.flows.make-cat' does not exist" in report
    assert "workflow '$sourceDescriptions.pets.make-pet' does not exist" in report
    assert "workflow '$sourceDescriptions.nope.make-pet' does not exist" in report
