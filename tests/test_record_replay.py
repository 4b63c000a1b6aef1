"""Record and replay: modes, strict matching with per-field diffs, offline replay, safe writes."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from pytest_arazzo.cassette.matching import RequestMatcher
from pytest_arazzo.engine.settings import resolve_mode
from pytest_arazzo.plugin.config import run_settings
from pytest_arazzo.transport.netguard import NetworkBlocked, NetworkGuard
from tests.conftest import ROOT, SEED_NODE, record_args
from tests.echo_api import EchoServer
from tests.stripe_server import DECLINE_CUSTOMER_ID, StripeServer

CASSETTES = Path("fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice")
DEFAULT = CASSETTES / "create-and-finalize-invoice.yaml"
EUR = CASSETTES / "create-and-finalize-invoice[eur].yaml"
LEAN = ("-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:recording")  # fast start
TWO_SETS = """
create-and-finalize-invoice:
  default: {customer: cus_PYTESTARAZZO01, amount: 2000, currency: usd}
  eur: {customer: cus_PYTESTARAZZOEU, amount: 1250, currency: eur}
"""


def replay(project: pytest.Pytester, *extra: str) -> pytest.RunResult:
    return project.runpytest("specs/", "-p", "no:cacheprovider", *extra)


@pytest.fixture
def recorded(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> pytest.Pytester:
    """The seed project with its cassette recorded; the server is stopped afterwards."""
    seed_project.runpytest("specs/", *record_args(stripe_server)).assert_outcomes(passed=1)
    stripe_server.reset()
    return seed_project


def edit_cassette(project: pytest.Pytester, change: Any, path: Path = DEFAULT) -> None:
    """Simulate drift: change the recorded data of a (temporary, never shipped) cassette."""
    file = project.path / path
    data = yaml.safe_load(file.read_text())
    change(data)
    file.write_text(yaml.safe_dump(data, sort_keys=False))


# -- modes -------------------------------------------------------------------------------------


def test_none__replays_offline_and_never_writes(
    recorded: pytest.Pytester, stripe_server: StripeServer
) -> None:
    before = (recorded.path / DEFAULT).read_bytes()
    result = replay(recorded, "--arazzo-record-mode=none")
    result.assert_outcomes(passed=1)
    assert "pytest-arazzo recorded" not in result.stdout.str()
    assert stripe_server.requests == []
    assert (recorded.path / DEFAULT).read_bytes() == before


def test_new__records_missing_and_stale_only_and_lists_them(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    (seed_project.path / "fixtures/inputs/stripe-create-and-finalize-invoice.yaml").write_text(
        TWO_SETS
    )
    first = seed_project.runpytest("specs/", *record_args(stripe_server))
    first.assert_outcomes(passed=2)
    first.stdout.fnmatch_lines(["*pytest-arazzo recorded*", f"wrote {DEFAULT}", f"wrote {EUR}"])

    # nothing changed: nothing recorded, no request sent
    stripe_server.reset()
    untouched = {path: (seed_project.path / path).read_bytes() for path in (DEFAULT, EUR)}
    again = seed_project.runpytest("specs/", *record_args(stripe_server))
    again.assert_outcomes(passed=2)
    assert "pytest-arazzo recorded" not in again.stdout.str() and stripe_server.requests == []

    # the eur workflow now sends another amount: only its cassette is re-recorded
    (seed_project.path / "fixtures/inputs/stripe-create-and-finalize-invoice.yaml").write_text(
        TWO_SETS.replace("1250", "1300")
    )
    stale = seed_project.runpytest("specs/", *record_args(stripe_server))
    stale.assert_outcomes(passed=2)
    stale.stdout.fnmatch_lines(["*pytest-arazzo recorded*", f"wrote {EUR}"])
    assert f"wrote {DEFAULT}" not in stale.stdout.str()
    assert (seed_project.path / DEFAULT).read_bytes() == untouched[DEFAULT]
    assert "amount: '1300'" in (seed_project.path / EUR).read_text()


def test_new__unused_interactions_fail_replay_and_are_re_recorded(
    recorded: pytest.Pytester, stripe_server: StripeServer
) -> None:
    edit_cassette(recorded, lambda data: data["interactions"].append(data["interactions"][-1]))
    result = replay(recorded)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*1 recorded interaction(s) were not used: finalizeInvoice POST http://127.0.0.1:*"
        "/v1/invoices/in_*/finalize",
        "*what to do: the workflow now makes fewer requests than were recorded: re-record*",
    ])  # fmt: skip
    fixed = recorded.runpytest("specs/", *record_args(stripe_server))
    fixed.assert_outcomes(passed=1)
    fixed.stdout.fnmatch_lines([f"wrote {DEFAULT}"])
    assert len(yaml.safe_load((recorded.path / DEFAULT).read_text())["interactions"]) == 3


def test_rewrite__records_every_item(
    recorded: pytest.Pytester, stripe_server: StripeServer
) -> None:
    result = recorded.runpytest(
        "specs/", *record_args(stripe_server)[1:], "--arazzo-record-mode=rewrite"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"wrote {DEFAULT}"])
    assert len(stripe_server.requests) == 3


def test_live__real_server_and_cassettes_untouched(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    result = seed_project.runpytest(
        "specs/", "--live", "--arazzo-server", f"invoiceApi={stripe_server.url}"
    )
    result.assert_outcomes(passed=1)
    assert [r["path"] for r in stripe_server.requests][:2] == ["/v1/invoices", "/v1/invoiceitems"]
    assert not (seed_project.path / "fixtures/cassettes").exists()


# -- precedence: command line over ini over default ---------------------------------------------


@pytest.mark.parametrize(
    ("cli_mode", "cli_live", "ini_mode", "ini_live", "expected"),
    [
        (None, None, "none", False, ("none", False)),  # default: replay
        (None, None, "new", False, ("new", False)),  # ini
        (None, None, "none", True, ("none", True)),
        ("none", None, "new", False, ("none", False)),  # CLI over ini
        ("rewrite", None, "none", True, ("rewrite", False)),  # a CLI record mode turns ini live off
        (None, True, "new", False, ("none", True)),  # CLI live ignores the ini record mode
    ],
)
def test_precedence(
    cli_mode: str | None, cli_live: bool | None, ini_mode: str, ini_live: bool, expected: tuple
) -> None:
    assert resolve_mode(cli_mode, cli_live, ini_mode, ini_live) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("new", True, "none", False), "--arazzo-live and --arazzo-record-mode=new exclude"),
        ((None, None, "rewrite", True), "ini arazzo_live and arazzo_record_mode = rewrite"),
        (("sometimes", None, "none", False), "must be none, new or rewrite, not 'sometimes'"),
    ],
)
def test_precedence__contradictions_refused(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        resolve_mode(*args)


def test_precedence__ini_values_reach_settings(tmp_path: Path) -> None:
    ini = {
        "arazzo_record_mode": "new",
        "arazzo_live": False,
        "arazzo_servers": [],
        "arazzo_cassette_dir": "c",
        "arazzo_inputs_dir": "i",
        "arazzo_credentials": ["invoiceApi=STRIPE_API_KEY"],
        "arazzo_refuse_keys": [],
        "arazzo_max_steps": "10",
        "arazzo_timeout": "3,7",
        "arazzo_match_ignore": ["body.metadata.run_id", "query.ts"],
        "arazzo_stripe_version": "2024-06-20",
        "arazzo_rate_limit": "5",
    }
    option = SimpleNamespace(arazzo_record_mode="rewrite", arazzo_live=None)
    config = SimpleNamespace(rootpath=tmp_path, option=option, getini=ini.__getitem__)
    settings = run_settings(config)
    assert (settings.record_mode, settings.live, settings.timeout) == ("rewrite", False, (3.0, 7.0))
    assert settings.stripe_version == "2024-06-20" and settings.rate_limit == 5.0
    assert settings.match_ignore == ("body.metadata.run_id", "query.ts")


def test_precedence__pyproject_then_command_line(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]\n'
        'arazzo_record_mode = "new"\n'
    )
    server = f"invoiceApi={stripe_server.url}"
    overridden = seed_project.runpytest(
        "specs/", "--arazzo-record-mode=none", "--arazzo-server", server
    )
    overridden.assert_outcomes(failed=1)  # CLI none: replay only, and there is no cassette
    overridden.stdout.fnmatch_lines(["*no cassette for this item*"])
    from_ini = seed_project.runpytest("specs/", "--arazzo-server", server)
    from_ini.assert_outcomes(passed=1)  # ini new: recorded
    from_ini.stdout.fnmatch_lines([f"wrote {DEFAULT}"])


def test_coexists_with_pytest_recording(pytester: pytest.Pytester) -> None:
    """pytest-recording's ``--record-mode`` and ours live side by side."""
    pytest.importorskip("pytest_recording")
    config = pytester.parseconfig("-p", "recording", "--record-mode=none", "--record")
    assert config.pluginmanager.hasplugin("recording")
    assert config.option.record_mode == "none"
    assert config.option.arazzo_record_mode == "new"
    config = pytester.parseconfig(
        "-p", "recording", "--record-mode=all", "--arazzo-record-mode=none"
    )
    assert (config.option.record_mode, config.option.arazzo_record_mode) == ("all", "none")


