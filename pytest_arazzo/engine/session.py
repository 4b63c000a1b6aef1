"""Run one test item: pick the mode (replay, record, live), gather inputs, run, keep the cassette.

This is the glue between the pytest layer (:mod:`plugin`) and the engine (:mod:`execute`); it knows
nothing of pytest beyond the settings it is handed.

Modes: replay (record mode ``none``, the default) answers from the item's cassette with the
network blocked; ``new`` records items whose cassette is missing, unreadable or stale (a request
no longer matches, interactions were left unused, the Stripe-Version pin changed) and replays the
others; ``rewrite`` records every item; live runs against the real servers and writes nothing.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_arazzo.cassette.format import Cassette, CassetteError, load_cassette, save_cassette
from pytest_arazzo.cassette.matching import RequestMatcher
from pytest_arazzo.cassette.naming import CassetteNameError, cassette_path, source_key
from pytest_arazzo.cassette.scrub import Scrubber
from pytest_arazzo.checks import check_workflow, memo, unrunnable
from pytest_arazzo.contract.checker import ContractChecker
from pytest_arazzo.diagnostics.problems import failing_problems
from pytest_arazzo.diagnostics.text import clip, did_you_mean
from pytest_arazzo.document.cache import DocumentCache
from pytest_arazzo.document.loader import Document, LoadError
from pytest_arazzo.document.sources import FolderCache, SourceCache, display_path
from pytest_arazzo.document.stored_sources import SourceStore
from pytest_arazzo.engine.settings import ArazzoWarning, RunSettings
from pytest_arazzo.execute.failures import PlanFailure, StepRecord, WorkflowFailure
from pytest_arazzo.execute.inputs import (
    DEFAULT_SET,
    MissingInputFile,
    changed_since_recording,
    missing_input_file,
    required_inputs,
    spec_stem,
)
from pytest_arazzo.execute.runner import Limits, Runner, RunResult, Servers
from pytest_arazzo.http.auth import Credentials, credentials_line
from pytest_arazzo.language import schemamemo
from pytest_arazzo.plan.model import WorkflowPlan
from pytest_arazzo.plan.planner import ArazzoFile
from pytest_arazzo.transport.limits import Deadline
from pytest_arazzo.transport.netguard import NetworkGuard
from pytest_arazzo.transport.replay import ReplayTransport
from pytest_arazzo.transport.throttle import SharedThrottle, Throttle

if TYPE_CHECKING:
    from pytest_arazzo.transport.live import LiveOptions

FILES_KEPT = 64  # planned Arazzo files kept per session (least recently used dropped)


@dataclass
class ItemSpec:
    """What collection learned about one item."""

    path: Path
    document: Document
    workflow_id: str
    index: int
    input_set: str
    inputs: dict[str, Any]
    inputs_error: LoadError | None = None


@dataclass
class ItemLog:
    """What one item's run leaves for reports, whether it passes or fails: the mode it ran in,
    every step record of its last run (nested workflows too), in order, and the runner of that
    run (its ``last`` is the passing result). ``observer`` is told of each step as it
    finishes (live progress)."""

    observer: Callable[[StepRecord], None] | None = None
    mode: str = ""
    records: list[StepRecord] = field(default_factory=list)
    runner: Runner | None = None

    @property
    def result(self) -> RunResult | None:
        return self.runner.last if self.runner is not None else None

    def step(self, record: StepRecord) -> None:
        self.records.append(record)
        if self.observer is not None:
            self.observer(record)

    def attach(self, runner: Runner) -> None:
        """A new run starts (replay, then recording in mode ``new``): only its steps count."""
        self.runner = runner
        self.records.clear()


class SessionState:
    """Per-session caches: each source and Arazzo file is loaded and planned once."""

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self.cache = SourceCache(
            settings.rootdir, settings.readable, settings.max_file_bytes, source_store(settings)
        )
        self.files: dict[Path, ArazzoFile] = {}
        self.matcher = RequestMatcher(settings.match_ignore)
        if settings.throttle_file is not None:  # pytest-xdist: one window for all workers
            self.throttle: Throttle = SharedThrottle(settings.rate_limit, settings.throttle_file)
        else:
            self.throttle = Throttle(settings.rate_limit)
        self.run_id = uuid.uuid4().hex
        self.claimed: dict[Path, str] = {}
        self._cassette_root: Path | None = None
        self._cassette_folders = FolderCache()  # each cassette folder resolved once
        self.input_folders = FolderCache()  # and each inputs folder
        self.contract = ContractChecker(settings.contract)  # validators compiled once
        cache_dir = settings.cassette_cache_dir  # parsed cassettes, by content
        self.parse_cache = DocumentCache(cache_dir) if cache_dir is not None else None
        # schema-check findings by content, beside the parsed cassettes (None: memory only)
        memo.use_folder(cache_dir.parent / "arazzo-checks" if cache_dir is not None else None)
        schemas = cache_dir.parent / "arazzo-schemas" if cache_dir is not None else None
        schemamemo.use_folder(schemas)  # OpenAPI schemas found usable, by content
        self.source_names: set[str] | None = set()  # of collected files; None: not all known
        self.missing_inputs: dict[Path, MissingInputFile | None] = {}  # by Arazzo file

    def note_sources(self, document: Document) -> None:
        """Remember a collected file's source names (cheap: no source is loaded)."""
        data = document.data if isinstance(document.data, dict) else {}
        sources = data.get("sourceDescriptions")
        for source in sources if isinstance(sources, list) else []:
            if self.source_names is None or not isinstance(source, dict):
                continue
            if source.get("type") == "arazzo":  # its own sources are known only once loaded
                self.source_names = None
            elif isinstance(source.get("name"), str):
                self.source_names.add(source["name"])

    def check_server_names(self) -> None:
        """An ``--arazzo-server NAME=URL`` whose NAME is no source would be ignored, and live
        requests would go to the OpenAPI server instead: fail rather than send them there."""
        known = self.source_names
        if known is None:
            return
        unknown = [name for name in self.settings.cli_server_names if name not in known]
        if unknown:
            raise WorkflowFailure(
                f"--arazzo-server names no source description of the collected workflows: "
                f"{', '.join(unknown)} (sources: {', '.join(sorted(known))})",
                hint="fix the NAME in --arazzo-server NAME=URL (or give a bare URL for every "
                "source); no request was sent",
            )

    def check_credential_names(self, document: Document) -> None:
        """An ``arazzo_credentials`` NAME that is no source description of any collected
        workflow (and not ``*``) is a misspelt source name when a source of ``document`` has
        no credential: its requests would go out without a key, so fail before sending any.
        (While every source has one, an extra NAME may be meant for files not collected.)"""
        known, configured = self.source_names, self.settings.credentials
        if known is None or "*" in configured:
            return
        unknown = [name for name in configured if name not in known]
        uncovered = [name for name in file_sources(document) if name not in configured]
        if not unknown or not uncovered:
            return
        hints = {name: did_you_mean(name, sorted(known), list_known=False) for name in unknown}
        named = "; ".join(
            f"'{name}'" + (f" ({hint})" if hint else "") for name, hint in hints.items()
        )
        fixed = {name: value for name, value in configured.items() if name in known}
        raise WorkflowFailure(
            f"arazzo_credentials names no source description of the collected workflows: "
            f"{named}; the source(s) {', '.join(uncovered)} have no credential "
            f"(sources: {', '.join(sorted(known))})",
            hint=f"fix the NAME (a sourceDescriptions name), e.g. "
            f'{credentials_line(fixed, uncovered)}, or use "*=VARIABLE" for every source; '
            "no request was sent",
        )

    def missing_inputs_file(self, path: Path) -> MissingInputFile | None:
        """The misnamed inputs file of an Arazzo file, if any (looked for once per file)."""
        if path not in self.missing_inputs:
            self.missing_inputs[path] = missing_input_file(self.settings.inputs_dir, path)
        return self.missing_inputs[path]

    def arazzo_file(self, document: Document) -> ArazzoFile:
        """The file's plans and findings, kept for the :data:`FILES_KEPT` files used last (the
        items of a file run one after another; memory stays flat over thousands of files)."""
        file = self.files.pop(document.path, None)
        if file is None:
            file = ArazzoFile(document, self.cache)
        self.files[document.path] = file  # the most recent last
        while len(self.files) > FILES_KEPT:
            del self.files[next(iter(self.files))]
        return file

    def cassette_path(self, spec: ItemSpec) -> Path:
        """The item's cassette file, keyed by the Arazzo file's path under the rootdir; raises
        :class:`CassetteNameError` for an unsafe name, a file outside the rootdir or one that a
        symlink takes out of the cassette folder."""
        return self._cassette(spec, check_links=True)

    def cassette_name(self, spec: ItemSpec) -> Path:
        """:meth:`cassette_path` without looking at the file system (collection claims cassettes
        by name; symlinks are checked when the item runs)."""
        return self._cassette(spec, check_links=False)

    def _cassette(self, spec: ItemSpec, check_links: bool) -> Path:
        input_set = None if spec.input_set == DEFAULT_SET else spec.input_set
        settings = self.settings
        key = source_key(spec.path, settings.rootdir, spec_stem(spec.path))
        if self._cassette_root is None:  # the folder itself, resolved once per session
            self._cassette_root = settings.cassette_dir.resolve()
        return cassette_path(
            settings.cassette_dir,
            key,
            spec.workflow_id,
            input_set,
            resolved_folder=self._cassette_root,
            folders=self._cassette_folders,
            check_links=check_links,
        )

    def claim(self, path: Path, nodeid: str) -> None:
        """One cassette file per item: two items mapping to one file is an error."""
        owner = self.claimed.setdefault(path, nodeid)
        if owner != nodeid:
            raise WorkflowFailure(
                f"items '{owner}' and '{nodeid}' would share the cassette "
                f"{_relative(path, self.settings.rootdir)}",
                hint="give the Arazzo files distinct names (cassettes are keyed by the file's path "
                "without its suffix, so x.arazzo.yml and x.arazzo.json in one folder collide)",
            )

    def credentials(self) -> Credentials:
        return Credentials(self.settings.credentials, os.environ, self.settings.refused_keys)

    def live_options(self, nodeid: str) -> LiveOptions:
        from pytest_arazzo.transport.live import LiveOptions  # live and recording runs only

        settings = self.settings
        return LiveOptions(
            timeout=settings.timeout,
            stripe_version=settings.stripe_version,
            max_attempts=settings.max_attempts,
            max_backoff=settings.max_backoff,
            throttle=self.throttle,
            run_id=self.run_id,
            item=nodeid,
            refused=settings.refused_keys,
            deadline=Deadline(settings.item_timeout),
            max_response_bytes=settings.max_response_bytes,
            max_url_length=settings.max_url_length,
        )

    def scrubber(self, credentials: Credentials) -> Scrubber:
        settings = self.settings
        return Scrubber(credentials.secrets(), settings.scrub_headers, settings.scrub_fields)

    def runner(
        self, transport: Any, credentials: Credentials | None, log: ItemLog | None = None
    ) -> Runner:
        runner = Runner(
            transport,
            servers=Servers(self.settings.servers),
            credentials=credentials,
            limits=Limits(
                max_steps=self.settings.max_steps, max_retry_wait=self.settings.max_backoff
            ),
            exchange_checks=self.contract.checks(),
            stripe_version=self.settings.stripe_version,
            observer=log.step if log is not None else None,
        )
        runner.deadline = getattr(transport, "deadline", None)  # live and recording items
        if log is not None:
            log.attach(runner)
        return runner


