"""End to end: collect the seed workflow, record it against the loopback Stripe server, replay it.

Arazzo 1.0.1 § Workflow Object (one item per workflowId), § Step Object, § Criterion Object
(``$statusCode == 200``), § Runtime Expressions (``$steps.createDraftInvoice.outputs.invoiceId``).
"""

from __future__ import annotations

import hashlib
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SEED_NODE, record_args
from tests.stripe_server import DECLINE_CUSTOMER_ID, StripeServer

CASSETTE = Path(
    "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice/"
    "create-and-finalize-invoice.yaml"
)


def test_collection__one_item_per_workflow_with_path_node_id(seed_project: pytest.Pytester) -> None:
    """§ Workflow Object: each workflowId is a test item named ``path::workflowId``."""
    result = seed_project.runpytest("--collect-only", "-q", "specs/")
    result.stdout.fnmatch_lines([SEED_NODE, "1 test collected*"])


def test_collection__named_input_sets_become_items(seed_project: pytest.Pytester) -> None:
    """Input sets other than ``default`` become ``path::workflowId[name]`` items."""
    inputs = seed_project.path / "fixtures/inputs/stripe-create-and-finalize-invoice.yaml"
    inputs.write_text(
        "create-and-finalize-invoice:\n"
        "  default: {customer: cus_A, amount: 1, currency: usd}\n"
        "  eur: {customer: cus_A, amount: 1, currency: eur}\n"
    )
    result = seed_project.runpytest("--collect-only", "-q", "specs/")
    result.stdout.fnmatch_lines([SEED_NODE, f"{SEED_NODE}[[]eur[]]", "2 tests collected*"])


def test_collection__patterns_are_configurable(seed_project: pytest.Pytester) -> None:
    """ini ``arazzo_patterns`` replaces the default ``*.arazzo.yml`` style patterns."""
    seed = seed_project.path / "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
    seed.rename(seed.with_name("invoice-workflow.yml"))
    seed_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_patterns = ["*-workflow.yml"]\n'
    )
    result = seed_project.runpytest("--collect-only", "-q", "specs/")
    result.stdout.fnmatch_lines(["specs/arazzo/invoice-workflow.yml::create-and-finalize-invoice"])


def test_collection__keyword_selection_and_junit(seed_project: pytest.Pytester) -> None:
    """Items can be selected with ``-k`` and appear in JUnit XML under their node id."""
    result = seed_project.runpytest("specs/", "-k", "finalize", "--junitxml=report.xml")
    result.assert_outcomes(failed=1)  # no cassette yet: a failure, reported like any test
    case = ET.parse(seed_project.path / "report.xml").getroot().find(".//testcase")
    assert case is not None
    assert case.get("name") == "create-and-finalize-invoice"
    assert "no cassette for this item" in (case.find("failure").get("message") or "")


def test_input_set_that_is_not_a_mapping__fails_instead_of_vanishing(
    seed_project: pytest.Pytester,
) -> None:
    inputs = seed_project.path / "fixtures/inputs/stripe-create-and-finalize-invoice.yaml"
    inputs.write_text("create-and-finalize-invoice:\n  default: 5\n  eur:\n")
    result = seed_project.runpytest("specs/", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "fixtures/inputs/stripe-create-and-finalize-invoice.yaml:2:3: input set 'default' of "
            "workflow 'create-and-finalize-invoice' must be a mapping of input names to values, "
            "got int 5",
            "    hint: write it as NAME: VALUE lines under the set name (or {} for none)",
            "*.yaml:3:3: input set 'eur' of workflow 'create-and-finalize-invoice' must be a "
            "mapping of input names to values, got nothing",
        ]
    )
    result.stdout.fnmatch_lines(["FAILED *::create-and-finalize-invoice[[]eur[]]*"])


