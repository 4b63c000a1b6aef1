"""The pytest layer: options, collection of Arazzo files, one item per workflow and input set.

Everything else lives in the engine modules; this file only wires pytest to them.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .checks import check_document, unrunnable
from .diagnostics import (
    WARNING,
    Problem,
    load_problem,
    problem,
    render_problems,
    summarize,
    warn,
)
from .failures import WorkflowFailure
from .fuzzing import FuzzConfig, FuzzRequest
from .inputs import DEFAULT_SET, find_input_file, input_sets, load_input_file
from .loader import Document, LoadError, load_document
from .session import ArazzoWarning, ItemSpec, RunSettings, SessionState, run_item
from .sources import display_path

DEFAULT_PATTERNS = ["*.arazzo.yml", "*.arazzo.yaml", "*.arazzo.json"]
STATE = pytest.StashKey[SessionState]()
FUZZ = pytest.StashKey[FuzzConfig]()
RECORD_MODES = ("none", "new", "rewrite")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arazzo", "Arazzo workflows (pytest-arazzo)")
    _add_fuzz_and_contract_options(group, parser)
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
        "arazzo_max_attempts", "attempts per live request answered 429/503 (backoff)", default="4"
    )
    parser.addini("arazzo_max_backoff", "longest wait before a 429/503 retry (s)", default="30")


def pytest_configure(config: pytest.Config) -> None:
    try:
        settings = RunSettings.from_config(config)
        config.stash[FUZZ] = FuzzConfig.from_config(config)
    except ValueError as error:
        raise pytest.UsageError(f"pytest-arazzo: {error}") from None
    config.stash[STATE] = SessionState(settings)
    config.addinivalue_line(
        "markers",
        "arazzo_fuzz(max_examples=None, deadline=None, pin=None): fuzz this Arazzo item's inputs "
        "with Hypothesis (add it in pytest_collection_modifyitems; select with -m arazzo_fuzz)",
    )
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
            yield from self._collect()
        except Exception as error:  # a bug must not interrupt the run: one failing item instead
            found = problem(
                "AZ999",
                f"internal error while collecting this file: {type(error).__name__}: {error}",
                display_path(self.path, self.config.rootpath),
                "this is a bug in pytest-arazzo; please report it with the file",
            )
            yield FileProblemItem.from_parent(
                self, name=f"{self.path.name}[collect]", message=found.render()
            )

    def _collect(self) -> Iterator[pytest.Item]:
        try:
            document = load_document(self.path, display_path(self.path, self.config.rootpath))
        except LoadError as error:
            message = load_problem(error).render()
            yield FileProblemItem.from_parent(self, name=self.path.name, message=message)
            return
        state = self.config.stash[STATE]
        if self.config.option.arazzo_check:
            yield CheckItem.from_parent(self, name="arazzo-check", document=document)
            return
        data = document.data
        workflows = data.get("workflows") if isinstance(data, dict) else None
        if not isinstance(workflows, list) or not any(
            isinstance(w, dict) and isinstance(w.get("workflowId"), str) for w in workflows
        ):
            message = _nothing_to_run(document, state)
            yield FileProblemItem.from_parent(self, name=self.path.name, message=message)
            return
        inputs_path = find_input_file(state.settings.inputs_dir, self.path)
        input_document, input_error = load_input_file(inputs_path)
        seen: set[str] = set()
        for index, workflow in enumerate(workflows):
            workflow_id = workflow.get("workflowId") if isinstance(workflow, dict) else None
            if not isinstance(workflow_id, str) or workflow_id in seen:
                continue
            seen.add(workflow_id)
            broken = unrunnable(document, state.arazzo_file, workflow_id)
            if broken:  # planning it crashes: say why at collection, never a traceback later
                message = render_problems(broken) + "\n" + _summary(broken)
                yield FileProblemItem.from_parent(self, name=workflow_id, message=message)
                continue
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
        fuzz = self.fuzz_request()
        recorded = run_item(state, self.spec, self.nodeid, fuzz=fuzz)
        if fuzz is not None:
            self.user_properties.append(("arazzo_fuzz", fuzz.stats.as_dict()))
        if recorded:
            self.user_properties.append(("arazzo_recorded", recorded))

    def fuzz_request(self) -> FuzzRequest | None:
        """Fuzz when asked by --arazzo-fuzz, ini arazzo_fuzz or an ``arazzo_fuzz`` marker."""
        marker = self.get_closest_marker("arazzo_fuzz")
        try:
            return self.config.stash[FUZZ].request(dict(marker.kwargs) if marker else None)
        except ValueError as error:
            raise WorkflowFailure(str(error)) from None

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
        problems = check_document(self.document, state.arazzo_file)
        strict = bool(self.config.getini("arazzo_warnings_as_errors"))
        failing = [p for p in problems if p.is_error or (strict and p.severity == WARNING)]
        for found in problems:
            if found not in failing and found.severity == WARNING:
                warn(found, ArazzoWarning)
        if failing:
            raise WorkflowFailure(render_problems(problems) + "\n" + _summary(problems, strict))
        if problems:  # infos (and warnings): shown with -rP
            self.add_report_section("call", "arazzo check", render_problems(problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, WorkflowFailure):
            return excinfo.value.message
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"arazzo check {self.path.name}"


def _summary(problems: list[Problem], strict: bool = False) -> str:
    """``2 errors, 1 warning`` (plus a note when warnings count as errors)."""
    text = summarize(problems)
    if strict and any(p.severity == WARNING for p in problems):
        text += " (warnings count as errors: arazzo_warnings_as_errors = true)"
    return text


def _nothing_to_run(document: Document, state: SessionState) -> str:
    """The message of a parsed file without any runnable workflow: why, and all its problems."""
    problems = check_document(document, state.arazzo_file)
    head = problem(
        "AZ006",
        "no workflows to run (expected a list of Workflow Objects with a workflowId under "
        "'workflows')",
        document.where("/workflows"),
    )
    return render_problems([head, *problems]) + "\n" + _summary([head, *problems])


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
