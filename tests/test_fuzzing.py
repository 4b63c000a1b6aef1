"""Fuzzing workflow inputs with Hypothesis (issue 6): replay and live, reproduction, settings.

The seed's input schema admits any integer ``amount`` and any string ``currency``; the loopback
Stripe server enforces Stripe's rules, so live fuzzing must find a minimal input it rejects.
``docs/fuzzing/`` holds the seed with a tightened input schema, which fuzzes clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hypothesis.core
import pytest
from hypothesis.database import InMemoryExampleDatabase

from pytest_arazzo.engine.settings import parse_cli_inputs
from pytest_arazzo.fuzz.run import ItemDatabase, explicit_examples, input_flags
from pytest_arazzo.http.messages import OutgoingRequest
from pytest_arazzo.plugin.config import fuzz_config
from pytest_arazzo.report.curl import curl_command
from tests.conftest import ROOT, SEED_NODE, TEST_KEY
from tests.stripe_server import StripeServer

TIGHTENED = ROOT / "docs" / "fuzzing" / "stripe-create-and-finalize-invoice.arazzo.yml"
CASSETTES = Path("fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice")
SEED_PATH = "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
FAST_LIVE = (
    '[tool.pytest.ini_options]\narazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]\n'
    'arazzo_rate_limit = "0"\n'
)


pytestmark = pytest.mark.usefixtures("hypothesis_globals")


def _tighten(project: pytest.Pytester) -> None:
    """Put the tightened copy in place of the seed (same name, so the same cassettes)."""
    text = TIGHTENED.read_text().replace("url: ../../specs/openapi/", "url: ../openapi/")
    (project.path / SEED_PATH).write_text(text)


def _fuzz_properties(result: Any) -> list[dict[str, Any]]:
    reports = result.getreports("pytest_runtest_logreport")
    return [
        value
        for report in reports
        if report.when == "call"
        for key, value in report.user_properties
        if key == "arazzo_fuzz"
    ]


# -- replay ------------------------------------------------------------------------------------


def test_replay_fuzz__tightened_schema_passes_offline(fuzz_project: pytest.Pytester) -> None:
    _tighten(fuzz_project)
    result = fuzz_project.inline_run(
        "specs/", "--arazzo-fuzz", "--hypothesis-profile=arazzo-test", "-p", "no:cacheprovider"
    )
    result.assertoutcome(passed=1)
    (stats,) = _fuzz_properties(result)
    assert stats["mode"] == "replay" and not stats["failed"]
    assert stats["runs"] >= 100  # the profile's max_examples, plus the explicit first draws


def test_replay_fuzz__seed_schema_breaks_the_request_contract(
    fuzz_project: pytest.Pytester,
) -> None:
    """Offline already: the seed's unbounded amount exceeds the OpenAPI's maximum."""
    result = fuzz_project.runpytest(
        "specs/",
        "--arazzo-fuzz",
        "--arazzo-input",
        "currency=usd",
        "--hypothesis-seed=1",
        "--hypothesis-profile=arazzo-test",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*the workflow fails for inputs its input schema allows (replay)",
            "*falsifying example (shrunk):",
            "*amount = 100000000",
            "*currency = 'usd' (pinned)",
            "*--arazzo-input amount=100000000*",
            f"*pytest {SEED_NODE} --arazzo-fuzz --arazzo-input amount=100000000*",
            "*request body at $.amount: 100000000 is greater than the maximum of 99999999",
        ]
    )


def test_seed_and_profile_options_are_honoured(fuzz_project: pytest.Pytester) -> None:
    """Same --hypothesis-seed, same generated inputs; --hypothesis-profile sets max_examples."""
    _tighten(fuzz_project)
    digests = []
    for seed in ("7", "7", "8"):
        hypothesis.core.global_force_seed = None
        result = fuzz_project.inline_run(
            "specs/",
            "--arazzo-fuzz",
            f"--hypothesis-seed={seed}",
            "--hypothesis-profile=tiny",
            "-p",
            "no:cacheprovider",
        )
        result.assertoutcome(passed=1)
        (stats,) = _fuzz_properties(result)
        assert stats["runs"] == 7 + 1  # tiny's max_examples, plus the input set as first draw
        digests.append(stats["inputs_digest"])
    assert digests[0] == digests[1] != digests[2]


def test_marker_added_by_a_conftest_fuzzes_the_item(fuzz_project: pytest.Pytester) -> None:
    _tighten(fuzz_project)
    conftest = fuzz_project.path / "conftest.py"
    conftest.write_text(
        conftest.read_text() + "\nimport pytest\n"
        "def pytest_collection_modifyitems(items):\n"
        "    for item in items:\n"
        "        item.add_marker(pytest.mark.arazzo_fuzz(max_examples=5))\n"
    )
    result = fuzz_project.inline_run(
        "specs/",
        "-m",
        "arazzo_fuzz",
        "--hypothesis-profile=arazzo-test",
        "-p",
        "no:cacheprovider",
    )
    result.assertoutcome(passed=1)
    (stats,) = _fuzz_properties(result)
    assert stats["runs"] == 5 + 1


# -- live --------------------------------------------------------------------------------------


def test_live_fuzz__finds_the_minimal_input_the_api_rejects(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.makepyprojecttoml(FAST_LIVE)
    result = seed_project.runpytest(
        "specs/",
        "--live",
        "--arazzo-fuzz",
        "--arazzo-server",
        f"invoiceApi={stripe_server.url}",
        "--arazzo-input",
        "customer=cus_PYTESTARAZZO01",
        "--hypothesis-seed=3",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*the input schema admits values the API rejects: step 'addInvoiceItem' got 400 Bad "
            "Request for inputs the workflow's input schema allows",
            "*falsifying example (shrunk):",
            "*amount = 0",
            "*currency = ''",
            "*customer = 'cus_PYTESTARAZZO01' (pinned)",
            "*API error: invalid_request_error/parameter_invalid_empty: You passed an empty string "
            "for 'currency'*",
            "*--arazzo-input amount=0 --arazzo-input currency= --arazzo-input "
            "customer=cus_PYTESTARAZZO01",
            f"*pytest {SEED_NODE} --live --arazzo-server invoiceApi={stripe_server.url} "
            "--arazzo-input amount=0 --arazzo-input currency= --arazzo-input customer=*",
            f"*curl -X POST {stripe_server.url}/v1/invoiceitems "
            '-H "Authorization: Bearer $STRIPE_API_KEY" '
            "-H 'Content-Type: application/x-www-form-urlencoded' "
            "--data-raw 'customer=cus_PYTESTARAZZO01&invoice=in_*&amount=0&currency='",
            "*what to do: tighten the workflow's input schema*",
        ]
    )
    assert test_key not in output
    assert len(stripe_server.requests) < 400  # bounded: few examples, a shrinking budget


def test_live_fuzz__amount_boundary_when_currency_is_pinned(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.makepyprojecttoml(FAST_LIVE)
    result = seed_project.runpytest(
        "specs/",
        "--live",
        "--arazzo-fuzz",
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
            "*the input schema admits values the API rejects*",
            "*amount = 100000000",
            "*API error: invalid_request_error/amount_too_large: This value must be less than or "
            "equal to 99999999 (it currently is '100000000').",
            "*--arazzo-input amount=100000000 --arazzo-input currency=usd*",
            "*curl -X POST *amount=100000000&currency=usd'",
            "*request body at $.amount: 100000000 is greater than the maximum of 99999999",
        ]
    )


def test_live_fuzz__tightened_schema_passes(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.makepyprojecttoml(FAST_LIVE)
    _tighten(seed_project)
    result = seed_project.inline_run(
        "specs/",
        "--live",
        "--arazzo-fuzz",
        "--arazzo-server",
        f"invoiceApi={stripe_server.url}",
        "--arazzo-input",
        "customer=cus_PYTESTARAZZO01",
        # the invoice takes the customer's currency (usd): an item in another one is rejected
        "--arazzo-input",
        "currency=usd",
        "--hypothesis-seed=3",
        "-p",
        "no:cacheprovider",
    )
    result.assertoutcome(passed=1)
    (stats,) = _fuzz_properties(result)
    assert stats["mode"] == "live" and stats["runs"] <= 25 + 3  # bounded by default


# -- pieces ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["usd", "", "2000", "true", "null", "a b'c", 2000, -1, 1.5, True, None, [1], {"a": 1}]
)
def test_input_flags_read_back_as_the_same_value(value: Any) -> None:
    (flag,) = input_flags({"name": value})
    words = __import__("shlex").split(flag)
    assert words[0] == "--arazzo-input"
    assert parse_cli_inputs([words[1]]) == {"name": value}


def test_curl_command__credential_as_variable_and_secrets_masked() -> None:
    request = OutgoingRequest(
        "POST",
        "http://127.0.0.1:1",
        "/v1/invoiceitems",
        {"Content-Type": "application/x-www-form-urlencoded"},
        f"customer=cus_1&note={TEST_KEY}".encode(),
    )
    line = curl_command(request, ["-H", '"Authorization: Bearer $STRIPE_API_KEY"'], [TEST_KEY])
    assert line == (
        "curl -X POST http://127.0.0.1:1/v1/invoiceitems "
        '-H "Authorization: Bearer $STRIPE_API_KEY" '
        "-H 'Content-Type: application/x-www-form-urlencoded' "
        "--data-raw 'customer=cus_1&note=<masked>'"
    )


def test_item_database__each_node_id_has_its_own_keys() -> None:
    shared = InMemoryExampleDatabase()
    first, second = ItemDatabase(shared, "a.arazzo.yml::one"), ItemDatabase(shared, "a::two")
    first.save(b"key", b"failing")
    assert list(first.fetch(b"key")) == [b"failing"]
    assert list(second.fetch(b"key")) == []
    first.move(b"key", b"key.secondary", b"failing")
    assert list(first.fetch(b"key.secondary")) == [b"failing"]


def test_explicit_examples__input_set_then_schema_examples_without_pins() -> None:
    schema = {
        "type": "object",
        "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "integer", "examples": [1, 2]},
            "currency": {"type": "string", "default": "usd"},
            "customer": {"type": "string"},
        },
    }
    found = explicit_examples(schema, {"amount": 7, "currency": "eur"}, {"customer": "cus_1"})
    assert found == [
        {"amount": 7, "currency": "eur"},
        {"amount": 1, "currency": "usd"},
        {"amount": 2, "currency": "usd"},
    ]


def test_fuzz_config__ini_values_are_checked() -> None:
    class Config:
        option = type("Option", (), {"arazzo_fuzz": None})()

        def __init__(self, values: dict[str, Any]) -> None:
            self.values = values

        def getini(self, name: str) -> Any:
            return self.values.get(name, "")

    config = fuzz_config(
        Config(
            {
                "arazzo_fuzz": True,
                "arazzo_fuzz_max_examples": "12",
                "arazzo_fuzz_deadline": "none",
                "arazzo_fuzz_pin": ["customer"],
            }
        )
    )
    assert (config.enabled, config.max_examples, config.deadline, config.pins) == (
        True,
        12,
        None,
        ("customer",),
    )
    request = config.request({"max_examples": 3})
    assert request is not None and request.max_examples == 3 and request.pins == ("customer",)
    with pytest.raises(ValueError, match="arazzo_fuzz_max_examples"):
        fuzz_config(Config({"arazzo_fuzz_max_examples": "0"}))
    with pytest.raises(ValueError, match="unknown argument"):
        config.request({"examples": 3})
    assert json.dumps(request.stats.as_dict())


def test_fuzz_option_is_a_usage_error_when_ini_is_malformed(seed_project: pytest.Pytester) -> None:
    seed_project.makepyprojecttoml('[tool.pytest.ini_options]\narazzo_fuzz_deadline = "soon"\n')
    result = seed_project.runpytest("specs/")
    result.stderr.fnmatch_lines(["*pytest-arazzo: arazzo_fuzz_deadline must be milliseconds*"])
    assert Path(seed_project.path).exists()


# -- the quick yes for generated inputs -------------------------------------------------------


INPUTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["customer", "amount"],
    "properties": {
        "customer": {"type": "string", "pattern": "^cus_[A-Za-z0-9]+$", "maxLength": 12},
        "amount": {"type": "integer", "minimum": -5, "maximum": 5},
        "currency": {"type": "string", "enum": ["usd", "eur"]},
    },
}


@pytest.mark.parametrize(
    ("inputs", "certain"),
    [
        ({"customer": "cus_1", "amount": 5, "currency": "eur"}, True),
        ({"customer": "cus_1", "amount": 6}, False),  # above maximum
        ({"customer": "cus_", "amount": 0}, False),  # pattern
        ({"customer": "cus_123456789", "amount": 0}, False),  # maxLength
        ({"customer": "cus_1", "amount": 0, "currency": "gbp"}, False),  # enum
        ({"amount": 0}, False),  # required
        ({"customer": "cus_1", "amount": 1.5}, False),  # type
    ],
)
def test_validate_inputs__the_quick_yes_only_for_inputs_the_schema_accepts(
    inputs: dict[str, Any], certain: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§ Workflow Object ``inputs``: every run answers "valid" quickly only where jsonschema would
    find nothing; anything else is still validated in full and reported as before."""
    import pytest_arazzo.execute.inputs as module
    from pytest_arazzo.execute.failures import InputsFailure

    monkeypatch.setattr(module, "_VALIDATORS", {})
    validator, quick = module._validator(INPUTS_SCHEMA)
    assert quick is not None
    assert quick(inputs) is certain
    if certain:
        assert not list(validator.iter_errors(inputs))  # jsonschema agrees
        module.validate_inputs(INPUTS_SCHEMA, inputs)
        return
    with pytest.raises(InputsFailure) as with_quick:
        module.validate_inputs(INPUTS_SCHEMA, inputs)
    monkeypatch.setattr(module, "_VALIDATORS", {})
    monkeypatch.setattr(module, "_quick", lambda validator: None)  # jsonschema alone
    with pytest.raises(InputsFailure) as full:
        module.validate_inputs(INPUTS_SCHEMA, inputs)
    assert str(with_quick.value) == str(full.value)


