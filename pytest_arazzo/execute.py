"""Execute: run a planned workflow, step by step, over a transport.

Arazzo 1.0.1 semantics implemented here (decisions the spec leaves open are marked *decision*):

- Steps run in order. After a step, all ``successCriteria`` must hold. *Decision*: a step with no
  ``successCriteria`` succeeds on any status below 400.
- On success the first matching action of ``onSuccess`` (then the workflow's ``successActions``
  whose name the step does not override) runs: ``end`` ends the workflow, ``goto`` jumps to a step
  or runs another workflow and then ends this one. No matching action: the next step.
- On failure the first matching failure action runs: ``retry`` (waiting ``retryAfter`` seconds, or
  the response's ``Retry-After`` header, at most ``retryLimit`` times, default 1; once exhausted the
  next matching action is considered), ``goto`` (handled: the run continues there), ``end``
  (the workflow ends *failed*). No matching action: the workflow fails.
- Every step execution counts toward ``max_steps``; retries are bounded by their limit and waits
  by ``max_retry_wait``. Nested workflows (``workflowId`` steps, ``dependsOn``) are bounded by
  ``max_depth``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from .auth import CredentialError, Credentials
from .build import BuildError, build_request
from .context import EvalContext
from .criteria import Criterion, Outcome
from .expressions import Compiled, UnresolvedError
from .failures import (
    Exchange,
    LimitFailure,
    OutputProblem,
    OutputsFailure,
    PlanFailure,
    StepFailure,
    StepRecord,
    WorkflowFailure,
)
from .inputs import apply_defaults, validate_inputs
from .plan import ActionPlan, StepPlan, WorkflowPlan
from .sources import Operation, server_url
from .transport import Transport, TransportError


@dataclass
class Limits:
    max_steps: int = 1000
    max_retry_wait: float = 60.0
    max_depth: int = 16


@dataclass
class RunResult:
    workflow_id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    trace: list[StepRecord] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)


class Servers:
    """Base URL per source: ``--arazzo-server NAME=URL`` overrides, else the OpenAPI servers."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def base_url(self, operation: Operation) -> str:
        name = operation.source.name
        if name in self.overrides:
            return self.overrides[name]
        if "*" in self.overrides:
            return self.overrides["*"]
        for server in operation.servers():
            url = server_url(server, operation.source.url)
            if url.startswith(("http://", "https://")):
                return url
        raise TransportError(
            f"source '{name}' declares no absolute server URL for {operation.label}",
            f"pass --arazzo-server {name}=https://host/base",
        )


ExchangeCheck = Callable[[StepPlan, Exchange], list[str]]
"""Called after every HTTP exchange (e.g. OpenAPI contract checks); returns violations."""


class Runner:
    """Runs workflow plans with one transport; reusable across runs (e.g. fuzzing)."""

    def __init__(
        self,
        transport: Transport,
        *,
        servers: Servers | None = None,
        credentials: Credentials | None = None,
        limits: Limits | None = None,
        sleep: Callable[[float], None] = time.sleep,
        exchange_checks: list[ExchangeCheck] | None = None,
    ) -> None:
        self.transport = transport
        self.exchange_checks = exchange_checks or []
        self.servers = servers or Servers()
        self.credentials = credentials
        self.limits = limits or Limits()
        self.sleep = sleep

    def run(self, plan: WorkflowPlan, inputs: Mapping[str, Any]) -> RunResult:
        """Run ``plan``; raises :class:`WorkflowFailure` with a full report on any failure."""
        return _Run(self, plan, dict(inputs), depth=0, workflows={}).execute()


