"""What a fuzz failure reports (issue 14 item 9): the seed and settings, which inputs matter,
one finding once per session, and Hypothesis's statistics per item.

Replay fuzzing of the seed with its shipped cassette: the seed's unbounded ``amount`` breaks the
OpenAPI's maximum offline already (see ``test_fuzzing.py``).
"""

from __future__ import annotations

import re
import shutil

import hypothesis.core
import pytest

from tests.conftest import PROFILES, ROOT, SEED_NODE
from tests.stripe_server import StripeServer

TIGHTENED = ROOT / "docs" / "fuzzing" / "stripe-create-and-finalize-invoice.arazzo.yml"
SEED_PATH = "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
INPUTS = "fixtures/inputs/stripe-create-and-finalize-invoice.yaml"
pytestmark = pytest.mark.usefixtures("hypothesis_globals")
OPTIONS = ("--arazzo-fuzz", "--hypothesis-profile=arazzo-test", "-p", "no:cacheprovider")


def _tighten(project: pytest.Pytester) -> None:
    text = TIGHTENED.read_text().replace("url: ../../specs/openapi/", "url: ../openapi/")
    (project.path / SEED_PATH).write_text(text)


def test_report_shows_the_seed_and_the_settings_in_force(fuzz_project: pytest.Pytester) -> None:
    result = fuzz_project.runpytest(
        "specs/", *OPTIONS, "--arazzo-input", "currency=usd", "--hypothesis-seed=1"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*falsifying example (shrunk):",
            "*amount = 100000000",
            "*seed: 1 (reproduce with --hypothesis-seed=1)",
            "*hypothesis settings (profile 'arazzo-test'): max_examples=100, deadline=none, "
            "derandomize=False, database=none, phases=?explicit, reuse, generate, target, shrink*",
        ]
    )


def test_report_shows_the_generated_seed_and_it_reproduces(
    fuzz_project: pytest.Pytester,
) -> None:
    """Without --hypothesis-seed the report names the seed Hypothesis drew; giving it back
    runs the same examples."""
    first = fuzz_project.runpytest("specs/", *OPTIONS, "--arazzo-input", "currency=usd")
    first.assert_outcomes(failed=1)
    found = re.search(r"seed: (\d+) \(reproduce with --hypothesis-seed=(\d+)\)", first.stdout.str())
    assert found is not None and found[1] == found[2]
    hypothesis.core.global_force_seed = None
    again = fuzz_project.runpytest(
        "specs/", *OPTIONS, "--arazzo-input", "currency=usd", f"--hypothesis-seed={found[1]}"
    )
    again.assert_outcomes(failed=1)
    again.stdout.fnmatch_lines([f"*seed: {found[1]} (reproduce*"])


def test_report_says_when_derandomized(fuzz_project: pytest.Pytester) -> None:
    result = fuzz_project.runpytest(
        "specs/",
        "--arazzo-fuzz",
        "--hypothesis-profile=derandomized",
        "--arazzo-input",
        "currency=usd",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*seed: none, derandomize=True (the same inputs every run; --hypothesis-seed has no "
            "effect)",
            "*hypothesis settings (profile 'derandomized'): *derandomize=True*",
        ]
    )


def test_inputs_whose_simplest_value_fails_the_same_do_not_matter(
    fuzz_project: pytest.Pytester,
) -> None:
    """The input set is the first draw and fails as it is (explicit examples are not shrunk):
    only amount breaks the contract; customer and currency fail the same at ''."""
    (fuzz_project.path / INPUTS).write_text(
        "create-and-finalize-invoice:\n"
        "  default:\n"
        "    customer: cus_PYTESTARAZZO01\n"
        "    amount: 123456789\n"
        "    currency: eur\n"
    )
    result = fuzz_project.runpytest("specs/", *OPTIONS, "--hypothesis-seed=1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*falsifying example (shrunk):",
            "*amount = 123456789",
            "*currency = 'eur' (does not matter)",
            "*customer = 'cus_PYTESTARAZZO01' (does not matter)",
            "*(does not matter: the same failure with its schema's simplest value)",
        ]
    )
    assert "amount = 123456789 (does not matter)" not in result.stdout.str()


def test_pinned_inputs_are_not_checked(fuzz_project: pytest.Pytester) -> None:
    result = fuzz_project.runpytest(
        "specs/", *OPTIONS, "--arazzo-input", "currency=usd", "--hypothesis-seed=1"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*currency = 'usd' (pinned)"])
    assert "(does not matter" not in result.stdout.str()  # amount matters, currency is pinned


def test_live_fuzz_does_not_check_which_inputs_matter(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]\n'
        'arazzo_rate_limit = "0"\n'
    )
    seed_project.makeconftest(PROFILES)  # not derandomized, even where CI is set
    result = seed_project.runpytest(
        "specs/",
        "--live",
        "--arazzo-fuzz",
        "--hypothesis-profile=arazzo-test",
        "--arazzo-server",
        f"invoiceApi={stripe_server.url}",
        "--arazzo-input",
        "customer=cus_PYTESTARAZZO01",
        "--arazzo-input",
        "currency=usd",
        "--hypothesis-seed=3",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*amount = 100000000",
            "*(live: not checked which inputs matter, to send no extra requests)",
            "*seed: 3 (reproduce with --hypothesis-seed=3)",
            "*hypothesis settings (profile *): max_examples=25, deadline=none, *phases=?*shrink?",
        ]
    )


def test_one_finding_is_reported_once_per_session(fuzz_project: pytest.Pytester) -> None:
    """Both input sets find the same contract violation: the second item refers to the first."""
    shutil.copy(ROOT / INPUTS, fuzz_project.path / INPUTS)
    result = fuzz_project.runpytest(
        "specs/", *OPTIONS, "--arazzo-input", "currency=usd", "--hypothesis-seed=1"
    )
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert output.count("falsifying example (shrunk):") == 1
    result.stdout.fnmatch_lines(
        [
            f"*same finding as {SEED_NODE}: step 'addInvoiceItem' got 200: contract violations: "
            "request body at $.amount: * is greater than the maximum of 99999999",
            "*falsifying example: amount=*, currency='usd'*",
            f"*what to do: see the full report of {SEED_NODE} (one finding is reported once per "
            "session)",
        ]
    )


def test_show_statistics_lists_fuzzed_items(fuzz_project: pytest.Pytester) -> None:
    _tighten(fuzz_project)
    result = fuzz_project.runpytest("specs/", *OPTIONS, "--hypothesis-show-statistics")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*Hypothesis Statistics*",
            f"{SEED_NODE}:",
            "*- during generate phase*",
            "*- Stopped because settings.max_examples=100*",
        ]
    )


def test_show_statistics_for_a_failing_item(fuzz_project: pytest.Pytester) -> None:
    result = fuzz_project.runpytest(
        "specs/",
        *OPTIONS,
        "--arazzo-input",
        "currency=usd",
        "--hypothesis-seed=1",
        "--hypothesis-show-statistics",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Hypothesis Statistics*", f"{SEED_NODE}:", "*shrink phase*"])