def test_replay_fuzz__reads_the_cassette_through_the_parse_cache(tmp_path: Path) -> None:
    """§ Workflow Object (replay fuzzing): each fuzzed item reads its cassette as replay does,
    through the session's parse cache (keyed by the cassette's bytes), not by parsing the YAML
    again; a changed cassette is parsed afresh."""
    import shutil

    from hypothesis import settings as hypothesis_settings

    from pytest_arazzo.document.loader import load_document
    from pytest_arazzo.engine.session import ItemSpec, SessionState
    from pytest_arazzo.engine.settings import RunSettings
    from pytest_arazzo.fuzz.config import FuzzRequest
    from pytest_arazzo.fuzz.run import run_fuzz

    cassettes = tmp_path / "cassettes"
    folder = cassettes / "docs/fuzzing/stripe-create-and-finalize-invoice"
    folder.mkdir(parents=True)
    cassette = folder / "create-and-finalize-invoice.yaml"
    shutil.copy(ROOT / CASSETTES / cassette.name, cassette)
    state = SessionState(
        RunSettings(
            rootdir=ROOT,
            cassette_dir=cassettes,
            inputs_dir=ROOT / "fixtures/inputs",
            credentials={"invoiceApi": "STRIPE_API_KEY"},
            cassette_cache_dir=tmp_path / "parsed",
        )
    )
    assert state.parse_cache is not None
    spec = ItemSpec(
        TIGHTENED, load_document(TIGHTENED), "create-and-finalize-invoice", 0, "default", {}
    )
    plan = state.arazzo_file(spec.document).plan("create-and-finalize-invoice")

    hypothesis_settings.register_profile("fuzz-cache", database=None, derandomize=True)
    hypothesis_settings.load_profile("fuzz-cache")  # restored by hypothesis_globals

    def fuzz() -> int:
        request = FuzzRequest(max_examples=3, deadline=None)
        run_fuzz(state, spec, plan, "fuzz-cache", request)
        return request.stats.sent

    assert fuzz() > 0
    assert (state.parse_cache.stored, state.parse_cache.hits) == (1, 0)
    assert fuzz() > 0
    assert (state.parse_cache.stored, state.parse_cache.hits) == (1, 1)
    cassette.write_text(cassette.read_text() + "\n# changed\n")
    assert fuzz() > 0
    assert (state.parse_cache.stored, state.parse_cache.hits) == (2, 1)


