"""Running someone else's Stripe workflows (issue 10 item 6): a misnamed inputs file or
credential mapping says what was looked for and what is close, instead of being ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_arazzo.execute.inputs import missing_input_file
from pytest_arazzo.http.auth import Credentials
from tests.stripe_server import StripeServer

INPUTS = Path("fixtures/inputs/stripe-create-and-finalize-invoice.yaml")
ARAZZO = Path("specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml")
TRIED = (
    "fixtures/inputs/stripe-create-and-finalize-invoice.yaml, "
    "fixtures/inputs/stripe-create-and-finalize-invoice.yml, "
    "fixtures/inputs/stripe-create-and-finalize-invoice.json"
)


def live(project: pytest.Pytester, server: StripeServer, *args: str) -> pytest.RunResult:
    return project.runpytest(
        "specs/", "--live", "--arazzo-server", server.url, "-p", "no:cacheprovider", *args
    )


def has_lines(result: pytest.RunResult, texts: list[str]) -> None:
    """Each text is part of a line of the output, in order (no fnmatch: messages hold ``[``)."""
    output = result.stdout.lines
    at = 0
    for text in texts:
        found = [n for n, line in enumerate(output) if n >= at and text in line]
        assert found, f"{text!r} not in the output:\n" + "\n".join(output)
        at = found[0] + 1


def rename_inputs(project: pytest.Pytester, name: str) -> None:
    (project.path / INPUTS).rename(project.path / INPUTS.parent / name)


# -- a misnamed inputs file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Stripe-Create-And-Finalize-Invoice.yaml", "differs only in letter case or extension"),
        ("stripe-create-and-finalize-invoice.arazzo.yaml", "differs only in letter case or "
         "extension"),
        ("stripe-create-and-finalize-invoice.yml.txt", "differs only in letter case or extension"),
        ("stripe-create-and-finalise-invoice.yaml", "a close spelling"),
    ],
)  # fmt: skip
def test_misnamed_inputs_file__live_item_with_required_inputs_fails_naming_tried_and_near(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str, name: str, why: str
) -> None:
    rename_inputs(seed_project, name)
    result = live(seed_project, stripe_server)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"*no inputs file: looked for {TRIED}; not used: fixtures/inputs/{name} ({why}); "
        "workflow 'create-and-finalize-invoice' requires the input(s) customer, amount, currency",
        "*what to do: rename it to fixtures/inputs/stripe-create-and-finalize-invoice.yaml (the "
        "Arazzo "
        "file's name without .arazzo.yaml/.arazzo.yml/.arazzo.json, ending in "
        ".yaml/.yml/.json), or set arazzo_inputs_dir to the folder the inputs file is in; no "
        "request was sent",
    ])  # fmt: skip
    assert stripe_server.requests == []


def test_misnamed_inputs_file__optional_inputs_warn_and_the_item_runs(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    arazzo = seed_project.path / ARAZZO
    text = arazzo.read_text()
    required = "    required:\n    - customer\n    - amount\n    - currency\n"
    assert required in text
    arazzo.write_text(text.replace(required, ""))
    rename_inputs(seed_project, "Stripe-Create-And-Finalize-Invoice.yaml")
    given = ["customer=cus_PYTESTARAZZO01", "amount=2000", "currency=usd"]
    result = live(seed_project, stripe_server, *[f"--arazzo-input={value}" for value in given])
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*ArazzoWarning: specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml:*: no inputs "
        f"file: looked for {TRIED}; not used: fixtures/inputs/"
        "Stripe-Create-And-Finalize-Invoice.yaml (differs only in letter case or extension)",
        "*hint: rename it to fixtures/inputs/stripe-create-and-finalize-invoice.yaml*",
    ])  # fmt: skip


def test_misnamed_inputs_file__required_inputs_given_on_the_command_line_warn(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    rename_inputs(seed_project, "stripe-create-and-finalize-invoice.yml.txt")
    given = ["customer=cus_PYTESTARAZZO01", "amount=2000", "currency=usd"]
    result = live(seed_project, stripe_server, *[f"--arazzo-input={value}" for value in given])
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*ArazzoWarning:*not used: fixtures/inputs/*.yml.txt*"])


def test_misnamed_inputs_file__replay_with_required_inputs_warns(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    """Replay takes the inputs from the cassette: the near file is a warning next to the
    item's own verdict (here: the inputs file changed since recording)."""
    args = ("--record", "--arazzo-server", stripe_server.url, "-p", "no:cacheprovider")
    seed_project.runpytest("specs/", *args).assert_outcomes(passed=1)
    rename_inputs(seed_project, "Stripe-Create-And-Finalize-Invoice.yaml")
    result = seed_project.runpytest("specs/", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*the inputs file changed since recording*",
        "*ArazzoWarning:*not used: fixtures/inputs/Stripe-Create-And-Finalize-Invoice.yaml*",
    ])  # fmt: skip


