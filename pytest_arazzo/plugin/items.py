"""The pytest nodes: a collector per Arazzo file, an item per workflow and input set.

Imported by :mod:`plugin` only when an Arazzo file is collected, so sessions without Arazzo files
never load the engine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_arazzo.cassette.naming import CassetteNameError
from pytest_arazzo.cassette.scrub import scrub_literals
from pytest_arazzo.checks import check_document
from pytest_arazzo.checks.data import workflow_ids
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.problems import (
    WARNING,
    Problem,
    failing_problems,
    problem,
    render_problems,
    summarize,
)
from pytest_arazzo.document.cache import DocumentCache, ReleasableDocument
from pytest_arazzo.document.loader import (
    Document,
    LoadError,
    load_document,
    load_problem,
)
from pytest_arazzo.document.pointer import escape_token
from pytest_arazzo.document.sources import SourceError, check_confined, display_path
from pytest_arazzo.engine.session import ItemLog, ItemSpec, SessionState, prepare_item, run_item
from pytest_arazzo.engine.settings import ArazzoWarning
from pytest_arazzo.execute.failures import WorkflowFailure
from pytest_arazzo.execute.inputs import (
    DEFAULT_SET,
    declared_inputs,
    find_input_file,
    input_file_problems,
    input_sets,
    unknown_cli_inputs,
)
from pytest_arazzo.fuzz.config import FuzzRequest
from pytest_arazzo.http.keys import secret_variants
from pytest_arazzo.plugin.config import FUZZ, SETTINGS
from pytest_arazzo.plugin.hooks import matches_patterns
from pytest_arazzo.plugin.longrepr import failure_repr
from pytest_arazzo.plugin.markers import EXTENSION, MarkerError, workflow_markers
from pytest_arazzo.plugin.reporting import reporting
from pytest_arazzo.report.failure import Explained

STATE = pytest.StashKey["SessionState"]()
DOCUMENTS = pytest.StashKey["DocumentCache | None"]()


def session_state(config: pytest.Config) -> SessionState:
    """The session's caches, made on first use from the settings checked at configure time."""
    if STATE not in config.stash:
        config.stash[STATE] = SessionState(config.stash[SETTINGS])
    return config.stash[STATE]


def _load(config: pytest.Config, path: Path, display: str, limit: int) -> Document:
    """A collected file's document: from the parse cache in pytest's cache dir when its text
    was parsed before (none with ``-p no:cacheprovider``), else parsed."""
    if DOCUMENTS not in config.stash:
        folder = config.stash[SETTINGS].cassette_cache_dir
        cache = DocumentCache(folder.parent / "arazzo-documents") if folder is not None else None
        config.stash[DOCUMENTS] = cache
    cache = config.stash[DOCUMENTS]
    if cache is None:
        return load_document(path, display, limit)
    return cache.load(path, display, limit)