def source_store(settings: RunSettings) -> SourceStore:
    """Where remote sources are read from; with a fetcher when recording or asked to fetch
    (``new`` fetches missing copies, ``rewrite`` and --arazzo-fetch-sources every one again)."""
    fetch = None
    if settings.fetches_sources:
        from pytest_arazzo.transport.fetch_sources import SourceFetcher  # recording, or asked

        fetch = SourceFetcher(
            timeout=settings.timeout,
            seconds=settings.item_timeout,
            max_bytes=settings.max_response_bytes,
            credentials=settings.source_credentials,
            refused=settings.refused_keys,
        )
    refresh = settings.fetch_sources or settings.record_mode == "rewrite"
    return SourceStore(settings.stored_sources, settings.rootdir, fetch, refresh)


class StaleCassette(Exception):
    """Replay showed the cassette no longer fits the workflow; ``failure`` is what to report."""

    def __init__(self, failure: WorkflowFailure, reason: str) -> None:
        super().__init__(reason)
        self.failure, self.reason = failure, reason


def prepare_item(state: SessionState, spec: ItemSpec) -> WorkflowPlan:
    """The item's checked plan; raises a :class:`WorkflowFailure` when it cannot run."""
    settings = state.settings
    where = spec.document.where(f"/workflows/{spec.index}")
    if spec.inputs_error is not None:
        raise WorkflowFailure(
            f"cannot read the input file: {spec.inputs_error}",
            hint="fix the input file (YAML or JSON: workflowId → input set name → inputs)",
        ).at(spec.workflow_id, where)
    if settings.live or settings.record_mode != "none":
        try:
            state.check_server_names()
            state.check_credential_names(spec.document)
        except WorkflowFailure as failure:
            raise failure.at(spec.workflow_id, where) from None
    plan = _checked_plan(state, spec)
    _check_inputs_file_name(state, spec, plan)
    return plan


