"""Step dependencies and execution order (Arazzo 1.1.0 § Step Object ``dependsOn``, § Step
Dependencies and Execution Order).

- **Explicit** dependencies: a step's ``dependsOn`` names a ``stepId`` of its workflow,
  ``$workflows.<workflowId>.steps.<stepId>`` (another workflow of this document) or
  ``$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`` (an ``arazzo`` source). An entry that
  names nothing is AZ262.
- **Implicit** dependencies: every ``$steps.<id>.outputs`` a step reads (parameters, request body,
  criteria, actions, outputs; its own outputs do not count).
- **Order.** "Tools supporting only sequential execution MUST execute steps in an order that
  satisfies both": with ``dependsOn`` in the workflow, steps run in document order as long as the
  dependencies allow (a stable topological order); a step that waits for a later one makes that
  one run first, reported as AZ264 (info). A cycle is AZ263. Without any ``dependsOn`` ("sequential
  execution model") a reference to a later step's outputs is AZ261, as § Validation
  Recommendations asks ("SHOULD produce an error"); the order stays as written.

``dependsOn`` "does not trigger execution of the referenced steps": the executor fails a step
whose dependency has not completed when it is reached (see :mod:`pytest_arazzo.execute.run`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pytest_arazzo.diagnostics.problems import INFO
from pytest_arazzo.diagnostics.text import did_you_mean
from pytest_arazzo.document.pointer import escape_token
from pytest_arazzo.plan.model import StepPlan

__all__ = ["order_steps", "parse_dependency", "step_ids", "unknown_step"]

_ID = r"[A-Za-z0-9_\-]+"
_OTHER_WORKFLOW = re.compile(rf"\$workflows\.({_ID})\.steps\.({_ID})")
_OTHER_DOCUMENT = re.compile(rf"\$sourceDescriptions\.({_ID})\.({_ID})\.steps\.({_ID})")
_READS = re.compile(rf"\$steps\.({_ID})\.outputs")
#: Step fields whose runtime expressions make implicit dependencies.
_READING_FIELDS = (
    "parameters",
    "requestBody",
    "successCriteria",
    "onSuccess",
    "onFailure",
    "outputs",
    "correlationId",
)

Report = Callable[..., None]  # the planner's problem(code, pointer, message, hint, severity)


def parse_dependency(entry: str) -> tuple[str | None, str | None, str]:
    """``(source name, workflowId, stepId)`` of a ``dependsOn`` entry; ``None`` parts are "this
    document" / "this workflow"."""
    found = _OTHER_DOCUMENT.fullmatch(entry)
    if found:
        return found[1], found[2], found[3]
    found = _OTHER_WORKFLOW.fullmatch(entry)
    if found:
        return None, found[1], found[2]
    return None, None, entry


def step_ids(workflow: Any) -> list[str]:
    """The stepIds of a raw Workflow Object, in document order."""
    steps = workflow.get("steps") if isinstance(workflow, dict) else None
    return [
        step["stepId"]
        for step in (steps if isinstance(steps, list) else [])
        if isinstance(step, dict) and isinstance(step.get("stepId"), str)
    ]


def _reads(raw: dict[str, Any], pointer: str) -> Iterator[tuple[str, str]]:
    """``(stepId, pointer)`` of every ``$steps.<id>.outputs`` in the step's fields."""
    stack: list[tuple[Any, str]] = [
        (raw[name], f"{pointer}/{name}") for name in _READING_FIELDS if name in raw
    ]
    while stack:
        node, where = stack.pop(0)
        if isinstance(node, str):
            for found in _READS.finditer(node):
                yield found[1], where
        elif isinstance(node, dict):
            stack += [(child, f"{where}/{escape_token(str(key))}") for key, child in node.items()]
        elif isinstance(node, list):
            stack += [(child, f"{where}/{index}") for index, child in enumerate(node)]


