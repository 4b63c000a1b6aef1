"""One workflow execution: the state and control flow behind :class:`execute.Runner`.

The rules are summarized in :mod:`execute` and decided in ``docs/semantics.md``; action selection
is in :mod:`actions`, request building in :mod:`build`, what a run keeps and reports in
:mod:`runstate`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pytest_arazzo.document.pointer import escape_token
from pytest_arazzo.execute import actions
from pytest_arazzo.execute.failures import (
    Exchange,
    LimitFailure,
    OutputProblem,
    OutputsFailure,
    PlanFailure,
    StepFailure,
    StepRecord,
    WorkflowFailure,
)
from pytest_arazzo.execute.inputs import apply_defaults, schema_properties, validate_inputs
from pytest_arazzo.execute.messages import message_attempt
from pytest_arazzo.execute.state import (
    Attempt,
    RunResult,
    Shared,
    indent,
    step_failure,
    trace_record,
)
from pytest_arazzo.http.auth import CredentialError
from pytest_arazzo.http.messages import OutgoingRequest, TransportError, Unretriable
from pytest_arazzo.http.request import BuildError, build_request
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import UnresolvedError
from pytest_arazzo.language.templates import Compiled
from pytest_arazzo.plan.model import ActionPlan, ParamPlan, StepPlan, WorkflowPlan
from pytest_arazzo.transport.base import ReplayMismatch

if TYPE_CHECKING:
    from pytest_arazzo.execute.runner import Runner


def version_note(pinned: str, exchange: Exchange) -> str:
    """A line naming both API versions when the response came with another ``Stripe-Version``
    than the one requests pin: the description documents one, the account answered another."""
    answered = exchange.response.headers.get("Stripe-Version")
    if not answered or answered == pinned:
        return ""
    if not pinned:
        return (
            f"\n  the API answered with Stripe-Version {answered}, and no version was pinned: "
            "set arazzo_stripe_version to the version the OpenAPI description documents"
        )
    return (
        f"\n  requests pinned Stripe-Version {pinned} (arazzo_stripe_version), but the account "
        f"answered with Stripe-Version {answered}: the response may follow {answered}, not the "
        f"{pinned} the pin (and the OpenAPI description) expect"
    )


class WorkflowRun:
    """The state of one workflow execution."""

    def __init__(
        self,
        runner: Runner,
        plan: WorkflowPlan,
        inputs: dict[str, Any],
        depth: int,
        shared: Shared,
    ) -> None:
        self.runner, self.plan, self.depth, self.shared = runner, plan, depth, shared
        self.inputs = apply_defaults(plan.inputs_schema, inputs)
        self.steps: dict[str, dict[str, Any]] = {}
        self.outputs: dict[str, Any] = {}
        self.trace: list[StepRecord] = []
        self.exchanges: list[Exchange] = []
        self.detours = 0  # retry actions running another step, nested

    def context(self) -> EvalContext:
        plan = self.plan
        return EvalContext(
            inputs=self.inputs,
            outputs=self.outputs,
            steps=self.steps,
            workflows=self.shared.workflows,
            source_descriptions=plan.source_descriptions,
            components=plan.components,
            self_uri=plan.self_uri,
        )

    def execute(self) -> RunResult:
        try:
            return self._execute()
        except WorkflowFailure as failure:
            if not failure.trace:
                failure.trace = self.trace
            if len(self.exchanges) >= len(failure.exchanges):  # the outermost run sees them all
                failure.exchanges = list(self.exchanges)
            raise failure.at(self.plan.workflow_id, self.plan.where) from None

    def _execute(self) -> RunResult:
        plan, limits = self.plan, self.runner.limits
        if plan.errors:
            raise PlanFailure(plan.errors)
        if self.depth > limits.max_depth:
            raise LimitFailure(
                f"workflows nest deeper than {limits.max_depth} levels",
                hint="look for workflows that call each other in a cycle",
            )
        validate_inputs(plan.inputs_schema, self.inputs)
        self.shared.workflows[plan.workflow_id] = {"inputs": self.inputs, "outputs": {}}
        self.run_dependencies()
        ended = self.run_steps()
        self.outputs.update(self.resolve_outputs(plan.outputs, "workflow", early=ended))
        self.shared.workflows[plan.workflow_id] = {"inputs": self.inputs, "outputs": self.outputs}
        self.shared.completed.add(id(plan))
        return RunResult(
            plan.workflow_id,
            self.inputs,
            self.outputs,
            self.trace,
            self.exchanges,
            self.shared.warnings,
        )

    def run_dependencies(self) -> None:
        """``dependsOn``: each dependency runs once per run, before any step of this one."""
        for reference in self.plan.depends_on:
            target = self.plan.target(reference)
            if id(target) in self.shared.completed:
                continue
            try:
                self.run_workflow(target, self.inputs_for(target))
            except WorkflowFailure as failure:
                raise WorkflowFailure(
                    f"it depends on workflow '{reference}', which failed, so none of its own "
                    "steps ran:\n" + indent(failure.render()),
                    hint="fix the dependency first (its failure is shown above)",
                ) from None

    def run_steps(self) -> bool:
        """Run the steps; True when an action ended the workflow before its last step."""
        index = 0
        while index < len(self.plan.steps):
            next_index = self.step(index)
            if next_index is None:
                return True
            index = next_index
        return False

    # -- steps -------------------------------------------------------------------------------

    def step(self, index: int, follow: bool = True) -> int | None:
        """Run the step at ``index`` with its actions; the next index, or None to end."""
        step = self.plan.steps[index]
        self.check_dependencies(step)
        retries: dict[int, int] = {}
        while True:
            attempt = self.attempt(step, sum(retries.values()) + 1)
            if attempt.passed:
                self.steps[step.step_id] = self.step_outputs(step, attempt)
                self.shared.steps_done.add((self.plan.where.file, *self.step_key(step)))
                return self.after_success(step, index, attempt.ctx) if follow else index
            candidates = actions.merged(step.on_failure, self.plan.failure_actions)
            notes: list[str] = []
            action = actions.failure_action(candidates, attempt.ctx, retries, notes)
            self.warn(step, notes)
            if action is None:
                self.note(step, attempt, False)
                raise step_failure(step, attempt, retries)
            if action.type == "retry":
                self.retry(step, action, attempt, retries)
                continue
            self.note(step, attempt, False, f"onFailure '{action.name}': {action.type}")
            if action.type == "goto":
                return self.goto(step, action, attempt.ctx)
            message = f"failure action '{action.name}' (type: end) ended the workflow"
            if action.type != "end":
                message = f"failure action '{action.name}' has unknown type '{action.type}'"
            raise step_failure(step, attempt, retries, message)

    def step_key(self, step: StepPlan) -> tuple[str, str]:
        return (self.plan.workflow_id, step.step_id)

    def check_dependencies(self, step: StepPlan) -> None:
        """Arazzo 1.1 step ``dependsOn``: every step named must have completed (in this run of
        the workflow for its own steps); "dependsOn ... does not trigger execution"."""
        for dependency in step.depends_on:
            if dependency.local and dependency.step_id in self.steps:
                continue
            if not dependency.local and dependency.key in self.shared.steps_done:
                continue
            _, workflow_id, step_id = dependency.key
            hint = (
                f"dependsOn only waits for a step, it does not run it: make step '{step_id}' "
                "run first (a goto or an end skipped it)"
            )
            if not dependency.local:
                hint = (
                    f"dependsOn only waits for a step, it does not run it: run workflow "
                    f"'{workflow_id}' first (add it to this workflow's dependsOn, or call it "
                    "in an earlier step)"
                )
            raise StepFailure(
                step.step_id,
                step.where,
                f"step '{step.step_id}' depends on '{dependency.reference}' (dependsOn), "
                "which has not completed in this run, so the step cannot run",
                hint=hint,
            )

    def attempt(self, step: StepPlan, number: int) -> Attempt:
        self.shared.executed += 1
        limit = self.runner.limits.max_steps
        if self.shared.executed > limit:
            raise LimitFailure(
                f"more than {limit} step executions in this run (at step '{step.step_id}'): "
                "a goto or retry loop?",
                hint="check the onSuccess/onFailure goto targets, or raise arazzo_max_steps",
            )
        ctx = self.context()
        if step.workflow_id:
            return self.call_workflow(step, ctx)
        if step.message is not None:  # Arazzo 1.1 AsyncAPI step
            deadline = self.runner.deadline
            left = deadline.remaining() if deadline is not None else None
            return message_attempt(step, ctx, self.plan.workflow_id, left)
        request = self.build(step, ctx)
        ctx.url, ctx.method, ctx.request = request.url, request.method, request.as_message()
        authorize = self.authorizer(step)
        started, clock = time.time(), time.perf_counter()
        try:
            response = self.runner.transport.send(request, step.step_id, authorize)
        except (ReplayMismatch, Unretriable) as error:  # stale cassette, a limit, a refusal
            raise StepFailure(step.step_id, step.where, error.message, hint=error.hint) from None
        except TransportError as error:
            message = f"{request.method} {request.url}: {error.message}"
            return Attempt(False, ctx, error=message, hint=error.hint)
        # rate-limit answers the transport waited out were sent too: recorded, never judged
        self.exchanges += [Exchange(step.step_id, request, r, number) for r in response.earlier]
        exchange = Exchange(step.step_id, request, response, number, self.plan.workflow_id)
        exchange.started, exchange.elapsed = started, time.perf_counter() - clock
        self.exchanges.append(exchange)
        self.check_exchange(step, exchange)
        ctx.status_code, ctx.response = response.status, response.as_message()
        hint = self.credential_hint(step, response.status)
        if step.timeout is not None and exchange.elapsed > step.timeout:  # Arazzo 1.1 `timeout`
            took = f"{exchange.elapsed * 1000:.0f} ms"
            message = f"the step took {took}, more than its timeout of {step.timeout * 1000:g} ms"
            return Attempt(False, ctx, exchange=exchange, error=message, hint=hint)
        if not step.success:
            return Attempt(response.status < 400, ctx, exchange=exchange, hint=hint)
        outcomes = [criterion.evaluate(ctx) for criterion in step.success]
        failed = [outcome for outcome in outcomes if not outcome.passed]
        return Attempt(not failed, ctx, failed, exchange, checked=outcomes, hint=hint)

    def build(self, step: StepPlan, ctx: EvalContext) -> OutgoingRequest:
        operation = step.operation
        if operation is None:
            raise StepFailure(step.step_id, step.where, "the step has no resolvable operation")
        try:
            return build_request(step, ctx, self.runner.servers.base_url(operation))
        except BuildError as error:
            raise StepFailure(
                step.step_id,
                step.where,
                f"cannot build the request: {error}",
                hint="no request was sent for this step",
            ) from None
        except TransportError as error:
            raise StepFailure(step.step_id, step.where, error.message, hint=error.hint) from None

    def authorizer(self, step: StepPlan) -> Callable[[OutgoingRequest], None] | None:
        credentials, operation = self.runner.credentials, step.operation
        if credentials is None or operation is None:
            return None
        try:
            credentials.for_source(operation.source.name)
        except CredentialError as error:
            raise StepFailure(step.step_id, step.where, str(error)) from None

        def authorize(outgoing: OutgoingRequest) -> None:
            credentials.apply(outgoing, operation)

        return authorize

    def credential_hint(self, step: StepPlan, status: int) -> str:
        """For a 401/403 answer in a live run: the ini line to add when the step's source has no
        credential mapping (no ``*`` either), so the request went out without a key."""
        credentials, operation = self.runner.credentials, step.operation
        if status not in (401, 403) or credentials is None or operation is None:
            return ""
        return credentials.missing_hint(operation.source.name)

    def check_exchange(self, step: StepPlan, exchange: Exchange) -> None:
        violations = [v for check in self.runner.exchange_checks for v in check(step, exchange)]
        if violations:
            request = exchange.request
            record = StepRecord(step.step_id, exchange.response.status, False, "contract")
            record.method, record.path = request.method, request.path
            record.elapsed_ms = round(exchange.elapsed * 1000, 1)
            self.record(record)
            raise StepFailure(
                step.step_id,
                step.where,
                "contract violations:\n"
                + "\n".join(f"  - {violation}" for violation in violations)
                + version_note(self.runner.stripe_version, exchange),
                exchange=exchange,
                hint="the workflow, the OpenAPI description and the API disagree: fix whichever "
                "is wrong",
            )

    # -- workflows ---------------------------------------------------------------------------

    def call_workflow(self, step: StepPlan, ctx: EvalContext) -> Attempt:
        """A ``workflowId`` step: parameters become the callee's inputs."""
        inputs = _evaluated(step, step.parameters, ctx, "")
        assert step.workflow_id is not None
        target = self.plan.target(step.workflow_id)
        try:
            nested = self.run_workflow(target, inputs)
        except (LimitFailure, PlanFailure):
            raise
        except WorkflowFailure as failure:
            message = f"the called workflow '{step.workflow_id}' failed:\n" + indent(
                failure.render()
            )
            return Attempt(False, ctx, error=message, hint=failure.hint)
        after = self.context()
        after.outputs = nested.outputs
        last = nested.exchanges[-1] if nested.exchanges else None
        if last is not None:
            after.url, after.method = last.request.url, last.request.method
            after.request, after.response = last.request.as_message(), last.response.as_message()
            after.status_code = last.response.status
        outcomes = [criterion.evaluate(after) for criterion in step.success]
        failed = [outcome for outcome in outcomes if not outcome.passed]
        return Attempt(
            not failed, after, failed, last, callee_outputs=nested.outputs, checked=outcomes
        )

    def run_workflow(self, plan: WorkflowPlan, inputs: dict[str, Any]) -> WorkflowRun:
        nested = WorkflowRun(self.runner, plan, inputs, self.depth + 1, self.shared)
        passed = False
        try:
            nested.execute()
            passed = True
        finally:
            self.exchanges += nested.exchanges
            self.record(StepRecord(f"workflow:{plan.workflow_id}", None, passed))
        return nested

    def inputs_for(self, plan: WorkflowPlan) -> dict[str, Any]:
        """The inputs passed to a dependency or goto target: those its schema declares."""
        known = schema_properties(plan.inputs_schema)
        return {name: value for name, value in self.inputs.items() if name in known}

    # -- outputs -----------------------------------------------------------------------------

    def step_outputs(self, step: StepPlan, attempt: Attempt) -> dict[str, Any]:
        """The outputs of a step that passed (and its trace line); a failing output fails the
        step, reported with its exchange and the response body the output could not read."""
        if step.workflow_id and not step.outputs:
            outputs = dict(attempt.callee_outputs or {})
        else:
            try:
                outputs = self.resolve_outputs(step.outputs, f"step '{step.step_id}'", attempt.ctx)
            except OutputsFailure as failure:
                self.note(step, attempt, False, "outputs did not resolve")
                raise StepFailure(
                    step.step_id,
                    step.where,
                    failure.message,
                    exchange=attempt.exchange,
                    hint=failure.hint,
                    show_body=True,
                    failed_at=[
                        f"{step.pointer}/outputs/{escape_token(problem.name)}"
                        for problem in failure.problems
                    ],
                ) from None
        self.note(step, attempt, True)
        return outputs

    def resolve_outputs(
        self,
        outputs: dict[str, Compiled],
        owner: str,
        ctx: EvalContext | None = None,
        early: bool = False,
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        problems = []
        if ctx is None:  # workflow outputs: `$outputs.x` reads the ones resolved before it
            ctx = self.context()
            ctx.outputs = values
        for name, compiled in outputs.items():
            if early and self.reads_skipped_step(compiled):
                continue
            try:
                values[name] = compiled.evaluate(ctx, omit_absent_inputs=False)
            except UnresolvedError as error:
                problems.append(OutputProblem(name, error.expression, error.reason))
        if problems:
            raise OutputsFailure(owner, problems)
        return values

    def reads_skipped_step(self, compiled: Compiled) -> bool:
        return any(
            expr.root == "steps" and expr.references().id not in self.steps
            for expr in compiled.expressions()
        )

    # -- actions -----------------------------------------------------------------------------

    def after_success(self, step: StepPlan, index: int, ctx: EvalContext) -> int | None:
        candidates = actions.merged(step.on_success, self.plan.success_actions)
        notes: list[str] = []
        action = actions.first_match(candidates, ctx, notes)
        self.warn(step, notes)
        if action is None:
            return index + 1
        record = self.trace[-1]
        note = f"onSuccess '{action.name}': {action.type}"
        record.note = f"{record.note}; {note}" if record.note else note
        if action.type == "end":
            return None
        if action.type == "goto":
            return self.goto(step, action, ctx)
        raise StepFailure(
            step.step_id,
            step.where,
            f"success action '{action.name}' has unknown type '{action.type}'",
        )

    def goto(self, step: StepPlan, action: ActionPlan, ctx: EvalContext) -> int | None:
        """A one-way transfer: to a step of this workflow, or to a workflow (then this ends)."""
        if action.step_id:
            target = self.plan.step_index(action.step_id)
            assert target is not None  # checked at plan time
            return target
        if action.workflow_id:
            self.run_action_workflow(step, action, ctx)
            return None
        raise StepFailure(
            step.step_id,
            step.where,
            f"goto action '{action.name}' names neither a stepId nor a workflowId",
        )

    def retry(
        self, step: StepPlan, action: ActionPlan, attempt: Attempt, retries: dict[int, int]
    ) -> None:
        """Wait, run the action's step or workflow if it names one, then retry the step."""
        delay, source = actions.retry_delay(action, attempt.exchange)
        deadline = self.runner.deadline
        left = deadline.remaining() if deadline is not None else None
        refusal = actions.wait_refusal(delay, source, self.runner.limits.max_retry_wait, left)
        if refusal:
            retries[id(action)] -= 1  # counted when chosen, but not retried
            self.note(step, attempt, False, f"onFailure '{action.name}': {refusal}")
            raise step_failure(step, attempt, retries, refusal)
        waited = delay
        note = f"retry {retries[id(action)]}/{action.retry_limit}"
        if waited:
            note += f" after {waited:g}s [{source}]"
        self.note(step, attempt, False, note)
        if waited > 0:
            self.runner.sleep(waited)
        if action.step_id and action.step_id != step.step_id:
            target = self.plan.step_index(action.step_id)
            assert target is not None
            if self.detours >= self.runner.limits.max_depth:
                raise LimitFailure(
                    f"retry actions run steps inside steps deeper than "
                    f"{self.runner.limits.max_depth} levels (at step '{step.step_id}')",
                    hint="look for retry actions whose stepId fails with a retry back",
                )
            self.detours += 1
            try:
                self.step(target, follow=False)
            finally:
                self.detours -= 1
        elif action.workflow_id:
            self.run_action_workflow(step, action, attempt.ctx)

    def run_action_workflow(self, step: StepPlan, action: ActionPlan, ctx: EvalContext) -> None:
        """Run the workflow a ``goto``/``retry`` action names; its failure is reported inside
        this workflow's, naming the step and the action that led there. Its inputs: the current
        ones its schema declares, overridden by the action's ``parameters`` (Arazzo 1.1),
        evaluated in the step's context."""
        assert action.workflow_id is not None
        target_plan = self.plan.target(action.workflow_id)
        inputs = self.inputs_for(target_plan)
        inputs.update(
            _evaluated(
                step,
                action.parameters,
                ctx,
                f"action '{action.name}' ",
                hint=f"no input was passed to workflow '{action.workflow_id}'",
            )
        )
        try:
            self.run_workflow(target_plan, inputs)
        except (LimitFailure, PlanFailure):
            raise
        except WorkflowFailure as failure:
            raise StepFailure(
                step.step_id,
                step.where,
                f"action '{action.name}' ({action.type}) ran workflow '{action.workflow_id}', "
                "which failed:\n" + indent(failure.render()),
                hint=failure.hint,
            ) from None

    # -- reporting ---------------------------------------------------------------------------

    def warn(self, step: StepPlan, notes: list[str]) -> None:
        """Report suspicious action criteria once per run (RunResult.warnings, and warnings)."""
        for note in notes:
            text = f"step '{step.step_id}' ({step.where}): {note}"
            if text not in self.shared.warnings:
                self.shared.warnings.append(text)
                warnings.warn(actions.ActionWarning(text), stacklevel=2)

    def note(self, step: StepPlan, attempt: Attempt, passed: bool, note: str = "") -> None:
        self.record(trace_record(step, attempt, passed, note))

    def record(self, record: StepRecord) -> None:
        """Add a step's record to the trace, and tell the runner's observer (live progress)."""
        record.workflow_id = self.plan.workflow_id
        self.trace.append(record)
        if self.runner.observer is not None:
            self.runner.observer(record)


def _evaluated(
    step: StepPlan,
    parameters: Sequence[ParamPlan],
    ctx: EvalContext,
    where: str,
    hint: str = "",
) -> dict[str, Any]:
    """The values of the ``parameters`` that become a called workflow's inputs, by name; one
    reading an absent optional input is left out, any other unresolved one fails the step."""
    values: dict[str, Any] = {}
    for param in parameters:
        try:
            values[param.name] = param.value.evaluate(ctx)
        except UnresolvedError as error:
            if not error.is_absent_input:
                raise StepFailure(
                    step.step_id,
                    step.where,
                    f"{where}parameter '{param.name}': {error.expression}: {error.reason}",
                    hint=hint,
                ) from None
    return values
