"""Regenerate the shipped cassettes under ``fixtures/cassettes/`` (never edit them by hand).

    python tests/record_shipped_cassettes.py

Starts the Stripe-shaped loopback server (``tests/stripe_server.py``, seed 0, so ids are the same
every time) on a free port (the first free one of 12111-12115, so URLs stay stable), records
every item of ``specs/`` with the project's own ``--arazzo-record-mode=rewrite`` (every source
description of every workflow, ``invoiceApi`` and ``stripeApi``, pointed at the server) and a
dummy ``sk_test_`` key in a subprocess, then stops the server. The repository's ``pyproject.toml``
applies, so ``arazzo_stripe_version`` is sent and stored. Exit status: pytest's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stripe_server import StripeServer  # noqa: E402

PREFERRED_PORTS = range(12111, 12116)
DUMMY_KEY = "sk_test_recordshippedcassettes"


def free_port() -> int:
    """The first preferred port nothing listens on, else 0 (any free port)."""
    for port in PREFERRED_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    return 0


def source_names(specs: Path = ROOT / "specs") -> list[str]:
    """The names of the source descriptions the Arazzo files under ``specs`` call."""
    names: set[str] = set()
    for path in sorted(specs.rglob("*.arazzo.y*ml")):
        document = yaml.safe_load(path.read_text()) or {}
        for source in document.get("sourceDescriptions") or []:
            if source.get("type", "openapi") == "openapi":
                names.add(str(source["name"]))
    return sorted(names)


def record(server_url: str) -> int:
    environ = {**os.environ, "STRIPE_API_KEY": DUMMY_KEY, "PYTHONDONTWRITEBYTECODE": "1"}
    servers = [f"--arazzo-server={name}={server_url}" for name in source_names()]
    command = [
        sys.executable, "-m", "pytest", "specs/", "-p", "no:cacheprovider", "-q", "-p", "no:xdist",
        "--arazzo-record-mode=rewrite", *servers,
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=environ, check=False).returncode


def main() -> int:
    server = StripeServer(seed=0, port=free_port())
    url = server.start()
    try:
        print(f"recording specs/ against {url}", flush=True)
        return record(url)
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
