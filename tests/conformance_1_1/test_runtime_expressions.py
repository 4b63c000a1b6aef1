"""Arazzo 1.1.0 § Runtime Expressions: the rewritten ABNF, and the 1.0 expressions a 1.1
document no longer accepts."""

from __future__ import annotations

from pytest_arazzo.checks import check_file
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance_1_1.harness11 import OK, arazzo11


def _create(**extra: object) -> dict[str, object]:
    return {
        "stepId": "create",
        "operationId": "createPet",
        "requestBody": {"payload": {"name": "Rex"}},
        "successCriteria": OK,
        **extra,
    }


def test_payload_reference__reads_the_http_body(harness: Harness) -> None:
    """ABNF `payload-reference = "payload" ["#" json-pointer]` is a `source` of `$request.` and
    `$response.` too; for an HTTP step it is the body (docs/semantics.md, Arazzo 1.1)."""
    harness.server.route("POST", "/pets", {"id": 7, "tags": ["a", "b"]})
    step = _create(
        successCriteria=[{"condition": "$response.payload#/id == 7"}],
        outputs={"tag": "$response.payload#/tags/1", "sent": "$request.payload#/name"},
    )
    result = harness.run(
        arazzo11(workflow("w", [step], outputs={"tag": "$steps.create.outputs.tag"}))
    )
    assert result.outputs == {"tag": "b"}


def test_workflows_reference__inputs_and_outputs_with_a_pointer(harness: Harness) -> None:
    """ABNF `workflows-reference = workflow-id "." workflow-field "." workflow-field-name
    ["#" json-pointer]`."""
    harness.server.route("POST", "/pets", {"id": 7, "owner": {"name": "Ann"}})
    setup = workflow(
        "setup",
        [_create(outputs={"pet": "$response.body"})],
        outputs={"pet": "$steps.create.outputs.pet"},
    )
    main = workflow(
        "main",
        [_create(stepId="again")],
        dependsOn=["setup"],
        outputs={"owner": "$workflows.setup.outputs.pet#/owner/name"},
    )
    result = harness.run(arazzo11([setup, main]), "main")
    assert result.outputs == {"owner": "Ann"}


def test_expression_string__embedded_expressions(harness: Harness) -> None:
    """ABNF `expression-string = *( literal-char / embedded-expression )`: several `{$...}` in
    one value, complex values serialized as JSON."""
    harness.server.route("POST", "/pets", {"id": 7, "tags": ["a"]})
    step = _create(outputs={"text": "id={$response.body#/id}&tags={$response.body#/tags}"})
    result = harness.run(
        arazzo11(workflow("w", [step], outputs={"t": "$steps.create.outputs.text"}))
    )
    assert result.outputs == {"t": 'id=7&tags=["a"]'}


def test_components_inputs__not_a_1_1_expression(harness: Harness) -> None:
    """ABNF `component-type = "parameters" / "successActions" / "failureActions"`: the 1.0
    `$components.inputs.<name>` is reported in a 1.1 document (and still read in 1.0)."""
    components = {"inputs": {"pet": {"type": "object"}}}
    flow = workflow("w", [_create()], outputs={"schema": "$components.inputs.pet"})
    plan = harness.plan(arazzo11(flow, components=components))
    assert [p.code for p in plan.errors] == ["AZ301"]
    assert "cannot name components.inputs" in plan.errors[0].message
    assert harness.plan(arazzo(flow, components=components)).errors == []


def test_source_reference__requires_a_reference(harness: Harness) -> None:
    """ABNF `source-reference = source-name "." source-reference-id`: a bare
    `$sourceDescriptions.<name>` (read in 1.0) is reported in a 1.1 document."""
    flow = workflow("w", [_create()], outputs={"source": "$sourceDescriptions.pets"})
    plan = harness.plan(arazzo11(flow))
    assert [p.code for p in plan.errors] == ["AZ301"]
    assert harness.plan(arazzo(flow)).errors == []


def test_source_reference__a_field(harness: Harness) -> None:
    """§ Source Description Expression Resolution, priority 2: a Source Description field."""
    harness.server.route("POST", "/pets", {"id": 7})
    flow = workflow("w", [_create()], outputs={"url": "$sourceDescriptions.pets.url"})
    assert harness.run(arazzo11(flow)).outputs == {"url": "./pets.openapi.yaml"}


def test_message_and_payload__not_1_0_expressions(harness: Harness) -> None:
    """`$message...` and `payload` are 1.1 grammar: a 1.0 document reports them, with a hint."""
    flow = workflow(
        "w",
        [_create(outputs={"a": "$response.payload", "b": "$message.header.X-Id"})],
    )
    plan = harness.plan(arazzo(flow))
    assert [p.code for p in plan.errors] == ["AZ301", "AZ301"]
    assert all("arazzo: 1.1.0" in p.hint for p in plan.errors)


def test_message__only_in_asyncapi_steps(harness: Harness) -> None:
    """`$message` reads an AsyncAPI message; an HTTP step has none: the run fails clearly."""
    harness.server.route("POST", "/pets", {"id": 7})
    flow = workflow("w", [_create(outputs={"b": "$message.payload"})])
    report = harness.fail(arazzo11(flow))
    assert "$message is read in AsyncAPI steps only" in report


def test_checks__a_1_1_document_with_1_1_expressions_is_clean(harness: Harness) -> None:
    """The static checks accept what the 1.1 grammar accepts."""
    flow = workflow(
        "w",
        [_create(outputs={"a": "$response.payload#/id", "b": "{$self}/x"})],
        outputs={"me": "$self"},
    )
    file = harness.file(arazzo11(flow, self_="https://x.test/w.arazzo.yaml"))
    assert [p for p in check_file(file) if p.is_error] == []
