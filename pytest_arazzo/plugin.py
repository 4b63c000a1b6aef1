"""The pytest layer: options, collection of Arazzo files, one item per workflow and input set.

Everything else lives in the engine modules; this file only wires pytest to them.
"""

from __future__ import annotations

import fnmatch
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .checks import check_file
from .diagnostics import ERROR, INFO, WARNING, Problem, render_problems
from .failures import WorkflowFailure
from .inputs import DEFAULT_SET, find_input_file, input_sets, load_input_file
from .loader import Document, LoadError, load_document
from .session import ArazzoWarning, ItemSpec, RunSettings, SessionState, run_item

DEFAULT_PATTERNS = ["*.arazzo.yml", "*.arazzo.yaml", "*.arazzo.json"]
STATE = pytest.StashKey[SessionState]()
RECORD_MODES = ("none", "new", "rewrite")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arazzo", "Arazzo workflows (pytest-arazzo)")
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
        "where cassettes live (relative to rootdir)",
        default="fixtures/cassettes",
    )
    parser.addini(
        "arazzo_inputs_dir",
        "where input files live (relative to rootdir)",
        default="fixtures/inputs",
    )
    parser.addini("arazzo_record_mode", "none / new / rewrite", default="none")
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


def pytest_configure(config: pytest.Config) -> None:
    try:
        settings = RunSettings.from_config(config)
    except ValueError as error:
        raise pytest.UsageError(f"pytest-arazzo: {error}") from None
    config.stash[STATE] = SessionState(settings)
    config.addinivalue_line("markers", "arazzo: an Arazzo workflow item (added by pytest-arazzo)")
    config.pluginmanager.register(RecordedReport(), "arazzo-recorded")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    patterns = parent.config.getini("arazzo_patterns") or DEFAULT_PATTERNS
    if any(fnmatch.fnmatch(file_path.name, pattern) for pattern in patterns):
        return ArazzoFileCollector.from_parent(parent, path=file_path)
    named = parent.config.option.arazzo_check or parent.session.isinitpath(file_path)
    if named and file_path.suffix in (".yml", ".yaml", ".json") and _looks_like_arazzo(file_path):
        return ArazzoFileCollector.from_parent(parent, path=file_path)
    return None


def _looks_like_arazzo(path: Path) -> bool:
    """A YAML/JSON file whose top level has an ``arazzo`` field (checked on its first 8 KiB)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(8192)
    except OSError:
        return False
    return re.search(rb'(?m)^(?:\{\s*)?"?arazzo"?\s*:', head) is not None


class RecordedReport:
    """Lists the cassettes written in this run; works under xdist (reports carry them)."""

    def __init__(self) -> None:
        self.recorded: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.recorded += [
                value for key, value in report.user_properties if key == "arazzo_recorded"
            ]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.recorded:
            terminalreporter.section("pytest-arazzo recorded")
            for path in self.recorded:
                terminalreporter.write_line(f"wrote {path}")


class ArazzoFileCollector(pytest.File):
    """An Arazzo file: one item per workflow and input set."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            document = load_document(self.path, self.nodeid.split("::")[0] or self.path.name)
        except LoadError as error:
            yield FileProblemItem.from_parent(self, name=self.path.name, message=str(error))
            return
        data = document.data
        workflows = data.get("workflows") if isinstance(data, dict) else None
        if not isinstance(workflows, list) or not any(isinstance(w, dict) for w in workflows):
            message = (
                f"{document.where('/workflows')}: no workflows to run (expected a list of "
                "Workflow Objects under 'workflows')"
            )
            yield FileProblemItem.from_parent(self, name=self.path.name, message=message)
            return
        if self.config.option.arazzo_check:
            yield CheckItem.from_parent(self, name="arazzo-check", document=document)
            return
        state = self.config.stash[STATE]
        inputs_path = find_input_file(state.settings.inputs_dir, self.path)
        input_document, input_error = load_input_file(inputs_path)
        seen: set[str] = set()
        for index, workflow in enumerate(workflows):
            workflow_id = workflow.get("workflowId") if isinstance(workflow, dict) else None
            if not isinstance(workflow_id, str) or workflow_id in seen:
                continue
            seen.add(workflow_id)
            for set_name, values in input_sets(input_document, workflow_id).items():
                name = workflow_id if set_name == DEFAULT_SET else f"{workflow_id}[{set_name}]"
                spec = ItemSpec(
                    self.path,
                    document,
                    workflow_id,
                    index,
                    set_name,
                    values,
                    inputs_path,
                    input_error,
                )
                yield ArazzoItem.from_parent(self, name=name, spec=spec)


class ArazzoItem(pytest.Item):
    """One workflow run with one input set."""

    def __init__(self, *, spec: ItemSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.add_marker(pytest.mark.arazzo)

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        recorded = run_item(state, self.spec, self.nodeid)
        if recorded:
            self.user_properties.append(("arazzo_recorded", recorded))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, WorkflowFailure):
            return excinfo.value.render()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        line, _ = self.spec.document.locate(f"/workflows/{self.spec.index}")
        return self.path, max(line - 1, 0), f"arazzo workflow {self.name}"


class CheckItem(pytest.Item):
    """``--arazzo-check``: every problem of one file; fails on errors (or warnings if asked)."""

    def __init__(self, *, document: Document, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.document = document

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        problems = check_file(state.arazzo_file(self.document))
        strict = self.config.getini("arazzo_warnings_as_errors")
        failing = [p for p in problems if p.is_error or (strict and p.severity == WARNING)]
        for problem in problems:
            if problem not in failing and problem.severity == WARNING:
                warnings.warn(ArazzoWarning(problem.render()), stacklevel=1)
        if failing:
            raise WorkflowFailure(render_problems(problems) + "\n" + _summary(problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, WorkflowFailure):
            return excinfo.value.message
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"arazzo check {self.path.name}"


def _summary(problems: list[Problem]) -> str:
    counts = {
        severity: sum(p.severity == severity for p in problems)
        for severity in (ERROR, WARNING, INFO)
    }
    return ", ".join(
        f"{count} {severity}{'s' if count != 1 else ''}" for severity, count in counts.items()
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--arazzo-check`` executes nothing: only check items (and unreadable files) stay."""
    if not config.option.arazzo_check:
        return
    kept = [item for item in items if isinstance(item, (CheckItem, FileProblemItem))]
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class FileProblemItem(pytest.Item):
    """Stands for a file that cannot be read, so the rest of the run goes on."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise WorkflowFailure(self.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, WorkflowFailure):
            return excinfo.value.message
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"arazzo file {self.path.name}"
