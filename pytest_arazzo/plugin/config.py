"""Run and fuzz settings read from pytest's command line and ini, stored on the config's stash."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from pytest_arazzo.cassette.fields import parse_rules
from pytest_arazzo.contract.severity import contract_severity
from pytest_arazzo.engine.settings import (
    RunSettings,
    integer,
    number,
    parse_cli_inputs,
    parse_mapping,
    patterns,
    positive,
    resolve_mode,
    server_url,
    timeout,
)
from pytest_arazzo.fuzz.config import FuzzConfig, deadline_of, max_examples_of, pins_of
from pytest_arazzo.http.keys import DEFAULT_REFUSED

SETTINGS = pytest.StashKey[RunSettings]()  # checked at configure time (hooks.pytest_configure)
FUZZ = pytest.StashKey[FuzzConfig]()


def shared_throttle_file() -> Path | None:
    """Under pytest-xdist, the file every worker of this run shares its live throttle through."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    if not run.isalnum():
        return None
    return Path(tempfile.gettempdir()) / f"pytest-arazzo-throttle-{run}"


def cassette_cache_dir(config: Any) -> Path | None:
    """Where parsed cassettes are kept: pytest's cache dir (none with ``-p no:cacheprovider``)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        return Path(cache.mkdir("arazzo-cassettes"))
    except OSError:
        return None


def run_settings(config: Any) -> RunSettings:
    """Command line over ini over defaults; raises ValueError on malformed values."""
    root = Path(config.rootpath)
    option, ini = config.option, config.getini
    mode, live = resolve_mode(
        getattr(option, "arazzo_record_mode", None),
        getattr(option, "arazzo_live", None),
        _ini(ini, "arazzo_record_mode", "none") or "none",
        bool(_ini(ini, "arazzo_live", False)),
    )
    servers = {
        name: server_url(url, f"{name}={url}", "ini arazzo_servers")
        for name, url in parse_mapping(ini("arazzo_servers")).items()
    }
    cli_names = []
    for item in getattr(option, "arazzo_server", None) or []:
        name, sep, url = item.partition("=")
        if sep and not name.startswith(("http:", "https:")):
            servers[name] = server_url(url, item)
            cli_names.append(name)
        else:
            servers["*"] = server_url(item, item)
    match_ignore = tuple(_ini(ini, "arazzo_match_ignore", []))
    scrub_fields = tuple(_ini(ini, "arazzo_scrub_fields", []))
    parse_rules(match_ignore)  # fail at start-up, not in the first item
    parse_rules(scrub_fields)
    return RunSettings(
        rootdir=root,
        cassette_dir=root / ini("arazzo_cassette_dir"),
        inputs_dir=root / ini("arazzo_inputs_dir"),
        record_mode=mode,
        live=live,
        cli_inputs=parse_cli_inputs(getattr(option, "arazzo_input", None) or []),
        servers=servers,
        cli_server_names=tuple(cli_names),
        credentials=parse_mapping(ini("arazzo_credentials")),
        refused_keys=DEFAULT_REFUSED + patterns(ini("arazzo_refuse_keys")),
        max_steps=integer(ini("arazzo_max_steps"), "arazzo_max_steps"),
        timeout=timeout(str(ini("arazzo_timeout"))),
        match_ignore=match_ignore,
        scrub_headers=tuple(_ini(ini, "arazzo_scrub_headers", [])),
        scrub_fields=scrub_fields,
        stripe_version=str(_ini(ini, "arazzo_stripe_version", "") or "").strip(),
        rate_limit=number(_ini(ini, "arazzo_rate_limit", "25"), "arazzo_rate_limit"),
        max_attempts=integer(_ini(ini, "arazzo_max_attempts", "4"), "arazzo_max_attempts"),
        max_backoff=number(_ini(ini, "arazzo_max_backoff", "30"), "arazzo_max_backoff"),
        item_timeout=positive(_ini(ini, "arazzo_item_timeout", "120"), "arazzo_item_timeout"),
        max_response_bytes=integer(
            _ini(ini, "arazzo_max_response_bytes", "50000000"), "arazzo_max_response_bytes"
        ),
        max_url_length=integer(
            _ini(ini, "arazzo_max_url_length", "8192"), "arazzo_max_url_length", minimum=64
        ),
        contract=contract_severity(_ini(ini, "arazzo_contract", "error")),
        warnings_as_errors=bool(_ini(ini, "arazzo_warnings_as_errors", False)),
        throttle_file=shared_throttle_file(),
        cassette_cache_dir=cassette_cache_dir(config),
        allowed_paths=tuple(
            root / line.strip() for line in _ini(ini, "arazzo_allowed_paths", []) if line.strip()
        ),
        max_file_bytes=integer(
            _ini(ini, "arazzo_max_file_bytes", str(20 * 1024 * 1024)), "arazzo_max_file_bytes"
        ),
        sources_dir=root / (_ini(ini, "arazzo_sources_dir", "") or "fixtures/sources"),
        fetch_sources=bool(getattr(option, "arazzo_fetch_sources", False)),
        source_credentials=parse_mapping(_ini(ini, "arazzo_source_credentials", [])),
    )


def fuzz_config(config: Any) -> FuzzConfig:
    """Raises ValueError on malformed ini values."""
    ini = config.getini
    cli = getattr(config.option, "arazzo_fuzz", None)
    return FuzzConfig(
        enabled=bool(_ini(ini, "arazzo_fuzz", False)) if cli is None else bool(cli),
        max_examples=max_examples_of(ini("arazzo_fuzz_max_examples")),
        deadline=deadline_of(ini("arazzo_fuzz_deadline")),
        pins=tuple(pins_of(ini("arazzo_fuzz_pin"))),
    )


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
