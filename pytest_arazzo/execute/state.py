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
    # (document, workflowId, stepId) of every step that passed: Arazzo 1.1 step `dependsOn`
    steps_done: set[tuple[str, str, str]] = field(default_factory=set)
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
    checked: list[Outcome] = field(default_factory=list)  # every criterion's outcome, in order


def trace_record(step: StepPlan, attempt: Attempt, passed: bool, note: str = "") -> StepRecord:
    """The line of ``steps run:`` (and of the step trace) for one attempt."""
    exchange = attempt.exchange
    status = exchange.response.status if exchange else None
    if step.workflow_id:
        note = f"workflow {step.workflow_id}" + (f"; {note}" if note else "")
    elif attempt.error and not note:
        note = "no message" if step.message is not None else "no response"
    record = StepRecord(step.step_id, status, passed, note, criteria=list(attempt.checked))
    if exchange is not None and not step.workflow_id:
        record.method, record.path = exchange.request.method, exchange.request.path
        record.elapsed_ms = round(exchange.elapsed * 1000, 1)
    return record


def failed_pointers(step: StepPlan, attempt: Attempt) -> list[str]:
    """The JSON Pointers of the success criteria that failed in ``attempt``."""
    return [
        f"{step.pointer}/successCriteria/{index}"
        for index, outcome in enumerate(attempt.checked)
        if not outcome.passed
    ]


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
        failed_at=failed_pointers(step, attempt),
    )


def indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