def file_sources(document: Document) -> list[str]:
    """The names of a document's sourceDescriptions other than Arazzo ones."""
    data = document.data if isinstance(document.data, dict) else {}
    sources = data.get("sourceDescriptions")
    return [
        source["name"]
        for source in (sources if isinstance(sources, list) else [])
        if isinstance(source, dict)
        and source.get("type") != "arazzo"
        and isinstance(source.get("name"), str)
    ]


def _check_inputs_file_name(state: SessionState, spec: ItemSpec, plan: WorkflowPlan) -> None:
    """No inputs file matches, but the inputs dir holds one that looks meant as it: with
    required inputs that nothing else gives, a live or recording item fails naming the paths
    tried and the near files; otherwise (optional inputs, or replay, where the cassette holds
    the inputs) the same is a warning. Nothing is said in replay when no input is required."""
    settings = state.settings
    live = settings.live or settings.record_mode != "none"
    required = required_inputs(plan.inputs_schema)
    if not required and not live:
        return
    missing = state.missing_inputs_file(spec.path)
    if missing is None:
        return

    def shown(path: Path) -> str:
        return display_path(path, settings.rootdir)

    unmet = [name for name in required if name not in settings.cli_inputs]
    if live and unmet:
        raise WorkflowFailure(
            f"{missing.message(shown)}; workflow '{spec.workflow_id}' requires the input(s) "
            f"{', '.join(unmet)}",
            hint=f"{missing.hint(shown)}; no request was sent",
        ).at(spec.workflow_id, plan.where)
    text = f"{plan.where}: {missing.message(shown)}\n    hint: {missing.hint(shown)}"
    where = plan.where
    warnings.warn_explicit(ArazzoWarning(text), ArazzoWarning, where.file, where.line or 1)


