"""Workflows calling workflows: cycles (``AZ254``), and a call's parameters against the
called workflow's inputs (``AZ221``, ``AZ222``)."""

from __future__ import annotations

from typing import Any

from pytest_arazzo.checks.data import (
    calls_of,
    input_names,
    list_of,
    mapping_of,
    text_of,
    workflow_at,
    workflow_ids,
)
from pytest_arazzo.checks.report import Report, StepContext
from pytest_arazzo.diagnostics.text import did_you_mean
from pytest_arazzo.document.pointer import PointerError, resolve_pointer


def check_cycles(report: Report) -> None:
    """Workflows whose steps call themselves, directly or through others (AZ254).

    ``dependsOn`` cycles are reported by the planner.
    """
    ids = workflow_ids(report.data)
    edges = {
        workflow_id: [
            (target, f"/workflows/{index}/{where}")
            for target, where in calls_of(workflow_at(report.data, index))
            if target in ids and where.startswith("steps/")
        ]
        for workflow_id, index in ids.items()
    }
    reported: set[frozenset[str]] = set()
    for start in edges:
        cycle = _find_cycle(start, edges)
        if cycle is None or frozenset(cycle[0]) in reported:
            continue
        names, pointer = cycle
        reported.add(frozenset(names))
        chain = " -> ".join(names)
        report.add(
            "AZ254",
            pointer,
            f"workflow '{names[0]}' calls itself: {chain}",
            "a workflow step cannot call its own workflow, directly or through others",
        )


def _find_cycle(
    start: str, edges: dict[str, list[tuple[str, str]]]
) -> tuple[list[str], str] | None:
    """A path start → ... → start (names, pointer of the edge that closes it), if any."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, chain = stack.pop()
        for target, pointer in edges.get(node, []):
            if target == start:
                return [*chain, start], pointer
            if target not in visited:
                visited.add(target)
                stack.append((target, [*chain, target]))
    return None


def check_workflow_call(report: Report, step: StepContext) -> None:
    """A step that calls a local workflow: parameters map to that workflow's inputs."""
    target = text_of(step.raw.get("workflowId"))
    ids = workflow_ids(report.data)
    if target is None or target not in ids:
        return
    callee = workflow_at(report.data, ids[target])
    declared = input_names(callee.get("inputs"), report.data)
    given: dict[str, str] = {}
    for param, pointer in step.sent_parameters():
        name = text_of(param.get("name"))
        if name is not None:
            given[name] = pointer
    for name, pointer in given.items():
        if declared is not None and name not in declared:
            report.add(
                "AZ221",
                pointer,
                f"workflow '{target}' declares no input '{name}' (called by {step.label})",
                did_you_mean(name, declared) if declared else f"'{target}' declares no inputs",
                scope={step.index},
            )
    for name in _required_inputs(callee.get("inputs"), report.data):
        if name not in given:
            report.add(
                "AZ222",
                step.pointer,
                f"required input '{name}' of workflow '{target}' is not given by {step.label}",
                f"add to the step: parameters: [{{name: {name}, value: ...}}]",
            )


def _required_inputs(schema: Any, data: Any) -> list[str]:
    schema = mapping_of(schema)
    if isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#"):
        try:
            schema = mapping_of(resolve_pointer(data, schema["$ref"][1:]))
        except PointerError:
            return []
    return [str(name) for name in list_of(schema.get("required")) if isinstance(name, str)]
