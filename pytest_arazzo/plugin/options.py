"""Command-line options and ini settings of pytest-arazzo (all prefixed ``--arazzo-``/``arazzo_``).

``--record`` and ``--live`` are the only short aliases, so the plugin installs next to
pytest-recording (whose ``--record-mode`` stays theirs) and friends.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_arazzo.engine.settings import RECORD_MODES

DEFAULT_PATTERNS = ["*.arazzo.yml", "*.arazzo.yaml", "*.arazzo.json"]


def add_options(parser: pytest.Parser) -> None:
    """Register every option and ini setting."""
    group = parser.getgroup("arazzo", "Arazzo workflows (pytest-arazzo)")
    _add_fuzz_and_contract_options(group, parser)
    _add_report_options(group, parser)
    group.addoption(
        "--arazzo-record-mode",
        choices=RECORD_MODES,
        dest="arazzo_record_mode",
        default=None,
        help="none: replay cassettes only (default); new: record items whose cassette is missing "
        "or stale; rewrite: re-record every item",
    )
    group.addoption(
        "--arazzo-record",
        "--record",
        action="store_const",
        const="new",
        dest="arazzo_record_mode",
        help="alias of --arazzo-record-mode=new",
    )
    group.addoption(
        "--arazzo-live",
        "--live",
        action="store_true",
        default=None,
        dest="arazzo_live",
        help="run against the real servers with test keys; leave cassettes alone",
    )
    group.addoption(
        "--arazzo-input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="workflow input (value parsed as JSON when it parses); overrides input files",
    )
    group.addoption(
        "--arazzo-server",
        action="append",
        default=[],
        metavar="[NAME=]URL",
        help="server URL for source description NAME (a bare URL applies to every source)",
    )
    group.addoption(
        "--arazzo-fetch-sources",
        action="store_true",
        default=False,
        dest="arazzo_fetch_sources",
        help="fetch the http(s) source descriptions (and $ref targets) of the collected files "
        "again into arazzo_sources_dir, with a lock file; records no cassette. Recording also "
        "fetches missing ones; replay, --live and --arazzo-check never fetch",
    )
    group.addoption(
        "--arazzo-check",
        action="store_true",
        default=False,
        dest="arazzo_check",
        help="check Arazzo files statically and run nothing (non-zero exit on errors)",
    )
    parser.addini(
        "arazzo_warnings_as_errors",
        "treat warning-level problems as errors",
        type="bool",
        default=False,
    )
    parser.addini(
        "arazzo_patterns",
        "file name patterns of Arazzo files",
        type="args",
        default=DEFAULT_PATTERNS,
    )
    parser.addini(
        "arazzo_cassette_dir",
        "where cassettes live (relative to rootdir): <dir>/<Arazzo file path under rootdir, no "
        "suffix>/<workflowId>[<input set>].yaml",
        default="fixtures/cassettes",
    )
    parser.addini(
        "arazzo_sources_dir",
        "where remote (http(s)) source descriptions are stored, with sources.lock.json "
        "(relative to rootdir); runs read them from here, never from the network",
        default="fixtures/sources",
    )
    parser.addini(
        "arazzo_source_credentials",
        "HOST=ENV_VAR lines: the only credential ever sent when fetching a remote source, as "
        "Authorization, to that host (https, or loopback) only; API credentials never are",
        type="linelist",
        default=[],
    )
    parser.addini(
        "arazzo_inputs_dir",
        "where input files live (relative to rootdir)",
        default="fixtures/inputs",
    )
    parser.addini(
        "arazzo_allowed_paths",
        "extra folders (relative to rootdir, or absolute) sources, $ref targets and input files "
        "may be read from; by default only files under the rootdir are read",
        type="linelist",
        default=[],
    )
    parser.addini(
        "arazzo_max_file_bytes",
        "largest workflow, OpenAPI, input or cassette file read, in bytes",
        default="20971520",
    )
    parser.addini("arazzo_record_mode", "none / new / rewrite", default="none")
    parser.addini(
        "arazzo_strict_files",
        "inputs files and cassettes no collected item uses fail the run (when the whole tree "
        "was collected); default: they are only listed under 'arazzo: unused files'",
        type="bool",
        default=False,
    )
    parser.addini("arazzo_live", "run live by default", type="bool", default=False)
    parser.addini(
        "arazzo_credentials",
        "SOURCE=ENV_VAR lines: credential per source",
        type="linelist",
        default=[],
    )
    parser.addini(
        "arazzo_servers", "SOURCE=URL lines: server per source", type="linelist", default=[]
    )
    parser.addini(
        "arazzo_refuse_keys",
        "regexes of credentials refused as live keys",
        type="linelist",
        default=[],
    )
    parser.addini("arazzo_max_steps", "step executions allowed per workflow run", default="1000")
    parser.addini(
        "arazzo_timeout", "connect,read timeout in seconds for live requests", default="10,60"
    )
    parser.addini(
        "arazzo_match_ignore",
        "fields left out of replay matching (body.metadata.run_id, query.ts, header.X-Time)",
        type="linelist",
        default=[],
    )
    parser.addini(
        "arazzo_scrub_headers",
        "header names whose values are scrubbed from cassettes",
        type="linelist",
        default=[],
    )
    parser.addini(
        "arazzo_scrub_fields",
        "fields scrubbed from cassettes (query.sig, body.card.number, header.X-Session)",
        type="linelist",
        default=[],
    )
    parser.addini(
        "arazzo_stripe_version", "Stripe-Version sent live and stored in cassettes", default=""
    )
    parser.addini("arazzo_rate_limit", "live requests per second, at most (0: off)", default="25")
    parser.addini(
        "arazzo_max_attempts",
        "attempts per live request answered 429 (rate-limit backoff)",
        default="4",
    )
    parser.addini("arazzo_max_backoff", "longest wait before a 429 retry (s)", default="30")
    parser.addini(
        "arazzo_item_timeout", "seconds one live or recording item may take", default="120"
    )
    parser.addini(
        "arazzo_max_response_bytes",
        "largest response body read (bytes, after decompression)",
        default="50000000",
    )
    parser.addini("arazzo_max_url_length", "longest request URL sent (characters)", default="8192")


def _add_fuzz_and_contract_options(group: Any, parser: pytest.Parser) -> None:
    """Options of issue 6: Hypothesis fuzzing of inputs, OpenAPI contract checks."""
    group.addoption(
        "--arazzo-fuzz",
        action="store_true",
        default=None,
        dest="arazzo_fuzz",
        help="run each workflow item as a Hypothesis property over inputs generated from its "
        "input schema (replay: answered from the cassette; with --live: the API is the oracle)",
    )
    parser.addini("arazzo_fuzz", "fuzz every Arazzo item (as --arazzo-fuzz)", type="bool")
    parser.addini(
        "arazzo_fuzz_max_examples",
        "examples per fuzzed item (default: the Hypothesis profile's; live at most 25)",
        default="",
    )
    parser.addini(
        "arazzo_fuzz_deadline",
        "Hypothesis deadline per replayed example in ms, or none (default: the profile's; "
        "live runs have none)",
        default="",
    )
    parser.addini(
        "arazzo_fuzz_pin",
        "input-set values that stay fixed when fuzzing (names, or * for all); "
        "--arazzo-input values always do",
        type="args",
        default=[],
    )
    parser.addini(
        "arazzo_contract",
        "OpenAPI contract checks of every request and response: error, warning or off",
        default="error",
    )


TRACE_MODES = ("failed", "all", "off")


def _add_report_options(group: Any, parser: pytest.Parser) -> None:
    """Options of issue 14: HAR traces and the JSON report."""
    group.addoption(
        "--arazzo-trace",
        dest="arazzo_trace",
        default=None,
        metavar="DIR",
        help="write a HAR 1.2 trace of each item's exchanges into DIR (which items: ini "
        "arazzo_trace, failed by default; also turns an ini 'off' into 'failed')",
    )
    parser.addini(
        "arazzo_trace",
        "HAR traces of items: failed (default), all or off",
        default="failed",
    )
    parser.addini(
        "arazzo_trace_dir",
        "where HAR traces are written (relative to rootdir)",
        default=".arazzo-traces",
    )
    group.addoption(
        "--arazzo-report",
        dest="arazzo_report",
        default=None,
        metavar="FILE.json",
        help="write every item's steps, outputs, timings and verdict to FILE.json",
    )
