"""Benchmark: loading one cassette (the seed's, ~7 kB) vs ``json.loads`` of the same data.

    python benchmarks/cassette_load.py [--runs 300]

*parsed*: ``load_cassette`` reading the YAML under the loader's guards (every first run, and
with ``-p no:cacheprovider``); *cached*: the same call with the parse cache warm (any later run:
the file is read and hashed, the parse comes from pytest's cache dir as JSON); the floor is
``json.loads`` of the cassette's data as JSON text.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import yaml  # noqa: E402
from common import CASSETTE, Row, print_rows, timed  # noqa: E402

from pytest_arazzo.cassette.format import load_cassette  # noqa: E402
from pytest_arazzo.document.cache import DocumentCache  # noqa: E402

TARGET_MS = 0.5  # a cached cassette: a third of the per-item budget (1.5 ms)


def measure(runs: int = 300) -> list[Row]:
    text = json.dumps(yaml.safe_load(CASSETTE.read_text()))
    with tempfile.TemporaryDirectory() as temp:
        cache = DocumentCache(Path(temp))
        load_cassette(CASSETTE, cache=cache)  # fills the cache
        parsed = statistics.median(timed(lambda: load_cassette(CASSETTE), runs)) * 1e3
        cached = statistics.median(timed(lambda: load_cassette(CASSETTE, cache=cache), runs)) * 1e3
    floor = statistics.median(timed(lambda: json.loads(text), runs)) * 1e3
    size = CASSETTE.stat().st_size / 1024
    return [
        Row(
            f"load a {size:.0f} kB cassette, parsed",
            f"{parsed:.3f} ms",
            f"{floor:.3f} ms",
            "",
            None,
        ),
        Row(
            f"load a {size:.0f} kB cassette, parse cache warm",
            f"{cached:.3f} ms",
            f"{floor:.3f} ms",
            f"<= {TARGET_MS} ms",
            cached <= TARGET_MS,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    print_rows("cassette load (median)", measure(args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
