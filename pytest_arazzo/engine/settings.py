"""Settings: what the command line and ini say about how to run items, parsed and checked.

Kept free of the engine's imports so the plugin can validate options at start-up without loading
HTTP, JSON Schema or Hypothesis machinery in sessions that never collect an Arazzo file.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pytest_arazzo.document.media import nests_deeper_than
from pytest_arazzo.http.keys import DEFAULT_REFUSED

RECORD_MODES = ("none", "new", "rewrite")


class ArazzoWarning(UserWarning):
    """A warning-level problem in a workflow file (shown in pytest's warnings summary)."""


@dataclass
class RunSettings:
    """Everything the command line and ini say about how to run items."""

    rootdir: Path
    cassette_dir: Path
    inputs_dir: Path
    record_mode: str = "none"
    live: bool = False
    cli_inputs: dict[str, Any] = field(default_factory=dict)
    servers: dict[str, str] = field(default_factory=dict)
    cli_server_names: tuple[str, ...] = ()  # the NAMEs of --arazzo-server NAME=URL
    credentials: dict[str, str] = field(default_factory=dict)
    refused_keys: tuple[str, ...] = DEFAULT_REFUSED
    max_steps: int = 1000
    timeout: tuple[float, float] = (10.0, 60.0)
    match_ignore: tuple[str, ...] = ()
    scrub_headers: tuple[str, ...] = ()
    scrub_fields: tuple[str, ...] = ()
    stripe_version: str = ""
    rate_limit: float = 25.0
    throttle_file: Path | None = None  # shared by pytest-xdist workers (one rate in all)
    cassette_cache_dir: Path | None = None  # parsed cassettes (pytest's cache dir); None: off
    max_attempts: int = 4
    max_backoff: float = 30.0
    item_timeout: float = 120.0  # arazzo_item_timeout: seconds one live/record item may take
    max_response_bytes: int = 50_000_000  # arazzo_max_response_bytes: decoded body size cap
    max_url_length: int = 8192  # arazzo_max_url_length: longer request URLs are not sent
    contract: str = "error"  # arazzo_contract: error / warning / off
    warnings_as_errors: bool = False  # arazzo_warnings_as_errors: also in normal runs
    allowed_paths: tuple[Path, ...] = ()  # arazzo_allowed_paths: read beyond the rootdir
    max_file_bytes: int = 20 * 1024 * 1024  # arazzo_max_file_bytes
    sources_dir: Path | None = None  # arazzo_sources_dir (None: fixtures/sources)
    fetch_sources: bool = False  # --arazzo-fetch-sources: fetch remote sources again
    source_credentials: dict[str, str] = field(default_factory=dict)  # host -> env variable

    @property
    def stored_sources(self) -> Path:
        """The folder remote source descriptions are stored in (with their lock file)."""
        return self.sources_dir or self.rootdir / "fixtures" / "sources"

    @property
    def fetches_sources(self) -> bool:
        """Whether remote sources may be fetched: recording, or --arazzo-fetch-sources (replay,
        --live and --arazzo-check read the stored copies only)."""
        return self.fetch_sources or self.record_mode != "none"

    @property
    def readable(self) -> tuple[Path, ...]:
        """The folders sources, ``$ref`` targets and input files may be read from."""
        return (self.rootdir, *self.allowed_paths)


def resolve_mode(
    cli_mode: str | None, cli_live: bool | None, ini_mode: str, ini_live: bool
) -> tuple[str, bool]:
    """(record mode, live): the command line over ini over the default (replay).

    A record mode given on the command line turns an ini ``arazzo_live`` off and ``--arazzo-live``
    ignores an ini record mode; asking for both live and recording at one level is an error.
    """
    for mode in (cli_mode, ini_mode):
        if mode is not None and mode not in RECORD_MODES:
            raise ValueError(f"arazzo_record_mode must be none, new or rewrite, not {mode!r}")
    if cli_live and cli_mode in ("new", "rewrite"):
        raise ValueError(
            f"--arazzo-live and --arazzo-record-mode={cli_mode} exclude each other: live runs "
            "leave cassettes alone"
        )
    if cli_live is not None:
        return ("none" if cli_live else (cli_mode or ini_mode)), bool(cli_live)
    if cli_mode is not None:
        return cli_mode, False
    if ini_live and ini_mode != "none":
        raise ValueError(f"ini arazzo_live and arazzo_record_mode = {ini_mode} exclude each other")
    return ini_mode, ini_live


def integer(value: Any, name: str, minimum: int = 1) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    return number


def patterns(lines: list[str]) -> tuple[str, ...]:
    """``arazzo_refuse_keys`` lines, each compiled once here so a bad regex fails at start-up."""
    patterns = tuple(line.strip() for line in lines if line.strip())
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"arazzo_refuse_keys: invalid regex {pattern!r}: {error}") from None
    return patterns


def number(value: Any, name: str) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a number, not {value!r}")
    return number


def positive(value: Any, name: str) -> float:
    """A number of seconds more than 0."""
    seconds = number(value, name)
    if seconds <= 0:
        raise ValueError(f"{name} must be more than 0 seconds, not {value!r}")
    return seconds


def timeout(value: str) -> tuple[float, float]:
    parts = [number(part, "arazzo_timeout") for part in value.split(",")]
    if len(parts) > 2 or not all(0 < part < float("inf") for part in parts):
        raise ValueError(
            f"arazzo_timeout must be CONNECT,READ seconds (or one number for both), each more "
            f"than 0, not {value!r}"
        )
    return parts[0], parts[-1]


def parse_mapping(lines: list[str]) -> dict[str, str]:
    """``name=VALUE`` lines (ini linelist) → dict; blank lines and ``#`` comments skipped."""
    mapping = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"expected name=value, got {line!r}")
        mapping[name.strip()] = value.strip()
    return mapping


def server_url(url: str, given: str, where: str = "--arazzo-server") -> str:
    """``url`` when it is an absolute http(s) URL; else a ValueError naming ``given`` (what the
    user wrote). An empty value would otherwise fall back to the OpenAPI server (the real API)."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return url.strip()
    why = "is empty" if not url.strip() else "has no http:// or https:// scheme and host"
    raise ValueError(
        f"{where} {given!r}: the server URL {why}; expected [NAME=]http(s)://host[:port][/base] "
        "(e.g. --arazzo-server invoiceApi=http://127.0.0.1:12111); no request was sent"
    )


def parse_cli_inputs(values: list[str]) -> dict[str, Any]:
    """``name=value`` pairs; a value that parses as JSON is used as JSON (``amount=2000`` → int)."""
    parsed: dict[str, Any] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--arazzo-input expects name=value, got {item!r}")
        try:
            value: Any = json.loads(raw)
        except RecursionError:
            value = _TOO_DEEP
        except ValueError:
            value = raw
        if value is _TOO_DEEP or nests_deeper_than(value, MAX_INPUT_DEPTH):
            raise ValueError(
                f"--arazzo-input {name}: the value nests deeper than {MAX_INPUT_DEPTH} levels; "
                "give a flatter value"
            )
        parsed[name] = value
    return parsed


_TOO_DEEP = object()
MAX_INPUT_DEPTH = 200
