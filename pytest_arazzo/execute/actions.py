"""Choosing actions (Arazzo 1.0.1 § Success Action Object, § Failure Action Object).

- A step's actions come first, then the workflow's ``successActions``/``failureActions`` whose
  ``name`` the step does not use (a step overrides a workflow action by name, never removes it).
- The first action whose ``criteria`` all hold wins; criteria see the step's ``$statusCode``,
  ``$response.*``, ``$request.*``, ``$url``, ``$method`` and its outputs.
- ``retry`` applies at most ``retryLimit`` times (default 1) per run of the step; once exhausted,
  the next matching failure action is considered ("the retryLimit MUST be exhausted prior to
  executing subsequent failure actions").
- The wait is ``retryAfter`` seconds, overruled by a ``Retry-After`` response header (seconds or
  an HTTP date). A wait longer than :attr:`Limits.max_retry_wait` (ini ``arazzo_max_backoff``)
  or than the time the item has left is not waited at all: the step fails at once, naming the
  value and the limit (waiting the cap would retry before the server said it could answer).
- An action skipped because a criterion failed *with a hint* (such as the RFC 9535 root-filter
  pitfall ``$[?count(@.pets) > 0]`` on an object) is reported as an :class:`ActionWarning`, since
  such a criterion silently sends the run down another path.
"""

from __future__ import annotations

from pytest_arazzo.execute.failures import Exchange
from pytest_arazzo.http.messages import retry_after_seconds
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.plan.model import ActionPlan


class ActionWarning(UserWarning):
    """An action did not apply because of a criterion that probably does not mean what it says."""


def merged(step_actions: list[ActionPlan], workflow_actions: list[ActionPlan]) -> list[ActionPlan]:
    """Step actions, then workflow actions the step does not override by name."""
    names = {action.name for action in step_actions}
    return step_actions + [action for action in workflow_actions if action.name not in names]


def matches(action: ActionPlan, ctx: EvalContext, notes: list[str] | None = None) -> bool:
    """All criteria hold (none: always); a failed criterion with a hint is added to ``notes``."""
    for criterion in action.criteria:
        outcome = criterion.evaluate(ctx)
        if not outcome.passed:
            if notes is not None and "Hint:" in outcome.detail:
                notes.append(f"action '{action.name}' did not apply: {outcome.describe()}")
            return False
    return True


def first_match(
    actions: list[ActionPlan], ctx: EvalContext, notes: list[str] | None = None
) -> ActionPlan | None:
    return next((action for action in actions if matches(action, ctx, notes)), None)


def failure_action(
    actions: list[ActionPlan],
    ctx: EvalContext,
    retries: dict[int, int],
    notes: list[str] | None = None,
) -> ActionPlan | None:
    """The failure action to take; counts the retry in ``retries`` (keyed by action)."""
    for action in actions:
        if not matches(action, ctx, notes):
            continue
        if action.type == "retry":
            used = retries.get(id(action), 0)
            if used >= action.retry_limit:
                continue  # exhausted: the next matching failure action is considered
            retries[id(action)] = used + 1
        return action
    return None


def retry_delay(action: ActionPlan, exchange: Exchange | None) -> tuple[float, str]:
    """Seconds to wait before retrying, and where the number came from."""
    header = exchange.response.headers.get("Retry-After") if exchange is not None else None
    if header:
        parsed = retry_after_seconds(header.strip())
        if parsed is not None:
            return max(parsed, 0.0), f"Retry-After: {header.strip()}"
    if action.retry_after:
        return action.retry_after, f"retryAfter {action.retry_after:g}"
    return 0.0, ""


def wait_refusal(delay: float, source: str, cap: float, left: float | None) -> str:
    """Why a retry wait of ``delay`` seconds is not waited (``''`` when it is)."""
    if delay > cap:
        return (
            f"the retry asks to wait {delay:g}s [{source}], more than arazzo_max_backoff "
            f"({cap:g}s): not retrying"
        )
    if left is not None and delay > left:
        return (
            f"the retry asks to wait {delay:g}s [{source}], more than the {max(left, 0):.1f}s "
            "this item has left (arazzo_item_timeout): not retrying"
        )
    return ""


def failure_hint(exchange: Exchange | None) -> str:
    """What to look at, from the response status."""
    if exchange is None:
        return ""
    status = exchange.response.status
    if status in (401, 403):
        return "check the credential (environment variable named in arazzo_credentials)"
    if status == 429:
        return "the API is rate limiting: add an onFailure retry action, or slow down"
    if 400 <= status < 500:
        return "the API rejected the request: compare the request above with its error message"
    if status >= 500:
        return "the API failed: retry later, or add an onFailure retry action for 5xx"
    return "the response did not meet the criteria: check the values shown above"
