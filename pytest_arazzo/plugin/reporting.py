"""How Arazzo items explain themselves through pytest's own reporting.

- ``-v``: each item's steps under its result line (``-vv``: every criterion with the values it
  saw); live and recording runs without xdist print each step as it finishes instead.
- A failure: the full report (:mod:`pytest_arazzo.report.failure`) and a one-line reason for
  ``-r f`` and ``--tb=line``.
- HAR 1.2 traces (``--arazzo-trace DIR``, ini ``arazzo_trace``/``arazzo_trace_dir``).
- JUnit properties (``--junitxml``) and ``--arazzo-report FILE.json``.

Everything an item reports travels as ``user_properties`` (JSON strings), so pytest-xdist
carries it from the workers to the controller, which prints and writes the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_arazzo import __version__
from pytest_arazzo.plugin.options import TRACE_MODES

if TYPE_CHECKING:
    from pytest_arazzo.engine.session import ItemLog, ItemSpec, SessionState
    from pytest_arazzo.execute.failures import StepRecord, WorkflowFailure
    from pytest_arazzo.report.failure import Explained

STEPS, OUTPUTS, TRACE, MODE = "arazzo_steps", "arazzo_outputs", "arazzo_trace", "arazzo_mode"
WORKFLOW = "arazzo_workflow"
PLUGIN_NAME = "arazzo-reporting"


@dataclass
class TraceSettings:
    mode: str  # failed / all / off
    directory: Path


def trace_settings(config: pytest.Config) -> TraceSettings:
    """``--arazzo-trace DIR`` over ini ``arazzo_trace_dir``; raises ValueError on a bad mode."""
    mode = str(config.getini("arazzo_trace") or "failed").strip().lower()
    if mode not in TRACE_MODES:
        raise ValueError(f"arazzo_trace must be failed, all or off, not {mode!r}")
    given = config.getoption("arazzo_trace")
    if given:
        return TraceSettings("failed" if mode == "off" else mode, Path(given).absolute())
    directory = Path(str(config.getini("arazzo_trace_dir") or ".arazzo-traces"))
    return TraceSettings(mode, config.rootpath / directory)


class ArazzoReporting:
    """The session's reporting: progress and step lines, the JSON report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.trace = trace_settings(config)
        self.results: list[dict[str, Any]] = []
        self.shown: set[str] = set()  # items whose steps were printed as they ran

    # -- on the worker (or the only process) -------------------------------------------------

    def progress(self, nodeid: str, workflow: str, live: bool) -> Callable[[StepRecord], None]:
        """What to call with each finished step: prints it when running live without xdist at
        ``-v``; does nothing otherwise."""
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        verbose = self.config.get_verbosity()
        if not live or terminal is None or verbose < 1 or _xdist(self.config):
            return lambda record: None
        from pytest_arazzo.report.steps import step_entry, step_lines

        capture = self.config.pluginmanager.get_plugin("capturemanager")

        def show(record: StepRecord) -> None:
            self.shown.add(nodeid)
            lines = step_lines(step_entry(record), verbose, workflow)
            # printed while the item runs: past pytest's output capture, as live logging is
            paused = capture.global_and_fixture_disabled() if capture else nullcontext()
            with paused:
                for line in lines:
                    terminal.write_line(f"    {line}")

        return show

    def finish(
        self,
        item: pytest.Item,
        spec: ItemSpec,
        state: SessionState,
        log: ItemLog,
        failure: WorkflowFailure | None,
    ) -> Explained | None:
        """After an item ran: its properties, its HAR trace, and (failed) its explanation."""
        from pytest_arazzo.report.failure import explain
        from pytest_arazzo.report.steps import step_entry

        scrubber = state.scrubber(state.credentials())
        secrets = scrubber.literals()
        workflow = spec.workflow_id
        steps = [step_entry(record, secrets) for record in log.records]
        item.user_properties += [(WORKFLOW, workflow), (MODE, log.mode or "replay")]
        item.user_properties.append((STEPS, json.dumps(steps, ensure_ascii=False)))
        result = log.result
        if failure is None and result is not None:
            outputs = _masked_json(result.outputs, secrets)
            item.user_properties.append((OUTPUTS, outputs))
        trace = self._write_trace(item.nodeid, state, log, failure)
        if trace:
            item.user_properties.append((TRACE, trace))
        if failure is None:
            return None
        document = spec.document
        verbose = self.config.get_verbosity()
        return explain(
            failure,
            scrubber,
            locate=lambda pointer: _locate(document, failure, pointer),
            credential_words=lambda step_id: _credential_words(state, spec, step_id),
            limit=None if verbose >= 2 else _body_limit(),
            trace=trace,
        )

    def _write_trace(
        self, nodeid: str, state: SessionState, log: ItemLog, failure: WorkflowFailure | None
    ) -> str:
        """The HAR file written for the item (relative to the rootdir when inside), or ``""``."""
        if self.trace.mode == "off" or (self.trace.mode == "failed" and failure is None):
            return ""
        exchanges = _exchanges(log, failure)
        if not exchanges:
            return ""
        from pytest_arazzo.report.har import har_document, trace_name, write_har

        document = har_document(
            exchanges,
            state.scrubber(state.credentials()),
            item=nodeid,
            mode=log.mode or "replay",
            version=__version__,
        )
        path = write_har(self.trace.directory / trace_name(nodeid), document)
        try:
            return str(path.relative_to(self.config.rootpath))
        except ValueError:
            return str(path)

    # -- on the controller (or the only process) ---------------------------------------------

    @pytest.hookimpl(trylast=True)  # after the terminal reporter's PASSED/FAILED line
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        verbose = self.config.get_verbosity()
        wanted = self.config.getoption("arazzo_report")  # else the steps are only printed at -v
        if not wanted and verbose < 1:
            return
        properties = dict(report.user_properties)
        if STEPS not in properties:
            return
        steps = json.loads(str(properties[STEPS]))
        if wanted:
            self.results.append(_result(report, properties, steps))
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if verbose < 1 or terminal is None or report.nodeid in self.shown:
            return
        from pytest_arazzo.report.steps import step_lines

        workflow = str(properties.get(WORKFLOW, ""))
        for entry in steps:
            for line in step_lines(entry, verbose, workflow):
                terminal.write_line(f"    {line}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.config.getoption("arazzo_report")
        if not path or hasattr(self.config, "workerinput"):  # the controller writes it
            return
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        document = {"version": 1, "tool": f"pytest-arazzo {__version__}", "items": self.results}
        target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        path = self.config.getoption("arazzo_report")
        if path and self.results:
            terminalreporter.write_line(f"pytest-arazzo: wrote {path} ({len(self.results)} items)")


def _result(
    report: pytest.TestReport, properties: dict[str, Any], steps: list[Any]
) -> dict[str, Any]:
    """One item of the JSON report."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    return {
        "nodeid": report.nodeid,
        "workflow": properties.get(WORKFLOW, ""),
        "mode": properties.get(MODE, ""),
        "verdict": report.outcome,
        "duration_ms": round(report.duration * 1000, 1),
        "steps": steps,
        "outputs": json.loads(str(properties[OUTPUTS])) if OUTPUTS in properties else None,
        "reason": getattr(crash, "message", None) if report.failed else None,
        "trace": properties.get(TRACE),
    }


def _exchanges(log: ItemLog, failure: WorkflowFailure | None) -> list[Any]:
    if failure is None:
        return list(log.result.exchanges) if log.result is not None else []
    original = getattr(failure, "original", None)  # a fuzzing failure: its failing example
    return list(failure.exchanges or (original.exchanges if original is not None else []))


def _locate(document: Any, failure: WorkflowFailure, pointer: str) -> Any:
    """The position of ``pointer`` in the item's document, if the failure happened there."""
    where = document.where(pointer)
    step_where = getattr(failure, "step_where", None)
    if step_where is None or where.file != step_where.file:
        return None
    return where


def _credential_words(state: SessionState, spec: ItemSpec, step_id: str) -> list[str]:
    from pytest_arazzo.report.curl import credential_words

    try:
        plan = state.arazzo_file(spec.document).plan(spec.workflow_id)
    except Exception:  # no plan, no credential words: the curl line still helps
        return []
    return credential_words(state.settings.credentials, plan, step_id)


def _masked_json(value: Any, secrets: list[str]) -> str:
    from pytest_arazzo.cassette.scrub import scrub_literals

    return json.dumps(scrub_literals(value, secrets), ensure_ascii=False, default=str)


def _body_limit() -> int:
    from pytest_arazzo.report.exchange import BODY_LIMIT

    return BODY_LIMIT


def _xdist(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput") or bool(getattr(config.option, "numprocesses", None))


def reporting(config: pytest.Config) -> ArazzoReporting:
    """The session's reporting plugin (registered at configure time)."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    assert isinstance(plugin, ArazzoReporting)
    return plugin
