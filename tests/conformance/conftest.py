"""Fixtures of the conformance suite: a loopback server and a harness bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.harness import Harness
from tests.conformance.server import LoopbackServer


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def harness(tmp_path: Path, server: LoopbackServer) -> Harness:
    return Harness(tmp_path, server)