class _Run:
    """The state of one workflow execution."""

    def __init__(
        self,
        runner: Runner,
        plan: WorkflowPlan,
        inputs: dict[str, Any],
        depth: int,
        workflows: dict[str, dict[str, Any]],
    ) -> None:
        self.runner, self.plan, self.depth = runner, plan, depth
        self.inputs = apply_defaults(plan.inputs_schema, inputs)
        self.workflows = workflows
        self.steps: dict[str, dict[str, Any]] = {}
        self.outputs: dict[str, Any] = {}
        self.trace: list[StepRecord] = []
        self.exchanges: list[Exchange] = []
        self.executed = 0

    def context(self) -> EvalContext:
        file = self.plan.file
        return EvalContext(
            inputs=self.inputs,
            outputs=self.outputs,
            steps=self.steps,
            workflows=self.workflows,
            source_descriptions=file.source_descriptions,
            components=file.components,
        )

    def execute(self) -> RunResult:
        try:
            return self._execute()
        except WorkflowFailure as failure:
            if not failure.trace:
                failure.trace = self.trace
            raise failure.at(self.plan.workflow_id, self.plan.where) from None

    def _execute(self) -> RunResult:
        if self.plan.errors:
            raise PlanFailure(self.plan.errors)
        if self.depth > self.runner.limits.max_depth:
            raise LimitFailure(
                f"workflows nest deeper than {self.runner.limits.max_depth} levels",
                hint="look for workflows that call each other in a cycle",
            )
        validate_inputs(self.plan.inputs_schema, self.inputs)
        for dependency in self.plan.depends_on:
            self.run_workflow(dependency, self.inputs, filter_inputs=True)
        index = 0
        while index < len(self.plan.steps):
            next_index = self.step(index)
            if next_index is None:
                break
            index = next_index
        self.outputs.update(self.resolve_outputs(self.plan.outputs, "workflow"))
        self.workflows[self.plan.workflow_id] = {"inputs": self.inputs, "outputs": self.outputs}
        return RunResult(
            self.plan.workflow_id, self.inputs, self.outputs, self.trace, self.exchanges
        )

    # -- steps -------------------------------------------------------------------------------

    def step(self, index: int) -> int | None:
        """Run the step at ``index`` with its actions; the next index, or None to end."""
        step = self.plan.steps[index]
        retries: dict[int, int] = {}
        while True:
            passed, outcomes, exchange, ctx = self.attempt(step)
            if passed:
                self.steps[step.step_id] = self.resolve_outputs(
                    step.outputs, f"step '{step.step_id}'", ctx
                )
                self.note(step, exchange, True)
                return self.after_success(step, index, ctx)
            action = self.failure_action(step, ctx, retries)
            if action is None:
                self.note(step, exchange, False)
                raise self.step_failed(step, exchange, outcomes)
            if action.type == "retry":
                self.note(
                    step, exchange, False, f"retry {retries[id(action)]}/{action.retry_limit}"
                )
                self.wait(action, exchange)
                if action.step_id or action.workflow_id:
                    self.transfer(action, index)
                continue
            self.note(step, exchange, False, f"onFailure '{action.name}': {action.type}")
            if action.type == "end":
                raise self.step_failed(
                    step, exchange, outcomes, f"failure action '{action.name}' ended the workflow"
                )
            return self.transfer(action, index)

    def attempt(self, step: StepPlan) -> tuple[bool, list[Outcome], Exchange | None, EvalContext]:
        self.executed += 1
        if self.executed > self.runner.limits.max_steps:
            raise LimitFailure(
                f"more than {self.runner.limits.max_steps} step executions: a goto loop?",
                hint="check the onSuccess/onFailure goto targets, or raise arazzo_max_steps",
            )
        ctx = self.context()
        if step.workflow_id:
            return (*self.call_workflow(step, ctx), None, ctx)
        exchange = self.exchange(step, ctx)
        ctx.url, ctx.method = exchange.request.url, exchange.request.method
        ctx.status_code = exchange.response.status
        ctx.request, ctx.response = exchange.request.as_message(), exchange.response.as_message()
        outcomes = [criterion.evaluate(ctx) for criterion in step.success]
        if step.success:
            failed = [outcome for outcome in outcomes if not outcome.passed]
            return not failed, failed, exchange, ctx
        return exchange.response.status < 400, [], exchange, ctx

    def exchange(self, step: StepPlan, ctx: EvalContext) -> Exchange:
        operation = step.operation
        if operation is None:
            raise StepFailure(step.step_id, step.where, "the step has no resolvable operation")
        try:
            request = build_request(step, ctx, self.runner.servers.base_url(operation))
        except BuildError as error:
            raise StepFailure(
                step.step_id,
                step.where,
                f"cannot build the request: {error}",
                hint="no request was sent for this step",
            ) from None
        except TransportError as error:
            raise StepFailure(step.step_id, step.where, error.message, hint=error.hint) from None
        credentials = self.runner.credentials
        authorize = None
        if credentials is not None:
            try:
                credentials.for_source(operation.source.name)
            except CredentialError as error:
                raise StepFailure(step.step_id, step.where, str(error)) from None

            def authorize(outgoing: Any) -> None:
                credentials.apply(outgoing, operation)

        try:
            response = self.runner.transport.send(request, step.step_id, authorize)
        except TransportError as error:
            raise StepFailure(
                step.step_id,
                step.where,
                error.message,
                hint=error.hint,
            ) from None
        exchange = Exchange(step.step_id, request, response)
        self.exchanges.append(exchange)
        violations = [v for check in self.runner.exchange_checks for v in check(step, exchange)]
        if violations:
            self.note(step, exchange, False, "contract")
            raise StepFailure(
                step.step_id,
                step.where,
                "contract violations:\n"
                + "\n".join(f"  - {violation}" for violation in violations),
                exchange=exchange,
                hint="the workflow, the OpenAPI description and the API disagree: fix whichever "
                "is wrong",
            )
        return exchange

    def call_workflow(self, step: StepPlan, ctx: EvalContext) -> tuple[bool, list[Outcome]]:
        """A step with ``workflowId``: parameters become the callee's inputs."""
        inputs = {}
        for param in step.parameters:
            try:
                inputs[param.name] = param.value.evaluate(ctx)
            except UnresolvedError as error:
                if not error.is_absent_input:
                    raise StepFailure(
                        step.step_id,
                        step.where,
                        f"parameter '{param.name}': {error.expression}: {error.reason}",
                    ) from None
        assert step.workflow_id is not None
        self.run_workflow(step.workflow_id, inputs)
        outcomes = [criterion.evaluate(self.context()) for criterion in step.success]
        failed = [outcome for outcome in outcomes if not outcome.passed]
        return not failed, failed

    def run_workflow(
        self, workflow_id: str, inputs: dict[str, Any], filter_inputs: bool = False
    ) -> dict[str, Any]:
        plan = self.plan.file.plan_reference(workflow_id)
        if filter_inputs:
            known = plan.inputs_schema.get("properties") or {}
            inputs = {k: v for k, v in inputs.items() if k in known}
        nested = _Run(self.runner, plan, inputs, self.depth + 1, self.workflows)
        result = nested.execute()
        self.exchanges += nested.exchanges
        self.trace.append(StepRecord(f"workflow:{plan.workflow_id}", None, True))
        return result.outputs

    def resolve_outputs(
        self, outputs: dict[str, Compiled], owner: str, ctx: EvalContext | None = None
    ) -> dict[str, Any]:
        ctx = ctx or self.context()
        values, problems = {}, []
        for name, compiled in outputs.items():
            try:
                values[name] = compiled.evaluate(ctx, omit_absent_inputs=False)
            except UnresolvedError as error:
                problems.append(OutputProblem(name, error.expression, error.reason))
        if problems:
            raise OutputsFailure(owner, problems)
        return values

    # -- actions -----------------------------------------------------------------------------

    def after_success(self, step: StepPlan, index: int, ctx: EvalContext) -> int | None:
        action = _first_match(_merged(step.on_success, self.plan.success_actions), ctx)
        if action is None:
            return index + 1
        if action.type == "end":
            return None
        return self.transfer(action, index)

    def failure_action(
        self, step: StepPlan, ctx: EvalContext, retries: dict[int, int]
    ) -> ActionPlan | None:
        for action in _merged(step.on_failure, self.plan.failure_actions):
            if not _matches(action.criteria, ctx):
                continue
            if action.type == "retry":
                used = retries.get(id(action), 0)
                if used >= action.retry_limit:
                    continue  # exhausted: the next matching failure action is considered
                retries[id(action)] = used + 1
            return action
        return None

    def transfer(self, action: ActionPlan, index: int) -> int | None:
        """goto (or retry's detour): jump to a step, or run a workflow and end this one."""
        if action.step_id:
            target = self.plan.step_index(action.step_id)
            assert target is not None  # checked at plan time
            if action.type == "retry":
                self.step(target)
                return index
            return target
        if action.workflow_id:
            self.run_workflow(action.workflow_id, self.inputs, filter_inputs=True)
            return index if action.type == "retry" else None
        return index + 1

    def wait(self, action: ActionPlan, exchange: Exchange | None) -> None:
        delay = action.retry_after or 0.0
        header = exchange.response.headers.get("Retry-After") if exchange else None
        if header:
            delay = _retry_after_seconds(header, delay)
        delay = min(max(delay, 0.0), self.runner.limits.max_retry_wait)
        if delay:
            self.runner.sleep(delay)

    # -- reporting ---------------------------------------------------------------------------

    def note(self, step: StepPlan, exchange: Exchange | None, passed: bool, note: str = "") -> None:
        status = exchange.response.status if exchange else None
        self.trace.append(StepRecord(step.step_id, status, passed, note))

    def step_failed(
        self, step: StepPlan, exchange: Exchange | None, outcomes: list[Outcome], message: str = ""
    ) -> StepFailure:
        if not message:
            message = "success criteria not met" if outcomes else "the step did not succeed"
        hint = _hint(exchange, outcomes)
        return StepFailure(
            step.step_id, step.where, message, exchange=exchange, outcomes=outcomes, hint=hint
        )


def _merged(step_actions: list[ActionPlan], workflow_actions: list[ActionPlan]) -> list[ActionPlan]:
    """Step actions, then workflow actions the step does not override by name."""
    names = {action.name for action in step_actions}
    return step_actions + [action for action in workflow_actions if action.name not in names]


def _matches(criteria: list[Criterion], ctx: EvalContext) -> bool:
    return all(criterion.evaluate(ctx).passed for criterion in criteria)


def _first_match(actions: list[ActionPlan], ctx: EvalContext) -> ActionPlan | None:
    return next((action for action in actions if _matches(action.criteria, ctx)), None)


def _retry_after_seconds(header: str, fallback: float) -> float:
    try:
        return float(header)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(header).timestamp() - time.time()
    except (TypeError, ValueError):
        return fallback


def _hint(exchange: Exchange | None, outcomes: list[Outcome]) -> str:
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
