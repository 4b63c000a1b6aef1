"""The pytest layer: hooks only. Options live in :mod:`options`, nodes in :mod:`items`.

Nothing of the engine is imported until a file matches an Arazzo pattern, so the plugin costs
next to nothing in test sessions that have no Arazzo files.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_arazzo.plugin.config import FUZZ, SETTINGS, fuzz_config, run_settings
from pytest_arazzo.plugin.options import DEFAULT_PATTERNS, add_options
from pytest_arazzo.plugin.orphans import PLUGIN_NAME as UNUSED_FILES
from pytest_arazzo.plugin.orphans import UnusedFiles
from pytest_arazzo.plugin.reporting import PLUGIN_NAME, ArazzoReporting


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[SETTINGS] = run_settings(config)
        config.stash[FUZZ] = fuzz_config(config)
        config.pluginmanager.register(ArazzoReporting(config), PLUGIN_NAME)
    except ValueError as error:
        raise pytest.UsageError(f"pytest-arazzo: {error}") from None
    config.addinivalue_line(
        "markers",
        "arazzo_fuzz(max_examples=None, deadline=None, pin=None): fuzz this Arazzo item's inputs "
        "with Hypothesis (add it in pytest_collection_modifyitems; select with -m arazzo_fuzz)",
    )
    config.addinivalue_line("markers", "arazzo: an Arazzo workflow item (added by pytest-arazzo)")
    config.pluginmanager.register(RecordedReport(), "arazzo-recorded")
    config.pluginmanager.register(UnusedFiles(config), UNUSED_FILES)


def matches_patterns(config: pytest.Config, path: Path) -> bool:
    """Whether the file name matches ini ``arazzo_patterns``."""
    patterns = config.getini("arazzo_patterns") or DEFAULT_PATTERNS
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    matched = matches_patterns(parent.config, file_path)
    checking = parent.config.option.arazzo_check
    data_file = file_path.suffix in (".yml", ".yaml", ".json")
    if not matched:
        named = checking or parent.session.isinitpath(file_path)
        matched = named and data_file and _looks_like_arazzo(file_path)
    if not matched:
        if checking and data_file and parent.session.isinitpath(file_path):
            # pre-commit passes every changed YAML file: one that is no Arazzo document is
            # simply not checked (instead of pytest's "not found" usage error)
            return NotArazzo.from_parent(parent, path=file_path)
        return None
    from pytest_arazzo.plugin.items import ArazzoFileCollector

    return ArazzoFileCollector.from_parent(parent, path=file_path)


class NotArazzo(pytest.File):
    """A YAML/JSON file named on the command line under ``--arazzo-check`` that is no Arazzo
    document: collected, so pytest does not call it "not found", with nothing to check."""

    def collect(self) -> list[pytest.Item]:
        return []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.arazzo_check:
        from pytest_arazzo.plugin.items import keep_check_items

        keep_check_items(config, items)
    elif config.option.arazzo_input:
        from pytest_arazzo.plugin.items import check_cli_inputs

        check_cli_inputs(config, items)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """``--arazzo-check`` over files none of which is an Arazzo document found nothing wrong."""
    if session.config.option.arazzo_check and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


_ARAZZO_KEY = re.compile(
    rb"""(?m)^(?:\xef\xbb\xbf)?(?:\{\s*)?(?:arazzo|[ \t]*["']arazzo["'])\s*:"""
)


def _looks_like_arazzo(path: Path) -> bool:
    """A YAML/JSON file whose top level has an ``arazzo`` field (checked on its first 8 KiB).

    Matches ``arazzo:`` at the start of a line, and the quoted ``"arazzo":`` of JSON (also
    indented, or after ``{``); a UTF-8 byte order mark is allowed.
    """
    try:
        with path.open("rb") as stream:
            head = stream.read(8192)
    except (OSError, ValueError):
        return False
    return _ARAZZO_KEY.search(head) is not None


class RecordedReport:
    """Lists the cassettes written in this run; works under xdist (reports carry them)."""

    def __init__(self) -> None:
        self.recorded: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.recorded += [
                str(value) for key, value in report.user_properties if key == "arazzo_recorded"
            ]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.recorded:
            terminalreporter.section("pytest-arazzo recorded")
            for path in self.recorded:
                terminalreporter.write_line(f"wrote {path}")