def test_validate_inputs__every_schema_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """§ Workflow Object ``inputs``: each input schema object gets its validator and quick check
    once; a copy of it gets its own, and a schema jsonschema rejects gets no quick check (its
    problem is reported as before)."""
    import copy

    import pytest_arazzo.execute.inputs as module
    from pytest_arazzo.execute.failures import InputsFailure

    compiled: list[object] = []
    original = module.quick_check

    def counting(schema: Any, validator_class: Any, format_checker: Any = None) -> Any:
        compiled.append(schema)
        return original(schema, validator_class, format_checker)

    monkeypatch.setattr(module, "quick_check", counting)
    monkeypatch.setattr(module, "_VALIDATORS", {})
    valid, invalid = {"customer": "cus_1", "amount": 1}, {"customer": "cus_1", "amount": 6}
    module.validate_inputs(INPUTS_SCHEMA, valid)
    with pytest.raises(InputsFailure, match="6 is greater than the maximum of 5"):
        module.validate_inputs(INPUTS_SCHEMA, invalid)
    module.validate_inputs(INPUTS_SCHEMA, valid)
    assert compiled == [INPUTS_SCHEMA]  # compiled once
    module.validate_inputs(copy.deepcopy(INPUTS_SCHEMA), valid)
    assert len(compiled) == 2  # another object: its own check
    assert module._validator({"type": "strin"})[1] is None and len(compiled) == 2
