"""The engine as a library: load a document, plan a workflow, run it over a transport.

Nothing here imports pytest; the pytest plugin is one client of these functions::

    import pytest_arazzo as arazzo

    document = arazzo.load("specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml")
    plan = arazzo.plan_workflow(document, "create-and-finalize-invoice")
    folder = "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice"
    cassette = arazzo.replay(f"{folder}/create-and-finalize-invoice.yaml")
    result = arazzo.run(plan, transport=cassette)
    print(result.outputs)

A failed run raises :class:`~pytest_arazzo.execute.failures.WorkflowFailure`; ``str()`` of it is
the same report the pytest item prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_arazzo.cassette.format import Cassette, load_cassette, save_cassette
from pytest_arazzo.cassette.scrub import Scrubber
from pytest_arazzo.contract.checker import ContractChecker
from pytest_arazzo.document.loader import Document, load_document
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.execute.failures import WorkflowFailure
from pytest_arazzo.execute.runner import Limits, Runner
from pytest_arazzo.execute.state import RunResult
from pytest_arazzo.http.auth import Credentials
from pytest_arazzo.http.servers import Servers
from pytest_arazzo.plan.model import WorkflowPlan
from pytest_arazzo.plan.planner import ArazzoFile
from pytest_arazzo.transport.base import Transport
from pytest_arazzo.transport.live import LiveOptions, LiveTransport
from pytest_arazzo.transport.netguard import NetworkGuard
from pytest_arazzo.transport.recording import RecordingTransport
from pytest_arazzo.transport.replay import ReplayTransport

__all__ = [
    "Document",
    "RunResult",
    "WorkflowFailure",
    "WorkflowPlan",
    "live",
    "load",
    "plan_workflow",
    "record",
    "replay",
    "run",
]


def load(path: str | os.PathLike[str]) -> Document:
    """Parse an Arazzo file (YAML or JSON), keeping line and column of every node."""
    return load_document(Path(path))


def plan_workflow(
    document: Document, workflow_id: str, *, root: str | os.PathLike[str] | None = None
) -> WorkflowPlan:
    """Resolve the document's sources (read under ``root``, default: the current directory)
    and compile ``workflow_id`` into a plan. Static errors are raised when the plan runs."""
    return ArazzoFile(document, SourceCache(Path(root or Path.cwd()))).plan(workflow_id)


def replay(cassette: str | os.PathLike[str]) -> ReplayTransport:
    """A transport that answers every request from a recorded cassette (no network)."""
    return ReplayTransport(load_cassette(Path(cassette)))


def live(*, timeout: tuple[float, float] = (10.0, 60.0), stripe_version: str = "") -> LiveTransport:
    """A transport that sends real HTTP requests (live-mode keys are always refused)."""
    return LiveTransport(options=LiveOptions(timeout=timeout, stripe_version=stripe_version))


def run(
    workflow: WorkflowPlan,
    inputs: Mapping[str, Any] | None = None,
    *,
    transport: Transport | None = None,
    servers: Mapping[str, str] | None = None,
    credentials: Mapping[str, str] | None = None,
    contract: str = "error",
    max_steps: int = 1000,
) -> RunResult:
    """Run a planned workflow and return its outputs and step trace.

    ``transport`` defaults to :func:`live`; with :func:`replay`, ``inputs`` default to the
    ones recorded in the cassette and the network is blocked for the run. ``servers`` maps a
    source name (or ``*``) to a base URL; ``credentials`` maps a source name to the environment
    variable holding its key. ``contract`` is ``error``, ``warning`` or ``off``.
    Raises :class:`WorkflowFailure` when a step, criterion, output or contract check fails.
    """
    chosen = transport if transport is not None else live()
    if inputs is None and isinstance(chosen, ReplayTransport):
        inputs = chosen.cassette.inputs
    runner = Runner(
        chosen,
        servers=Servers(dict(servers or {})),
        credentials=Credentials(credentials, os.environ) if credentials else None,
        limits=Limits(max_steps=max_steps),
        exchange_checks=ContractChecker(contract).checks(),
    )
    try:
        if isinstance(chosen, ReplayTransport):
            replaying = chosen
            with NetworkGuard(lambda: replaying.current):
                return runner.run(workflow, dict(inputs or {}))
        return runner.run(workflow, dict(inputs or {}))
    finally:
        chosen.close()


def record(
    workflow: WorkflowPlan,
    inputs: Mapping[str, Any],
    cassette: str | os.PathLike[str],
    *,
    servers: Mapping[str, str] | None = None,
    credentials: Mapping[str, str] | None = None,
    contract: str = "error",
) -> RunResult:
    """Run live and write the exchanges to ``cassette``, scrubbed of every credential.

    Nothing is written when the run fails; an existing cassette is replaced atomically.
    """
    keys = Credentials(credentials or {}, os.environ)
    transport = RecordingTransport(live())
    result = run(
        workflow,
        inputs,
        transport=transport,
        servers=servers,
        credentials=credentials,
        contract=contract,
    )
    recorded = Cassette(
        Path(cassette), "", workflow.workflow_id, result.inputs, transport.interactions
    )
    save_cassette(recorded, Scrubber(keys.secrets()))
    return result
