"""Credentials are masked inside the values a report shows, never in the plugin's own words: a
key that is an ordinary word (``wrong``) must not turn a hint into ``<scrubbed>`` prose."""

from __future__ import annotations

import pytest

from tests.stripe_server import StripeServer

WORD_KEY = "wrong"  # a (bad) test key that is also a word of the contract hint


def test_word_credential__hint_stays_prose_and_values_are_masked(
    seed_project: pytest.Pytester, stripe_server: StripeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", WORD_KEY)
    # the answer breaks the contract (id must be a string) and echoes the key in a field
    body = {"id": 42, "object": "invoice", "description": f"key {WORD_KEY} echoed"}
    stripe_server.fail_next(200, body, times=5)
    result = seed_project.runpytest(
        "specs/", "--live", "--arazzo-server", f"invoiceApi={stripe_server.url}", "-rf"
    )
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "fix whichever is wrong" in out  # the hint, as written
    assert "whichever is <scrubbed>" not in out
    assert "key <scrubbed> echoed" in out  # the value, masked
    assert "key wrong echoed" not in out
