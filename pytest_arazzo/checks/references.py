"""Runtime expressions (``AZ303``-``AZ310``): what each one refers to must be declared, a
request must not read outputs of a step that has not run yet, and workflow outputs must not read
a request or response (there is none at workflow level)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pytest_arazzo.checks.data import (
    declares,
    input_names,
    items_of,
    mapping_of,
    source_types,
    text_of,
    workflow_at,
    workflow_ids,
)
from pytest_arazzo.checks.report import Report
from pytest_arazzo.diagnostics.text import did_you_mean
from pytest_arazzo.document.dialect import dialect_of
from pytest_arazzo.document.pointer import escape_token
from pytest_arazzo.language.criteria import compile_criterion
from pytest_arazzo.language.errors import CriterionError, ExpressionError
from pytest_arazzo.language.evaluate import Expression
from pytest_arazzo.language.templates import compile_value


@dataclass
class Site:
    """One runtime expression and where it is used."""

    pointer: str
    expression: Expression
    step: int | None  # the step whose request, criteria or outputs use it
    phase: str  # "request" (builds the request), "response" (after it), "end" (workflow outputs)


@dataclass
class _Scope:
    """What a workflow declares, for checking the expressions inside it."""

    data: dict[str, Any]
    index: int
    workflow: dict[str, Any]
    inputs: set[str] | None = None
    steps: dict[str, int] = field(default_factory=dict)
    step_outputs: dict[str, set[str]] = field(default_factory=dict)
    outputs: set[str] = field(default_factory=set)
    jumps: bool = False

    @classmethod
    def of(cls, data: dict[str, Any], index: int, workflow: dict[str, Any]) -> _Scope:
        scope = cls(data, index, workflow, inputs=input_names(workflow.get("inputs"), data))
        for position, step in items_of(workflow.get("steps")):
            step_id = text_of(step.get("stepId"))
            if step_id is not None and step_id not in scope.steps:
                scope.steps[step_id] = position
                scope.step_outputs[step_id] = {str(key) for key in mapping_of(step.get("outputs"))}
            scope.jumps = scope.jumps or _has_jumps(step)
        scope.jumps = scope.jumps or _has_jumps(workflow, ("successActions", "failureActions"))
        scope.outputs = {str(key) for key in mapping_of(workflow.get("outputs"))}
        return scope

    @property
    def name(self) -> str:
        return str(self.workflow.get("workflowId"))


def _has_jumps(owner: dict[str, Any], kinds: tuple[str, ...] = ("onSuccess", "onFailure")) -> bool:
    return any(
        "reference" in action or action.get("type") in ("goto", "retry")
        for kind in kinds
        for _, action in items_of(owner.get(kind))
    )


def check_expressions(report: Report, index: int, workflow: dict[str, Any]) -> None:
    scope = _Scope.of(report.data, index, workflow)
    rules = dialect_of(report.data).version  # which Condition Evaluation rules (1.1: {$...})
    for site in _sites(workflow, f"/workflows/{index}", rules):
        message, hint, code = _reference_problem(scope, site)
        if message:
            report.add(code, site.pointer, message, hint)


def _sites(workflow: dict[str, Any], base: str, rules: str = "1.0") -> Iterator[Site]:
    """Every runtime expression of a workflow, with where and when it is evaluated."""
    for position, param in items_of(workflow.get("parameters")):
        yield from _value_sites(param.get("value"), f"{base}/parameters/{position}/value", None)
    for position, step in items_of(workflow.get("steps")):
        yield from step_sites(step, f"{base}/steps/{position}", position, rules)
    for kind in ("successActions", "failureActions"):
        for position, action in items_of(workflow.get(kind)):
            where = f"{base}/{kind}/{position}"
            yield from _criteria_sites(action.get("criteria"), where, None, rules)
    for name, value in mapping_of(workflow.get("outputs")).items():
        yield from _value_sites(value, f"{base}/outputs/{escape_token(name)}", None, "end")


def step_sites(
    step: dict[str, Any], pointer: str, position: int, rules: str = "1.0"
) -> Iterator[Site]:
    """Every runtime expression one step uses, parsed, with where it is and when it is read
    (its parameters, body, criteria, action criteria and outputs)."""
    for index, param in items_of(step.get("parameters")):
        yield from _value_sites(param.get("value"), f"{pointer}/parameters/{index}/value", position)
    body = mapping_of(step.get("requestBody"))
    if "payload" in body:
        yield from _value_sites(body["payload"], f"{pointer}/requestBody/payload", position)
    for index, replacement in items_of(body.get("replacements")):
        where = f"{pointer}/requestBody/replacements/{index}/value"
        yield from _value_sites(replacement.get("value"), where, position)
    where = f"{pointer}/successCriteria"
    yield from _criteria_sites(step.get("successCriteria"), where, position, rules)
    for kind in ("onSuccess", "onFailure"):
        for index, action in items_of(step.get(kind)):
            where = f"{pointer}/{kind}/{index}"
            yield from _criteria_sites(action.get("criteria"), where, position, rules)
    for name, value in mapping_of(step.get("outputs")).items():
        where = f"{pointer}/outputs/{escape_token(name)}"
        yield from _value_sites(value, where, position, "response")


def _value_sites(
    value: Any, pointer: str, step: int | None, phase: str = "request"
) -> Iterator[Site]:
    """Expressions in a value (strings anywhere inside; keys are literal)."""
    stack = [(value, pointer)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            try:
                compiled = compile_value(node)
            except ExpressionError:
                continue  # the planner reports it (AZ301)
            for expression in compiled.expressions():
                yield Site(where, expression, step, phase)
        elif isinstance(node, dict):
            stack += [(child, f"{where}/{escape_token(key)}") for key, child in node.items()]
        elif isinstance(node, list):
            stack += [(child, f"{where}/{index}") for index, child in enumerate(node)]


def _criteria_sites(
    items: Any, pointer: str, step: int | None, rules: str = "1.0"
) -> Iterator[Site]:
    base = pointer if pointer.endswith("successCriteria") else f"{pointer}/criteria"
    for index, raw in items_of(items):
        try:
            criterion = compile_criterion(raw, rules)
        except (CriterionError, ExpressionError):
            continue  # the planner reports it (AZ302)
        expressions = criterion.expressions()
        if criterion.context is not None and expressions:
            yield Site(f"{base}/{index}/context", expressions[0], step, "response")
            expressions = expressions[1:]
        for expression in expressions:
            yield Site(f"{base}/{index}/condition", expression, step, "response")


#: Roots that read the current step's request or response: no meaning in workflow outputs.
_EXCHANGE_ROOTS = frozenset({"request", "response", "statusCode", "url", "method"})


def _reference_problem(scope: _Scope, site: Site) -> tuple[str, str, str]:
    """``(message, hint, code)`` when an expression refers to something undeclared."""
    reference = site.expression.references()
    if site.phase == "end" and reference.root in _EXCHANGE_ROOTS:
        return (
            f"{site.expression.source}: a workflow output cannot read ${reference.root}: "
            "a workflow has no request or response of its own",
            "give the step that makes the request an output (outputs: {x: "
            f"{site.expression.source}}}) and read it here as $steps.<stepId>.outputs.x",
            "AZ310",
        )
    check = _REFERENCE_CHECKS.get(reference.root)
    if check is None:
        return "", "", ""
    return check(scope, site, reference)


def _check_inputs_ref(scope: _Scope, site: Site, reference: Any) -> tuple[str, str, str]:
    name = str(reference.name)
    if scope.inputs is None or declares(name, scope.inputs):
        return "", "", ""
    text = site.expression.source
    if not scope.inputs:
        return (
            f"{text}: workflow '{scope.name}' declares no inputs",
            f"declare it: inputs: {{type: object, properties: {{{name}: {{type: string}}}}}}",
            "AZ303",
        )
    return (
        f"{text}: input '{name}' is not declared in the inputs of workflow '{scope.name}'",
        did_you_mean(name, scope.inputs),
        "AZ303",
    )


def _check_steps_ref(scope: _Scope, site: Site, reference: Any) -> tuple[str, str, str]:
    text, step_id = site.expression.source, str(reference.id)
    if step_id not in scope.steps:
        return (
            f"{text}: workflow '{scope.name}' has no step '{step_id}'",
            did_you_mean(step_id, scope.steps),
            "AZ304",
        )
    name = str(reference.name)
    declared = scope.step_outputs.get(step_id, set())
    if reference.kind == "outputs" and not declares(name, declared):
        hint = did_you_mean(name, declared) if declared else ""
        hint = hint or f"step '{step_id}' declares no outputs; add outputs: {{{name}: ...}}"
        return f"{text}: step '{step_id}' declares no output '{name}'", hint, "AZ305"
    target = scope.steps[step_id]
    if (
        site.phase == "request"
        and site.step is not None
        and target >= site.step
        and not scope.jumps
        # Arazzo 1.1: a later step is AZ261, or the steps are reordered (plan/order.py)
        and (target == site.step or not dialect_of(scope.data).step_depends_on)
    ):
        when = "is this step" if target == site.step else "runs after this step"
        return (
            f"{text}: step '{step_id}' {when}, so its outputs do not exist yet when the "
            "request is built",
            f"move step '{step_id}' before the step that reads it",
            "AZ306",
        )
    return "", "", ""


def _check_outputs_ref(scope: _Scope, site: Site, reference: Any) -> tuple[str, str, str]:
    name = str(reference.name)
    declared, owner = scope.outputs, f"workflow '{scope.name}'"
    called = _called_workflow(scope, site)
    if called is not None:  # in a workflowId step, $outputs are the callee's (docs/semantics.md)
        if not called:
            return "", "", ""  # a workflow of another document, or a missing one (AZ212)
        declared = {str(key) for key in mapping_of(called.get("outputs"))}
        owner = f"called workflow '{called.get('workflowId')}'"
    if declares(name, declared):
        return "", "", ""
    return (
        f"{site.expression.source}: {owner} declares no output '{name}'",
        did_you_mean(name, declared) if declared else "",
        "AZ305",
    )


def _called_workflow(scope: _Scope, site: Site) -> dict[str, Any] | None:
    """The workflow a ``workflowId`` step calls (``{}`` if not in this document), else ``None``."""
    if site.step is None or site.phase == "request":
        return None
    steps = scope.workflow.get("steps")
    step = steps[site.step] if isinstance(steps, list) and site.step < len(steps) else None
    target = text_of(step.get("workflowId")) if isinstance(step, dict) else None
    if target is None:
        return None
    ids = workflow_ids(scope.data)
    return workflow_at(scope.data, ids[target]) if target in ids else {}


def _check_workflows_ref(scope: _Scope, site: Site, reference: Any) -> tuple[str, str, str]:
    text, target = site.expression.source, str(reference.id)
    ids = workflow_ids(scope.data)
    if target not in ids:
        message = f"{text}: no workflow '{target}' in this document"
        return message, did_you_mean(target, ids), "AZ307"
    workflow = workflow_at(scope.data, ids[target])
    name = str(reference.name)
    if reference.kind == "outputs":
        declared: set[str] | None = {str(key) for key in mapping_of(workflow.get("outputs"))}
    else:
        declared = input_names(workflow.get("inputs"), scope.data)
    if declared is None or declares(name, declared):
        return "", "", ""
    kind = "output" if reference.kind == "outputs" else "input"
    return (
        f"{text}: workflow '{target}' declares no {kind} '{name}'",
        did_you_mean(name, declared) if declared else "",
        "AZ307",
    )


def _check_components_ref(scope: _Scope, site: Site, reference: Any) -> tuple[str, str, str]:
    kind, name = str(reference.kind), str(reference.name)
    known = mapping_of(mapping_of(scope.data.get("components")).get(kind))
    if declares(name, known):
        return "", "", ""
    return (
        f"{site.expression.source}: components.{kind} has no '{name}'",
        did_you_mean(name, known) if known else f"there is no components.{kind} section",
        "AZ308",
    )


def _check_sources_ref(scope: _Scope, site: Site, reference: Any) -> tuple[str, str, str]:
    names = source_types(scope.data)
    if str(reference.id) in names:
        return "", "", ""
    return (
        f"{site.expression.source}: no source description named '{reference.id}'",
        did_you_mean(str(reference.id), names),
        "AZ309",
    )


_REFERENCE_CHECKS: dict[str, Callable[[_Scope, Site, Any], tuple[str, str, str]]] = {
    "inputs": _check_inputs_ref,
    "steps": _check_steps_ref,
    "outputs": _check_outputs_ref,
    "workflows": _check_workflows_ref,
    "components": _check_components_ref,
    "sourceDescriptions": _check_sources_ref,
}
