"""Run every benchmark and print each measurement next to its floor and target.

    python benchmarks/run_all.py [--quick] [--sizes 10,100,1000]

Floors are measured in the same run (plain pytest, plain ``responses``, plain ``requests``,
``json.loads``), so a busy machine slows both sides; the absolute targets (seconds) do not
adjust, so run it on an idle machine and repeat when the load average is high. ``--quick``
takes fewer samples (for a smoke run, not for numbers to report).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cassette_load
import fuzz_replay
import items
import live_seed
import replay_seed
import scale
import startup
from common import Row, machine, print_rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--item-sizes", default="100,1000,10000")
    parser.add_argument("--no-xdist", action="store_true")
    args = parser.parse_args()
    quick = args.quick
    sizes = [int(size) for size in args.sizes.split(",")]
    print(machine())
    started = time.perf_counter()
    sections: list[tuple[str, list[Row]]] = []

    def section(title: str, rows: list[Row]) -> None:
        print_rows(title, rows)
        print()
        sections.append((title, rows))

    section("whole-process start-up", startup.measure(2 if quick else 5))
    section(
        "replay, in process (median per workflow)",
        replay_seed.measure(60 if quick else 300, 3 if quick else 5),
    )
    section("live on loopback (median per workflow)", live_seed.measure(40 if quick else 200))
    section("cassette load (median)", cassette_load.measure(50 if quick else 300))
    section("fuzzing in replay", fuzz_replay.measure(200 if quick else 1000, 2 if quick else 3))
    xdist = scale.xdist_available() and not args.no_xdist
    section(
        "workflow files sharing one OpenAPI description",
        scale.measure(sizes, 1 if quick else 3, xdist),
    )
    item_sizes = [int(size) for size in args.item_sizes.split(",")]
    section("items of one workflow file", items.measure(item_sizes, 1 if quick else 3))
    targets = [row for _, rows in sections for row in rows if row.met is not None]
    met = sum(1 for row in targets if row.met)
    print_rows(f"targets: {met} of {len(targets)} met", targets)
    print(machine())
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
