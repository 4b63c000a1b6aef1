"""Arazzo 1.1.0 § Source Description Expression Resolution: `$sourceDescriptions.<name>.<ref>` is
resolved as an operationId/workflowId first, then as a field of the Source Description Object;
run end to end against the loopback server."""

from __future__ import annotations

from typing import Any

from pytest_arazzo.checks import check_file
from tests.conformance.harness import PETS, Harness, arazzo, workflow
from tests.conformance_1_1.asyncapi_fixtures import orders_asyncapi_3
from tests.conformance_1_1.harness11 import OK, arazzo11


def _step(**extra: Any) -> dict[str, Any]:
    step = {"stepId": "s", "operationId": "$sourceDescriptions.pets.listPets"}
    return {**step, "successCriteria": OK, **extra}


def _with_url_operation(harness: Harness) -> None:
    """The pets description gets an operation whose operationId is `url`, a field name."""
    harness.openapi["paths"]["/url"] = {
        "get": {"operationId": "url", "responses": {"200": {"description": "ok"}}}
    }


def _az268(harness: Harness, document: dict[str, Any]) -> list[Any]:
    return [p for p in check_file(harness.file(document)) if p.code == "AZ268"]


def test_priority_1_operation_then_priority_2_field(harness: Harness) -> None:
    """ "`$sourceDescriptions.petstore.getPetById` resolves to the operation with operationId
    `getPetById` (priority 1)"; "`$sourceDescriptions.petstore.url` resolves to
    `https://api.example.com/petstore.yaml` (priority 2)", as do `type` and `name`."""
    harness.server.route("GET", "/pets", [])
    outputs = {"url": "$sourceDescriptions.pets.url", "type": "$sourceDescriptions.pets.type"}
    document = arazzo11(workflow("w", [_step()], outputs=outputs))
    result = harness.run(document)
    assert result.outputs == {"url": PETS, "type": "openapi"}
    assert _az268(harness, document) == []


def test_an_operation_id_takes_precedence_over_a_field(harness: Harness) -> None:
    """ "If an operationId happens to conflict with a field name (e.g., an operation with
    operationId: url), the operationId takes precedence": `$sourceDescriptions.pets.url` then
    names that operation, which has no value, in an output and in an operationPath (AZ268, with
    the rule and its line); the step's `operationId` reaches the operation."""
    _with_url_operation(harness)
    harness.server.route("GET", "/url", {"ok": True})
    value = workflow(
        "w",
        [_step(operationId="$sourceDescriptions.pets.url")],
        outputs={"u": "$sourceDescriptions.pets.url"},
    )
    path = _step(operationPath="{$sourceDescriptions.pets.url}#/paths/~1pets/get")
    del path["operationId"]
    document = arazzo11([value, workflow("p", [path])])
    found = _az268(harness, document)
    assert [p.where.pointer for p in found] == [
        "/workflows/0/outputs/u",
        "/workflows/1/steps/0/operationPath",
    ]
    assert all(p.where.line > 0 and p.severity == "error" for p in found)
    assert "names the operation 'url' of source 'pets', which has no value" in found[0].message
    assert "an operationId takes precedence" in found[0].message
    assert "rename the operationId 'url'" in found[0].hint
    ok = arazzo11(workflow("w", [_step(operationId="$sourceDescriptions.pets.url")]))
    harness.run(ok)
    assert [r.path for r in harness.server.requests] == ["/url"]


def test_an_operation_named_as_a_value_is_reported(harness: Harness) -> None:
    """An operationId "has no value": used as one, it is reported before the run (1.0 fails
    such an expression only when it is evaluated)."""
    document = arazzo11(workflow("w", [_step()], outputs={"op": "$sourceDescriptions.pets.getPet"}))
    (problem,) = _az268(harness, document)
    assert "to call it, write operationId: $sourceDescriptions.pets.getPet" in problem.hint


def test_1_0_documents_read_the_field(harness: Harness) -> None:
    """A 1.0.1 document keeps its meaning: `$sourceDescriptions.<name>.url` reads the field,
    whatever the operationIds (1.0 has no resolution priority)."""
    _with_url_operation(harness)
    harness.server.route("GET", "/pets", [])
    document = arazzo(workflow("w", [_step()], outputs={"u": "$sourceDescriptions.pets.url"}))
    assert _az268(harness, document) == []
    assert harness.run(document).outputs == {"u": PETS}


def test_asyncapi_sources_count_for_qualification(harness: Harness) -> None:
    """§ Step Object `operationId`: "If multiple (non `arazzo` type) `sourceDescriptions` are
    defined, then the `operationId` MUST be specified using a Runtime Expression": an OpenAPI and
    an AsyncAPI source make an unqualified operationId a problem (AZ205), either way."""
    harness.write("orders.asyncapi.yaml", orders_asyncapi_3())
    sources = [
        {"name": "pets", "url": PETS, "type": "openapi"},
        {"name": "orders", "url": "./orders.asyncapi.yaml", "type": "asyncapi"},
    ]
    confirm = {"stepId": "c", "operationId": "confirmOrder", "action": "receive"}
    document = arazzo11(workflow("w", [_step(operationId="listPets"), confirm]), sources=sources)
    found = [(p.code, p.where.pointer) for p in check_file(harness.file(document))]
    assert ("AZ205", "/workflows/0/steps/0/operationId") in found
    assert ("AZ205", "/workflows/0/steps/1/operationId") in found
    messages = [p.message for p in harness.plan(document).problems if p.code == "AZ205"]
    assert any("only 'orders' has it" in m for m in messages)
