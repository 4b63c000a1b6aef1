"""Arazzo 1.1.0 § Step Object (`dependsOn`, `successCriteria`, `timeout`) and § Step Dependencies
and Execution Order, run end to end against the loopback server."""

from __future__ import annotations

import time
from typing import Any

from pytest_arazzo.checks import check_file
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance_1_1.harness11 import OK, arazzo11


def _get(step_id: str, path_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A step that GETs /pets/{petId} (``path_id`` may be an expression)."""
    value = path_id if path_id is not None else step_id
    return {
        "stepId": step_id,
        "operationId": "getPet",
        "parameters": [{"name": "petId", "in": "path", "value": value}],
        "successCriteria": OK,
        "outputs": {"id": "$response.body#/id"},
        **extra,
    }


def _route_echo(harness: Harness) -> None:
    harness.server.route("GET", r"/pets/(?P<id>[^/]+)", lambda request, match: {"id": match["id"]})


def _sent(harness: Harness) -> list[str]:
    return [request.path for request in harness.server.requests]


def _codes(harness: Harness, document: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(code, pointer, line) of every problem of ``document``."""
    return [(p.code, p.where.pointer, p.where.line) for p in check_file(harness.file(document))]


def test_depends_on__a_dependency_written_later_runs_first(harness: Harness) -> None:
    """§ Step Dependencies and Execution Order, Tool Behavior: "Tools supporting only sequential
    execution MUST execute steps in an order that satisfies both explicit (`dependsOn`) and
    implicit (output reference) dependencies"; otherwise document order is kept."""
    _route_echo(harness)
    steps = [
        _get("first"),
        _get("order", dependsOn=["payment"]),
        _get("payment"),
        _get("last"),
    ]
    document = arazzo11(workflow("w", steps))
    harness.run(document)
    assert _sent(harness) == ["/pets/first", "/pets/payment", "/pets/order", "/pets/last"]
    info = [p for p in check_file(harness.file(document)) if p.code == "AZ264"]
    assert len(info) == 1 and info[0].severity == "info"
    assert "first, payment, order, last" in info[0].message
    assert "step 'order' depends on step 'payment'" in info[0].message


def test_depends_on__implicit_output_references_order_too(harness: Harness) -> None:
    """§ Tool Behavior: "Tools MUST also treat runtime expression output references (e.g.
    `$steps.stepId.outputs.field`) as implicit dependencies"; in a workflow that uses
    `dependsOn`, a step reading a later step's outputs makes that step run first."""
    _route_echo(harness)
    steps = [
        _get("a", dependsOn=[]),
        _get("reader", "$steps.source.outputs.id"),
        _get("source"),
        _get("waiter", dependsOn=["a"]),
    ]
    result = harness.run(
        arazzo11(workflow("w", steps, outputs={"got": "$steps.reader.outputs.id"}))
    )
    assert _sent(harness) == ["/pets/a", "/pets/source", "/pets/source", "/pets/waiter"]
    assert result.outputs == {"got": "source"}
    assert [record.step_id for record in result.trace] == ["a", "source", "reader", "waiter"]


def test_depends_on__document_order_when_dependencies_allow(harness: Harness) -> None:
    """§ Recommended Approach for Synchronous Workflows: steps in the array order; a
    `dependsOn` on an earlier step changes nothing (and is not reported)."""
    _route_echo(harness)
    steps = [_get("a"), _get("b", dependsOn=["a"]), _get("c", "$steps.a.outputs.id")]
    document = arazzo11(workflow("w", steps))
    harness.run(document)
    assert _sent(harness) == ["/pets/a", "/pets/b", "/pets/a"]
    assert [c for c, _, _ in _codes(harness, document) if c.startswith("AZ26")] == []


def test_forward_reference_without_depends_on_is_an_error(harness: Harness) -> None:
    """§ Validation Recommendations: "When no `dependsOn` is used in a workflow ...
    implementations SHOULD produce an error if a step references another step's outputs where
    the referenced step appears later in the steps array"; it is reported at the field, with its
    line, and nothing runs."""
    _route_echo(harness)
    steps = [_get("reader", "$steps.later.outputs.id"), _get("later")]
    document = arazzo11(workflow("w", steps))
    found = [c for c in _codes(harness, document) if c[0] in ("AZ261", "AZ306")]
    assert found == [("AZ261", "/workflows/0/steps/0/parameters/0/value", found[0][2])]
    assert found[0][2] > 0
    plan = harness.plan(document)
    (problem,) = [p for p in plan.errors if p.code == "AZ261"]
    assert "step 'reader' reads $steps.later.outputs" in problem.message
    assert "uses no dependsOn" in problem.message
    assert "add dependsOn: [later]" in problem.hint
    report = harness.fail(document)
    assert "AZ261" in report
    assert harness.server.requests == []


def test_forward_reference__1_0_keeps_its_warning(harness: Harness) -> None:
    """A 1.0.1 document keeps its meaning: the forward read stays the AZ306 warning, the steps
    run as written (and the read fails at run time)."""
    _route_echo(harness)
    steps = [_get("reader", "$steps.later.outputs.id"), _get("later")]
    document = arazzo(workflow("w", steps))
    assert [c for c, _, _ in _codes(harness, document) if c in ("AZ261", "AZ306")] == ["AZ306"]
    report = harness.fail(document)
    assert "step 'later' has not run yet" in report


def test_depends_on__unknown_steps_are_reported(harness: Harness) -> None:
    """§ Step Object `dependsOn`: "Each value provided MUST be a `stepId`"; in another workflow
    `$workflows.<workflowId>.steps.<stepId>`, in another document
    `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`."""
    steps = [
        _get("a", dependsOn=["b", "$workflows.other.steps.nope", "$workflows.ghost.steps.x"]),
        _get("b", dependsOn=["$sourceDescriptions.pets.w.steps.a", "aa"]),
    ]
    other = workflow("other", [_get("one")])
    found = [(c, p) for c, p, _ in _codes(harness, arazzo11([workflow("w", steps), other]))]
    assert [f for f in found if f[0] == "AZ262"] == [
        ("AZ262", "/workflows/0/steps/0/dependsOn/1"),
        ("AZ262", "/workflows/0/steps/0/dependsOn/2"),
        ("AZ262", "/workflows/0/steps/1/dependsOn/0"),
        ("AZ262", "/workflows/0/steps/1/dependsOn/1"),
    ]
    plan = harness.plan(arazzo11([workflow("w", steps), other]))
    messages = [p.message for p in plan.errors if p.code == "AZ262"]
    assert "dependsOn '$workflows.other.steps.nope': workflow 'other' has no step 'nope'" in (
        messages
    )
    assert any("no arazzo source description named 'pets'" in m for m in messages)
    hints = [p.hint for p in plan.errors if p.code == "AZ262"]
    assert "did you mean 'a'?" in hints[-1]


def test_depends_on__cycles_are_reported(harness: Harness) -> None:
    """A dependency cycle (explicit or through output references) has no order that satisfies
    it (§ Tool Behavior): a plan error naming the cycle; nothing runs."""
    _route_echo(harness)
    steps = [
        _get("a", dependsOn=["c"]),
        _get("b", "$steps.a.outputs.id"),
        _get("c", dependsOn=["b"]),
    ]
    document = arazzo11(workflow("w", steps))
    plan = harness.plan(document)
    (problem,) = [p for p in plan.errors if p.code == "AZ263"]
    assert "a -> c -> b -> a" in problem.message
    assert problem.where.line > 0
    harness.fail(document)
    assert harness.server.requests == []


def test_depends_on__another_workflows_step_must_have_completed(harness: Harness) -> None:
    """§ Step Object `dependsOn`: "`dependsOn` only establishes a prerequisite relationship for
    the current step and does not trigger execution of the referenced steps"; a step of another
    workflow that ran (here: a workflow dependency) satisfies it, one that did not fails the step
    with the reason."""
    _route_echo(harness)
    setup = workflow("setup", [_get("prepare")])
    waiting = _get("use", dependsOn=["$workflows.setup.steps.prepare"])
    with_dependency = workflow("main", [waiting], dependsOn=["setup"])
    without = workflow("alone", [waiting])
    document = arazzo11([setup, with_dependency, without])
    harness.run(document, "main")
    assert _sent(harness) == ["/pets/prepare", "/pets/use"]
    report = harness.fail(document, "alone")
    assert (
        "step 'use' depends on '$workflows.setup.steps.prepare' (dependsOn), which has not "
        "completed in this run" in report
    )
    assert "run workflow 'setup' first" in report
    assert _sent(harness) == ["/pets/prepare", "/pets/use"]  # nothing more was sent


def test_depends_on__a_skipped_dependency_fails_the_step(harness: Harness) -> None:
    """A goto that skips the step a later step depends on: that step cannot run."""
    _route_echo(harness)
    jump = {"name": "skip", "type": "goto", "stepId": "c"}
    steps = [_get("a", onSuccess=[jump]), _get("b"), _get("c", dependsOn=["b"])]
    report = harness.fail(arazzo11(workflow("w", steps)))
    assert "step 'c' depends on 'b' (dependsOn), which has not completed" in report
    assert "a goto or an end skipped it" in report


def test_depends_on__1_0_documents_have_no_step_depends_on(harness: Harness) -> None:
    """A 1.0.1 document keeps its meaning: step `dependsOn` is not a 1.0 field (schema error),
    and the planner does not reorder."""
    steps = [_get("a", dependsOn=["b"]), _get("b")]
    document = arazzo(workflow("w", steps))
    found = _codes(harness, document)
    assert ("AZ102", "/workflows/0/steps/0/dependsOn") in [(c, p) for c, p, _ in found]
    assert [s.step_id for s in harness.plan(document).steps] == ["a", "b"]


def test_success_criteria__must_not_be_empty_in_1_1(harness: Harness) -> None:
    """§ Step Object `successCriteria`: "If `successCriteria` is provided, it `MUST` contain at
    least one Criterion Object" (new text in 1.1; the published 1.0 JSON Schema already had
    `minItems: 1`, so a 1.0 document gets the same report). A present, non-empty list passes."""
    steps = [_get("a", successCriteria=[])]
    for document in (arazzo11(workflow("w", steps)), arazzo(workflow("w", steps))):
        found = [(c, p) for c, p, _ in _codes(harness, document)]
        assert ("AZ107", "/workflows/0/steps/0/successCriteria") in found
    fine = [(c, p) for c, p, _ in _codes(harness, arazzo11(workflow("w", [_get("a")])))]
    assert [c for c, _ in fine if c == "AZ107"] == []


def test_timeout__an_http_step_slower_than_its_timeout_fails(harness: Harness) -> None:
    """§ Step Object `timeout`: "The maximum number of milli-seconds to wait for the step to
    complete before aborting and failing the step. Consequently this will fail the workflow
    unless `onFailure` actions are defined" (here a retry that then meets a fast answer)."""
    answers = iter([0.3, 0.0])

    def slow(request: object, match: object) -> dict[str, str]:
        time.sleep(next(answers, 0.0))
        return {"id": "a"}

    harness.server.route("GET", r"/pets/(?P<id>[^/]+)", slow)
    report = harness.fail(arazzo11(workflow("w", [_get("a", timeout=100)])))
    assert "the step took" in report and "more than its timeout of 100 ms" in report
    retry = {"name": "again", "type": "retry"}
    answers = iter([0.3, 0.0])
    result = harness.run(arazzo11(workflow("w", [_get("a", timeout=100, onFailure=[retry])])))
    assert [(r.step_id, r.passed) for r in result.trace] == [("a", False), ("a", True)]


def test_depends_on__a_step_of_another_arazzo_document(harness: Harness) -> None:
    """§ Step Object `dependsOn`: "If the step is defined in a separate Arazzo Document, the
    workflow MUST be listed in `sourceDescriptions` and referenced using
    `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`"; it is satisfied once that step
    passed in the run (here through a workflow `dependsOn` on the other document's workflow)."""
    _route_echo(harness)
    other = arazzo11(workflow("setup", [_get("prepare")]))
    harness.write("pets.openapi.yaml", harness.openapi)
    harness.write("setup.arazzo.yaml", other)
    sources = [
        {"name": "pets", "url": "./pets.openapi.yaml", "type": "openapi"},
        {"name": "flows", "url": "./setup.arazzo.yaml", "type": "arazzo"},
    ]
    waiting = _get("use", dependsOn=["$sourceDescriptions.flows.setup.steps.prepare"])
    waiting["operationId"] = "$sourceDescriptions.pets.getPet"
    main = workflow("main", [waiting], dependsOn=["$sourceDescriptions.flows.setup"])
    alone = workflow("alone", [waiting])
    document = arazzo11([main, alone], sources=sources)
    harness.run(document, "main")
    assert _sent(harness) == ["/pets/prepare", "/pets/use"]
    report = harness.fail(document, "alone")
    assert "depends on '$sourceDescriptions.flows.setup.steps.prepare' (dependsOn)" in report
    unknown = _get("use", dependsOn=["$sourceDescriptions.flows.setup.steps.nope"])
    unknown["operationId"] = "$sourceDescriptions.pets.getPet"
    plan = harness.plan(arazzo11(workflow("bad", [unknown]), sources=sources))
    assert [p.message for p in plan.errors if p.code == "AZ262"] == [
        "dependsOn '$sourceDescriptions.flows.setup.steps.nope': workflow 'setup' has no step "
        "'nope'"
    ]
