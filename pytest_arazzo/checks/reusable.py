"""Fields of a Reusable Object that are ignored (``AZ217``).

Arazzo 1.0.1 § Reusable Object: it has ``reference`` and ``value``; "This object cannot be
extended with additional properties and any properties added MUST be ignored." So an ``in`` next
to ``reference`` (common in real-world files) is no error, and pytest-arazzo ignores it; the check
only says so (info), or warns when the field looks like a misspelled ``reference``/``value``
(``valeu: 2`` would leave the component's value in place). ``x-`` fields are ignored silently.
"""

from __future__ import annotations

from typing import Any

from pytest_arazzo.checks.data import items_of, json_pointer, path_tokens, workflows_of
from pytest_arazzo.checks.report import Report
from pytest_arazzo.checks.words import describe
from pytest_arazzo.diagnostics.problems import INFO, WARNING
from pytest_arazzo.diagnostics.text import did_you_mean
from pytest_arazzo.document.pointer import escape_token

FIELDS = ("reference", "value")
LISTS = ("parameters", "successActions", "failureActions", "onSuccess", "onFailure")


def check_reusable_fields(report: Report) -> None:
    """Every Reusable Object of the workflows and their steps (and, in Arazzo 1.1, of the
    parameters of their actions)."""
    for pointer, item in _reusable_objects(report.data):
        for key in item:
            if key in FIELDS or str(key).startswith("x-"):
                continue
            close = did_you_mean(str(key), FIELDS, list_known=False)
            owner = describe(report.data, path_tokens(report.data, pointer))
            message = (
                f"'{key}' in {owner} is ignored: a Reusable Object has only 'reference' and "
                "'value' (Arazzo 1.0.1 § Reusable Object: added properties MUST be ignored)"
            )
            report.add(
                "AZ217",
                f"{pointer}/{escape_token(str(key))}",
                message,
                close or _hint(str(key)),
                severity=WARNING if close else INFO,
            )


def _hint(key: str) -> str:
    if key == "in":
        return "drop it: the location comes from the component the reference names"
    return "drop it"


def _reusable_objects(data: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(pointer, object)`` of each Reusable Object (a list entry with a ``reference``)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for index, workflow in workflows_of(data):
        owners = [(("workflows", index), workflow)] + [
            (("workflows", index, "steps", position), step)
            for position, step in items_of(workflow.get("steps"))
        ]
        for path, owner in owners:
            for field in LISTS:
                for position, item in items_of(owner.get(field)):
                    where = (*path, field, position)
                    if "reference" in item:
                        found.append((json_pointer(where), item))
                        continue
                    for inner, param in items_of(item.get("parameters")):  # Arazzo 1.1 actions
                        if "reference" in param:
                            found.append((json_pointer((*where, "parameters", inner)), param))
    return found
