"""Action and output names (``AZ255``, ``AZ256``): unique within their list, and of the form the
specification requires.

- Arazzo 1.0.1 § Workflow Object / § Step Object: ``successActions``, ``failureActions``,
  ``onSuccess`` and ``onFailure`` "MUST NOT include duplicate" actions. An action is known by
  its ``name`` (a step's action overrides the workflow's of the same name), so two actions of one
  list with the same name are duplicates (a Reusable Object counts with its target's name).
- § Workflow Object / § Step Object ``outputs``: "The name MUST use keys that match the regular
  expression: ``^[a-zA-Z0-9\\.\\-_]+$``" (the JSON Schema does not enforce it: its
  ``patternProperties`` only constrain the keys that match).
"""

from __future__ import annotations

import re
from typing import Any

from pytest_arazzo.checks.data import (
    items_of,
    mapping_of,
    resolve_reusable,
    step_label,
    text_of,
    workflow_label,
    workflows_of,
)
from pytest_arazzo.checks.report import Report
from pytest_arazzo.diagnostics.text import show
from pytest_arazzo.document.dialect import dialect_of
from pytest_arazzo.document.pointer import escape_token

OUTPUT_NAME = re.compile(r"^[a-zA-Z0-9\.\-_]+$")

#: action list field → (what one entry is, the components kind a Reusable Object links to)
ACTION_LISTS = {
    "successActions": ("success action", "successActions"),
    "failureActions": ("failure action", "failureActions"),
    "onSuccess": ("success action", "successActions"),
    "onFailure": ("failure action", "failureActions"),
}


def check_action_names(report: Report) -> None:
    """Two actions with the same name in one action list (AZ255)."""
    for index, workflow in workflows_of(report.data):
        for pointer, label, owner in _owners(index, workflow):
            for field, (kind, components) in ACTION_LISTS.items():
                _check_list(report, f"{pointer}/{field}", label, owner.get(field), kind, components)


def _owners(index: int, workflow: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(pointer, label, object)`` of the workflow and of each of its steps."""
    workflow_name = workflow_label(workflow, index)
    return [(f"/workflows/{index}", workflow_name, workflow)] + [
        (f"/workflows/{index}/steps/{position}", f"{step_label(step, position)}", step)
        for position, step in items_of(workflow.get("steps"))
    ]


def _version(report: Report) -> str:
    """The specification the document is read by, for messages: "Arazzo 1.0" or "Arazzo 1.1"."""
    return dialect_of(report.data).label


def _section(pointer: str) -> str:
    return "§ Step Object" if "/steps/" in pointer else "§ Workflow Object"


def _check_list(
    report: Report, pointer: str, label: str, items: Any, kind: str, components: str
) -> None:
    seen: dict[str, int] = {}
    for position, item in items_of(items):
        name = _action_name(report.data, item, components)
        if name is None:
            continue
        first = seen.setdefault(name, position)
        if first == position:
            continue
        line = report.document.locate(f"{pointer}/{first}")[0]
        field = "reference" if "reference" in item else "name"
        list_name = pointer.rsplit("/", 1)[-1]
        report.add(
            "AZ255",
            f"{pointer}/{position}/{field}",
            f"{kind} name {show(name)} is already used by {kind} #{first + 1} (line {line}) "
            f"of {list_name} in {label}",
            f"rename one, or drop the copy: the list MUST NOT include duplicate {kind}s "
            f"({_version(report)} {_section(pointer)})",
        )


def _action_name(data: dict[str, Any], item: dict[str, Any], components: str) -> str | None:
    """The action's name; a Reusable Object's target's name (its reference when it does not
    resolve: that is AZ230)."""
    if "reference" not in item:
        return text_of(item.get("name"))
    target = resolve_reusable(data, item, components)
    if isinstance(target, dict) and isinstance(target.get("name"), str):
        return str(target["name"])
    return text_of(item.get("reference"))


def check_output_names(report: Report) -> None:
    """Workflow and step output names that do not match ``^[a-zA-Z0-9\\.\\-_]+$`` (AZ256)."""
    for index, workflow in workflows_of(report.data):
        for pointer, label, owner in _owners(index, workflow):
            for name in mapping_of(owner.get("outputs")):
                if OUTPUT_NAME.match(str(name)):
                    continue
                report.add(
                    "AZ256",
                    f"{pointer}/outputs/{escape_token(str(name))}",
                    f"output name {show(str(name))} of {label} does not match "
                    f"^[a-zA-Z0-9\\.\\-_]+$ ({_version(report)} {_section(pointer)} outputs)",
                    _output_hint(str(name), pointer),
                )


def _output_hint(name: str, pointer: str) -> str:
    """A name that matches, made from ``name``; runtime expressions cannot read it otherwise."""
    fixed = re.sub(r"[^a-zA-Z0-9\.\-_]+", "_", name).strip("_")
    suggestion = f"rename it, e.g. to '{fixed}'; " if fixed else "rename it: "
    reader = "$steps.<stepId>" if "/steps/" in pointer else "$workflows.<workflowId>"
    return f"{suggestion}{reader}.outputs.<name> cannot name it otherwise"