COUNTING_CONFTEST = """
import importlib

# by its sys.modules name (a package attribute may be a module an earlier in-process run left)
sources = importlib.import_module("pytest_arazzo.document.sources")

LOADS = []
_original = sources.SourceCache.source


def _counting(self, *args, **kwargs):
    LOADS.append(1)
    return _original(self, *args, **kwargs)


sources.SourceCache.source = _counting


def pytest_collection_finish(session):
    print(f"source loads at collection: {len(LOADS)}")
"""


def test_collection__loads_no_openapi_source(seed_project: pytest.Pytester) -> None:
    """Collecting (``--collect-only``, ``-k``, xdist workers) only parses the Arazzo files:
    sources are loaded and workflows planned when an item runs."""
    seed_project.makeconftest(COUNTING_CONFTEST)
    result = seed_project.runpytest_subprocess("--collect-only", "specs/", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["source loads at collection: 0", "*1 test collected*"])


def test_missing_cassette__says_how_to_record(seed_project: pytest.Pytester) -> None:
    result = seed_project.runpytest("specs/")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no cassette for this item at fixtures/cassettes/specs/arazzo/"
            "stripe-create-and-finalize-invoice/create-and-finalize-invoice.yaml",
            "*what to do: record it against the API's test mode: pytest '*' --record*",
        ]
    )