def order_steps(
    steps: list[StepPlan], raw_steps: list[dict[str, Any]], base: str, report: Report
) -> list[StepPlan]:
    """``steps`` (document order, ``raw_steps`` their objects) in the order they must run."""
    index_of = {step.step_id: index for index, step in enumerate(steps)}
    explicit = [
        {index_of[dep.step_id] for dep in step.depends_on if dep.local and dep.step_id in index_of}
        for step in steps
    ]
    uses_depends_on = any(
        isinstance(raw.get("dependsOn"), list) and raw["dependsOn"] for raw in raw_steps
    )
    implicit: list[set[int]] = [set() for _ in steps]
    reported: set[tuple[int, int]] = set()
    for index, (step, raw) in enumerate(zip(steps, raw_steps, strict=True)):
        for step_id, where in _reads(raw, step.pointer):
            target = index_of.get(step_id)
            if target is None or target == index:
                continue  # an unknown step is AZ304; a step may read its own outputs
            implicit[index].add(target)
            if not uses_depends_on and target > index and (index, target) not in reported:
                reported.add((index, target))
                report(
                    "AZ261",
                    where,
                    f"step '{step.step_id}' reads $steps.{step_id}.outputs, but step "
                    f"'{step_id}' comes later in the steps list and this workflow uses no "
                    "dependsOn: steps run in the order written, so that output does not exist "
                    "yet (Arazzo 1.1 § Step Dependencies and Execution Order)",
                    f"move step '{step_id}' before step '{step.step_id}', or add "
                    f"dependsOn: [{step_id}] to step '{step.step_id}' (the steps are then run in "
                    "an order that satisfies it)",
                )
    if not uses_depends_on:
        return steps
    needs = [explicit[i] | implicit[i] for i in range(len(steps))]
    cycle = _cycle(needs)
    if cycle:
        names = " -> ".join(steps[i].step_id for i in cycle)
        report(
            "AZ263",
            f"{base}/steps",
            f"steps depend on each other in a cycle: {names} (dependsOn and $steps.<id>.outputs "
            "references), so no order can run them",
            "break the cycle: drop a dependsOn entry or an output reference",
        )
        return steps
    order = _stable_order(needs)
    if order != list(range(len(steps))):
        moved = [steps[i].step_id for i in order]
        why = next(
            f"step '{steps[i].step_id}' depends on step '{steps[j].step_id}', written after it"
            for i in range(len(steps))
            for j in sorted(needs[i])
            if j > i
        )
        report(
            "AZ264",
            f"{base}/steps",
            f"the steps run in the order {', '.join(moved)} (not as written): {why}",
            "write the steps in the order they run, to read the workflow as it runs",
            severity=INFO,
        )
    return [steps[i] for i in order]


def _stable_order(needs: list[set[int]]) -> list[int]:
    """Document order as long as the dependencies allow: each time, the first step whose
    dependencies have all run."""
    done: list[int] = []
    left = list(range(len(needs)))
    while left:
        ready = next(i for i in left if needs[i] <= set(done))
        done.append(ready)
        left.remove(ready)
    return done


def _cycle(needs: list[set[int]]) -> list[int]:
    """A dependency cycle as step indexes (first repeated at the end); ``[]`` when none."""
    state = [0] * len(needs)  # 0 new, 1 on the stack, 2 done

    def visit(node: int, path: list[int]) -> list[int]:
        state[node] = 1
        for target in sorted(needs[node]):
            if state[target] == 1:
                return [*path[path.index(target) :], target] if target in path else [target]
            if state[target] == 0:
                found = visit(target, [*path, target])
                if found:
                    return found
        state[node] = 2
        return []

    for start in range(len(needs)):
        if state[start] == 0:
            found = visit(start, [start])
            if found:
                return found
    return []


def unknown_step(entry: str, step_id: str, where: str, known: list[str]) -> tuple[str, str]:
    """The AZ262 message and hint for ``entry`` whose step ``step_id`` is not in ``where``."""
    return (
        f"dependsOn '{entry}': {where} has no step '{step_id}'",
        did_you_mean(step_id, known) or f"its steps are: {', '.join(known) or 'none'}",
    )
