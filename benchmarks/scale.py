"""Benchmark: 10 / 100 / 1,000 copies of the seed sharing one OpenAPI file, each with a cassette.

    python benchmarks/scale.py [--sizes 10,100,1000] [--repeat 3] [--no-xdist]

Each size runs as a whole pytest process (replay), serial and with ``-n 2``, contract checks on
and off (``arazzo_contract``); the floor is the same number of trivial Python tests. The
per-file cost is the slope between two sizes (start-up cancels out), shown next to pytest's own
slope on plain tests in one file: each file is parsed, checked and planned, and runs one item
(``items.py`` measures the per-item cost, with the per-file work paid once). Max RSS is
the peak of the serial, contract-on process. The parse cache of cassettes
(pytest's cache dir) is warmed by the untimed first run, as in any run after the first.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    Row,
    copies_project,
    machine,
    median_child,
    print_rows,
    pytest_args,
    python_tests_project,
    slope_ms,
)

SERIAL_1000 = 10.0  # seconds, 1,000 copies, contract on, serial
XDIST_1000 = 6.0  # the same with -n 2
CONTRACT_OVERHEAD = 0.15  # contract on vs off
LINEAR = 1.25  # 10,000 files: per-file time at most this times the one at 1,000


def xdist_available() -> bool:
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


def measure(sizes: list[int], repeat: int, xdist: bool) -> list[Row]:
    rows: list[Row] = []
    on: dict[int, float] = {}
    floor: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as temp:
        for size in sizes:
            project = copies_project(Path(temp) / f"copies-{size}", size)
            plain = python_tests_project(Path(temp) / f"plain-{size}", size)
            floor[size], _ = median_child(pytest_args("-p", "no:randomly"), plain, repeat)
            on[size], rss = median_child(pytest_args("specs/"), project, repeat)
            no_contract = pytest_args("specs/", "-o", "arazzo_contract=off")
            off, _ = median_child(no_contract, project, repeat)
            big = size == 1000  # the absolute targets are for 1,000 files
            rows.append(
                Row(
                    f"{size} workflows, serial, contract on",
                    f"{on[size]:.2f} s",
                    f"{floor[size]:.2f} s",
                    f"<= {SERIAL_1000:.0f} s" if big else "",
                    on[size] <= SERIAL_1000 if big else None,
                )
            )
            rows.append(
                Row(f"{size} workflows, serial, contract off", f"{off:.2f} s", "", "", None)
            )
            extra = on[size] / off - 1
            rows.append(
                Row(
                    f"{size} workflows, contract adds",
                    f"{extra:+.0%}",
                    "",
                    f"<= {CONTRACT_OVERHEAD:.0%}" if big else "",
                    extra <= CONTRACT_OVERHEAD if big else None,
                )
            )
            if xdist:
                parallel, _ = median_child(pytest_args("specs/", "-n", "2"), project, repeat)
                floor_n2, _ = median_child(pytest_args("-n", "2"), plain, repeat)
                rows.append(
                    Row(
                        f"{size} workflows, -n 2, contract on",
                        f"{parallel:.2f} s",
                        f"{floor_n2:.2f} s",
                        f"<= {XDIST_1000:.0f} s" if big else "",
                        parallel <= XDIST_1000 if big else None,
                    )
                )
            rows.append(Row(f"{size} workflows, max RSS", f"{rss / 1024:.0f} MiB", "", "", None))
    for size in sorted(sizes):
        if size > 1000 and 1000 in on:  # "10,000 files stay linear": per file, as at 1,000
            ratio = (on[size] / size) / (on[1000] / 1000)
            rows.append(
                Row(
                    f"linear: per file at {size} / at 1000",
                    f"{ratio:.2f}x",
                    "",
                    f"<= {LINEAR:.2f}x",
                    ratio <= LINEAR,
                )
            )
    for low, high in itertools.pairwise(sorted(sizes)):
        ours = slope_ms(on, low, high)
        theirs = slope_ms(floor, low, high)
        name = f"per file, {low}..{high} workflows"
        rows.append(Row(name, f"{ours:.2f} ms", f"{theirs:.2f} ms", "", None))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-xdist", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(machine())
    rows = measure(sizes, args.repeat, xdist_available() and not args.no_xdist)
    print_rows("workflow files sharing one OpenAPI description (median wall time)", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
