"""Benchmark: the seed workflow live against a loopback Stripe-shaped server vs plain requests.

    python benchmarks/live_seed.py [--runs 200] [--rounds 5] [--profile]

Both sides send the same three POSTs to ``tests/stripe_server.py`` on 127.0.0.1, in the same
process, interleaved (one workflow of each side in turn, the order rotating). *pytest-arazzo
live* runs the planned workflow as a session runs a ``--live`` item: its ``LiveTransport`` with
the session's options (throttle, item deadline, size and URL limits; the throttle's rate set
above what loopback reaches, so its bookkeeping is measured but it never waits), credentials,
Idempotency-Key, the session's contract checker (compiled once), an item log; each run is an
item of its own (one item's keys would have the server replay stored answers). *plain requests*
is a hand-written client doing the same calls with one ``requests.Session``, parsing JSON and
checking status codes. Target: at most 1.1x. ``--profile`` prints the top of a cProfile run of
the pytest-arazzo side only (contract on; the server's thread is not profiled).
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import statistics
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import SEED, WORKFLOW, Row, print_rows, timed  # noqa: E402

from pytest_arazzo.document.loader import load_document  # noqa: E402
from pytest_arazzo.document.sources import SourceCache  # noqa: E402
from pytest_arazzo.engine.session import ItemLog, SessionState  # noqa: E402
from pytest_arazzo.engine.settings import RunSettings  # noqa: E402
from pytest_arazzo.plan.planner import ArazzoFile  # noqa: E402
from pytest_arazzo.transport.live import LiveTransport  # noqa: E402
from tests.stripe_server import StripeServer  # noqa: E402

KEY = "sk_test_BENCHMARKpytestarazzo000000"
CUSTOMER = "cus_PYTESTARAZZO01"
INPUTS = {"customer": CUSTOMER, "amount": 2000, "currency": "usd"}
TARGET = 1.1
RATE = 1e6  # requests/s: the throttle keeps its window (as at the default 25/s), never waits


def plain_requests(base: str) -> None:
    """The same three calls as a hand-written client makes them."""
    headers = {
        "Authorization": f"Bearer {KEY}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    with requests.Session() as session:
        session.trust_env = False
        created = session.post(
            f"{base}/v1/invoices",
            data=f"customer={CUSTOMER}&auto_advance=false",
            headers=headers,
            timeout=10,
        )
        assert created.status_code == 200, created.text
        invoice = created.json()["id"]
        item = session.post(
            f"{base}/v1/invoiceitems",
            data=f"customer={CUSTOMER}&invoice={invoice}&amount=2000&currency=usd",
            headers=headers,
            timeout=10,
        )
        assert item.status_code == 200 and item.json()["id"], item.text
        final = session.post(f"{base}/v1/invoices/{invoice}/finalize", headers=headers, timeout=10)
        assert final.status_code == 200 and final.json()["status"], final.text


def session(base: str, contract: str) -> SessionState:
    """A session's state as ``--live --arazzo-server invoiceApi=BASE`` builds it."""
    return SessionState(
        RunSettings(
            rootdir=ROOT,
            cassette_dir=ROOT / "fixtures" / "cassettes",
            inputs_dir=ROOT / "fixtures" / "inputs",
            live=True,
            servers={"invoiceApi": base},
            credentials={"invoiceApi": "STRIPE_API_KEY"},
            rate_limit=RATE,
            contract=contract,
        )
    )


def measure(runs: int = 200, rounds: int = 5, profile: bool = False) -> list[Row]:
    os.environ["STRIPE_API_KEY"] = KEY
    plan = ArazzoFile(load_document(SEED), SourceCache()).plan(WORKFLOW)
    with StripeServer() as server:
        base = str(server.url)
        states = {contract: session(base, contract) for contract in ("error", "off")}
        items = itertools.count()

        def ours(checks: bool) -> None:
            """One live item as the session runs it (engine/session.py ``_run_live``): its
            transport options (throttle, deadline, limits), credentials, runner, item log. Each
            run is an item of its own, as in a session: the same item's Idempotency-Keys would
            have the server replay its stored answers instead of doing the work."""
            state = states["error" if checks else "off"]
            nodeid = f"live_seed.py::seed[{next(items)}]"
            transport = LiveTransport(options=state.live_options(nodeid))
            try:
                state.runner(transport, state.credentials(), ItemLog()).run(plan, dict(INPUTS))
            finally:
                transport.close()

        for _ in range(10):  # warm up (connections, validators)
            ours(True)
            ours(False)
            plain_requests(base)
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [ours(True) for _ in range(runs)])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        sides = [lambda: ours(True), lambda: ours(False), lambda: plain_requests(base)]
        samples: list[list[float]] = [[], [], []]
        per_round = max(runs // rounds, 1)
        for _ in range(rounds):
            server.reset()
            for run in range(per_round):
                # one workflow of each side in turn, the order rotating: a burst of load from
                # elsewhere on the machine falls on all three alike, not on one side's block
                for index in (run % 3, (run + 1) % 3, (run + 2) % 3):
                    samples[index] += timed(sides[index], 1)
        on, off, theirs = samples
    on_ms, off_ms = statistics.median(on) * 1e3, statistics.median(off) * 1e3
    floor_ms = statistics.median(theirs) * 1e3
    floor = f"{floor_ms:.3f} ms"
    return [
        Row(
            "live one workflow (3 calls), contract on",
            f"{on_ms / floor_ms:.2f}x",
            floor,
            f"<= {TARGET}x plain",
            on_ms / floor_ms <= TARGET,
        ),
        Row("  per workflow", f"{on_ms:.3f} ms", "", "", None),
        Row(
            "live one workflow, contract off",
            f"{off_ms / floor_ms:.2f}x",
            floor,
            f"<= {TARGET}x plain",
            off_ms / floor_ms <= TARGET,
        ),
        Row("  per workflow", f"{off_ms:.3f} ms", "", "", None),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile top first")
    args = parser.parse_args()
    rows = measure(args.runs, args.rounds, args.profile)
    print_rows("seed workflow live on a loopback server (median per workflow run)", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
