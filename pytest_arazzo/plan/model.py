"""The plan data model: what a workflow run needs, as plain data, fixed before any request.

A plan holds no loaded document, file object or cache: everything the run path reads (the
operation each step calls, its source's files for the contract check, positions for reports and
the workflows it may run) is resolved by the planner and stored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.problems import Problem
from pytest_arazzo.document.dialect import ARAZZO_1_0, Dialect
from pytest_arazzo.document.sources import SourceError
from pytest_arazzo.language.criteria import Criterion
from pytest_arazzo.language.selector_object import TargetSelector
from pytest_arazzo.language.templates import Compiled


@dataclass(frozen=True, eq=False)
class SourceFile:
    """One file of an OpenAPI source (the source itself or a file its ``$ref`` points into)."""

    path: Path
    data: Any
    positions: Mapping[str, tuple[int, int]] = field(repr=False)
    display: str = ""

    def where(self, pointer: str = "") -> Position:
        """The position of a pointer (or of its nearest ancestor that has one)."""
        asked = pointer
        while pointer not in self.positions and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        line, col = self.positions.get(pointer, (0, 0))
        return Position(self.display or str(self.path), line, col, asked)


@dataclass(eq=False)
class SourcePlan:
    """An OpenAPI source description as a run needs it, with every file reachable by ``$ref``."""

    name: str
    url: str
    root: Path  # the resolved path of the source's own file
    security_schemes: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[Path, SourceFile] = field(default_factory=dict, repr=False)
    broken: dict[Path, tuple[str, Position | None]] = field(default_factory=dict, repr=False)
    # $refs to URLs (and relative ones in fetched files): (file, ref file part) -> stored copy
    links: dict[tuple[Path, str], Path | tuple[str, Position | None]] = field(
        default_factory=dict, repr=False
    )

    @property
    def data(self) -> dict[str, Any]:
        data = self.files[self.root].data if self.root in self.files else None
        return data if isinstance(data, dict) else {}

    def file(self, path: Path) -> SourceFile:
        """The file at ``path`` (resolved); :class:`SourceError` when it could not be loaded."""
        key = path.resolve()
        if key in self.files:
            return self.files[key]
        message, where = self.broken.get(
            key, (f"{key} was not loaded with source {self.name}", None)
        )
        raise SourceError(message, where)

    def ref_file(self, referrer: Path, target: str) -> SourceFile:
        """The file the file part ``target`` of a ``$ref`` in the file ``referrer`` names."""
        link = self.links.get((referrer.resolve(), target))
        if isinstance(link, tuple):
            raise SourceError(*link)
        return self.file(link if link is not None else referrer.parent / unquote(target))


@dataclass(eq=False)
class OperationPlan:
    """One OpenAPI operation a step calls: where it lives and what a request to it needs."""

    source: SourcePlan
    method: str
    path: str
    pointer: str  # of the operation, in the source's own file
    raw: dict[str, Any] = field(repr=False)
    operation_id: str | None = None
    security: list[dict[str, list[str]]] | None = None  # None: no level declares any
    servers: list[dict[str, Any]] = field(default_factory=list)  # the Server Objects in force

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass
class ParamPlan:
    name: str
    location: str | None  # path/query/header/cookie; None for a step that calls a workflow
    value: Compiled
    spec: dict[str, Any] = field(default_factory=dict)  # the OpenAPI Parameter Object, if known
    style: str = "form"  # OpenAPI style/explode (defaults per location), fixed at plan time
    explode: bool = True
    media_type: str | None = None  # set when the OpenAPI parameter uses `content`
    # Arazzo 1.1 `in: querystring` with `{$...}` inside: its text and expressions, in order
    template: tuple[Any, ...] | None = None


@dataclass
class BodyPlan:
    content_type: str
    payload: Compiled | None
    replacements: list[tuple[str, Compiled]]
    media: dict[str, Any] = field(default_factory=dict)  # the OpenAPI Media Type Object
    check_json: bool = False  # a JSON text template: the result must parse as JSON
    # Arazzo 1.1 `targetSelectorType`, by position in `replacements` (absent: by content type)
    target_types: dict[int, TargetSelector] = field(default_factory=dict)


@dataclass
class ActionPlan:
    """A Success or Failure Action Object, with its criteria compiled."""

    name: str
    type: str  # end / goto / retry
    step_id: str | None
    workflow_id: str | None
    criteria: list[Criterion]
    retry_after: float | None = None
    retry_limit: int = 1
    pointer: str = ""  # where the action (or its reference) stands in the document
    # Arazzo 1.1: parameters passed to the workflow `workflow_id` names (its inputs)
    parameters: list[ParamPlan] = field(default_factory=list)


@dataclass
class MessagePlan:
    """An Arazzo 1.1 AsyncAPI step: the channel it sends to or receives from (see
    :mod:`pytest_arazzo.plan.messaging`)."""

    source: str  # the asyncapi source description's name
    action: str  # send / receive
    channel: str  # the channel's key in the AsyncAPI document
    address: str
    operation_id: str | None
    servers: list[dict[str, Any]]
    protocols: list[str]  # of the servers the channel is on, in order
    correlation_id: Compiled | None = None
    correlation_location: str | None = None  # the AsyncAPI message's correlationId.location


@dataclass(frozen=True)
class StepDependency:
    """One Arazzo 1.1 Step Object ``dependsOn`` entry, resolved: the step that must have
    completed before this one runs (``key``: its document, workflowId and stepId)."""

    reference: str  # as written
    key: tuple[str, str, str]
    local: bool  # a step of the same workflow

    @property
    def step_id(self) -> str:
        return self.key[2]


@dataclass
class StepPlan:
    step_id: str
    pointer: str
    where: Position
    operation: OperationPlan | None
    workflow_id: str | None
    parameters: list[ParamPlan]
    body: BodyPlan | None
    success: list[Criterion]
    on_success: list[ActionPlan]
    on_failure: list[ActionPlan]
    outputs: dict[str, Compiled]
    depends_on: list[StepDependency] = field(default_factory=list)  # Arazzo 1.1
    timeout: float | None = None  # Arazzo 1.1 `timeout`, in seconds
    message: MessagePlan | None = None  # Arazzo 1.1: an AsyncAPI step (no HTTP operation)


@dataclass(eq=False)
class WorkflowPlan:
    workflow_id: str
    where: Position
    steps: list[StepPlan]
    outputs: dict[str, Compiled]
    inputs_schema: dict[str, Any]
    depends_on: list[str]
    problems: list[Problem]
    success_actions: list[ActionPlan] = field(default_factory=list)
    failure_actions: list[ActionPlan] = field(default_factory=list)
    # the Arazzo document's sourceDescriptions (by name) and components, for runtime expressions
    source_descriptions: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    components: dict[str, Any] = field(default_factory=dict, repr=False)
    # the Arazzo version the document is read as, and its `$self` (absolute), for `$self`
    dialect: Dialect = ARAZZO_1_0
    self_uri: str | None = None
    # every workflow reference this workflow may run → its plan (linked by the planner)
    targets: dict[str, WorkflowPlan] = field(default_factory=dict, repr=False)

    def references(self) -> list[str]:
        """Every workflow reference this workflow may run."""
        found = list(self.depends_on)
        actions = [*self.success_actions, *self.failure_actions]
        for step in self.steps:
            if step.workflow_id:
                found.append(step.workflow_id)
            actions += step.on_success + step.on_failure
        found += [action.workflow_id for action in actions if action.workflow_id]
        return list(dict.fromkeys(found))

    def target(self, reference: str) -> WorkflowPlan:
        """The plan a workflow reference names; :class:`KeyError` when there is none."""
        try:
            return self.targets[reference]
        except KeyError:
            raise KeyError(f"workflow '{reference}' does not exist") from None

    def reachable(self) -> list[WorkflowPlan]:
        """This plan and every workflow it may run (dependsOn, workflowId steps, goto/retry)."""
        found: dict[int, WorkflowPlan] = {id(self): self}
        queue = [self]
        while queue:
            current = queue.pop()
            for target in current.targets.values():
                if id(target) not in found:
                    found[id(target)] = target
                    queue.append(target)
        return list(found.values())

    def step_index(self, step_id: str) -> int | None:
        for index, step in enumerate(self.steps):
            if step.step_id == step_id:
                return index
        return None

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]
