"""Benchmark: replaying the seed workflow vs. the same three calls on plain ``responses`` mocks.

    python benchmarks/replay_seed.py [--runs 300]

Both sides run in-process, in the same run, alternating in rounds to share machine noise:

- *pytest-arazzo replay*: one workflow run through the engine (build requests, send through
  ``requests`` + ``responses`` answering from the cassette, match, criteria, outputs);
- *plain responses*: a hand-written test doing the same three POSTs against three ``responses``
  mocks, parsing JSON and checking status codes — the floor any replay tool pays.

The ratio is the engine's cost over that floor (goal: at most 1.5).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests
import responses

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import Row, print_rows  # noqa: E402

from pytest_arazzo.cassette.format import load_cassette, response_body_bytes  # noqa: E402
from pytest_arazzo.contract.checker import ContractChecker  # noqa: E402
from pytest_arazzo.document.loader import load_document  # noqa: E402
from pytest_arazzo.document.sources import SourceCache  # noqa: E402
from pytest_arazzo.execute.runner import Runner  # noqa: E402
from pytest_arazzo.plan.planner import ArazzoFile  # noqa: E402
from pytest_arazzo.transport.replay import ReplayTransport  # noqa: E402

SEED = ROOT / "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
CASSETTE = (
    ROOT
    / "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice"
    / "create-and-finalize-invoice.yaml"
)
WORKFLOW = "create-and-finalize-invoice"


def arazzo_replay(plan, cassette, checks=None) -> None:
    transport = ReplayTransport(cassette)
    try:
        Runner(transport, exchange_checks=checks).run(plan, cassette.inputs)
    finally:
        transport.close()


def plain_responses(cassette) -> None:
    """The same three calls, mocked by hand the way a `responses` user would."""
    base = "https://api.stripe.com"
    invoice = cassette.interactions[0].response["json"]["id"]
    bodies = [response_body_bytes(i.response) for i in cassette.interactions]
    with responses.RequestsMock() as mock, requests.Session() as session:
        session.trust_env = False  # as the engine does: no proxy/netrc lookups per request
        mock.add(
            responses.POST, f"{base}/v1/invoices", body=bodies[0], content_type="application/json"
        )
        mock.add(
            responses.POST,
            f"{base}/v1/invoiceitems",
            body=bodies[1],
            content_type="application/json",
        )
        mock.add(
            responses.POST,
            f"{base}/v1/invoices/{invoice}/finalize",
            body=bodies[2],
            content_type="application/json",
        )
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        created = session.post(
            f"{base}/v1/invoices", data="customer=cus_1&auto_advance=false", headers=form
        )
        assert created.status_code == 200
        invoice_id = created.json()["id"]
        item = session.post(
            f"{base}/v1/invoiceitems",
            data=f"customer=cus_1&invoice={invoice_id}&amount=2000&currency=usd",
            headers=form,
        )
        assert item.status_code == 200 and item.json()["id"]
        final = session.post(f"{base}/v1/invoices/{invoice_id}/finalize", headers=form)
        assert final.status_code == 200 and final.json()["status"]


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def measure(runs: int = 300, rounds: int = 5) -> list[Row]:
    """Median per workflow run: replay (contract off and on) next to plain ``responses``."""
    plan = ArazzoFile(load_document(SEED), SourceCache()).plan(WORKFLOW)
    cassette = load_cassette(CASSETTE)
    checks = ContractChecker("error").checks()
    for _ in range(20):  # warm up every path (and the contract validators' caches)
        arazzo_replay(plan, cassette)
        arazzo_replay(plan, cassette, checks)
        plain_responses(cassette)
    ours, checked, theirs = [], [], []
    per_round = max(runs // rounds, 1)
    for _ in range(rounds):
        ours += timed(lambda: arazzo_replay(plan, cassette), per_round)
        checked += timed(lambda: arazzo_replay(plan, cassette, checks), per_round)
        theirs += timed(lambda: plain_responses(cassette), per_round)
    ours_ms, theirs_ms = statistics.median(ours) * 1e3, statistics.median(theirs) * 1e3
    checked_ms = statistics.median(checked) * 1e3
    floor = f"{theirs_ms:.3f} ms"
    return [
        Row("replay one workflow (3 calls), contract off", f"{ours_ms:.3f} ms", floor, "", None),
        Row("  ratio to plain responses", f"{ours_ms / theirs_ms:.2f}x", "", "", None),
        Row("replay one workflow, contract on", f"{checked_ms:.3f} ms", floor, "", None),
        Row("  ratio to plain responses", f"{checked_ms / theirs_ms:.2f}x", "", "", None),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows = measure(args.runs, args.rounds)
    print_rows("seed workflow, in-process replay (median per workflow run)", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