# -- matching failures, with their diffs -------------------------------------------------------


def test_mismatch__names_step_method_and_path(recorded: pytest.Pytester) -> None:
    def drift(data: dict) -> None:
        first = data["interactions"][0]
        first["step"] = "createInvoice"
        first["request"]["method"] = "PUT"
        first["request"]["url"] = first["request"]["url"].replace("/v1/invoices", "/v2/invoices")

    edit_cassette(recorded, drift)
    result = replay(recorded)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*at step 'createDraftInvoice'*",
        "*step 'createDraftInvoice' sent POST https://api.stripe.com/v1/invoices, which does not "
        "match interaction 1 of fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice/"
        "create-and-finalize-invoice.yaml:",
        "*  step: recorded 'createInvoice', running 'createDraftInvoice'",
        "*  method: recorded PUT, sent POST",
        "*  path: recorded /v2/invoices, sent /v1/invoices",
        "*what to do: if the workflow or its inputs changed on purpose, re-record with --record*",
    ])  # fmt: skip


def test_mismatch__body_field_diff(recorded: pytest.Pytester) -> None:
    result = replay(recorded, "--arazzo-input", "currency=eur", "--arazzo-input", "description=x")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*step 'addInvoiceItem' sent POST*interaction 2 of "
        "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice/"
        "create-and-finalize-invoice.yaml:",
        "*  form.currency: recorded 'usd', sent 'eur'",
        "*  form.description: recorded (absent), sent 'x'",
    ])  # fmt: skip