def run_item(
    state: SessionState, spec: ItemSpec, nodeid: str, log: ItemLog | None = None
) -> str | None:
    """Run one item in the configured mode; returns the cassette path if one was written.
    ``log`` (optional) collects what reports need (:class:`ItemLog`)."""
    settings = state.settings
    log = log if log is not None else ItemLog()
    where = spec.document.where(f"/workflows/{spec.index}")
    plan = prepare_item(state, spec)
    given = {**spec.inputs, **settings.cli_inputs}
    if settings.live:
        log.mode = "live"
        _run_live(state, plan, given, nodeid, log)
        return None
    try:
        path = state.cassette_path(spec)
    except CassetteNameError as error:
        failure = WorkflowFailure(str(error), hint=error.hint)
        raise failure.at(spec.workflow_id, where) from None
    try:
        state.claim(path, nodeid)
    except WorkflowFailure as failure:
        raise failure.at(spec.workflow_id, where) from None
    mode = settings.record_mode
    if mode == "rewrite":
        return _record(state, plan, given, path, nodeid, log, spec.inputs)
    if not path.exists():
        if mode == "new":
            return _record(state, plan, given, path, nodeid, log, spec.inputs)
        raise WorkflowFailure(
            f"no cassette for this item at {_relative(path, settings.rootdir)}",
            hint=f"record it against the API's test mode: pytest '{nodeid}' --record "
            "(with the credential environment variable set; see README 'Recording')",
        ).at(spec.workflow_id, where)
    try:
        cassette = load_cassette(path, settings.max_file_bytes, state.parse_cache)
    except CassetteError as error:
        if mode == "new":
            return _record(state, plan, given, path, nodeid, log, spec.inputs)
        raise WorkflowFailure(str(error), hint="re-record it with --record").at(
            spec.workflow_id, where
        ) from None
    try:
        log.mode = "replay"
        _check_inputs_file(spec, cassette, plan)
        # the recorded inputs are the baseline; only --arazzo-input overrides them in replay
        _replay(state, plan, {**cassette.inputs, **settings.cli_inputs}, cassette, log)
    except StaleCassette as stale:
        if mode == "new":
            return _record(state, plan, given, path, nodeid, log, spec.inputs)
        raise stale.failure from None
    return None


