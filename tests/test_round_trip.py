"""Record → replay as the README tells it (issue 14 item 6): after ``--record --arazzo-input``,
a plain run replays green with neither flag nor key; a changed inputs file is never hidden."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import record_args
from tests.stripe_server import StripeServer

CASSETTE = Path("fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice")
INPUTS = Path("fixtures/inputs/stripe-create-and-finalize-invoice.yaml")


@pytest.fixture
def recorded_with_flag(
    seed_project: pytest.Pytester,
    stripe_server: StripeServer,
    test_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> pytest.Pytester:
    """Recorded with ``--arazzo-input amount=1500`` (the inputs file says 2000); then the key is
    gone and the server stopped answering."""
    result = seed_project.runpytest(
        "specs/", *record_args(stripe_server, "--arazzo-input", "amount=1500")
    )
    result.assert_outcomes(passed=1)
    monkeypatch.delenv("STRIPE_API_KEY")
    stripe_server.reset()
    return seed_project


def _cassette(project: pytest.Pytester) -> dict[str, object]:
    found = list((project.path / "fixtures" / "cassettes").rglob("*.yaml"))
    assert len(found) == 1, found
    data = yaml.safe_load(found[0].read_text())
    assert isinstance(data, dict)
    return data


def test_plain_replay_after_recording_with_a_flag_is_green(
    recorded_with_flag: pytest.Pytester,
) -> None:
    data = _cassette(recorded_with_flag)
    assert data["inputs"]["amount"] == 1500  # type: ignore[index]
    assert data["file_inputs"]["amount"] == 2000  # type: ignore[index]
    result = recorded_with_flag.runpytest("specs/", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_flag_in_replay_overrides_the_recorded_inputs(recorded_with_flag: pytest.Pytester) -> None:
    result = recorded_with_flag.runpytest(
        "specs/", "-p", "no:cacheprovider", "--arazzo-input", "amount=2500"
    )
    result.assert_outcomes(failed=1)  # the flag is sent: the recorded request no longer matches
    result.stdout.fnmatch_lines(["*recorded '1500', sent '2500'*"])


def test_changed_inputs_file_fails_naming_the_field(recorded_with_flag: pytest.Pytester) -> None:
    inputs = recorded_with_flag.path / INPUTS
    inputs.write_text(inputs.read_text().replace("amount: 2000", "amount: 3000"))
    result = recorded_with_flag.runpytest("specs/", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*the inputs file changed since recording: re-record (1 input(s) differ from "
        "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice/"
        "create-and-finalize-invoice.yaml: amount (recorded 2000, now 3000))*",
        "*what to do: re-record the item with --record*",
    ])  # fmt: skip


def test_changed_inputs_file_is_re_recorded_by_record(
    recorded_with_flag: pytest.Pytester,
    stripe_server: StripeServer,
    test_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", test_key)
    inputs = recorded_with_flag.path / INPUTS
    inputs.write_text(inputs.read_text().replace("amount: 2000", "amount: 3000"))
    result = recorded_with_flag.runpytest("specs/", *record_args(stripe_server))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*wrote fixtures/cassettes/*"])
    data = _cassette(recorded_with_flag)
    assert data["inputs"]["amount"] == data["file_inputs"]["amount"] == 3000  # type: ignore[index]
    recorded_with_flag.runpytest("specs/", "-p", "no:cacheprovider").assert_outcomes(passed=1)