def test_mismatch__more_requests_than_recorded(recorded: pytest.Pytester) -> None:
    edit_cassette(recorded, lambda data: data["interactions"].pop())
    result = replay(recorded)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*step 'finalizeInvoice' sent POST https://api.stripe.com/v1/invoices/in_*/finalize, but "
        "the cassette has no more interactions (it holds 2)",
    ])  # fmt: skip


def test_match_ignore__volatile_fields_skipped(recorded: pytest.Pytester) -> None:
    recorded.makepyprojecttoml('[tool.pytest.ini_options]\narazzo_match_ignore = ["body.amount"]\n')
    replay(recorded, "--arazzo-input", "amount=2500").assert_outcomes(passed=1)


def test_matcher__query_header_json_and_text_diffs() -> None:
    recorded = {
        "method": "POST",
        "url": "https://h/v1/x?limit=10&ts=1&tag=a&tag=b",
        "headers": {"X-Mode": "fast", "Idempotency-Key": "k1", "X-Request-Time": "1"},
        "json": {"metadata": {"run_id": "r1", "plan": "pro"}, "items": [{"id": 1}, {"id": 2}]},
    }
    sent = {
        "method": "POST",
        "url": "https://other/v1/x?limit=20&ts=2&tag=a",
        "headers": {"x-mode": "slow", "Idempotency-Key": "k2", "X-Request-Time": "2"},
        "json": {"metadata": {"run_id": "r2", "plan": "pro"}, "items": [{"id": 1}, {"id": 3}]},
    }
    assert RequestMatcher().diff(recorded, sent) == [
        "query.limit: recorded '10', sent '20'",
        "query.ts: recorded '1', sent '2'",
        'query.tag: recorded ["a", "b"], sent \'a\'',
        "header.X-Mode: recorded 'fast', sent 'slow'",
        "header.X-Request-Time: recorded '1', sent '2'",
        "json.metadata.run_id: recorded 'r1', sent 'r2'",
        "json.items.1.id: recorded 2, sent 3",
    ]
    ignoring = RequestMatcher(
        ["query.ts", "header.x-request-time", "body.metadata.run_id", "json.items.*.id"]
    )
    assert ignoring.diff(recorded, sent) == [
        "query.limit: recorded '10', sent '20'",
        'query.tag: recorded ["a", "b"], sent \'a\'',
        "header.X-Mode: recorded 'fast', sent 'slow'",
    ]
    text = RequestMatcher().diff(
        {"method": "POST", "url": "http://h/a", "text": "hello"},
        {"method": "POST", "url": "http://h/a", "json": {"hello": 1}},
    )
    assert text == [
        'json: recorded (absent), sent {"hello": 1}',
        "text: recorded 'hello', sent (absent)",
    ]


