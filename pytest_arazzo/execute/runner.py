"""Execute: run a planned workflow, step by step, over a transport.

Arazzo 1.0.1 semantics (decisions the spec leaves open are in ``docs/semantics.md``):

- Before any request: every workflow the run may reach is planned without errors, and the inputs
  (schema defaults applied) satisfy the workflow's input schema. ``dependsOn`` workflows run first
  (once per run), with the inputs their schema declares; a failed dependency fails the dependant.
- Steps run in order. A step succeeds when all ``successCriteria`` hold (none: any status < 400).
  Then its outputs are resolved and the first matching success action runs (``end``, ``goto`` a
  step, or ``goto`` a workflow, which then ends this one); no match: the next step.
- A failed step (criteria, a transport error, a failed called workflow) takes the first matching
  failure action (:mod:`actions`): ``retry``, ``goto`` (handled: the run continues there) or
  ``end`` (the workflow fails). No match: the workflow fails.
- A ``workflowId`` step runs the workflow with its parameters as inputs; its criteria, actions and
  outputs see the callee's outputs as ``$outputs`` and its last HTTP exchange as ``$statusCode``,
  ``$response``... A step without ``outputs`` exposes all the callee's outputs.
- Workflow outputs must resolve; after an ``end`` (or a goto to a workflow) the outputs that read
  steps which did not run are left out ("returns to the caller with applicable outputs").
- Every step attempt in the whole run counts toward ``max_steps``; a retry wait longer than
  ``max_retry_wait`` (or than the item's deadline leaves) fails the step; nested workflows by
  ``max_depth``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_arazzo.execute.failures import Exchange, PlanFailure, StepRecord
from pytest_arazzo.execute.run import WorkflowRun
from pytest_arazzo.execute.state import RunResult, Shared
from pytest_arazzo.http.auth import Credentials
from pytest_arazzo.http.servers import Servers
from pytest_arazzo.plan.model import StepPlan, WorkflowPlan
from pytest_arazzo.transport.base import Transport
from pytest_arazzo.transport.limits import Deadline

__all__ = ["ExchangeCheck", "Limits", "RunResult", "Runner", "Servers"]


@dataclass
class Limits:
    max_steps: int = 1000
    max_retry_wait: float = 60.0
    max_depth: int = 16


ExchangeCheck = Callable[[StepPlan, Exchange], list[str]]
"""Called after every HTTP exchange (e.g. OpenAPI contract checks); returns violations."""


class Runner:
    """Runs workflow plans with one transport; reusable across runs (e.g. fuzzing)."""

    deadline: Deadline | None = None  # the live item's time limit: retry waits must fit in it

    def __init__(
        self,
        transport: Transport,
        *,
        servers: Servers | None = None,
        credentials: Credentials | None = None,
        limits: Limits | None = None,
        sleep: Callable[[float], None] = time.sleep,
        exchange_checks: list[ExchangeCheck] | None = None,
        stripe_version: str = "",
        observer: Callable[[StepRecord], None] | None = None,
    ) -> None:
        self.transport = transport
        self.exchange_checks = exchange_checks or []
        self.stripe_version = stripe_version  # the pin sent live, named when responses differ
        self.servers = servers or Servers()
        self.credentials = credentials
        self.limits = limits or Limits()
        self.sleep = sleep
        self.observer = observer  # told of each step record as it is made (live progress)
        self.last: RunResult | None = None  # the result of the last run that passed

    def run(self, plan: WorkflowPlan, inputs: Mapping[str, Any]) -> RunResult:
        """Run ``plan``; raises :class:`WorkflowFailure` with a full report on any failure."""
        errors = [p for reached in plan.reachable() for p in reached.errors]
        if errors:
            raise PlanFailure(list(dict.fromkeys(errors))).at(plan.workflow_id, plan.where)
        self.last = None
        self.last = WorkflowRun(self, plan, dict(inputs), 0, Shared()).execute()
        return self.last
