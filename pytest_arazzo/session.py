"""Run one test item: pick the mode (replay, record, live), gather inputs, run, keep the cassette.

This is the glue between the pytest layer (:mod:`plugin`) and the engine (:mod:`execute`); it knows
nothing of pytest beyond the settings it is handed.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .auth import DEFAULT_REFUSED, Credentials, parse_mapping
from .cassette import Cassette, CassetteError, load_cassette, save_cassette
from .checks import check_workflow
from .execute import Limits, Runner, RunResult, Servers
from .failures import PlanFailure, WorkflowFailure
from .inputs import DEFAULT_SET, parse_cli_inputs, spec_stem
from .loader import Document, LoadError
from .plan import ArazzoFile
from .sources import SourceCache
from .transport import LiveTransport, RecordingTransport, ReplayMismatch, ReplayTransport


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
    credentials: dict[str, str] = field(default_factory=dict)
    refused_keys: tuple[str, ...] = DEFAULT_REFUSED
    max_steps: int = 1000
    timeout: tuple[float, float] = (10.0, 60.0)

    @classmethod
    def from_config(cls, config: Any) -> RunSettings:
        """Command line over ini over defaults; raises ValueError on malformed values."""
        root = Path(config.rootpath)
        option, ini = config.option, config.getini
        mode = getattr(option, "arazzo_record_mode", None) or ini("arazzo_record_mode") or "none"
        if mode not in ("none", "new", "rewrite"):
            raise ValueError(f"arazzo_record_mode must be none, new or rewrite, not {mode!r}")
        live = getattr(option, "arazzo_live", None)
        servers = parse_mapping(ini("arazzo_servers"))
        for item in getattr(option, "arazzo_server", None) or []:
            name, sep, url = item.partition("=")
            if sep and not name.startswith(("http:", "https:")):
                servers[name] = url
            else:
                servers["*"] = item
        timeout = [float(part) for part in str(ini("arazzo_timeout")).split(",")]
        return cls(
            rootdir=root,
            cassette_dir=root / ini("arazzo_cassette_dir"),
            inputs_dir=root / ini("arazzo_inputs_dir"),
            record_mode=mode,
            live=bool(ini("arazzo_live")) if live is None else live,
            cli_inputs=parse_cli_inputs(getattr(option, "arazzo_input", None) or []),
            servers=servers,
            credentials=parse_mapping(ini("arazzo_credentials")),
            refused_keys=DEFAULT_REFUSED + tuple(ini("arazzo_refuse_keys")),
            max_steps=int(ini("arazzo_max_steps")),
            timeout=(timeout[0], timeout[-1]),
        )


@dataclass
class ItemSpec:
    """What collection learned about one item."""

    path: Path
    document: Document
    workflow_id: str
    index: int
    input_set: str
    inputs: dict[str, Any]
    inputs_path: Path | None = None
    inputs_error: LoadError | None = None


class SessionState:
    """Per-session caches: each source and Arazzo file is loaded and planned once."""

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self.cache = SourceCache(settings.rootdir)
        self.files: dict[Path, ArazzoFile] = {}

    def arazzo_file(self, document: Document) -> ArazzoFile:
        if document.path not in self.files:
            self.files[document.path] = ArazzoFile(document, self.cache)
        return self.files[document.path]

    def cassette_path(self, spec: ItemSpec) -> Path:
        suffix = "" if spec.input_set == DEFAULT_SET else f"[{spec.input_set}]"
        name = f"{spec.workflow_id}{suffix}.yaml"
        return self.settings.cassette_dir / spec_stem(spec.path) / name

    def credentials(self) -> Credentials:
        return Credentials(self.settings.credentials, os.environ, self.settings.refused_keys)

    def runner(self, transport: Any, credentials: Credentials | None) -> Runner:
        return Runner(
            transport,
            servers=Servers(self.settings.servers),
            credentials=credentials,
            limits=Limits(max_steps=self.settings.max_steps),
        )


def run_item(state: SessionState, spec: ItemSpec, nodeid: str) -> str | None:
    """Run one item in the configured mode; returns the cassette path if one was written."""
    if spec.inputs_error is not None:
        raise WorkflowFailure(f"cannot read the input file: {spec.inputs_error}")
    settings = state.settings
    file = state.arazzo_file(spec.document)
    plan = file.plan(spec.workflow_id)
    problems = check_workflow(file, spec.workflow_id)
    for problem in problems:
        if not problem.is_error:
            warnings.warn(ArazzoWarning(problem.render()), stacklevel=1)
    errors = [problem for problem in problems if problem.is_error]
    if errors:
        raise PlanFailure(errors).at(plan.workflow_id, plan.where)
    given = {**spec.inputs, **settings.cli_inputs}
    if settings.live:
        _run_live(state, plan, given)
        return None
    path = state.cassette_path(spec)
    if settings.record_mode == "rewrite":
        return _record(state, plan, given, path, nodeid)
    if not path.exists():
        if settings.record_mode == "new":
            return _record(state, plan, given, path, nodeid)
        raise WorkflowFailure(
            f"no cassette for this item at {_relative(path, settings.rootdir)}",
            hint=f"record it against the API's test mode: pytest '{nodeid}' --record "
            "(with the credential environment variable set; see README 'Recording')",
        ).at(spec.workflow_id, spec.document.where(f"/workflows/{spec.index}"))
    try:
        cassette = load_cassette(path)
    except CassetteError as error:
        if settings.record_mode == "new":
            return _record(state, plan, given, path, nodeid)
        raise WorkflowFailure(str(error), hint="re-record it with --record").at(
            spec.workflow_id, spec.document.where(f"/workflows/{spec.index}")
        ) from None
    try:
        _replay(state, plan, {**cassette.inputs, **given}, cassette)
    except WorkflowFailure as failure:
        if settings.record_mode == "new" and _is_stale(failure):
            return _record(state, plan, given, path, nodeid)
        raise
    return None


def _is_stale(failure: WorkflowFailure) -> bool:
    return isinstance(failure.__cause__, ReplayMismatch) or "re-record" in failure.hint


def _replay(state: SessionState, plan: Any, inputs: dict[str, Any], cassette: Cassette) -> None:
    transport = ReplayTransport(cassette)
    try:
        result = state.runner(transport, None).run(plan, inputs)
        unused = transport.unused()
    finally:
        transport.close()
    if unused:
        steps = ", ".join(f"{i.step} {i.request['method']} {i.request['url']}" for i in unused)
        raise WorkflowFailure(
            f"{len(unused)} recorded interaction(s) were not used: {steps}",
            hint="the workflow now makes fewer requests than were recorded: re-record with --record",
        ).at(plan.workflow_id, plan.where)
    del result


def _run_live(state: SessionState, plan: Any, inputs: dict[str, Any]) -> RunResult:
    transport = LiveTransport(state.settings.timeout)
    try:
        return state.runner(transport, state.credentials()).run(plan, inputs)
    finally:
        transport.close()


def _record(state: SessionState, plan: Any, inputs: dict[str, Any], path: Path, nodeid: str) -> str:
    credentials = state.credentials()
    transport = RecordingTransport(LiveTransport(state.settings.timeout))
    try:
        result = state.runner(transport, credentials).run(plan, inputs)
    finally:
        transport.close()
    cassette = Cassette(path, nodeid, plan.workflow_id, result.inputs, transport.interactions)
    try:
        save_cassette(cassette, credentials.secrets())
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