def test_broken_input_file__names_workflow_and_file_position(
    seed_project: pytest.Pytester,
) -> None:
    inputs = seed_project.path / "fixtures/inputs/stripe-create-and-finalize-invoice.yaml"
    inputs.write_text("create-and-finalize-invoice: {default: [unclosed\n")
    result = seed_project.runpytest("specs/")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "workflow 'create-and-finalize-invoice' "
            "(specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml:17:3) failed",
            "  cannot read the input file: fixtures/inputs/stripe-create-and-finalize-invoice"
            ".yaml:2:1: invalid YAML: *",
            "  what to do: fix the input file*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_record_then_replay__round_trip_without_the_key(
    seed_project: pytest.Pytester,
    stripe_server: StripeServer,
    test_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--record writes one readable cassette per item; replay passes with no server and no key."""
    recorded = seed_project.runpytest("specs/", *record_args(stripe_server))
    recorded.assert_outcomes(passed=1)
    recorded.stdout.fnmatch_lines(["*pytest-arazzo recorded*", f"wrote {CASSETTE}"])
    # live requests carried the credential, per the OpenAPI security scheme (bearer first)
    assert stripe_server.requests[0]["headers"]["Authorization"] == f"Bearer {test_key}"

    text = (seed_project.path / CASSETTE).read_text()
    assert test_key not in text
    assert "Authorization" not in text and "Bearer" not in text
    cassette = yaml.safe_load(text)
    assert cassette["inputs"] == {
        "customer": "cus_PYTESTARAZZO01",
        "amount": 2000,
        "currency": "usd",
    }
    assert [i["step"] for i in cassette["interactions"]] == [
        "createDraftInvoice",
        "addInvoiceItem",
        "finalizeInvoice",
    ]
    # the optional `description` input was not given, so it is not in the request at all
    assert "description" not in cassette["interactions"][1]["request"]["form"]
    assert cassette["interactions"][2]["response"]["json"]["status"] == "open"

    stripe_server.stop()
    monkeypatch.delenv("STRIPE_API_KEY")  # replay needs no key
    replayed = seed_project.runpytest("specs/", "-v", "-p", "no:cacheprovider")
    replayed.assert_outcomes(passed=1)


def test_record__failed_recording_writes_no_cassette(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    """A recording whose workflow fails (402 at finalize) leaves no cassette behind."""
    recorded = seed_project.runpytest(
        "specs/", *record_args(stripe_server, "--arazzo-input", f"customer={DECLINE_CUSTOMER_ID}")
    )
    recorded.assert_outcomes(failed=1)
    recorded.stdout.fnmatch_lines(
        ["*criterion failed (*): $statusCode == 200 with $statusCode = 402"]
    )
    assert not (seed_project.path / CASSETTE).exists()


def test_replay__402_failure_text(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    """§ Criterion Object: the failed criterion is shown with the value it saw."""
    seed_path = seed_project.path / "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
    original = seed_path.read_text()
    accepting = original.replace(
        "      value: $steps.createDraftInvoice.outputs.invoiceId\n"
        "    successCriteria:\n    - condition: $statusCode == 200\n",
        "      value: $steps.createDraftInvoice.outputs.invoiceId\n"
        "    successCriteria:\n    - condition: $statusCode == 402\n",
    ).replace("    status: $steps.finalizeInvoice.outputs.status\n", "")
    accepting = accepting.replace(
        "      status: $response.body#/status\n      total: $response.body#/total\n",
        "      declineCode: $response.body#/error/decline_code\n",
    )
    seed_path.write_text(accepting)
    recorded = seed_project.runpytest(
        "specs/", *record_args(stripe_server, "--arazzo-input", f"customer={DECLINE_CUSTOMER_ID}")
    )
    recorded.assert_outcomes(passed=1)

    seed_path.write_text(original)  # the shipped workflow, byte for byte
    stripe_server.stop()
    result = seed_project.runpytest(
        "specs/", "--arazzo-input", f"customer={DECLINE_CUSTOMER_ID}", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*workflow 'create-and-finalize-invoice' "
            "(specs/arazzo/stripe-create-and-finalize-invoice"
            ".arazzo.yml:17:3) at step 'finalizeInvoice' (*:69:5) failed",
            "*criterion failed (*.arazzo.yml:77:7): $statusCode == 200 with $statusCode = 402",
            "*API error: card_error/card_declined: Your card was declined.",
            "  request:",
            "    POST https://api.stripe.com/v1/invoices/in_*/finalize",
            "  response:",
            "    402 Payment Required",
            "*what to do:*",
            "*steps run: createDraftInvoice 200 ok, addInvoiceItem 200 ok, "
            "finalizeInvoice 402 FAILED",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_replay__request_not_in_cassette_names_step_and_what_was_sent(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.runpytest("specs/", *record_args(stripe_server)).assert_outcomes(passed=1)
    stripe_server.stop()
    result = seed_project.runpytest("specs/", "--arazzo-input", "amount=2500")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*at step 'addInvoiceItem'*",
            "*step 'addInvoiceItem' sent POST https://api.stripe.com/v1/invoiceitems, "
            "which does not "
            "match interaction 2 of "
            "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice/"
            "create-and-finalize-invoice.yaml:",
            "*form.amount: recorded '2000', sent '2500'",
        ]
    )


#: sha256 of the reference seed (shared/reference/stripe/seed/...-workflow.yml), pinned here so
#: the check needs nothing outside the checkout.
SEED_SHA256 = "450e7353be10c5375ea7e5fe7ddf6dcb9a49300edeff2e8397b6caf0c372881f"


def test_shipped_seed_is_the_reference_seed_verbatim() -> None:
    """The project ships the seed workflow unchanged (issue 2): byte for byte, by its hash."""
    shipped = ROOT / "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == SEED_SHA256


def test_shipped_fixtures_hold_no_secret_or_authorization() -> None:
    for path in (ROOT / "fixtures").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert "Authorization" not in text, path
            assert "sk_test_" not in text and "sk_live_" not in text, path


def test_shipped_cassettes_replay(pytester: pytest.Pytester) -> None:
    """``pytest specs/`` of this repository passes offline (the README's first command)."""
    for name in ("specs", "fixtures"):
        shutil.copytree(ROOT / name, pytester.path / name)
    # this repository's settings: the Stripe-Version pin must match the cassettes' one
    shutil.copy(ROOT / "pyproject.toml", pytester.path / "pyproject.toml")
    result = pytester.runpytest("specs/", "-p", "no:cacheprovider")
    # 9 Stripe workflows, the seed with two input sets: 10 items, each with its cassette
    result.assert_outcomes(passed=10)
