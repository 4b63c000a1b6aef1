"""No silent drops (issue 14 item 5): what the plugin would otherwise ignore is an error that
names what was wrong and suggests the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

INPUTS = Path("fixtures/inputs/stripe-create-and-finalize-invoice.yaml")


def run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest("specs/", "-p", "no:cacheprovider", *args)


# -- --arazzo-input ----------------------------------------------------------------------------


def test_cli_input_no_workflow_declares_is_a_usage_error(seed_project: pytest.Pytester) -> None:
    result = run(seed_project, "--arazzo-input", "ammount=1500")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: pytest-arazzo: --arazzo-input ammount=...: no collected workflow declares an "
        "input 'ammount' (did you mean 'amount'?)",
        "fix the NAME*",
    ])  # fmt: skip


def test_cli_input_a_workflow_declares_runs(seed_project: pytest.Pytester) -> None:
    result = run(seed_project, "--arazzo-input", "amount=2000", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK


# -- inputs files --------------------------------------------------------------------------------


def test_inputs_file_key_naming_no_workflow_fails_with_did_you_mean(
    seed_project: pytest.Pytester,
) -> None:
    inputs = seed_project.path / INPUTS
    inputs.write_text(inputs.read_text() + "create-and-finalise-invoice:\n  default: {amount: 1}\n")
    result = run(seed_project, "-k", "inputs")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*fixtures/inputs/stripe-create-and-finalize-invoice.yaml:7:1: the inputs file names "
        "workflow 'create-and-finalise-invoice', which its Arazzo file does not define: its "
        "inputs would never be used",
        "*hint: did you mean 'create-and-finalize-invoice'?; fix the workflowId or remove the "
        "entry",
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- customer: cus_1\n", "*the inputs file must be a mapping of workflowIds to input "
         "sets, got list*"),
        ("create-and-finalize-invoice: [1, 2]\n", "*the entry of workflow "
         "'create-and-finalize-invoice' must be a mapping of input set names to inputs, got "
         "list*"),
    ],
)  # fmt: skip
def test_inputs_file_not_a_mapping_of_mappings_fails(
    seed_project: pytest.Pytester, text: str, expected: str
) -> None:
    (seed_project.path / INPUTS).write_text(text)
    result = run(seed_project)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([expected, "*hint: write it as workflowId → input set name*"])


# -- --arazzo-server -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("invoiceApi=", "is empty"),
        ("", "is empty"),
        ("invoiceApi=127.0.0.1:12111", "has no http:// or https:// scheme and host"),
        ("localhost:8080", "has no http:// or https:// scheme and host"),
    ],
)
def test_server_without_scheme_or_empty_is_a_usage_error(
    seed_project: pytest.Pytester, value: str, why: str
) -> None:
    result = run(seed_project, "--live", "--arazzo-server", value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        f"ERROR: pytest-arazzo: --arazzo-server '{value}': the server URL {why}; expected "
        "*http(s)://host*no request was sent",
    ])  # fmt: skip


def test_ini_server_without_scheme_is_a_usage_error_naming_the_ini(
    seed_project: pytest.Pytester,
) -> None:
    """The same check holds for ini ``arazzo_servers`` lines (they were taken unchecked)."""
    result = run(seed_project, "--live", "-o", "arazzo_servers=invoiceApi=127.0.0.1:12111")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: pytest-arazzo: ini arazzo_servers 'invoiceApi=127.0.0.1:12111': the server URL "
        "has no http:// or https:// scheme and host*",
    ])  # fmt: skip