def test_matcher__scrubbed_placeholder_matches_any_value() -> None:
    recorded = {
        "method": "GET",
        "url": "http://h/c/<scrubbed>?k=<scrubbed>",
        "form": {"s": "x-<scrubbed>"},
    }
    sent = {"method": "GET", "url": "http://h/c/sk_test_1?k=v", "form": {"s": "x-secret"}}
    assert RequestMatcher().diff(recorded, sent) == []
    assert RequestMatcher().diff(recorded, {**sent, "form": {"s": "y-secret"}}) == [
        "form.s: recorded 'x-<scrubbed>', sent 'y-secret'"
    ]


# -- replay never opens a socket ---------------------------------------------------------------


def test_netguard__blocks_and_restores() -> None:
    with EchoServer() as server:
        original = socket.socket.connect
        with NetworkGuard(lambda: "while testing") as guard, pytest.raises(OSError):
            urllib.request.urlopen(f"{server.url}/ping", timeout=2)
        assert guard.attempts == [
            f"connect to 127.0.0.1:{server.url.rsplit(':', 1)[1]} while testing"
        ]
        assert socket.socket.connect is original
        assert urllib.request.urlopen(f"{server.url}/ping", timeout=2).status == 200
    with NetworkGuard(), pytest.raises(NetworkBlocked, match="replay blocks network access"):
        socket.create_connection(("127.0.0.1", 9))


SNEAKY_CONFTEST = """
import importlib
import urllib.request

# by its name in sys.modules: `from pytest_arazzo.transport import replay` could hand back the
# package attribute left by an earlier in-process run, a module the engine no longer uses
transport = importlib.import_module("pytest_arazzo.transport.replay")

original = transport.ReplayTransport.send

def send(self, request, step_id, authorize=None):
    response = original(self, request, step_id, authorize)
    try:
        urllib.request.urlopen("http://127.0.0.1:{port}/ping", timeout=2)
    except OSError:
        pass  # swallowed: the guard still fails the item
    return response

def pytest_configure(config):
    transport.ReplayTransport.send = send

def pytest_unconfigure(config):  # in-process pytester: leave the real module as it was
    transport.ReplayTransport.send = original
"""


def test_replay__socket_attempt_fails_the_item_naming_the_request(
    recorded: pytest.Pytester,
) -> None:
    with EchoServer() as server:
        port = server.url.rsplit(":", 1)[1]
        recorded.makeconftest(SNEAKY_CONFTEST.replace("{port}", port))
        result = replay(recorded)
        assert server.requests == []
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"*replay tried to open a network connection: connect to 127.0.0.1:{port} while step "
        "'createDraftInvoice' sent POST https://api.stripe.com/v1/invoices (3 attempts in all)",
    ])  # fmt: skip


def test_specs_pass_without_any_network() -> None:
    """``pytest specs/`` in a network namespace with no interfaces: replay is offline."""
    if (
        shutil.which("unshare") is None
        or subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode
    ):
        pytest.skip("unshare -rn is not permitted here")
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, "-m", "pytest", "specs/", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


# -- interrupted or failed recordings ----------------------------------------------------------


def test_failed_recording__old_cassette_byte_identical(
    recorded: pytest.Pytester, stripe_server: StripeServer
) -> None:
    before = (recorded.path / DEFAULT).read_bytes()
    result = recorded.runpytest(
        "specs/", *record_args(stripe_server)[1:], "--arazzo-record-mode=rewrite",
        "--arazzo-input", f"customer={DECLINE_CUSTOMER_ID}",
    )  # fmt: skip
    result.assert_outcomes(failed=1)  # finalize answered 402 mid-recording
    assert len(stripe_server.requests) == 3
    assert (recorded.path / DEFAULT).read_bytes() == before
    assert sorted(p.name for p in (recorded.path / CASSETTES).iterdir()) == [DEFAULT.name]