def _checked_plan(state: SessionState, spec: ItemSpec) -> WorkflowPlan:
    """The workflow's plan; static errors fail the item, warnings go to pytest's summary."""
    broken = unrunnable(spec.document, state.arazzo_file, spec.workflow_id)
    if broken:  # it cannot be planned: say why, never a traceback
        raise PlanFailure(broken).at(
            spec.workflow_id, spec.document.where(f"/workflows/{spec.index}")
        )
    file = state.arazzo_file(spec.document)
    plan = file.plan(spec.workflow_id)
    problems = check_workflow(file, spec.workflow_id)
    failing = failing_problems(problems, state.settings.warnings_as_errors, ArazzoWarning)
    if failing:
        raise PlanFailure(failing).at(plan.workflow_id, plan.where)
    return plan


def _replay(
    state: SessionState, plan: Any, inputs: dict[str, Any], cassette: Cassette, log: ItemLog
) -> None:
    """Replay with the network blocked; raises :class:`StaleCassette` when the cassette drifted."""
    pinned = state.settings.stripe_version
    if pinned and cassette.stripe_version != pinned:
        stale = WorkflowFailure(
            f"{cassette.shown} was recorded with Stripe-Version "
            f"{cassette.stripe_version or '(none)'}, but arazzo_stripe_version is {pinned}",
            hint="re-record it with --record",
        )
        raise StaleCassette(stale.at(plan.workflow_id, plan.where), "Stripe-Version changed")
    transport = ReplayTransport(cassette, state.matcher)
    guard = NetworkGuard(lambda: transport.current)
    failure: WorkflowFailure | None = None
    try:
        with guard:
            state.runner(transport, None, log).run(plan, inputs)
    except WorkflowFailure as error:
        failure = error
    finally:
        transport.close()
    if guard.attempts:
        raise WorkflowFailure(
            f"replay tried to open a network connection: {guard.attempts[0]}"
            + (f" ({len(guard.attempts)} attempts in all)" if len(guard.attempts) > 1 else ""),
            hint="replay answers every request from the cassette and never uses the network; "
            "something sent a request outside the workflow's transport",
        ).at(plan.workflow_id, plan.where)
    if failure is not None:
        if transport.mismatch is not None:
            raise StaleCassette(failure, "a request no longer matches")
        raise failure
    _check_all_used(transport, plan)


