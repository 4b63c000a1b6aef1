"""Ids and names (``AZ202``, ``AZ250``-``AZ252``): unique, and usable in runtime expressions."""

from __future__ import annotations

import re
from typing import Any

from pytest_arazzo.checks.data import items_of, text_of, workflow_label, workflows_of
from pytest_arazzo.checks.report import Report
from pytest_arazzo.diagnostics.text import show

ID_PATTERN = re.compile(r"[A-Za-z0-9_\-]+")


def check_ids(report: Report) -> None:
    seen: dict[str, int] = {}
    for index, workflow in workflows_of(report.data):
        pointer = f"/workflows/{index}/workflowId"
        workflow_id = text_of(workflow.get("workflowId"))
        if workflow_id is not None:
            earlier = _earlier(report, seen, workflow_id, index, "/workflows")
            if earlier is not None:
                first, line = earlier
                report.add(
                    "AZ250",
                    pointer,
                    f"workflowId '{workflow_id}' is already used by workflow #{first + 1} "
                    f"(line {line})",
                    "workflowIds must be unique (Arazzo 1.0.1 § Workflow Object)",
                    scope={first, index},
                )
            _check_id_pattern(report, pointer, "workflowId", workflow_id, "$workflows.<id>")
        _check_step_ids(report, index, workflow)


def _check_step_ids(report: Report, index: int, workflow: dict[str, Any]) -> None:
    seen: dict[str, int] = {}
    for position, step in items_of(workflow.get("steps")):
        pointer = f"/workflows/{index}/steps/{position}/stepId"
        step_id = text_of(step.get("stepId"))
        if step_id is None:
            continue
        earlier = _earlier(report, seen, step_id, position, f"/workflows/{index}/steps")
        if earlier is not None:
            first, line = earlier
            report.add(
                "AZ251",
                pointer,
                f"stepId '{step_id}' is already used by step #{first + 1} (line {line}) "
                f"of {workflow_label(workflow, index)}",
                "stepIds must be unique within a workflow (Arazzo 1.0.1 § Step Object)",
            )
        _check_id_pattern(report, pointer, "stepId", step_id, "$steps.<id>")


def _check_id_pattern(report: Report, pointer: str, field: str, value: str, form: str) -> None:
    if not ID_PATTERN.fullmatch(value):
        report.add(
            "AZ252",
            pointer,
            f"{field} {show(value)} should match [A-Za-z0-9_\\-]+",
            f"runtime expressions ({form}...) and goto actions cannot name it otherwise",
        )


def check_source_names(report: Report) -> None:
    seen: dict[str, int] = {}
    for index, description in items_of(report.data.get("sourceDescriptions")):
        name = text_of(description.get("name"))
        if name is None:
            continue
        earlier = _earlier(report, seen, name, index, "/sourceDescriptions")
        if earlier is not None:
            report.add(
                "AZ202",
                f"/sourceDescriptions/{index}/name",
                f"source description name '{name}' is already used (line {earlier[1]})",
                "names must be unique (Arazzo 1.0.1 § Source Description Object)",
            )


def _earlier(
    report: Report, seen: dict[str, int], value: str, index: int, entries: str
) -> tuple[int, int] | None:
    """``(index, line)`` of the first entry of the list at ``entries`` that used ``value``
    (``None``: none did); records entry ``index`` as using it."""
    first = seen.setdefault(value, index)
    if first == index:
        return None
    return first, report.document.locate(f"{entries}/{first}")[0]