class ArazzoFileCollector(pytest.File):
    """An Arazzo file: one item per workflow and input set."""

    document: Document | None = None

    def teardown(self) -> None:
        """The file's items have run: its parse leaves memory (read back from pytest's cache
        dir if an item needs it again), so thousands of files keep only the ones in use."""
        if isinstance(self.document, ReleasableDocument):
            self.document.release()

    def collect(self) -> Iterator[pytest.Item]:
        try:
            yield from self._collect()
        except Exception as error:  # a bug must not interrupt the run: one failing item instead
            found = problem(
                "AZ999",
                f"internal error while collecting this file: {type(error).__name__}: {error}",
                Position(display_path(self.path, self.config.rootpath)),
                "this is a bug in pytest-arazzo; please report it with the file",
            )
            yield FileProblemItem.from_parent(
                self, name=f"{self.path.name}[collect]", message=found.render()
            )

    def _collect(self) -> Iterator[pytest.Item]:
        rootpath = self.config.rootpath
        try:
            limit = self.config.stash[SETTINGS].max_file_bytes
            document = _load(self.config, self.path, display_path(self.path, rootpath), limit)
            self.document = document
        except LoadError as error:
            message = load_problem(error).render()
            yield FileProblemItem.from_parent(self, name=self.path.name, message=message)
            return
        if not _is_arazzo(document.data) and not matches_patterns(self.config, self.path):
            return  # picked by the quick look for 'arazzo:', but that key is not at the top
        state = session_state(self.config)
        if self.config.option.arazzo_check:
            yield CheckItem.from_parent(self, name="arazzo-check", document=document)
            return
        state.note_sources(document)
        workflows = workflow_ids(document.data)  # workflowId → index of its first definition
        if not workflows:
            message = _nothing_to_run(document, state)
            yield FileProblemItem.from_parent(self, name=self.path.name, message=message)
            return
        inputs_path = find_input_file(state.settings.inputs_dir, self.path)
        input_document, input_error = self._input_file(inputs_path)
        if input_document is not None:  # what the inputs file says that no item would run
            for key, message in input_file_problems(input_document, workflows):
                yield FileProblemItem.from_parent(self, name=f"inputs[{key}]", message=message)
        for workflow_id, index in workflows.items():
            for name, message in _malformed_input_sets(input_document, workflow_id):
                yield FileProblemItem.from_parent(self, name=name, message=message)
            try:  # x-pytest-markers: markers of every item of the workflow
                marks = self._markers(document, index)
            except MarkerError as error:  # never run a workflow meant to be skipped
                name = f"{workflow_id}[{EXTENSION}]"
                yield FileProblemItem.from_parent(self, name=name, message=str(error))
                continue
            # read now, while the parse is in memory (it is released below)
            declared = self._declared(document, index) if state.settings.cli_inputs else set()
            line, _ = document.locate(f"/workflows/{index}")  # for reportinfo
            # sources are loaded and workflows planned when an item runs, not at collection
            for set_name, values in input_sets(input_document, workflow_id).items():
                name = workflow_id if set_name == DEFAULT_SET else f"{workflow_id}[{set_name}]"
                spec = ItemSpec(
                    self.path,
                    document,
                    workflow_id,
                    index,
                    set_name,
                    values,
                    input_error,
                )
                item = ArazzoItem.from_parent(self, name=name, spec=spec)
                item.declared_inputs = declared
                item.line = max(line - 1, 0)
                for mark in marks:
                    item.add_marker(mark)
                # cassette owners are fixed at collection, which every xdist worker repeats in
                # the same order: two items mapping to one file fail wherever they run
                with contextlib.suppress(CassetteNameError):  # it fails when it runs
                    state.claimed.setdefault(state.cassette_name(spec), item.nodeid)
                yield item
        if isinstance(document, ReleasableDocument):  # read back when its items run: the
            document.release()  # collected files of a large run are not all in memory at once

    def _markers(self, document: Document, index: int) -> list[pytest.MarkDecorator]:
        where = document.where(f"/workflows/{index}/{EXTENSION}")
        return workflow_markers(self.config, _workflow(document, index), where)

    def _declared(self, document: Document, index: int) -> set[str] | None:
        """The workflow's declared input names, for :func:`check_cli_inputs`."""
        return declared_inputs(_workflow(document, index))

    def _input_file(self, path: Path | None) -> tuple[Document | None, LoadError | None]:
        """The input file, parsed (positions shown relative to the rootdir), or its error."""
        if path is None:
            return None, None
        settings = self.config.stash[SETTINGS]
        display = display_path(path, self.config.rootpath)
        try:
            state = session_state(self.config)  # its SourceCache holds the allowed folders
            resolved = state.input_folders.resolve(path)
            check_confined(resolved, state.cache.allowed, settings.rootdir, "the input file")
            return _load(self.config, path, display, settings.max_file_bytes), None
        except SourceError as error:  # outside the rootdir (a symlink)
            return None, LoadError(display, error.message, code=error.code)
        except LoadError as error:
            return None, error


