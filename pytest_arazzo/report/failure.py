"""A failed item explained: the failure's own report, the failing exchange in full, a ``curl``
line to replay it by hand, the trace file, and the one line pytest's summaries show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pytest_arazzo.cassette.scrub import Scrubber, scrub_literals
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.execute.failures import Mask, StepFailure, WorkflowFailure, unmasked
from pytest_arazzo.report.curl import curl_command
from pytest_arazzo.report.exchange import exchange_lines

__all__ = ["Explained", "explain", "one_line"]

ONE_LINE = 200


@dataclass
class Explained:
    """What pytest shows for a failed item: the full ``text``, and ``line`` at ``where``."""

    text: str
    line: str
    where: Position


def explain(
    failure: WorkflowFailure,
    scrubber: Scrubber,
    *,
    locate: Callable[[str], Position | None],
    credential_words: Callable[[str], list[str]],
    limit: int | None,
    trace: str = "",
) -> Explained:
    """``locate`` turns a JSON Pointer of the item's document into a position (``None`` when the
    failure is in another document); ``credential_words`` gives the curl words of a step's
    credential; ``limit`` clips bodies (``None``: all); ``trace``: the HAR file written."""
    extra: list[str] = []
    where = failure.where
    if isinstance(failure, StepFailure):
        if failure.step_where.file:
            where = failure.step_where
        same_file = [locate(p) for p in failure.failed_at if failure.step_where.file]
        failure.failed_where = [p for p in same_file if p is not None]
        if failure.failed_where:
            where = failure.failed_where[0]
    literals = scrubber.literals()

    def mask(value: str) -> str:  # values only: the report's own words are never masked
        masked: str = scrub_literals(value, literals)
        return masked

    if isinstance(failure, StepFailure):
        exchange = failure.exchange
        if exchange is not None:
            failure.exchange_shown = True
            extra += exchange_lines(exchange, scrubber, limit)  # masked value by value
            words = credential_words(exchange.step_id)
            extra += ["reproduce with curl:", "  " + mask(curl_command(exchange.request, words))]
    text = failure.render(extra, mask)
    if trace:
        text += f"\n  trace: {trace} (HAR 1.2: open it in browser devtools or a HAR viewer)"
    return Explained(text, one_line(failure, mask), where)


def one_line(failure: WorkflowFailure, mask: Mask = unmasked) -> str:
    """The failure in one line: the step, what failed and the value seen (``mask``: applied to
    the values)."""
    if isinstance(failure, StepFailure):
        what = failure.outcomes[0].describe() if failure.outcomes else _first(failure.message)
        status = ""
        if failure.exchange is not None and not failure.outcomes:
            status = f" (status {failure.exchange.response.status})"
        return clip(f"step '{failure.step_id}': {mask(what)}{status}", ONE_LINE)
    return clip(mask(_first(failure.message)) or "the workflow failed", ONE_LINE)


def _first(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
