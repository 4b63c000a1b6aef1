"""The workflow's own retry stays in charge (issue 14 item 7): the live transport waits out 429
(rate limits) only, a 5xx goes straight to the workflow's ``onFailure: retry``, and every
exchange the transport sent, retried ones included, is in the run's exchanges."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_arazzo.execute.runner import Runner, RunResult, Servers
from pytest_arazzo.transport.live import LiveOptions, LiveTransport
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import LoopbackServer, Reply

RETRY = {"name": "again", "type": "retry", "retryAfter": 0, "retryLimit": 2}


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    with LoopbackServer() as server:
        yield Harness(tmp_path, server)


def _run(harness: Harness, waits: list[float]) -> RunResult:
    """Run a one-step workflow (GET /health, 200 expected, retried twice on failure) over a live
    transport with the default backoff settings (4 attempts)."""
    step: dict[str, Any] = {
        "stepId": "a",
        "operationId": "health",
        "successCriteria": [{"condition": "$statusCode == 200"}],
        "onFailure": [RETRY],
    }
    plan = harness.plan(arazzo(workflow("w", [step])))
    transport = LiveTransport(options=LiveOptions(timeout=(5.0, 5.0), sleep=waits.append))
    try:
        runner = Runner(transport, servers=Servers({"*": harness.server.url}), sleep=waits.append)
        return runner.run(plan, {})
    finally:
        transport.close()


def test_503__goes_to_the_workflow_retry_not_the_transport_backoff(harness: Harness) -> None:
    harness.server.replies("GET", "/health", [Reply(503), Reply(200, {"ok": 1})])
    waits: list[float] = []
    result = _run(harness, waits)
    assert len(harness.server.requests) == 2
    assert [record.render() for record in result.trace] == [
        "a 503 FAILED (retry 1/2)",
        "a 200 ok",
    ]
    assert [(e.response.status, e.attempt) for e in result.exchanges] == [(503, 1), (200, 2)]
    assert waits == []  # the transport never backed off


def test_429__waited_out_by_the_transport_and_still_recorded(harness: Harness) -> None:
    limited = Reply(429, {"error": "slow down"}, {"Retry-After": "0"})
    harness.server.replies("GET", "/health", [limited, Reply(200, {"ok": 1})])
    waits: list[float] = []
    result = _run(harness, waits)
    assert len(harness.server.requests) == 2
    assert [record.render() for record in result.trace] == ["a 200 ok"]  # no workflow retry
    assert [e.response.status for e in result.exchanges] == [429, 200]  # both in the trace


def test_503_forever__the_workflow_retry_limit_bounds_the_requests(harness: Harness) -> None:
    harness.server.route("GET", "/health", Reply(503))
    with pytest.raises(Exception, match="still failing after 2 retries"):
        _run(harness, [])
    assert len(harness.server.requests) == 3  # 1 + retryLimit, never 4 attempts per try
