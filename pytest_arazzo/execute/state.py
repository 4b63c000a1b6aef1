"""What a workflow run keeps and reports: its result, the state shared with the workflows it
runs, one attempt of a step, and how an attempt becomes a trace record or a step failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytest_arazzo.execute import actions
from pytest_arazzo.execute.failures import Exchange, StepFailure, StepRecord
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.outcome import Outcome
from pytest_arazzo.plan.model import StepPlan


@dataclass
class RunResult:
    workflow_id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    trace: list[StepRecord] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Shared:
    """State shared by a run and every workflow it runs (start one per top-level run)."""

    executed: int = 0
    workflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    completed: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Attempt:
    """One try of a step."""

    passed: bool
    ctx: EvalContext
    outcomes: list[Outcome] = field(default_factory=list)
    exchange: Exchange | None = None
    error: str = ""
    hint: str = ""
    callee_outputs: dict[str, Any] | None = None


def trace_record(step: StepPlan, attempt: Attempt, passed: bool, note: str = "") -> StepRecord:
    """The line of ``steps run:`` for one attempt."""
    status = attempt.exchange.response.status if attempt.exchange else None
    if step.workflow_id:
        note = f"workflow {step.workflow_id}" + (f"; {note}" if note else "")
    elif attempt.error and not note:
        note = "no response"
    return StepRecord(step.step_id, status, passed, note)


def step_failure(
    step: StepPlan, attempt: Attempt, retries: dict[int, int], message: str = ""
) -> StepFailure:
    """The failure of a step whose last attempt failed (after ``retries`` retry actions)."""
    if not message:
        if attempt.error:
            message = attempt.error
        elif attempt.outcomes:
            message = "success criteria not met"
        else:
            message = "the step did not succeed (status >= 400 and no successCriteria)"
    used = sum(retries.values())
    if used:
        message += f" (still failing after {used} retr{'y' if used == 1 else 'ies'})"
    hint = attempt.hint or actions.failure_hint(attempt.exchange)
    return StepFailure(
        step.step_id,
        step.where,
        message,
        exchange=attempt.exchange,
        outcomes=attempt.outcomes,
        hint=hint,
    )


def indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
