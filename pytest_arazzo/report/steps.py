"""The step trace: what each step did, as plain data (for JUnit properties, the JSON report and
xdist) and as the lines printed under an item at ``-v`` (``-vv``: every criterion too)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pytest_arazzo.execute.failures import StepRecord
from pytest_arazzo.report.curl import masked

__all__ = ["step_entry", "step_lines"]


def step_entry(record: StepRecord, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """A step record as JSON-ready data; credential values are masked in every text."""
    secrets = list(secrets)
    return {
        "step": record.step_id,
        "workflow": record.workflow_id,
        "method": record.method,
        "path": masked(record.path, secrets),
        "status": record.status,
        "ms": record.elapsed_ms,
        "passed": record.passed,
        "note": masked(record.note, secrets),
        "criteria": [
            {"passed": outcome.passed, "text": masked(outcome.describe(), secrets)}
            for outcome in record.criteria
        ],
    }


def step_lines(entry: dict[str, Any], verbose: int, workflow: str = "") -> list[str]:
    """One line for a step (``-v``), plus a line per criterion with the values it saw (``-vv``);
    a step of another workflow than ``workflow`` (the item's) is named ``workflow/step``.

    ``    ok createDraftInvoice  POST /v1/invoices -> 200  12.3 ms  criteria 1/1``"""
    mark = "ok" if entry["passed"] else "FAILED"
    name = entry["step"]
    if workflow and entry["workflow"] and entry["workflow"] != workflow:
        name = f"{entry['workflow']}/{name}"
    words = [f"{mark:>6} {name}"]
    if entry["method"]:
        words.append(f"{entry['method']} {entry['path']}")
    if entry["status"] is not None:
        words[-1] += f" -> {entry['status']}"
    if entry["ms"] is not None:
        words.append(f"{entry['ms']:g} ms")
    criteria = entry["criteria"]
    if criteria:
        passed = sum(1 for criterion in criteria if criterion["passed"])
        words.append(f"criteria {passed}/{len(criteria)}")
    if entry["note"]:
        words.append(f"[{entry['note']}]")
    lines = ["  ".join(words)]
    if verbose >= 2:
        lines += [f"{'':>9}{'pass' if c['passed'] else 'FAIL'}: {c['text']}" for c in criteria]
    return lines
