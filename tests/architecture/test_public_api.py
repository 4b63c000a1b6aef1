"""The engine is a library: a workflow runs from plain Python, and pytest is never imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_arazzo as arazzo
from tests.conftest import SEED, TEST_KEY
from tests.stripe_server import StripeServer

ROOT = Path(__file__).resolve().parents[2]
CASSETTE = (
    ROOT
    / "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice"
    / "create-and-finalize-invoice.yaml"
)
WORKFLOW = "create-and-finalize-invoice"

REPLAY_SCRIPT = f"""
import json, sys
import pytest_arazzo as arazzo

document = arazzo.load({str(SEED)!r})
plan = arazzo.plan_workflow(document, {WORKFLOW!r}, root={str(ROOT)!r})
result = arazzo.run(plan, transport=arazzo.replay({str(CASSETTE)!r}))
heavy = [m for m in ("pytest", "_pytest", "pluggy", "hypothesis") if m in sys.modules]
print(json.dumps({{"outputs": result.outputs, "imported": heavy}}))
"""


def test_public_api__replays_the_seed_without_importing_pytest() -> None:
    done = subprocess.run(
        [sys.executable, "-c", REPLAY_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["imported"] == []
    assert report["outputs"]["status"] == "open"
    assert report["outputs"]["invoiceId"].startswith("in_")


def test_public_api__importing_the_package_loads_no_engine() -> None:
    """The plugin imports the package at pytest start-up: that must stay cheap."""
    script = (
        "import sys, pytest_arazzo; "
        "print(sorted(m for m in sys.modules if m.startswith('pytest_arazzo.')))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_public_api__record_then_replay_round_trip(
    tmp_path: Path, test_key: str, stripe_server: StripeServer
) -> None:
    plan = arazzo.plan_workflow(arazzo.load(SEED), WORKFLOW, root=ROOT)
    inputs = {"customer": "cus_PYTESTARAZZO01", "amount": 2000, "currency": "usd"}
    cassette = tmp_path / "recorded.yaml"
    recorded = arazzo.record(
        plan,
        inputs,
        cassette,
        servers={"*": stripe_server.url},
        credentials={"invoiceApi": "STRIPE_API_KEY"},
    )
    assert recorded.outputs["status"] == "open"
    assert TEST_KEY not in cassette.read_text()
    replayed = arazzo.run(plan, transport=arazzo.replay(cassette))
    assert replayed.outputs == recorded.outputs


def test_public_api__failure_is_the_report_the_plugin_prints(
    test_key: str, stripe_server: StripeServer
) -> None:
    plan = arazzo.plan_workflow(arazzo.load(SEED), WORKFLOW, root=ROOT)
    inputs = {"customer": "cus_PYTESTARAZZO01", "amount": 2000, "currency": "usd"}
    with pytest.raises(arazzo.WorkflowFailure) as caught:
        arazzo.run(plan, inputs, servers={"*": stripe_server.url})  # no credential mapping
    report = caught.value.render()
    assert f"workflow '{WORKFLOW}'" in report
    assert "createDraftInvoice" in report


def test_public_api__unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = arazzo.nothing  # type: ignore[attr-defined]


def test_public_api__the_readme_example_runs_as_printed() -> None:
    """The README's plain-Python example is under ten lines and runs from the repository root."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Running a workflow from plain Python") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")]
    assert len(code.strip().splitlines()) < 10
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; assert 'pytest' not in sys.modules\n"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "'status': 'open'" in done.stdout