class ArazzoItem(pytest.Item):
    """One workflow run with one input set."""

    def __init__(self, *, spec: ItemSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.explained: Explained | None = None  # a failure, explained when it happened
        self.declared_inputs: set[str] | None = set()  # read at collection with --arazzo-input
        self.line = 0  # the workflow's line (0-based), read at collection
        self.add_marker(pytest.mark.arazzo)

    def runtest(self) -> None:
        state = session_state(self.config)
        settings, report = state.settings, reporting(self.config)
        live = settings.live or settings.record_mode != "none"
        log = ItemLog(report.progress(self.nodeid, self.spec.workflow_id, live))
        fuzz = self.fuzz_request()
        try:
            if fuzz is None:
                recorded = run_item(state, self.spec, self.nodeid, log)
            else:  # a Hypothesis property over the inputs; Hypothesis is imported only here
                from pytest_arazzo.fuzz.run import run_fuzz

                log.mode = "live fuzz" if settings.live else "replay fuzz"
                try:
                    run_fuzz(state, self.spec, prepare_item(state, self.spec), self.nodeid, fuzz)
                finally:  # read by Hypothesis's pytest plugin (--hypothesis-show-statistics)
                    if fuzz.stats.statistics:
                        self.hypothesis_statistics = fuzz.stats.statistics
                recorded = None
        except WorkflowFailure as failure:
            self.explained = report.finish(self, self.spec, state, log, failure)
            raise
        except Warning as warning:  # filterwarnings = error (or -W error) turned it into one
            if not _own_warning(warning):
                raise
            converted = _warning_failure(warning, self.spec)
            self.explained = report.finish(self, self.spec, state, log, converted)
            raise converted from None
        report.finish(self, self.spec, state, log, None)
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
            explained = getattr(self, "explained", None)
            if explained is not None:  # scrubbed already; --tb=line: the one line only
                text = "" if self.config.getoption("tbstyle") == "line" else explained.text
                return failure_repr(text, explained.where, explained.line)
            # a response may echo the credential (API errors, bodies): never print it
            secrets = secret_variants(session_state(self.config).credentials().secrets())
            shown: str = excinfo.value.render(mask=lambda value: scrub_literals(value, secrets))
            return shown
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line, f"arazzo workflow {self.name}"


def _own_warning(warning: Warning) -> bool:
    """A warning category of pytest-arazzo's (ArazzoWarning, ContractWarning, ActionWarning)."""
    return type(warning).__module__.startswith("pytest_arazzo.")


def _warning_failure(warning: Warning, spec: ItemSpec | None = None) -> WorkflowFailure:
    """A plugin warning that pytest's warning filters made an error, as the item's failure:
    the warning's own message, no traceback through the plugin."""
    category = type(warning)
    failure = WorkflowFailure(
        f"{category.__name__} (an error here: filterwarnings): {warning}",
        hint="pytest's filterwarnings (ini) or -W turns this warning into an error: fix what "
        f"it says, or add 'ignore::{category.__module__}.{category.__qualname__}' (or "
        f"'default::...') to filterwarnings",
    )
    if spec is not None:
        failure.at(spec.workflow_id, spec.document.where(f"/workflows/{spec.index}"))
    return failure


class _ReportItem(pytest.Item):
    """An item whose failure is a finished report (diagnostics), shown as is."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, WorkflowFailure):
            return excinfo.value.message
        return super().repr_failure(excinfo, style=style)


class CheckItem(_ReportItem):
    """``--arazzo-check``: every problem of one file; fails on errors (or warnings if asked)."""

    def __init__(self, *, document: Document, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.document = document

    def runtest(self) -> None:
        state = session_state(self.config)
        problems = check_document(self.document, state.arazzo_file)
        strict = state.settings.warnings_as_errors
        try:
            failing = failing_problems(problems, strict, ArazzoWarning)
        except ArazzoWarning as warning:  # filterwarnings = error: every problem, no traceback
            message = f"{_warning_failure(warning).render()}\n{render_problems(problems)}"
            raise WorkflowFailure(message + "\n" + _summary(problems, strict)) from None
        if failing:
            raise WorkflowFailure(render_problems(problems) + "\n" + _summary(problems, strict))
        if problems:  # infos (and warnings): shown with -rP
            self.add_report_section("call", "arazzo check", render_problems(problems))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"arazzo check {self.path.name}"


def _malformed_input_sets(document: Document | None, workflow_id: str) -> list[tuple[str, str]]:
    """(item name, message) for each input set that is not a mapping: it fails as an item of
    its own instead of silently running nothing."""
    if document is None or not isinstance(document.data, dict):
        return []
    sets = document.data.get(workflow_id)
    if not isinstance(sets, dict):
        return []
    found = []
    for set_name, values in sets.items():
        if isinstance(values, dict):
            continue
        name = workflow_id if str(set_name) == DEFAULT_SET else f"{workflow_id}[{set_name}]"
        where = document.where(f"/{escape_token(workflow_id)}/{escape_token(set_name)}")
        shown = "nothing" if values is None else f"{type(values).__name__} {values!r}"[:80]
        found.append(
            (
                name,
                f"{where}: input set '{set_name}' of workflow '{workflow_id}' must be a mapping "
                f"of input names to values, got {shown}\n"
                "    hint: write it as NAME: VALUE lines under the set name (or {} for none)",
            )
        )
    return found


def _is_arazzo(data: Any) -> bool:
    return isinstance(data, dict) and "arazzo" in data


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


def check_cli_inputs(config: pytest.Config, items: list[pytest.Item]) -> None:
    """After collection: an ``--arazzo-input`` no collected workflow declares would be silently
    dropped by validation or ignored, so it is a usage error (nothing has run yet)."""
    names = config.stash[SETTINGS].cli_inputs
    arazzo = [item for item in items if isinstance(item, ArazzoItem)]
    if not names or not arazzo:
        return
    error = unknown_cli_inputs(names, [item.declared_inputs for item in arazzo])
    if error:
        raise pytest.UsageError(f"pytest-arazzo: {error}")


def keep_check_items(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--arazzo-check`` executes nothing: only check items (and unreadable files) stay."""
    kept = [item for item in items if isinstance(item, (CheckItem, FileProblemItem))]
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class FileProblemItem(_ReportItem):
    """Stands for a file that cannot be read, so the rest of the run goes on."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise WorkflowFailure(self.message)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"arazzo file {self.path.name}"


def _workflow(document: Document, index: int) -> Any:
    """The raw Workflow Object at ``index`` (``None`` when the file has no such list)."""
    workflows = document.data.get("workflows") if isinstance(document.data, dict) else None
    return workflows[index] if isinstance(workflows, list) else None
