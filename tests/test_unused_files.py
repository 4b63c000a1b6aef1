"""Inputs files and cassettes no collected item uses are listed at the end of a run that
collected the whole tree (``arazzo: unused files``); ``arazzo_strict_files = true`` fails it."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT

SEED_CASSETTE = "specs/arazzo/stripe-create-and-finalize-invoice/create-and-finalize-invoice.yaml"


def unused_project(project: pytest.Pytester, ini: str = "") -> None:
    """The seed project with its cassette, a misspelt inputs file and a stray cassette."""
    cassettes = project.path / "fixtures" / "cassettes"
    (cassettes / SEED_CASSETTE).parent.mkdir(parents=True)
    shutil.copy(ROOT / "fixtures" / "cassettes" / SEED_CASSETTE, cassettes / SEED_CASSETTE)
    shutil.copy(
        cassettes / SEED_CASSETTE,
        (cassettes / SEED_CASSETTE).parent / "create-and-finalise-invoice.yaml",
    )
    inputs = project.path / "fixtures" / "inputs"
    (inputs / "stripe-create-and-finalise-invoice.yaml").write_text("{}\n")
    project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]\n' + ini
    )


def test_unused_files_are_listed(seed_project: pytest.Pytester) -> None:
    unused_project(seed_project)
    result = seed_project.runpytest("specs/", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK  # reported only
    result.stdout.fnmatch_lines(
        [
            "*arazzo: unused files*",
            "fixtures/inputs/stripe-create-and-finalise-invoice.yaml: inputs file of no "
            "collected Arazzo file (did you mean 'stripe-create-and-finalize-invoice'?)",
            "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice/"
            "create-and-finalise-invoice.yaml: cassette of no collected item (did you mean "
            f"'{SEED_CASSETTE}'?)",
            "(reported only; ini arazzo_strict_files = true makes them fail the run)",
        ]
    )
    assert "fixtures/inputs/stripe-create-and-finalize-invoice.yaml" not in result.stdout.str()
    assert f"fixtures/cassettes/{SEED_CASSETTE}:" not in result.stdout.str()


def test_strict_files_fail_the_run(seed_project: pytest.Pytester) -> None:
    unused_project(seed_project, "arazzo_strict_files = true\n")
    result = seed_project.runpytest("specs/", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*arazzo: unused files*", "*(these fail the run*"])


@pytest.mark.parametrize(
    "narrowing",
    [
        ["specs/", "-k", "invoice"],
        ["specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"],
        ["specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml::create-and-finalize-invoice"],
        ["specs/", "-m", "arazzo"],
    ],
)
def test_not_looked_for_in_a_narrowed_run(
    seed_project: pytest.Pytester, narrowing: list[str]
) -> None:
    unused_project(seed_project, "arazzo_strict_files = true\n")
    result = seed_project.runpytest(*narrowing, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    assert "unused files" not in result.stdout.str()