INTERRUPTING_CONFTEST = """
import importlib

transport = importlib.import_module("pytest_arazzo.transport.live")  # as in SNEAKY_CONFTEST

original = transport.LiveTransport.send
calls = []

def send(self, request, step_id, authorize=None):
    calls.append(step_id)
    if len(calls) == 2:
        raise KeyboardInterrupt
    return original(self, request, step_id, authorize)

def pytest_configure(config):
    transport.LiveTransport.send = send

def pytest_unconfigure(config):
    transport.LiveTransport.send = original
"""


def test_interrupted_recording__old_cassette_byte_identical(
    recorded: pytest.Pytester, stripe_server: StripeServer
) -> None:
    before = (recorded.path / DEFAULT).read_bytes()
    recorded.makeconftest(INTERRUPTING_CONFTEST)
    result = recorded.runpytest(
        "specs/", *record_args(stripe_server)[1:], "--arazzo-record-mode=rewrite",
        no_reraise_ctrlc=True,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert len(stripe_server.requests) == 1  # interrupted before the second request
    assert (recorded.path / DEFAULT).read_bytes() == before
    assert sorted(p.name for p in (recorded.path / CASSETTES).iterdir()) == [DEFAULT.name]


def test_recording_under_xdist(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    """``-n 2``: each item writes its own file; both replay afterwards."""
    pytest.importorskip("xdist")
    (seed_project.path / "fixtures/inputs/stripe-create-and-finalize-invoice.yaml").write_text(
        TWO_SETS
    )
    result = seed_project.runpytest_subprocess(
        "specs/", "-n", "2", *record_args(stripe_server), *LEAN, timeout=120
    )
    result.assert_outcomes(passed=2)
    assert sorted(result.stdout.lines[-4:-1]) == sorted(
        ["", f"wrote {DEFAULT}", f"wrote {EUR}"]
    ) or {f"wrote {DEFAULT}", f"wrote {EUR}"} <= set(result.stdout.lines)
    assert sorted(p.name for p in (seed_project.path / CASSETTES).iterdir()) == sorted(
        [DEFAULT.name, EUR.name]
    )
    stripe_server.stop()
    replay(seed_project).assert_outcomes(passed=2)


def test_seed_node_id_is_the_cassette_item(recorded: pytest.Pytester) -> None:
    assert yaml.safe_load((recorded.path / DEFAULT).read_text())["item"] == SEED_NODE


def test_two_items_sharing_a_cassette__fail_under_xdist_too(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    """Two files in one folder whose names differ only in their suffix (``.arazzo.yaml``,
    ``.arazzo.yml``) map to one cassette: the second item fails on whichever worker runs it
    (owners are fixed at collection), and nothing is written for it."""
    pytest.importorskip("xdist")
    seed = seed_project.path / "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
    shutil.copy(seed, seed.with_suffix(".yaml"))
    result = seed_project.runpytest_subprocess(
        "specs/", "-n", "2", *record_args(stripe_server), *LEAN, timeout=120
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "workflow 'create-and-finalize-invoice' (specs/arazzo/*.arazzo.yml*) failed",
            "  items 'specs/arazzo/*.arazzo.yaml::*' and 'specs/arazzo/*.arazzo.yml::*' would "
            "share the cassette fixtures/cassettes/specs/arazzo/stripe-create-*/*",
        ]
    )
    assert len(stripe_server.requests) == 3  # only the first item recorded


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        ('arazzo_live = "maybe"', "arazzo_live: invalid truth value 'maybe'"),
        ('arazzo_warnings_as_errors = "maybe"', "arazzo_warnings_as_errors: invalid truth*"),
        ('arazzo_max_steps = "lots"', "arazzo_max_steps must be a whole number, not 'lots'"),
        ('arazzo_max_steps = "0"', "arazzo_max_steps must be at least 1, not '0'"),
        ('arazzo_fuzz_max_examples = "ten"', "arazzo_fuzz_max_examples must be a whole number*"),
        ('arazzo_refuse_keys = ["[unclosed"]', "arazzo_refuse_keys: invalid regex '[unclosed'*"),
        ('arazzo_timeout = "0"', "arazzo_timeout must be CONNECT,READ seconds*not '0'"),
        ('arazzo_timeout = "5,-1"', "arazzo_timeout must be CONNECT,READ seconds*"),
        ('arazzo_rate_limit = "inf"', "arazzo_rate_limit must be a number, not 'inf'"),
    ],
)
def test_malformed_ini_value__usage_error_naming_the_option(
    seed_project: pytest.Pytester, ini: str, message: str
) -> None:
    """Checked at start-up and named, never ignored nor a traceback in the first item."""
    seed_project.makepyprojecttoml(f"[tool.pytest.ini_options]\n{ini}\n")
    result = seed_project.runpytest("specs/", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: pytest-arazzo: {message}"])


def test_blank_refuse_keys_line__does_not_refuse_every_key() -> None:
    """An empty regex would match any credential; blank ini lines are skipped."""
    ini = {
        "arazzo_servers": [],
        "arazzo_cassette_dir": "c",
        "arazzo_inputs_dir": "i",
        "arazzo_credentials": [],
        "arazzo_refuse_keys": ["", "^whsec_"],
        "arazzo_max_steps": "10",
        "arazzo_timeout": "3,7",
    }
    config = SimpleNamespace(rootpath=ROOT, option=SimpleNamespace(), getini=ini.__getitem__)
    settings = run_settings(config)
    assert settings.refused_keys[-1:] == ("^whsec_",) and "" not in settings.refused_keys


@pytest.mark.parametrize("flag", ["--record", "--live"])
def test_server_override_for_an_unknown_source__nothing_sent_anywhere(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str, flag: str
) -> None:
    """A typo in ``--arazzo-server NAME=URL`` would be ignored and the requests would go to the
    OpenAPI server (api.stripe.com) instead of the one asked for: the items fail first."""
    result = seed_project.runpytest(
        "specs/", flag, "--arazzo-server", f"invoiceAPI={stripe_server.url}",
        "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "  --arazzo-server names no source description of the collected workflows: "
            "invoiceAPI (sources: invoiceApi)",
            "  what to do: fix the NAME in --arazzo-server NAME=URL*no request was sent",
        ]
    )
    assert stripe_server.requests == []
    assert not (seed_project.path / "fixtures/cassettes").exists()


