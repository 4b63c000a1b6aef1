"""Cassette format: versioned, documented, readable; one file per item; atomic writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_arazzo import __version__
from pytest_arazzo.cassette.format import (
    Cassette,
    CassetteError,
    Interaction,
    cassette_data,
    load_cassette,
    save_cassette,
)
from pytest_arazzo.cassette.scrub import Scrubber
from pytest_arazzo.engine.session import ItemSpec, SessionState
from pytest_arazzo.engine.settings import RunSettings
from pytest_arazzo.execute.failures import WorkflowFailure
from pytest_arazzo.execute.inputs import DEFAULT_SET
from tests.conftest import ROOT, record_args

INTERACTION = Interaction(
    "createDraftInvoice",
    {
        "method": "POST",
        "url": "https://api.stripe.com/v1/invoices",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "form": {"customer": "cus_1", "auto_advance": "false"},
    },
    {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "json": {"id": "in_1", "lines": {"data": [], "object": "list"}},
    },
)


def cassette(path: Path, **extra: object) -> Cassette:
    return Cassette(path, "specs/x.arazzo.yml::wf", "wf", {"amount": 2000}, [INTERACTION], **extra)  # type: ignore[arg-type]


def test_written_cassette__versioned_and_self_describing(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    save_cassette(cassette(path, stripe_version="2024-06-20"), Scrubber())
    text = path.read_text()
    data = yaml.safe_load(text)
    assert list(data) == [
        "cassette_version", "recorded_with", "recorded_at", "stripe_version",
        "item", "workflow", "inputs", "interactions",
    ]  # fmt: skip
    assert data["cassette_version"] == 1
    assert data["recorded_with"] == f"pytest-arazzo {__version__}"
    assert data["recorded_at"].endswith("Z")
    assert data["stripe_version"] == "2024-06-20"
    assert data["inputs"] == {"amount": 2000}
    assert data["interactions"][0]["step"] == "createDraftInvoice"
    # JSON bodies are YAML structure, not an escaped string: readable and diffable
    assert "    json:\n      id: in_1\n      lines:\n" in text
    loaded = load_cassette(path)
    assert loaded.stripe_version == "2024-06-20"
    assert loaded.interactions[0].reply == (
        200,
        {"Content-Type": "application/json"},
        b'{"id": "in_1", "lines": {"data": [], "object": "list"}}',
    )


def test_no_stripe_version_pin__no_key(tmp_path: Path) -> None:
    assert "stripe_version" not in cassette_data(cassette(tmp_path / "a.yaml"))


def test_unsupported_version__refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text("cassette_version: 2\ninteractions: []\n")
    with pytest.raises(
        CassetteError, match=r"old.yaml:1:\d+: cassette_version 2 is not supported.*re-record"
    ):
        load_cassette(path)


_INTERACTION = "interactions:\n- step: a\n  request: {method: GET, url: /p}\n"


def test_corrupt_interaction__names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("cassette_version: 1\ninteractions:\n- step: a\n  request: {method: GET}\n")
    with pytest.raises(CassetteError, match=r"bad.yaml:3:\d+: corrupt cassette: interaction 1"):
        load_cassette(path)


@pytest.mark.parametrize(
    ("body", "line", "what"),
    [
        ("interactions: 5\n", 2, "interactions must be a list"),
        (_INTERACTION + "  response: {status: 200, headers: [a, b]}\n", 3, "interaction 1"),
        (
            _INTERACTION.replace("GET, url: /p", "GET, url: /p, headers: [x]")
            + "  response: {status: 200}\n",
            3,
            "interaction 1",
        ),
        (
            _INTERACTION.replace("url: /p", "url: 'http://[::1'") + "  response: {status: 200}\n",
            3,
            "interaction 1",
        ),
        (_INTERACTION + "  response: {status: true}\n", 3, "interaction 1"),
    ],
    ids=["interactions-not-a-list", "response-headers", "request-headers", "bad-url", "bool"],
)
def test_corrupt_structure__clean_error_not_a_crash(
    tmp_path: Path, body: str, line: int, what: str
) -> None:
    """Shapes that would crash replay later are refused when the cassette is read."""
    path = tmp_path / "bad.yaml"
    path.write_text("cassette_version: 1\n" + body)
    with pytest.raises(CassetteError, match=rf"bad.yaml:{line}:\d+: corrupt cassette: {what}"):
        load_cassette(path)


def test_interrupted_write__old_cassette_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KeyboardInterrupt during the write leaves the old file and no temp file behind."""
    path = tmp_path / "wf.yaml"
    path.write_bytes(b"cassette_version: 1\n# the old cassette\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("pytest_arazzo.cassette.format.os.fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_cassette(cassette(path), Scrubber())
    assert path.read_bytes() == b"cassette_version: 1\n# the old cassette\n"
    assert [p.name for p in tmp_path.iterdir()] == ["wf.yaml"]


def test_refused_write__old_cassette_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_bytes(b"old")
    leaking = cassette(path)
    leaking.interactions = [
        Interaction("s", INTERACTION.request, {"status": 200, "text": "key sk_live_abcdef123456"})
    ]
    with pytest.raises(
        CassetteError, match=r"live-mode key \(sk_live_\.\.\.\); nothing was written"
    ):
        save_cassette(leaking, Scrubber())
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["wf.yaml"]


def test_written_file__readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    save_cassette(cassette(path), Scrubber())
    assert path.stat().st_mode & 0o644 == 0o644


def _spec(tmp_path: Path, stem_dir: str, input_set: str = DEFAULT_SET) -> ItemSpec:
    path = tmp_path / stem_dir / "billing.arazzo.yml"
    return ItemSpec(path, None, "wf", 0, input_set, {})  # type: ignore[arg-type]


def test_one_file_per_item__input_sets_and_collisions(tmp_path: Path) -> None:
    settings = RunSettings(tmp_path, tmp_path / "cassettes", tmp_path / "inputs")
    state = SessionState(settings)
    default = state.cassette_path(_spec(tmp_path, "a"))
    named = state.cassette_path(_spec(tmp_path, "a", "eur"))
    assert default == tmp_path / "cassettes/a/billing/wf.yaml"
    assert named == tmp_path / "cassettes/a/billing/wf[eur].yaml"
    state.claim(default, "a/billing.arazzo.yml::wf")
    state.claim(default, "a/billing.arazzo.yml::wf")  # the same item again is fine
    with pytest.raises(WorkflowFailure, match=r"would share the cassette cassettes/a/billing/wf\."):
        state.claim(default, "b/billing.arazzo.yml::wf")


@pytest.mark.parametrize("input_set", ["../../../escape", "eu/west", "a\\b"])
def test_input_set_name_with_a_path__never_written_outside_the_folder(
    seed_project: pytest.Pytester, stripe_server: Any, test_key: str, input_set: str
) -> None:
    inputs = seed_project.path / "fixtures/inputs/stripe-create-and-finalize-invoice.yaml"
    inputs.write_text(
        f"create-and-finalize-invoice:\n  '{input_set}':\n"
        "    {customer: cus_PYTESTARAZZO01, amount: 2000, currency: usd}\n"
    )
    result = seed_project.runpytest("specs/", *record_args(stripe_server))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*would be written outside its folder*", "*what to do: use*"])
    assert stripe_server.requests == []
    assert not list((seed_project.path / "fixtures").rglob("*escape*"))
    assert not (seed_project.path / "fixtures/cassettes").exists()


def test_format_is_documented() -> None:
    """docs/cassettes.md describes every top-level key and the scrub placeholder."""
    docs = (ROOT / "docs/cassettes.md").read_text()
    for key in [*cassette_data(cassette(Path("x.yaml"), stripe_version="v")), "<scrubbed>"]:
        assert f"`{key}" in docs, key
