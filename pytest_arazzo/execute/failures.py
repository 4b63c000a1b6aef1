"""Why a workflow run failed, in words a person can act on.

Every failure the executor raises is a :class:`WorkflowFailure`; the pytest item prints
``failure.render()`` instead of a traceback from the plugin's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.text import clip

if TYPE_CHECKING:
    from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse
    from pytest_arazzo.language.outcome import Outcome

MAX_BODY_CHARS = 600
TRUNCATED = "... (truncated)"
NOWHERE = Position("")  # a failure not (yet) attached to a workflow

Mask = Callable[[str], str]
"""Masks the credentials in a value (a URL, a body, a message holding values): reports apply it
to the values they show, never to their own words (a key that is an ordinary word must not turn
a hint into ``<scrubbed>`` prose)."""


def unmasked(text: str) -> str:
    return text


@dataclass
class Exchange:
    """One HTTP round trip made by a step."""

    step_id: str
    request: OutgoingRequest
    response: ReceivedResponse
    attempt: int = 1
    workflow_id: str = ""  # the workflow whose step made it
    started: float = 0.0  # when it was sent (seconds since the epoch)
    elapsed: float = 0.0  # seconds until the response was in


@dataclass
class StepRecord:
    """What happened to a step, for the failure report's run summary and the step trace."""

    step_id: str
    status: int | None
    passed: bool
    note: str = ""
    workflow_id: str = ""
    method: str = ""
    path: str = ""
    elapsed_ms: float | None = None
    criteria: list[Outcome] = field(default_factory=list)  # every criterion checked, in order

    def render(self) -> str:
        mark = "ok" if self.passed else "FAILED"
        status = f" {self.status}" if self.status is not None else ""
        return f"{self.step_id}{status} {mark}{f' ({self.note})' if self.note else ''}"


class WorkflowFailure(Exception):
    """Base of every reported failure. ``render()`` gives the full report text."""

    workflow_id: str = ""
    where: Position = NOWHERE
    trace: list[StepRecord]
    exchanges: list[Exchange]  # every exchange of the run that failed, nested workflows too

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint
        self.trace = []
        self.exchanges = []

    def headline(self) -> str:
        return f"workflow '{self.workflow_id}' ({self.where})"

    def details(self, mask: Mask = unmasked) -> list[str]:
        """The lines under the headline; ``mask`` applied to the values in them."""
        return [mask(self.message)]

    def render(self, extra: list[str] | None = None, mask: Mask = unmasked) -> str:
        """The report; ``extra`` lines (e.g. the exchange in full, masked by the caller) go
        before the hint. ``mask`` is applied to values only: the headline, the hint and the
        labels are the plugin's own words (and the workflow's ids)."""
        lines = [f"{self.headline()} failed"]
        lines += [f"  {line}" for detail in self.details(mask) for line in detail.splitlines()]
        lines += [f"  {line}" for line in extra or []]
        if self.hint:
            lines.append(f"  what to do: {self.hint}")
        if self.trace:
            lines.append("  steps run: " + ", ".join(record.render() for record in self.trace))
        return "\n".join(lines)

    def at(self, workflow_id: str, where: Position) -> WorkflowFailure:
        """Attach the workflow this failure happened in (innermost wins)."""
        if not self.workflow_id:
            self.workflow_id, self.where = workflow_id, where
        return self


class PlanFailure(WorkflowFailure):
    """The workflow has static errors; nothing was sent."""

    def __init__(self, problems: list[Any]) -> None:
        from pytest_arazzo.diagnostics.problems import render_problems

        count = len(problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the workflow file; "
            "no request was sent:\n" + render_problems(problems)
        )


class StepFailure(WorkflowFailure):
    """A step ran and did not succeed, or could not be run."""

    def __init__(
        self,
        step_id: str,
        step_where: Position,
        message: str,
        *,
        exchange: Exchange | None = None,
        outcomes: list[Outcome] | None = None,
        hint: str = "",
        show_body: bool = False,
        failed_at: list[str] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.step_id, self.step_where = step_id, step_where
        self.exchange = exchange
        self.outcomes = outcomes or []
        self.show_body = show_body  # the response body explains the failure (e.g. an output)
        self.failed_at = failed_at or []  # JSON Pointers of the criteria or outputs that failed
        self.failed_where: list[Position] = []  # their positions, when a report located them
        self.exchange_shown = False  # the report shows the exchange in full: no body line here

    def headline(self) -> str:
        return f"{super().headline()} at step '{self.step_id}' ({self.step_where})"

    def details(self, mask: Mask = unmasked) -> list[str]:
        lines = []
        if self.exchange is not None and not self.exchange_shown:
            request, response = self.exchange.request, self.exchange.response
            lines.append(f"request:  {request.method} {mask(request.url)}")
            reason = f" {mask(response.reason)}" if response.reason else ""
            lines.append(f"response: {response.status}{reason}")
        lines.append(mask(self.message))
        for index, outcome in enumerate(self.outcomes):
            at = f" ({self.failed_where[index]})" if index < len(self.failed_where) else ""
            lines.append(f"criterion failed{at}: {mask(outcome.describe())}")
        if self.failed_where and not self.outcomes:
            lines.append("defined at " + ", ".join(str(where) for where in self.failed_where))
        if self.exchange is not None:
            api_error = self.exchange.response.api_error()
            if api_error:
                lines.append(f"API error: {mask(api_error)}")
            elif (
                not self.exchange_shown
                and self.exchange.response.content
                and (self.outcomes or self.show_body or self.exchange.response.status >= 400)
            ):
                lines.append(f"response body: {mask(_body(self.exchange.response.content))}")
        return lines


@dataclass
class OutputProblem:
    name: str
    expression: str
    reason: str


class OutputsFailure(WorkflowFailure):
    """Declared outputs that did not resolve."""

    def __init__(self, owner: str, problems: list[OutputProblem], hint: str = "") -> None:
        self.problems = problems
        lines = [
            f"{owner} output '{p.name}' ({p.expression}) did not resolve: {p.reason}"
            for p in problems
        ]
        super().__init__(
            "\n".join(lines),
            hint=hint or "fix the output expression, or the step that should produce the value",
        )


@dataclass
class InputViolation:
    path: str
    message: str


class InputsFailure(WorkflowFailure):
    """Inputs that do not satisfy the workflow's input schema."""

    def __init__(self, violations: list[InputViolation], source: str = "") -> None:
        self.violations = violations
        lines = [f"inputs do not match the workflow's input schema{source}:"]
        lines += [f"  - {v.path or '(inputs)'}: {v.message}" for v in violations]
        super().__init__(
            "\n".join(lines),
            hint="give the inputs in the input file or with --arazzo-input name=value",
        )


class LimitFailure(WorkflowFailure):
    """A loop or retry bound was hit."""


def _body(content: bytes) -> str:
    """A response body as text, at most :data:`MAX_BODY_CHARS` characters of it shown."""
    text = content.decode("utf-8", errors="replace")
    return clip(text, MAX_BODY_CHARS + len(TRUNCATED), marker=TRUNCATED)
