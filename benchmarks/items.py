"""Benchmark: the cost of one replayed item, over 100 / 1,000 / 10,000 items in one process.

    python benchmarks/items.py [--sizes 100,1000,10000] [--repeat 3]

The items are the input sets of one copy of the seed workflow (one Arazzo file, one OpenAPI
description, a cassette per item), so the slope between two sizes is what each further item
costs: its cassette load, its replay through ``responses``-style answers with contract checks
on, its report. The per-file work (parse, static checks, planning) is paid once and cancels out;
``scale.py`` measures it, with one file per workflow. The floor is the same number of trivial
Python tests in one file. "Flat" means the slope up to 10,000 items matches the one up to 1,000;
max RSS is the peak of the run.
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
    input_sets_project,
    machine,
    median_child,
    print_rows,
    pytest_args,
    python_tests_project,
    slope_ms,
)

PER_ITEM_MS = 1.5  # ms per replayed item over pytest's own per-item cost
FLAT = 1.25  # the slope up to the largest size at most this times the one before


def measure(sizes: list[int], repeat: int) -> list[Row]:
    rows: list[Row] = []
    ours: dict[int, float] = {}
    floor: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as temp:
        for size in sizes:
            project = input_sets_project(Path(temp) / f"sets-{size}", size)
            plain = python_tests_project(Path(temp) / f"plain-{size}", size)
            floor[size], _ = median_child(pytest_args("-p", "no:randomly"), plain, repeat)
            ours[size], rss = median_child(pytest_args("specs/"), project, repeat)
            rows.append(
                Row(f"{size} items, serial, contract on", f"{ours[size]:.2f} s", "", "", None)
            )
            rows.append(Row(f"  {size} plain tests", f"{floor[size]:.2f} s", "", "", None))
            rows.append(Row(f"  {size} items, max RSS", f"{rss / 1024:.0f} MiB", "", "", None))
    slopes: list[float] = []
    ordered = sorted(sizes)
    for low, high in itertools.pairwise(ordered):
        slope = slope_ms(ours, low, high)
        theirs = slope_ms(floor, low, high)
        slopes.append(slope)
        final = high == ordered[-1]
        rows.append(
            Row(
                f"per item, {low}..{high} items",
                f"{slope:.2f} ms",
                f"{theirs:.2f} ms",
                f"<= floor + {PER_ITEM_MS} ms",
                slope - theirs <= PER_ITEM_MS,
            )
        )
        if final:
            extra = f"{slope - theirs:+.2f} ms"
            rows.append(Row(f"  over pytest's own, {low}..{high}", extra, "", "", None))
    if len(slopes) >= 2:
        ratio = slopes[-1] / slopes[-2]
        rows.append(
            Row(
                f"flat: per item up to {ordered[-1]} / before",
                f"{ratio:.2f}x",
                "",
                f"<= {FLAT:.2f}x",
                ratio <= FLAT,
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(machine())
    print_rows("items of one workflow file (median wall time)", measure(sizes, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
