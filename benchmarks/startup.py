"""Benchmark: a whole pytest process on the seed vs ``pytest --version`` and one plain test.

    python benchmarks/startup.py [--repeat 5]

Child processes, median of ``--repeat`` after a warm-up, bytecode cached (see ``common``). The
seed run replays ``specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml`` (two input sets)
with contract checks on, as a user runs it: with pytest's cache dir, where the warm-up run left
the parses and usable schemas (the "nothing cached" line is a first run, without the cache dir).
Hypothesis' own pytest plugin imports ``hypothesis`` at the end of every session when it is
installed, Arazzo items or not; the ``-p no:hypothesispytest`` line shows what is ours.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ROOT,
    SEED,
    Row,
    machine,
    median_child,
    print_rows,
    pytest_args,
    python_tests_project,
)

TARGET = 0.45  # seconds, whole process, the seed


def measure(repeat: int) -> list[Row]:
    seed = str(SEED.relative_to(ROOT))
    lean = ("-p", "no:cacheprovider")
    version, _ = median_child(pytest_args("--version"), ROOT, repeat)
    with tempfile.TemporaryDirectory() as temp:
        floor_dir = python_tests_project(Path(temp) / "floor", 1)
        one_test, _ = median_child(pytest_args(), floor_dir, repeat)
    # as a user runs it: pytest's cache dir on, so parses and usable schemas are remembered
    ours, rss = median_child(pytest_args(seed), ROOT, repeat)
    first, _ = median_child(pytest_args(*lean, seed), ROOT, repeat)
    no_hyp, _ = median_child(pytest_args("-p", "no:hypothesispytest", seed), ROOT, repeat)
    specs, _ = median_child(pytest_args("specs/"), ROOT, repeat)
    return [
        Row("pytest --version", f"{version:.3f} s", "", "", None),
        Row("pytest, one plain Python test", f"{one_test:.3f} s", "", "", None),
        Row(
            "pytest <seed> (2 items, replay, contract on)",
            f"{ours:.3f} s",
            f"{one_test:.3f} s",
            f"<= {TARGET} s",
            ours <= TARGET,
        ),
        Row("  ratio to pytest --version", f"{ours / version:.2f}x", "", "", None),
        Row("  ratio to one plain Python test", f"{ours / one_test:.2f}x", "", "", None),
        Row("pytest <seed>, nothing cached (no cache dir)", f"{first:.3f} s", "", "", None),
        Row("pytest <seed> -p no:hypothesispytest", f"{no_hyp:.3f} s", "", "", None),
        Row("pytest specs/ (all shipped workflows)", f"{specs:.3f} s", "", "", None),
        Row("pytest <seed>: max RSS", f"{rss / 1024:.0f} MiB", "", "", None),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    print_rows("whole-process start-up (median of child processes)", measure(args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