# -- cassettes keyed by the Arazzo file's path ---------------------------------------------------


def test_same_file_name_in_two_folders__each_records_and_replays_its_own_cassette(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    """``specs/a/same.arazzo.yml`` and ``specs/b/same.arazzo.yml`` (one workflowId, different
    requests) never share a cassette: each is keyed by its path under the rootdir."""
    seed = seed_project.path / "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml"
    text = seed.read_text()
    seed.unlink()
    for folder, amount in (("a", "$inputs.amount"), ("b", "777")):
        (seed_project.path / "specs" / folder).mkdir()
        (seed_project.path / "specs" / folder / "same.arazzo.yml").write_text(
            text.replace("amount: $inputs.amount", f"amount: {amount}")
        )
    inputs = seed_project.path / "fixtures/inputs"
    (inputs / "stripe-create-and-finalize-invoice.yaml").rename(inputs / "same.yaml")
    result = seed_project.runpytest("specs/", *record_args(stripe_server))
    result.assert_outcomes(passed=2)
    folder = seed_project.path / "fixtures/cassettes/specs"
    a = folder / "a/same/create-and-finalize-invoice.yaml"
    b = folder / "b/same/create-and-finalize-invoice.yaml"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml")) == [
        "a/same/create-and-finalize-invoice.yaml",
        "b/same/create-and-finalize-invoice.yaml",
    ]
    sent = [
        yaml.safe_load(path.read_text())["interactions"][1]["request"]["form"]["amount"]
        for path in (a, b)
    ]
    assert sent == ["2000", "777"]
    stripe_server.reset()

    replayed = replay(seed_project, "-rA")
    replayed.assert_outcomes(passed=2)
    assert stripe_server.requests == []
    a.unlink()  # each item reads its own cassette: without a's, only a's item fails
    replayed = replay(seed_project)
    replayed.assert_outcomes(passed=1, failed=1)
    replayed.stdout.fnmatch_lines(
        ["*no cassette for this item at fixtures/cassettes/specs/a/same/create-and-*"]
    )
