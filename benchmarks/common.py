"""Shared helpers of the benchmark scripts: timing, child processes, generated projects, rows.

Every benchmark prints each measurement next to its floor (the same work without pytest-arazzo,
measured in the same run) and its target. Whole-process timings run pytest in a child process
with bytecode caching on (``PYTHONPYCACHEPREFIX`` in a temp dir, warmed by one untimed run): a
session that sets ``PYTHONDONTWRITEBYTECODE`` would otherwise recompile and assertion-rewrite
every module on each start, which no user's machine does.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
SEED = ROOT / "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
OPENAPI = ROOT / "specs/openapi/stripe-invoice-api-openapi.yml"
CASSETTE = (
    ROOT
    / "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice"
    / "create-and-finalize-invoice.yaml"
)
WORKFLOW = "create-and-finalize-invoice"
PYCACHE = Path(tempfile.gettempdir()) / "pytest-arazzo-bench-pycache"


@dataclass
class Row:
    """One measurement: what, the value, its floor (or None), the target and whether it is met."""

    name: str
    value: str
    floor: str
    target: str
    met: bool | None  # None: informational

    def line(self) -> str:
        mark = {True: "met", False: "NOT met", None: "-"}[self.met]
        return f"  {self.name:<48} {self.value:>16} {self.floor:>16}  {self.target:<24} {mark}"


HEADER = f"  {'measurement':<48} {'value':>16} {'floor':>16}  {'target':<24} result"


def print_rows(title: str, rows: Sequence[Row]) -> None:
    print(title)
    print(HEADER)
    for row in rows:
        print(row.line())
    sys.stdout.flush()


def machine() -> str:
    """One line naming the machine and its load (benchmarks on a busy machine are noisy)."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    cpu = platform.processor() or platform.machine()
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load}"
    )


def child_env() -> dict[str, str]:
    """The environment of timed child processes: bytecode cached (outside the tree)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


def run_child(args: Sequence[str], cwd: Path) -> tuple[float, int]:
    """(wall seconds, max RSS in KiB) of one child process; it must exit 0."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(args), cwd=cwd, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = output.decode(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(args)} exited {process.returncode}:\n{tail}")
    rss = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024
    return seconds, rss


def median_child(args: Sequence[str], cwd: Path, repeat: int) -> tuple[float, int]:
    """Median wall time and max RSS over ``repeat`` runs, after one untimed warm-up run."""
    run_child(args, cwd)
    samples = [run_child(args, cwd) for _ in range(repeat)]
    return statistics.median(s for s, _ in samples), max(r for _, r in samples)


def slope_ms(seconds: dict[int, float], low: int, high: int) -> float:
    """Milliseconds each unit adds between sizes ``low`` and ``high`` (start-up cancels out)."""
    return (seconds[high] - seconds[low]) / (high - low) * 1e3


def timed(function: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def pytest_args(*extra: str) -> list[str]:
    return [PYTHON, "-m", "pytest", "-q", *extra]


def copies_project(root: Path, count: int, contract: str = "error") -> Path:
    """``count`` copies of the seed workflow sharing one OpenAPI file, a cassette each."""
    if root.exists():
        shutil.rmtree(root)
    (root / "specs" / "arazzo").mkdir(parents=True)
    (root / "specs" / "openapi").mkdir(parents=True)
    # the seed's operationId 'postInvoice Items' holds a space, which newer checks flag
    fix = ("postInvoice Items", "postInvoiceItems")
    (root / "specs" / "openapi" / OPENAPI.name).write_text(OPENAPI.read_text().replace(*fix))
    seed = SEED.read_text().replace(*fix)
    cassette = CASSETTE.read_text()
    # each copy has the seed's default input set, as recorded (replay compares it with the
    # cassette's file_inputs)
    inputs = (
        "create-and-finalize-invoice:\n  default:\n"
        "    customer: cus_PYTESTARAZZO01\n    amount: 2000\n    currency: usd\n"
    )
    (root / "fixtures" / "inputs").mkdir(parents=True)
    for index in range(count):
        (root / "specs" / "arazzo" / f"copy-{index}.arazzo.yml").write_text(seed)
        (root / "fixtures" / "inputs" / f"copy-{index}.yaml").write_text(inputs)
        folder = root / "fixtures" / "cassettes" / "specs" / "arazzo" / f"copy-{index}"
        folder.mkdir(parents=True)
        (folder / CASSETTE.name).write_text(cassette)
    (root / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        'arazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]\n'
        f'arazzo_contract = "{contract}"\n'
    )
    return root


def input_sets_project(root: Path, count: int, contract: str = "error") -> Path:
    """One copy of the seed with ``count`` named input sets (an item each, a cassette each):
    the per-item cost without the per-file work (parse, checks, planning)."""
    copies_project(root, 1, contract)
    sets = "".join(
        f"  set-{index}:\n    customer: cus_PYTESTARAZZO01\n    amount: 2000\n    currency: usd\n"
        for index in range(count)
    )
    (root / "fixtures" / "inputs" / "copy-0.yaml").write_text(f"{WORKFLOW}:\n{sets}")
    folder = root / "fixtures" / "cassettes" / "specs" / "arazzo" / "copy-0"
    (folder / CASSETTE.name).unlink()
    cassette = CASSETTE.read_text()
    for index in range(count):
        (folder / f"{WORKFLOW}[set-{index}].yaml").write_text(cassette)
    return root


def python_tests_project(root: Path, count: int) -> Path:
    """The floor of a pytest run: ``count`` trivial Python tests in one file."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    body = "".join(f"def test_{index}():\n    pass\n\n\n" for index in range(count))
    (root / "test_floor.py").write_text(body)
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    return root


def self_rss_kib() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage if sys.platform != "darwin" else usage // 1024
