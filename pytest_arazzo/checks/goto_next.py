"""A ``goto`` to the step that runs next anyway (``AZ242``, info).

Arazzo 1.0.1 § Step Object: after a successful step without a matching success action, the next
step in the list runs. A last ``onSuccess`` goto that names that very step changes nothing (with
criteria that do not match, the next step runs as well); it reads like a jump that is not one.
"""

from __future__ import annotations

from pytest_arazzo.checks.data import items_of, text_of
from pytest_arazzo.checks.report import Report, StepContext


def check_goto_next(report: Report, step: StepContext) -> None:
    """The step's last ``onSuccess`` action is a goto to the next step (AZ242)."""
    steps = step.workflow.get("steps")
    if not isinstance(steps, list) or step.position + 1 >= len(steps):
        return
    after = steps[step.position + 1]
    following = text_of(after.get("stepId")) if isinstance(after, dict) else None
    actions = items_of(step.raw.get("onSuccess"))
    if not following or not actions:
        return
    index, action = actions[-1]
    if action.get("type") != "goto" or text_of(action.get("stepId")) != following:
        return
    name = text_of(action.get("name")) or f"#{index + 1}"
    report.add(
        "AZ242",
        f"{step.pointer}/onSuccess/{index}/stepId",
        f"{step.label}: success action '{name}' goes to step '{following}', which runs next "
        "anyway (after a successful step the next step in the list runs)",
        "drop the action; if the step should repeat until something holds, add a retry "
        "action on the opposite criteria, or make the condition a successCriterion",
    )
