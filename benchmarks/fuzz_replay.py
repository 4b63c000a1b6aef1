"""Benchmark: fuzz examples per second in replay, on the seed workflow (goal: at least 500/s).

    python benchmarks/fuzz_replay.py [--examples 1000] [--rounds 3] [--profile]

Each example is one whole workflow run with generated inputs: Hypothesis draws the inputs, the
engine builds the three requests, the replay transport answers them from the seed's cassette
(each step with its recording), the OpenAPI contract checks run on every request and response,
then criteria and outputs. The input
schema is the tightened copy in ``docs/fuzzing/`` (the seed's own schema fails at once: its
``amount`` admits 100000000, which the OpenAPI description forbids), so every example passes and
the number measures the steady state. ``--profile`` prints the top of a cProfile run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import Row, print_rows  # noqa: E402

from pytest_arazzo.document.loader import load_document  # noqa: E402
from pytest_arazzo.engine.session import ItemSpec, SessionState  # noqa: E402
from pytest_arazzo.engine.settings import RunSettings  # noqa: E402
from pytest_arazzo.fuzz.run import FuzzRequest, run_fuzz  # noqa: E402

WORKFLOW = ROOT / "docs/fuzzing/stripe-create-and-finalize-invoice.arazzo.yml"
WORKFLOW_ID = "create-and-finalize-invoice"
SEED_CASSETTE = (
    ROOT
    / "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice"
    / "create-and-finalize-invoice.yaml"
)


def fuzz_once(state: SessionState, spec: ItemSpec, examples: int) -> tuple[int, float]:
    """One fuzzed item; returns (workflow runs, seconds)."""
    request = FuzzRequest(max_examples=examples, deadline=None)
    start = time.perf_counter()
    run_fuzz(state, spec, state.arazzo_file(spec.document).plan(WORKFLOW_ID), "bench", request)
    return request.stats.sent, time.perf_counter() - start


TARGET = 500  # examples per second


def measure(examples: int = 1000, rounds: int = 3, profile: bool = False) -> list[Row]:
    """Median examples per second over ``rounds`` fuzzed items, after a warm-up item."""
    settings.register_profile("bench", database=None, derandomize=True)
    settings.load_profile("bench")
    # cassettes are keyed by the Arazzo file's path: the tightened copy in docs/fuzzing/ replays
    # the seed's cassette, copied to where its key points (in a temporary cassette folder)
    cassettes = Path(tempfile.mkdtemp(prefix="fuzz-bench-"))
    target = cassettes / "docs/fuzzing/stripe-create-and-finalize-invoice"
    target.mkdir(parents=True)
    shutil.copy(SEED_CASSETTE, target / SEED_CASSETTE.name)
    state = SessionState(
        RunSettings(
            rootdir=ROOT,
            cassette_dir=cassettes,
            inputs_dir=ROOT / "fixtures/inputs",
            credentials={"invoiceApi": "STRIPE_API_KEY"},
        )
    )
    document = load_document(WORKFLOW)
    spec = ItemSpec(WORKFLOW, document, WORKFLOW_ID, 0, "default", {})
    fuzz_once(state, spec, 20)  # warm up: plan, validators, imports
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(fuzz_once, state, spec, examples)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    rates = []
    for _ in range(rounds):
        runs, seconds = fuzz_once(state, spec, examples)
        rates.append(runs / seconds)
    median = statistics.median(rates)
    return [
        Row(
            f"fuzz examples per second (replay, {examples} x {rounds})",
            f"{median:.0f} /s",
            "",
            f">= {TARGET} /s",
            median >= TARGET,
        ),
        Row("  best / worst round", f"{max(rates):.0f} / {min(rates):.0f}", "", "", None),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    rows = measure(args.examples, args.rounds, args.profile)
    print_rows("seed workflow (3 steps), replay fuzzing", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
