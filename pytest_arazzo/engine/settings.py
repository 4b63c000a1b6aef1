"""Settings: what the command line and ini say about how to run items, parsed and checked.

Kept free of the engine's imports so the plugin can validate options at start-up without loading
HTTP, JSON Schema or Hypothesis machinery in sessions that never collect an Arazzo file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_arazzo.cassette.fields import parse_rules

RECORD_MODES = ("none", "new", "rewrite")
CONTRACT_SEVERITIES = ("error", "warning", "off")
DEFAULT_REFUSED = (r"^sk_live_", r"^rk_live_", r"^pk_live_")


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
    max_attempts: int = 4
    max_backoff: float = 30.0
    contract: str = "error"  # arazzo_contract: error / warning / off
    warnings_as_errors: bool = False  # arazzo_warnings_as_errors: also in normal runs

    @classmethod
    def from_config(cls, config: Any) -> RunSettings:
        """Command line over ini over defaults; raises ValueError on malformed values."""
        root = Path(config.rootpath)
        option, ini = config.option, config.getini
        mode, live = resolve_mode(
            getattr(option, "arazzo_record_mode", None),
            getattr(option, "arazzo_live", None),
            _ini(ini, "arazzo_record_mode", "none") or "none",
            bool(_ini(ini, "arazzo_live", False)),
        )
        servers = parse_mapping(ini("arazzo_servers"))
        cli_names = []
        for item in getattr(option, "arazzo_server", None) or []:
            name, sep, url = item.partition("=")
            if sep and not name.startswith(("http:", "https:")):
                servers[name] = url
                cli_names.append(name)
            else:
                servers["*"] = item
        match_ignore = tuple(_ini(ini, "arazzo_match_ignore", []))
        scrub_fields = tuple(_ini(ini, "arazzo_scrub_fields", []))
        parse_rules(match_ignore)  # fail at start-up, not in the first item
        parse_rules(scrub_fields)
        return cls(
            rootdir=root,
            cassette_dir=root / ini("arazzo_cassette_dir"),
            inputs_dir=root / ini("arazzo_inputs_dir"),
            record_mode=mode,
            live=live,
            cli_inputs=parse_cli_inputs(getattr(option, "arazzo_input", None) or []),
            servers=servers,
            cli_server_names=tuple(cli_names),
            credentials=parse_mapping(ini("arazzo_credentials")),
            refused_keys=DEFAULT_REFUSED + _patterns(ini("arazzo_refuse_keys")),
            max_steps=_integer(ini("arazzo_max_steps"), "arazzo_max_steps"),
            timeout=_timeout(str(ini("arazzo_timeout"))),
            match_ignore=match_ignore,
            scrub_headers=tuple(_ini(ini, "arazzo_scrub_headers", [])),
            scrub_fields=scrub_fields,
            stripe_version=str(_ini(ini, "arazzo_stripe_version", "") or "").strip(),
            rate_limit=_number(_ini(ini, "arazzo_rate_limit", "25"), "arazzo_rate_limit"),
            max_attempts=_integer(_ini(ini, "arazzo_max_attempts", "4"), "arazzo_max_attempts"),
            max_backoff=_number(_ini(ini, "arazzo_max_backoff", "30"), "arazzo_max_backoff"),
            contract=contract_severity(_ini(ini, "arazzo_contract", "error")),
            warnings_as_errors=bool(_ini(ini, "arazzo_warnings_as_errors", False)),
        )


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


def _ini(ini: Any, name: str, default: Any) -> Any:
    """An ini value, or ``default`` when the name is not registered (e.g. in unit tests).

    A value pytest cannot convert (``arazzo_live = maybe``) is a ValueError naming the option.
    """
    try:
        return ini(name)
    except KeyError:
        return default
    except (ValueError, pytest.UsageError) as error:
        if str(error).startswith("unknown configuration value"):
            return default
        raise ValueError(f"{name}: {error}") from None


def _integer(value: Any, name: str, minimum: int = 1) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    return number


def _patterns(lines: list[str]) -> tuple[str, ...]:
    """``arazzo_refuse_keys`` lines, each compiled once here so a bad regex fails at start-up."""
    patterns = tuple(line.strip() for line in lines if line.strip())
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"arazzo_refuse_keys: invalid regex {pattern!r}: {error}") from None
    return patterns


def _number(value: Any, name: str) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a number, not {value!r}")
    return number


def _timeout(value: str) -> tuple[float, float]:
    parts = [_number(part, "arazzo_timeout") for part in value.split(",")]
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


def parse_cli_inputs(values: list[str]) -> dict[str, Any]:
    """``name=value`` pairs; a value that parses as JSON is used as JSON (``amount=2000`` → int)."""
    parsed: dict[str, Any] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--arazzo-input expects name=value, got {item!r}")
        try:
            parsed[name] = json.loads(raw)
        except ValueError:
            parsed[name] = raw
    return parsed


def contract_severity(value: Any) -> str:
    """The ini ``arazzo_contract`` value, checked (empty means ``error``)."""
    text = str(value or "error").strip().lower()
    if text not in CONTRACT_SEVERITIES:
        raise ValueError(f"arazzo_contract must be error, warning or off, not {value!r}")
    return text


@dataclass
class FuzzConfig:
    """What the command line and ini say about fuzzing."""

    enabled: bool = False
    max_examples: int | None = None  # None: the Hypothesis profile's (live: at most 25)
    deadline: float | str | None = "profile"  # milliseconds, None (off) or the profile's
    pins: tuple[str, ...] = ()  # input-set names that stay fixed ("*": all)

    @classmethod
    def from_config(cls, config: Any) -> FuzzConfig:
        """Raises ValueError on malformed ini values."""
        ini = config.getini
        cli = getattr(config.option, "arazzo_fuzz", None)
        return cls(
            enabled=bool(_ini(ini, "arazzo_fuzz", False)) if cli is None else bool(cli),
            max_examples=_max_examples(ini("arazzo_fuzz_max_examples")),
            deadline=_deadline(ini("arazzo_fuzz_deadline")),
            pins=tuple(_pins(ini("arazzo_fuzz_pin"))),
        )

    def request(self, marker_kwargs: Mapping[str, Any] | None) -> FuzzRequest | None:
        """The request to fuzz an item (``marker_kwargs`` when marked ``arazzo_fuzz``), or None."""
        if marker_kwargs is None and not self.enabled:
            return None
        kwargs = dict(marker_kwargs or {})
        unknown = set(kwargs) - {"max_examples", "deadline", "pin"}
        if unknown:
            names = ", ".join(sorted(unknown))
            raise ValueError(f"arazzo_fuzz marker: unknown argument(s) {names}")
        return FuzzRequest(
            max_examples=_max_examples(kwargs.get("max_examples", self.max_examples)),
            deadline=_deadline(kwargs["deadline"]) if "deadline" in kwargs else self.deadline,
            pins=tuple(_pins(kwargs["pin"])) if "pin" in kwargs else self.pins,
        )


def _max_examples(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    return _integer(value, "arazzo_fuzz_max_examples")


def _deadline(value: Any) -> float | str | None:
    text = "" if value is None else str(value).strip().lower()
    if text in ("", "profile"):
        return "profile"
    if text in ("none", "off", "0"):
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"arazzo_fuzz_deadline must be milliseconds or none, not {value!r}"
        ) from None


def _pins(value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,\s]+", str(value or ""))
    return [str(item).strip() for item in items if str(item).strip()]


@dataclass
class FuzzStats:
    """What one fuzzed item did (attached to the report's user properties)."""

    mode: str = "replay"
    examples: int = 0
    sent: int = 0
    failed: bool = False
    digest: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "examples": self.examples,
            "runs": self.sent,
            "failed": self.failed,
            "inputs_digest": self.digest,
        }


@dataclass
class FuzzRequest:
    """Fuzz one item: the settings in force for it, and what happened."""

    max_examples: int | None = None
    deadline: float | str | None = "profile"
    pins: tuple[str, ...] = ()
    stats: FuzzStats = field(default_factory=FuzzStats)


SETTINGS = pytest.StashKey[RunSettings]()  # checked at configure time (plugin.pytest_configure)
FUZZ = pytest.StashKey[FuzzConfig]()