def _check_all_used(transport: ReplayTransport, plan: Any) -> None:
    unused = transport.unused()
    if not unused:
        return
    steps = ", ".join(f"{i.step} {i.request['method']} {i.request['url']}" for i in unused)
    failure = WorkflowFailure(
        f"{len(unused)} recorded interaction(s) were not used: {steps}",
        hint="the workflow now makes fewer requests than were recorded: re-record with --record",
    )
    raise StaleCassette(failure.at(plan.workflow_id, plan.where), f"{len(unused)} unused")


def _run_live(
    state: SessionState, plan: Any, inputs: dict[str, Any], nodeid: str, log: ItemLog
) -> RunResult:
    from pytest_arazzo.transport.live import LiveTransport

    transport = LiveTransport(options=state.live_options(nodeid))
    try:
        return state.runner(transport, state.credentials(), log).run(plan, inputs)
    finally:
        transport.close()


def _check_inputs_file(spec: ItemSpec, cassette: Cassette, plan: Any) -> None:
    """Raise :class:`StaleCassette` when the item's input set no longer says what it said when
    the cassette was recorded (replay would otherwise run the old values without a word)."""
    changed = changed_since_recording(spec.inputs, cassette.file_inputs, cassette.inputs)
    if not changed:
        return
    shown = ", ".join(
        f"{name} (recorded {_shown(cassette.file_inputs or cassette.inputs, name)}, "
        f"now {_shown(spec.inputs, name)})"
        for name in changed
    )
    failure = WorkflowFailure(
        f"the inputs file changed since recording: re-record ({len(changed)} input(s) differ "
        f"from {cassette.shown}: {shown})",
        hint="re-record the item with --record (or restore the inputs file); to run other values "
        "once, give them with --arazzo-input NAME=VALUE",
    )
    raise StaleCassette(failure.at(plan.workflow_id, plan.where), "the inputs file changed")


def _shown(values: dict[str, Any], name: str) -> str:
    return clip(repr(values[name]), 40) if name in values else "(none)"


def _record(
    state: SessionState,
    plan: Any,
    inputs: dict[str, Any],
    path: Path,
    nodeid: str,
    log: ItemLog,
    file_inputs: dict[str, Any] | None = None,
) -> str:
    """Run live and write the cassette (with the input set ``file_inputs`` it ran, compared
    in replay); a failed or interrupted run writes nothing."""
    log.mode = "record"
    credentials = state.credentials()
    from pytest_arazzo.transport.live import LiveTransport
    from pytest_arazzo.transport.recording import RecordingTransport

    transport = RecordingTransport(LiveTransport(options=state.live_options(nodeid)))
    try:
        result = state.runner(transport, credentials, log).run(plan, inputs)
    finally:
        transport.close()
    cassette = Cassette(
        path,
        nodeid,
        plan.workflow_id,
        result.inputs,
        transport.interactions,
        stripe_version=state.settings.stripe_version or None,
        file_inputs=None if file_inputs is None else dict(file_inputs),
    )
    try:
        save_cassette(cassette, state.scrubber(credentials), state.settings.refused_keys)
    except (CassetteError, OSError) as error:
        raise WorkflowFailure(f"cassette not written: {error}").at(
            plan.workflow_id, plan.where
        ) from None
    return _relative(path, state.settings.rootdir)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
