"""Plan: turn an Arazzo document into executable workflow plans, once, before any request.

Every step's target operation is resolved, every runtime expression parsed and every criterion
compiled here; what cannot be planned becomes a :class:`Problem` with a
code and a position. The executor only runs plans.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.problems import ERROR, WARNING, Problem, criterion_hint
from pytest_arazzo.document.loader import Document
from pytest_arazzo.document.sources import Operation, Source, SourceCache, SourceError, inline_refs
from pytest_arazzo.language.criteria import Criterion, compile_criterion
from pytest_arazzo.language.errors import CriterionError, ExpressionError
from pytest_arazzo.language.parser import parse_source_reference
from pytest_arazzo.language.templates import Compiled, compile_value
from pytest_arazzo.plan.payloads import compile_payload
from pytest_arazzo.plan.styles import parameter_style

DEFAULT_CONTENT_TYPE = "application/json"


@dataclass
class ParamPlan:
    name: str
    location: str | None  # path/query/header/cookie; None for a step that calls a workflow
    value: Compiled
    spec: dict[str, Any] = field(default_factory=dict)  # the OpenAPI Parameter Object, if known
    style: str = "form"  # OpenAPI style/explode (defaults per location), fixed at plan time
    explode: bool = True
    media_type: str | None = None  # set when the OpenAPI parameter uses `content`


@dataclass
class BodyPlan:
    content_type: str
    payload: Compiled | None
    replacements: list[tuple[str, Compiled]]
    media: dict[str, Any] = field(default_factory=dict)  # the OpenAPI Media Type Object
    check_json: bool = False  # a JSON text template: the result must parse as JSON


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


@dataclass
class StepPlan:
    step_id: str
    pointer: str
    where: Position
    operation: Operation | None
    workflow_id: str | None
    parameters: list[ParamPlan]
    body: BodyPlan | None
    success: list[Criterion]
    on_success: list[ActionPlan]
    on_failure: list[ActionPlan]
    outputs: dict[str, Compiled]


@dataclass
class WorkflowPlan:
    workflow_id: str
    where: Position
    file: ArazzoFile
    steps: list[StepPlan]
    outputs: dict[str, Compiled]
    inputs_schema: dict[str, Any]
    depends_on: list[str]
    problems: list[Problem]
    success_actions: list[ActionPlan] = field(default_factory=list)
    failure_actions: list[ActionPlan] = field(default_factory=list)

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

    def step_index(self, step_id: str) -> int | None:
        for index, step in enumerate(self.steps):
            if step.step_id == step_id:
                return index
        return None

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]


class ArazzoFile:
    """One Arazzo document with its sources loaded; plans its workflows on demand (cached)."""

    def __init__(self, document: Document, cache: SourceCache) -> None:
        self.document = document
        self.data: dict[str, Any] = document.data if isinstance(document.data, dict) else {}
        self.cache = cache
        self.sources: dict[str, Source] = {}
        self.source_problems: list[Problem] = []
        self._plans: dict[str, WorkflowPlan] = {}
        self._files: dict[str, ArazzoFile] = {}
        self._load_sources()

    @cached_property
    def components(self) -> dict[str, Any]:
        value = self.data.get("components")
        return value if isinstance(value, dict) else {}

    @cached_property
    def workflows(self) -> dict[str, tuple[int, dict[str, Any]]]:
        found = {}
        for index, workflow in enumerate(_list(self.data.get("workflows"))):
            if isinstance(workflow, dict) and isinstance(workflow.get("workflowId"), str):
                found.setdefault(workflow["workflowId"], (index, workflow))
        return found

    @cached_property
    def source_descriptions(self) -> dict[str, dict[str, Any]]:
        return {
            str(item.get("name")): item
            for item in _list(self.data.get("sourceDescriptions"))
            if isinstance(item, dict)
        }

    def _load_sources(self) -> None:
        for index, description in enumerate(_list(self.data.get("sourceDescriptions"))):
            if not isinstance(description, dict):
                continue
            where = self.document.where(f"/sourceDescriptions/{index}/url")
            try:
                source = self.cache.source(description, self.document)
            except SourceError as error:
                self.source_problems.append(
                    Problem("AZ201", ERROR, error.message, error.where or where, error.hint)
                )
                continue
            self.sources[source.name] = source

    def plan_reference(self, reference: str) -> WorkflowPlan:
        """The plan of a workflowId, or of ``$sourceDescriptions.<name>.<workflowId>``."""
        file, workflow_id = self.locate(reference)
        if file is None or workflow_id not in file.workflows:
            raise KeyError(f"workflow '{reference}' does not exist")
        return file.plan(workflow_id)

    def locate(self, reference: str) -> tuple[ArazzoFile | None, str]:
        """The Arazzo file a workflow reference lives in (``None``: no such arazzo source)."""
        qualified = parse_source_reference(reference)
        if not qualified:
            return self, reference
        name, workflow_id = qualified
        source = self.sources.get(name)
        if source is None or source.type != "arazzo":
            return None, workflow_id
        if name not in self._files:
            self._files[name] = ArazzoFile(source.document, self.cache)
        return self._files[name], workflow_id

    def dependency_cycle(self, workflow_id: str) -> list[str]:
        """A ``dependsOn`` path from ``workflow_id`` back to itself (``[]`` when none)."""
        start = (id(self), workflow_id)

        def visit(file: ArazzoFile, current: str, path: list[str], seen: set) -> list[str]:
            _, raw = file.workflows.get(current, (0, {}))
            for item in _list(raw.get("dependsOn")):
                if not isinstance(item, str):
                    continue
                target, target_id = file.locate(item)
                if target is None or target_id not in target.workflows:
                    continue
                node = (id(target), target_id)
                if node == start:
                    return [*path, item]
                if node not in seen:
                    seen.add(node)
                    found = visit(target, target_id, [*path, item], seen)
                    if found:
                        return found
            return []

        return visit(self, workflow_id, [workflow_id], {start})

    def reachable(self, plan: WorkflowPlan) -> list[WorkflowPlan]:
        """``plan`` and every workflow it may run (dependsOn, workflowId steps, goto/retry)."""
        found: dict[int, WorkflowPlan] = {id(plan): plan}
        queue = [plan]
        while queue:
            current = queue.pop()
            for reference in current.references():
                try:
                    target = current.file.plan_reference(reference)
                except KeyError:
                    continue  # reported as a problem of ``current`` already
                if id(target) not in found:
                    found[id(target)] = target
                    queue.append(target)
        return list(found.values())

    def plan(self, workflow_id: str) -> WorkflowPlan:
        if workflow_id not in self._plans:
            self._plans[workflow_id] = _Planner(self, workflow_id).plan()
        return self._plans[workflow_id]


class _Planner:
    """Plans one workflow, collecting every problem instead of stopping at the first."""

    def __init__(self, file: ArazzoFile, workflow_id: str) -> None:
        self.file = file
        self.doc = file.document
        self.index, self.raw = file.workflows[workflow_id]
        self.base = f"/workflows/{self.index}"
        self.problems: list[Problem] = list(file.source_problems)

    def problem(
        self, code: str, pointer: str, message: str, hint: str = "", severity: str = ERROR
    ) -> None:
        self.problems.append(Problem(code, severity, message, self.doc.where(pointer), hint))

    def field_label(self, pointer: str) -> str:
        """``step 'find-pet' parameters/0/value`` for a pointer inside this workflow."""
        rest = pointer[len(self.base) :].strip("/")
        parts = rest.split("/")
        if len(parts) >= 2 and parts[0] == "steps" and parts[1].isdigit():
            steps = _list(self.raw.get("steps"))
            index = int(parts[1])
            raw = steps[index] if index < len(steps) else {}
            step_id = raw.get("stepId") if isinstance(raw, dict) else None
            field_name = "/".join(parts[2:]) or "(step)"
            return f"step '{step_id or index}' {field_name}"
        return f"workflow '{self.raw.get('workflowId')}' {rest or '(workflow)'}"

    def compile(self, value: Any, pointer: str) -> Compiled | None:
        try:
            return compile_value(value)
        except ExpressionError as error:
            self.problem("AZ301", pointer, f"{self.field_label(pointer)}: {error}")
            return None

    def criteria(self, items: Any, pointer: str) -> list[Criterion]:
        compiled = []
        for index, item in enumerate(_list(items)):
            if not isinstance(item, dict):
                continue
            try:
                compiled.append(compile_criterion(item))
            except (CriterionError, ExpressionError) as error:
                field_name = getattr(error, "field", "condition")
                where = f"{pointer}/{index}/{field_name}"
                self.problem(
                    "AZ302", where, f"{self.field_label(where)}: {error}", criterion_hint(item)
                )
        return compiled

    def plan(self) -> WorkflowPlan:
        steps = [
            self.step(raw, f"{self.base}/steps/{index}")
            for index, raw in enumerate(_list(self.raw.get("steps")))
            if isinstance(raw, dict)
        ]
        outputs = self.outputs(self.raw.get("outputs"), f"{self.base}/outputs")
        plan = WorkflowPlan(
            workflow_id=str(self.raw["workflowId"]),
            where=self.doc.where(self.base),
            file=self.file,
            steps=steps,
            outputs=outputs,
            inputs_schema=self.inputs_schema(),
            depends_on=self.depends_on(),
            problems=self.problems,
            success_actions=self.workflow_actions("successActions"),
            failure_actions=self.workflow_actions("failureActions"),
        )
        self.check_gotos(plan)
        return plan

    def inputs_schema(self) -> dict[str, Any]:
        """The inputs JSON Schema with its ``$ref`` inlined (``#/components/inputs/x``, files)."""
        schema = self.raw.get("inputs")
        if not isinstance(schema, dict):
            return {}
        try:
            return inline_refs(schema, self.doc, self.file.cache)
        except SourceError as error:
            self.problem("AZ230", f"{self.base}/inputs", f"workflow inputs schema: {error.message}")
            return {}

    def depends_on(self) -> list[str]:
        """``dependsOn``: every entry must name a workflow, and there must be no cycle."""
        found = []
        for index, item in enumerate(_list(self.raw.get("dependsOn"))):
            pointer = f"{self.base}/dependsOn/{index}"
            if not isinstance(item, str) or not self.workflow_exists(item):
                self.problem(
                    "AZ253",
                    pointer,
                    f"workflow '{self.raw['workflowId']}' depends on '{item}', which does not "
                    "exist",
                    _did_you_mean(str(item), list(self.file.workflows)),
                )
                continue
            found.append(item)
        cycle = self.file.dependency_cycle(str(self.raw["workflowId"]))
        if cycle:
            self.problem(
                "AZ254",
                f"{self.base}/dependsOn",
                "dependsOn forms a cycle: " + " -> ".join(cycle),
                "a workflow cannot (even indirectly) depend on itself: remove one dependsOn entry",
            )
        return found

    def outputs(self, raw: Any, pointer: str) -> dict[str, Compiled]:
        compiled = {}
        for name, value in (raw or {}).items() if isinstance(raw, dict) else []:
            found = self.compile(value, f"{pointer}/{name}")
            if found is not None:
                compiled[str(name)] = found
        return compiled

    def step(self, raw: dict[str, Any], pointer: str) -> StepPlan:
        operation = self.operation(raw, pointer)
        workflow_id = _text(raw.get("workflowId"))
        if workflow_id and not self.workflow_exists(workflow_id):
            self.problem(
                "AZ212",
                f"{pointer}/workflowId",
                f"workflow '{workflow_id}' does not exist",
                _did_you_mean(workflow_id, list(self.file.workflows)),
            )
        return StepPlan(
            step_id=_text(raw.get("stepId")) or "",
            pointer=pointer,
            where=self.doc.where(pointer),
            operation=operation,
            workflow_id=workflow_id,
            parameters=self.parameters(raw, pointer, operation, workflow_id is not None),
            body=self.body(raw.get("requestBody"), f"{pointer}/requestBody", operation),
            success=self.criteria(raw.get("successCriteria"), f"{pointer}/successCriteria"),
            on_success=self.actions(raw.get("onSuccess"), "successActions", f"{pointer}/onSuccess"),
            on_failure=self.actions(raw.get("onFailure"), "failureActions", f"{pointer}/onFailure"),
            outputs=self.outputs(raw.get("outputs"), f"{pointer}/outputs"),
        )

    def workflow_exists(self, workflow_id: str) -> bool:
        reference = parse_source_reference(workflow_id)
        if reference:
            if reference[0] not in self.file.source_descriptions:
                return False
            source = self.file.sources.get(reference[0])
            if source is None:
                return True  # the source failed to load: that problem is reported already
            return source.type == "arazzo" and _has_workflow(source, reference[1])
        return workflow_id in self.file.workflows

    def operation(self, raw: dict[str, Any], pointer: str) -> Operation | None:
        if isinstance(raw.get("operationId"), str):
            return self.by_operation_id(raw["operationId"], f"{pointer}/operationId")
        if isinstance(raw.get("operationPath"), str):
            return self.by_operation_path(raw["operationPath"], f"{pointer}/operationPath")
        return None

    def by_operation_id(self, text: str, pointer: str) -> Operation | None:
        reference = parse_source_reference(text)
        openapi = {name: src for name, src in self.file.sources.items() if src.type == "openapi"}
        if reference:
            name, operation_id = reference
            if name not in self.file.source_descriptions:
                self.problem(
                    "AZ211",
                    pointer,
                    f"no source description named '{name}'",
                    _did_you_mean(name, list(self.file.source_descriptions)),
                )
                return None
            candidates = {name: openapi[name]} if name in openapi else {}
        else:
            operation_id, candidates = text, openapi
        found = [src for src in candidates.values() if operation_id in src.by_operation_id]
        if len(found) > 1:
            names = ", ".join(f"'{src.name}'" for src in found)
            self.problem(
                "AZ205",
                pointer,
                f"operationId '{operation_id}' is in several sources ({names}), so the step "
                "cannot tell which operation to call",
                f"write operationId: $sourceDescriptions.{found[0].name}.{operation_id}",
            )
            return None
        if not reference:
            self.check_qualified(operation_id, pointer, found[0] if found else None)
        if found:
            return found[0].by_operation_id[operation_id]
        if not candidates:
            return None  # the source itself failed to load; that problem is reported already
        known = [op for src in candidates.values() for op in src.by_operation_id]
        where = ", ".join(f"'{name}'" for name in candidates)
        unloaded = [
            name
            for name, item in self.file.source_descriptions.items()
            if name not in self.file.sources and (item.get("type") or "openapi") == "openapi"
        ]
        hint = _did_you_mean(operation_id, known)
        if unloaded and not reference and not hint.startswith("did you mean"):
            hint = f"source {', '.join(unloaded)} could not be loaded (see AZ201); it may be there"
        message = f"operationId '{operation_id}' is not in source {where}"
        self.problem("AZ210", pointer, message, hint)
        return None

    def check_qualified(self, operation_id: str, pointer: str, found: Source | None) -> None:
        """Arazzo 1.0.1 § Step Object: with several OpenAPI sources, the operationId MUST name
        its source. A warning when exactly one source has it (that operation is called); an
        error when none has it (a step in several sources is reported by the caller)."""
        declared = [
            name
            for name, item in self.file.source_descriptions.items()
            if str(item.get("type") or "openapi") == "openapi"
        ]
        if len(declared) < 2:
            return
        message = (
            f"operationId '{operation_id}' must name its source: this document has "
            f"{len(declared)} OpenAPI source descriptions ({', '.join(declared)})"
        )
        if found is None:
            self.problem("AZ205", pointer, message, _qualify_hint(self.file, operation_id))
            return
        self.problem(
            "AZ205",
            pointer,
            f"{message}; only '{found.name}' has it, so that operation is called",
            f"write operationId: $sourceDescriptions.{found.name}.{operation_id}",
            severity=WARNING,
        )

    def by_operation_path(self, text: str, pointer: str) -> Operation | None:
        head, _, fragment = text.partition("#")
        reference = parse_source_reference(head.strip("{}"))
        name = reference[0] if reference else None
        source = self.file.sources.get(name or "")
        if source is None:
            if name not in self.file.source_descriptions:
                self.problem(
                    "AZ211",
                    pointer,
                    f"operationPath '{text}' does not name a source "
                    "as {$sourceDescriptions.<name>.url}#/paths/...",
                )
            return None
        operation = source.operation_at(fragment)
        if operation is None:
            self.problem(
                "AZ213",
                pointer,
                f"operationPath '{text}': no operation at #{fragment} in source '{source.name}'",
                source.pointer_hint(fragment)
                + "; the fragment is a JSON Pointer such as #/paths/~1pets~1{id}/get",
            )
        return operation

    def parameters(
        self, raw: dict[str, Any], pointer: str, operation: Operation | None, for_workflow: bool
    ) -> list[ParamPlan]:
        merged: dict[tuple[str, str | None], ParamPlan] = {}
        for owner, owner_pointer in ((self.raw, self.base), (raw, pointer)):
            for index, item in enumerate(_list(owner.get("parameters"))):
                param_pointer = f"{owner_pointer}/parameters/{index}"
                param = self.parameter(item, param_pointer, operation, for_workflow)
                if param is not None:
                    name = param.name.lower() if param.location == "header" else param.name
                    merged.pop((name, param.location), None)  # the override goes last
                    merged[(name, param.location)] = param
        return list(merged.values())

    def parameter(
        self, item: Any, pointer: str, operation: Operation | None, for_workflow: bool
    ) -> ParamPlan | None:
        if isinstance(item, dict) and "reference" in item:
            item = self.reusable(item, "parameters", pointer)
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return None  # a missing or non-string name is reported by the schema check
        name, location = item["name"], item.get("in")
        if location is None and not for_workflow:
            self.problem(
                "AZ220",
                pointer,
                f"parameter '{name}' has no 'in'",
                "a step that calls an operation needs in: path, query, header or cookie",
            )
            return None
        if location is not None and not isinstance(location, str):
            return None  # reported by the schema check (AZ103/AZ104)
        value = self.compile(item.get("value"), f"{pointer}/value")
        if value is None:
            return None
        spec = _operation_parameter(operation, name, str(location)) or {}
        style, explode, media_type = parameter_style(str(location), spec)
        return ParamPlan(name, location, value, spec, style, explode, media_type)

    def reusable(self, item: dict[str, Any], kind: str, pointer: str) -> Any:
        """Resolve a Reusable Object (``reference: $components.<kind>.<name>``)."""
        reference = item.get("reference")
        if not isinstance(reference, str):
            return None  # reported by the schema check (AZ103)
        prefix = f"$components.{kind}."
        name = reference[len(prefix) :] if reference.startswith(prefix) else None
        components = _mapping(self.file.components.get(kind))
        found = components.get(name) if name else None
        if not isinstance(found, dict):
            known = [str(key) for key in components]
            self.problem(
                "AZ230",
                f"{pointer}/reference",
                f"'{reference}' does not resolve to components.{kind}",
                _did_you_mean(name or "", known),
            )
            return None
        return {**found, "value": item["value"]} if "value" in item else found

    def body(self, raw: Any, pointer: str, operation: Operation | None) -> BodyPlan | None:
        declared = operation.request_content_types if operation else []
        if not isinstance(raw, dict):
            if operation is not None and operation.method in ("post", "put", "patch"):
                return BodyPlan(declared[0] if declared else DEFAULT_CONTENT_TYPE, None, [])
            return None
        content_type = _text(raw.get("contentType")) or (
            declared[0] if declared else DEFAULT_CONTENT_TYPE
        )
        payload, check_json = None, False
        if "payload" in raw:
            try:
                payload, check_json = compile_payload(raw["payload"], content_type)
            except ExpressionError as error:
                self.problem(
                    "AZ301",
                    f"{pointer}/payload",
                    f"{self.field_label(f'{pointer}/payload')}: {error}",
                )
        replacements = []
        for index, item in enumerate(_list(raw.get("replacements"))):
            if isinstance(item, dict) and isinstance(item.get("target"), str):
                value = self.compile(item.get("value"), f"{pointer}/replacements/{index}/value")
                if value is not None:
                    replacements.append((item["target"], value))
        media = operation.media_type(content_type) if operation else {}
        return BodyPlan(content_type, payload, replacements, media, check_json)

    def actions(self, items: Any, kind: str, pointer: str) -> list[ActionPlan]:
        planned = []
        for index, item in enumerate(_list(items)):
            item_pointer = f"{pointer}/{index}"
            if isinstance(item, dict) and "reference" in item:
                item = self.reusable(item, kind, item_pointer)
            if not isinstance(item, dict):
                continue
            planned.append(
                ActionPlan(
                    name=_text(item.get("name")) or "",
                    type=_text(item.get("type")) or "",
                    step_id=_text(item.get("stepId")),
                    workflow_id=_text(item.get("workflowId")),
                    criteria=self.criteria(item.get("criteria"), f"{item_pointer}/criteria"),
                    retry_after=_non_negative(item.get("retryAfter")),
                    retry_limit=_retry_limit(item.get("retryLimit")),
                    pointer=item_pointer,
                )
            )
        return planned

    def workflow_actions(self, kind: str) -> list[ActionPlan]:
        return self.actions(self.raw.get(kind), kind, f"{self.base}/{kind}")

    def check_gotos(self, plan: WorkflowPlan) -> None:
        known = [step.step_id for step in plan.steps]
        actions = [a for step in plan.steps for a in (*step.on_success, *step.on_failure)]
        for action in [*actions, *plan.success_actions, *plan.failure_actions]:
            if action.step_id and action.step_id not in known:
                self.problem(
                    "AZ240",
                    f"{action.pointer}/stepId",
                    f"goto target step '{action.step_id}' does not exist in "
                    f"workflow '{plan.workflow_id}'",
                    _did_you_mean(action.step_id, known),
                )
            if action.workflow_id and not self.workflow_exists(action.workflow_id):
                self.problem(
                    "AZ241",
                    f"{action.pointer}/workflowId",
                    f"goto target workflow '{action.workflow_id}' does not exist",
                    _did_you_mean(action.workflow_id, list(self.file.workflows)),
                )


def _qualify_hint(file: ArazzoFile, operation_id: str) -> str:
    """How to write an operationId that no OpenAPI source has under exactly that name."""
    for name, source in file.sources.items():
        for known in source.by_operation_id:
            if known.lower() == operation_id.lower():
                return f"write operationId: $sourceDescriptions.{name}.{known}"
    return f"write operationId: $sourceDescriptions.<name>.{operation_id}"


def _operation_parameter(
    operation: Operation | None, name: str, location: str
) -> dict[str, Any] | None:
    """The OpenAPI Parameter Object for ``name``/``location`` (header names ignore case)."""
    if operation is None:
        return None
    found = operation.parameters.get((name, location))
    if found is None and location == "header":
        lowered = name.lower()
        for (other, where), spec in operation.parameters.items():
            if where == "header" and other.lower() == lowered:
                return spec
    return found


def _non_negative(value: Any) -> float | None:
    """``retryAfter``: a non-negative number of seconds (fractions allowed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return max(float(value), 0.0)


def _retry_limit(value: Any) -> int:
    """``retryLimit``: a non-negative integer; the spec's default is a single retry."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 1
    if isinstance(value, float) and not value.is_integer():
        return 1
    return max(int(value), 0)


def _has_workflow(source: Source, workflow_id: str) -> bool:
    return any(
        isinstance(item, dict) and item.get("workflowId") == workflow_id
        for item in _list(source.data.get("workflows"))
    )


def _list(value: Any) -> list[Any]:
    """A list field of untrusted data (anything else counts as absent: the schema check says
    what is wrong with it)."""
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _did_you_mean(name: str, known: list[str]) -> str:
    """A did-you-mean hint: a letter-case twin first, then close spellings (case-sensitive,
    unlike :func:`~pytest_arazzo.diagnostics.problems.did_you_mean`)."""
    for candidate in known:
        if candidate.lower() == name.lower():
            return f"did you mean '{candidate}'? (differs only in letter case)"
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{item}'" for item in close) + "?"
    return f"known: {', '.join(sorted(known)[:12])}" if known else ""
