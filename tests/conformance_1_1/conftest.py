"""Fixtures of the Arazzo 1.1 conformance suite: the 1.0 suite's loopback server and harness."""

from __future__ import annotations

from tests.conformance.conftest import harness, server

__all__ = ["harness", "server"]
