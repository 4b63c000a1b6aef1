"""The plugin's warnings (ArazzoWarning from static checks, ContractWarning with ``arazzo_contract
= warning``) point at the Arazzo file and line; with ``filterwarnings = error`` they fail the item
with the plugin's own message, never a pytest or pluggy traceback."""

from __future__ import annotations

import pytest

from tests.test_checks import UNKNOWN_PARAM, assert_clean, project
from tests.test_contract import _replay_project

ERROR_INI = 'filterwarnings = ["error"]\n'


@pytest.mark.parametrize("as_error", [False, True])
def test_static_check_warning(pytester: pytest.Pytester, as_error: bool) -> None:
    project(pytester, ERROR_INI if as_error else "", lang=UNKNOWN_PARAM)
    result = pytester.runpytest("specs", "-p", "no:cacheprovider")
    assert_clean(result)
    if not as_error:
        result.stdout.fnmatch_lines(["*no cassette for this item*"])
        result.stdout.fnmatch_lines(
            ["*specs/arazzo/lang.arazzo.yaml:11: ArazzoWarning: *warning AZ221*"]
        )
        return
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*workflow * failed",
            "*ArazzoWarning (an error here: filterwarnings): specs/arazzo/lang.arazzo.yaml:11:18: "
            "warning AZ221: operation 'PostNotes' (POST /v1/notes) has no query parameter 'lang'",
        ]
    )
    assert "no cassette for this item" not in result.stdout.str()  # it failed before running


@pytest.mark.parametrize("as_error", [False, True])
def test_contract_warning(seed_project: pytest.Pytester, as_error: bool) -> None:
    _replay_project(seed_project, "finalised")
    seed_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_contract = "warning"\n' + (ERROR_INI if as_error else "")
    )
    result = seed_project.runpytest(
        "specs/",
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore::pytest_arazzo.engine.settings.ArazzoWarning",
    )
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output
    assert "pytest_arazzo/" not in output  # located at the Arazzo file, not the plugin
    if not as_error:
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(
            [
                "*specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml:69: ContractWarning: "
                "step 'finalizeInvoice': response 200 body at $.status*"
            ]
        )
        return
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*workflow 'create-and-finalize-invoice'*failed",
            "*ContractWarning (an error here: filterwarnings): step 'finalizeInvoice': response "
            "200 body at $.status*",
        ]
    )


def test_arazzo_check_warning_as_error(pytester: pytest.Pytester) -> None:
    """``--arazzo-check`` under ``filterwarnings = error``: the check item fails listing every
    problem, with no traceback."""
    project(pytester, ERROR_INI, lang=UNKNOWN_PARAM)
    result = pytester.runpytest("--arazzo-check", "specs", "-p", "no:cacheprovider")
    assert_clean(result)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*ArazzoWarning (an error here: filterwarnings): *warning AZ221*",
            "specs/arazzo/lang.arazzo.yaml:11:18: warning AZ221: *",
            "1 warning",
        ]
    )
