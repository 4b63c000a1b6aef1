"""The live throttle holds across processes: pytest-xdist workers share one request rate.

These tests check the claimed start times (the throttle's own bookkeeping on the system-wide
monotonic clock), not wall-clock durations, so they cannot flake on a loaded machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_arazzo.plugin.config import shared_throttle_file

CLAIMS = """
import json, sys
from pathlib import Path
from pytest_arazzo.transport.throttle import SharedThrottle

throttle = SharedThrottle(float(sys.argv[2]), Path(sys.argv[1]))
starts = []
for _ in range(int(sys.argv[3])):
    throttle.wait()
    starts.append(throttle.last_start)
print(json.dumps(starts))
"""


def _most_in_any_window(starts: list[float], window: float) -> int:
    ordered = sorted(starts)
    most, first = 0, 0
    for last, start in enumerate(ordered):
        while ordered[first] <= start - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_shared_throttle__two_processes_share_one_rate(tmp_path: Path) -> None:
    rate, per_process = 20, 30  # 60 requests at 20/s: three windows of one second
    state = tmp_path / "throttle"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMS, str(state), str(rate), str(per_process)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    starts: list[float] = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        starts += json.loads(out)
    assert len(starts) == 2 * per_process
    # never more than `rate` starts in any one-second window, across both processes
    assert _most_in_any_window(starts, 1.0 - 1e-5) <= rate  # (1e-5: the file keeps 6 decimals)
    assert max(starts) - min(starts) >= 2.0 - 1e-3  # 60 starts need three windows


def test_shared_throttle__a_torn_state_file_is_ignored(tmp_path: Path) -> None:
    from pytest_arazzo.transport.throttle import SharedThrottle

    state = tmp_path / "throttle"
    state.write_text("not numbers 1e400x")
    assert SharedThrottle(5, state).wait() == 0.0
    assert len(state.read_text().split()) == 1


def test_shared_throttle__file_is_per_xdist_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_TESTRUNUID", raising=False)
    assert shared_throttle_file() is None
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "abc123")
    path = shared_throttle_file()
    assert path is not None and path.name == "pytest-arazzo-throttle-abc123"
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "../../etc")
    assert shared_throttle_file() is None