def test_missing_input_file__never_suggests_the_arazzo_file_or_its_neighbours_inputs(
    tmp_path: Path,
) -> None:
    """With the inputs dir next to the Arazzo files, the Arazzo file itself and the inputs file
    of another Arazzo file with a close name are not "near"; a correct name is not missing."""
    arazzo = tmp_path / "stripe-invoice.arazzo.yml"
    arazzo.write_text("arazzo: 1.0.1\n")
    (tmp_path / "stripe-invoices.arazzo.yml").write_text("arazzo: 1.0.1\n")
    (tmp_path / "stripe-invoices.yaml").write_text("{}\n")
    assert missing_input_file(tmp_path, arazzo) is None
    (tmp_path / "stripe-invoise.yaml").write_text("{}\n")
    found = missing_input_file(tmp_path, arazzo)
    assert found is not None
    assert (found.same, found.close) == ([], [tmp_path / "stripe-invoise.yaml"])
    (tmp_path / "stripe-invoice.yaml").write_text("{}\n")
    assert missing_input_file(tmp_path, arazzo) is None
    assert missing_input_file(tmp_path / "absent", arazzo) is None


def test_misnamed_inputs_file__nothing_near_says_nothing_new(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    (seed_project.path / INPUTS).unlink()
    result = live(seed_project, stripe_server)
    result.assert_outcomes(failed=1)
    assert "no inputs file" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*customer*required*"])


# -- a credential mapping naming no source -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("invoiceAPI", " (did you mean 'invoiceApi'? (differs only in letter case))"),
        ("invoiceapi2", " (did you mean 'invoiceApi'?)"),
        ("wrongName", ""),
    ],
)
def test_credentials_naming_no_source__live_items_fail_before_sending(
    seed_project: pytest.Pytester,
    stripe_server: StripeServer,
    test_key: str,
    name: str,
    suggestion: str,
) -> None:
    seed_project.makepyprojecttoml(
        f'[tool.pytest.ini_options]\narazzo_credentials = ["{name}=STRIPE_API_KEY"]\n'
    )
    result = live(seed_project, stripe_server)
    result.assert_outcomes(failed=1)
    has_lines(result, [
        "arazzo_credentials names no source description of the collected workflows: "
        f"'{name}'{suggestion}; the source(s) invoiceApi have no credential (sources: "
        "invoiceApi)",
        'what to do: fix the NAME (a sourceDescriptions name), e.g. arazzo_credentials = '
        '["invoiceApi=STRIPE_API_KEY"], or use "*=VARIABLE" for every source; no request was '
        "sent",
    ])  # fmt: skip
    assert stripe_server.requests == []


def test_credentials_naming_no_source__record_fails_too(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_credentials = ["stripe=STRIPE_API_KEY"]\n'
    )
    args = ("--record", "--arazzo-server", stripe_server.url, "-p", "no:cacheprovider")
    result = seed_project.runpytest("specs/", *args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*arazzo_credentials names no source description*'stripe'*"])
    assert stripe_server.requests == []


@pytest.mark.parametrize(
    "credentials",
    [
        '["invoiceApi=STRIPE_API_KEY", "otherFilesApi=OTHER_KEY"]',  # for files not collected
        '["*=STRIPE_API_KEY", "wrongName=STRIPE_API_KEY"]',  # the wildcard covers every source
        '["*=STRIPE_API_KEY"]',
    ],
)
def test_credentials_covering_every_source_run(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str, credentials: str
) -> None:
    seed_project.makepyprojecttoml(
        f"[tool.pytest.ini_options]\narazzo_credentials = {credentials}\n"
    )
    live(seed_project, stripe_server).assert_outcomes(passed=1)
    assert all("Bearer" in r["headers"]["Authorization"] for r in stripe_server.requests)


def test_credentials_naming_no_source__replay_is_not_concerned(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    args = ("--record", "--arazzo-server", stripe_server.url, "-p", "no:cacheprovider")
    seed_project.runpytest("specs/", *args).assert_outcomes(passed=1)
    seed_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_credentials = ["wrongName=STRIPE_API_KEY"]\n'
    )
    seed_project.runpytest("specs/", "-p", "no:cacheprovider").assert_outcomes(passed=1)


# -- a source without any credential -------------------------------------------------------------


def test_source_without_credential__401_names_the_ini_line_to_add(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.makepyprojecttoml("[tool.pytest.ini_options]\n")
    result = live(seed_project, stripe_server)
    result.assert_outcomes(failed=1)
    has_lines(result, [
        "what to do: no credential is configured for source 'invoiceApi', so its requests were "
        "sent without one: add to the ini (pyproject.toml [tool.pytest.ini_options]) "
        'arazzo_credentials = ["invoiceApi=STRIPE_API_KEY"] (or arazzo_credentials = '
        '["*=STRIPE_API_KEY"] for every source) and set the environment variable',
    ])  # fmt: skip
    assert "Authorization" not in stripe_server.requests[0]["headers"]


def test_missing_hint__keeps_the_other_mappings_and_their_variable() -> None:
    credentials = Credentials({"billing": "MY_KEY"}, {})
    hint = credentials.missing_hint("invoiceApi")
    assert 'arazzo_credentials = ["billing=MY_KEY", "invoiceApi=MY_KEY"]' in hint
    assert 'arazzo_credentials = ["*=MY_KEY"]' in hint
    assert credentials.missing_hint("billing") == ""
    assert Credentials({"*": "MY_KEY"}, {}).missing_hint("invoiceApi") == ""
