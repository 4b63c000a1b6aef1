"""Plan: compile each workflow of an Arazzo document into a :class:`WorkflowPlan`, once, before
any request.

Sources and each step's operation are resolved by :mod:`pytest_arazzo.plan.resolve`; every runtime
expression is parsed and every criterion compiled here; what cannot be planned becomes a
:class:`Problem` with a code and a position. A finished plan is plain data (see
:mod:`pytest_arazzo.plan.model`), linked to the plans of every workflow it may run; the executor
only runs plans.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urljoin

from pytest_arazzo.diagnostics.problems import ERROR, Problem, criterion_hint
from pytest_arazzo.document.dialect import dialect_of
from pytest_arazzo.document.loader import Document
from pytest_arazzo.document.media import is_json_type
from pytest_arazzo.document.sources import Operation, SourceCache, SourceError, inline_refs
from pytest_arazzo.language.criteria import Criterion, compile_criterion
from pytest_arazzo.language.errors import CriterionError, ExpressionError
from pytest_arazzo.language.evaluate import Expression
from pytest_arazzo.language.grammar11 import version_problem
from pytest_arazzo.language.parser import parse_source_reference
from pytest_arazzo.language.selector_object import SelectorError, compile_target
from pytest_arazzo.language.templates import Compiled, ObjectHook, compile_value
from pytest_arazzo.plan.messaging import MessageSteps
from pytest_arazzo.plan.model import (
    ActionPlan,
    BodyPlan,
    ParamPlan,
    StepDependency,
    StepPlan,
    WorkflowPlan,
)
from pytest_arazzo.plan.order import order_steps, parse_dependency, step_ids, unknown_step
from pytest_arazzo.plan.payloads import compile_payload
from pytest_arazzo.plan.querystring import check_querystring, querystring_template
from pytest_arazzo.plan.resolve import Sources, hint_for, operation_parameter
from pytest_arazzo.plan.selectors import Reported, selector_hook
from pytest_arazzo.plan.source_refs import path_problem, value_problem
from pytest_arazzo.plan.styles import parameter_style

DEFAULT_CONTENT_TYPE = "application/json"


class ArazzoFile:
    """One Arazzo document with its sources resolved; plans its workflows on demand (cached)."""

    def __init__(self, document: Document, cache: SourceCache) -> None:
        self.document = document
        self.data: dict[str, Any] = document.data if isinstance(document.data, dict) else {}
        self.cache = cache
        self.dialect = dialect_of(self.data)
        self.self_uri = self_uri(document, self.data) if self.dialect.self_field else None
        self.resolved = Sources(document, cache)
        self.sources = self.resolved.sources
        self.source_problems: list[Problem] = self.resolved.problems
        self.operations: dict[str, Operation] = {}  # step pointer → the operation it calls
        self._plans: dict[str, WorkflowPlan] = {}
        self._files: dict[str, ArazzoFile] = {}

    @cached_property
    def components(self) -> dict[str, Any]:
        value = self.data.get("components")
        return value if isinstance(value, dict) else {}

    @cached_property
    def workflows(self) -> dict[str, tuple[int, dict[str, Any]]]:
        found: dict[str, tuple[int, dict[str, Any]]] = {}
        for index, workflow in enumerate(_list(self.data.get("workflows"))):
            if isinstance(workflow, dict) and isinstance(workflow.get("workflowId"), str):
                found.setdefault(workflow["workflowId"], (index, workflow))
        return found

    @property
    def source_descriptions(self) -> dict[str, dict[str, Any]]:
        return self.resolved.descriptions

    def operation_at(self, pointer: str) -> Operation | None:
        """The loaded operation the step at ``pointer`` calls (for the static checks)."""
        return self.operations.get(pointer)

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

        def visit(
            file: ArazzoFile, current: str, path: list[str], seen: set[tuple[int, str]]
        ) -> list[str]:
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

    def plan(self, workflow_id: str) -> WorkflowPlan:
        """The plan of ``workflow_id``, linked to the plan of every workflow it may run."""
        if workflow_id not in self._plans:
            plan = self._plans[workflow_id] = _Planner(self, workflow_id).plan()
            for reference in plan.references():  # cached first: workflows may run each other
                try:
                    plan.targets[reference] = self.plan_reference(reference)
                except KeyError:
                    continue  # reported as a problem of ``plan`` already
        return self._plans[workflow_id]


class _Planner:
    """Plans one workflow, collecting every problem instead of stopping at the first."""

    def __init__(self, file: ArazzoFile, workflow_id: str) -> None:
        self.file = file
        self.resolved = file.resolved
        self.doc = file.document
        self.index, self.raw = file.workflows[workflow_id]
        self.base = f"/workflows/{self.index}"
        self.problems: list[Problem] = list(file.source_problems)
        self.messages = (  # Arazzo 1.1 AsyncAPI steps
            MessageSteps(file.sources, file.source_descriptions, self.problem, self.compile)
            if "asyncapi" in file.dialect.source_types
            else None
        )

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

    def selectors(self, value: Any, pointer: str) -> ObjectHook | None:
        """Selector Objects inside ``value`` compiled (1.1), or reported; see plan/selectors."""
        return selector_hook(value, pointer, self.file.dialect, self.problem, self.field_label)

    def compile(self, value: Any, pointer: str) -> Compiled | None:
        try:
            compiled = compile_value(value, self.selectors(value, pointer))
        except Reported:
            return None
        except ExpressionError as error:
            self.problem("AZ301", pointer, f"{self.field_label(pointer)}: {error}")
            return None
        return compiled if self.versioned(compiled.expressions(), pointer, "AZ301") else None

    def versioned(self, expressions: list[Expression], pointer: str, code: str) -> bool:
        """Whether the document's Arazzo version accepts every expression (else a problem)."""
        fine = True
        for expression in expressions:
            found = version_problem(expression.source, expression.references(), self.file.dialect)
            if found is None and expression.root == "self" and self.file.self_uri is None:
                self.problem(
                    code,
                    pointer,
                    f"{self.field_label(pointer)}: $self reads the document's '$self' field, "
                    "which this document does not have",
                    "add '$self: <the URI of this document>' at the top level",
                )
                fine = False
            elif found is not None:
                label = self.field_label(pointer)
                self.problem(code, pointer, f"{label}: {found.message}", found.hint)
                fine = False
            elif expression.root == "sourceDescriptions" and self.file.dialect.grammar == "1.1":
                fine = self.source_value(expression, pointer) and fine
        return fine

    def source_value(self, expression: Expression, pointer: str) -> bool:
        """Arazzo 1.1: a ``$sourceDescriptions`` value must name a field, not an operation."""
        ref = expression.references()
        sources, descriptions = self.file.sources, self.resolved.descriptions
        found = value_problem(str(ref.id), str(ref.name), sources, descriptions)
        if found is not None:
            self.problem("AZ268", pointer, f"{self.field_label(pointer)}: {found[0]}", found[1])
        return found is None

    def criteria(self, items: Any, pointer: str) -> list[Criterion]:
        compiled = []
        for index, item in enumerate(_list(items)):
            if not isinstance(item, dict):
                continue
            try:
                criterion = compile_criterion(item, self.file.dialect.version)
                where = f"{pointer}/{index}"
                if self.versioned(criterion.expressions(), where, "AZ302"):
                    compiled.append(criterion)
            except (CriterionError, ExpressionError) as error:
                field_name = getattr(error, "field", "condition")
                where = f"{pointer}/{index}/{field_name}"
                self.problem(
                    "AZ302", where, f"{self.field_label(where)}: {error}", criterion_hint(item)
                )
        return compiled

    def plan(self) -> WorkflowPlan:
        raw_steps = [
            (raw, f"{self.base}/steps/{index}")
            for index, raw in enumerate(_list(self.raw.get("steps")))
            if isinstance(raw, dict)
        ]
        steps = [self.step(raw, pointer) for raw, pointer in raw_steps]
        if self.file.dialect.step_depends_on:  # Arazzo 1.1: dependsOn and implicit dependencies
            steps = order_steps(steps, [raw for raw, _ in raw_steps], self.base, self.problem)
        outputs = self.outputs(self.raw.get("outputs"), f"{self.base}/outputs")
        if self.messages:
            self.messages.check_workflow_outputs(self.raw, self.base)
        plan = WorkflowPlan(
            workflow_id=str(self.raw["workflowId"]),
            where=self.doc.where(self.base),
            steps=steps,
            outputs=outputs,
            inputs_schema=self.inputs_schema(),
            depends_on=self.depends_on(),
            problems=self.problems,
            success_actions=self.workflow_actions("successActions"),
            failure_actions=self.workflow_actions("failureActions"),
            source_descriptions=self.resolved.descriptions,
            components=self.file.components,
            dialect=self.file.dialect,
            self_uri=self.file.self_uri,
        )
        self.check_gotos(plan)
        return plan

    def inputs_schema(self) -> dict[str, Any]:
        """The inputs JSON Schema with its ``$ref`` inlined (``#/components/inputs/x``, files)."""
        schema = self.raw.get("inputs")
        if not isinstance(schema, dict):
            return {}
        try:
            inlined: dict[str, Any] = inline_refs(schema, self.doc, self.file.cache)
        except SourceError as error:
            self.problem("AZ230", f"{self.base}/inputs", f"workflow inputs schema: {error.message}")
            return {}
        return inlined

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
                    hint_for(str(item), list(self.file.workflows)),
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
        asyncapi = self.messages.source_of(raw) if self.messages else None
        message = None
        if self.messages and asyncapi is not None:
            message = self.messages.plan(raw, pointer)
        elif self.messages:
            self.messages.check_other_step(raw, pointer)
        operation = None
        if asyncapi is None:
            operation = self.resolved.operation(raw, pointer, self.problem)
        for name in ("operationPath", "channelPath") if self.messages else ():
            found = path_problem(raw.get(name), self.file.sources, self.resolved.descriptions)
            if found:
                self.problem("AZ268", f"{pointer}/{name}", f"{name}: {found[0]}", found[1])
        if operation is not None:
            self.file.operations[pointer] = operation
        workflow_id = _text(raw.get("workflowId"))
        if workflow_id and not self.workflow_exists(workflow_id):
            self.problem(
                "AZ212",
                f"{pointer}/workflowId",
                f"workflow '{workflow_id}' does not exist",
                hint_for(workflow_id, list(self.file.workflows)),
            )
        return StepPlan(
            step_id=_text(raw.get("stepId")) or "",
            pointer=pointer,
            where=self.doc.where(pointer),
            operation=self.resolved.operation_plan(operation) if operation else None,
            workflow_id=workflow_id,
            parameters=self.parameters(raw, pointer, operation, workflow_id is not None),
            body=self.body(raw.get("requestBody"), f"{pointer}/requestBody", operation),
            success=self.criteria(raw.get("successCriteria"), f"{pointer}/successCriteria"),
            on_success=self.actions(raw.get("onSuccess"), "successActions", f"{pointer}/onSuccess"),
            on_failure=self.actions(raw.get("onFailure"), "failureActions", f"{pointer}/onFailure"),
            outputs=self.outputs(raw.get("outputs"), f"{pointer}/outputs"),
            depends_on=self.step_dependencies(raw, pointer),
            message=message,
            timeout=_timeout(raw.get("timeout")) if self.file.dialect.step_depends_on else None,
        )

    def step_dependencies(self, raw: dict[str, Any], pointer: str) -> list[StepDependency]:
        """Arazzo 1.1 Step Object ``dependsOn``: each entry must name an existing step."""
        if not self.file.dialect.step_depends_on:
            return []  # a 1.0 document: the 1.0 schema reports the field
        found = []
        for index, entry in enumerate(_list(raw.get("dependsOn"))):
            if not isinstance(entry, str):
                continue  # the schema check reports it
            source, workflow_id, step_id = parse_dependency(entry)
            file = self.file
            if source is not None:
                located, _ = self.file.locate(f"$sourceDescriptions.{source}.{workflow_id}")
                if located is None:
                    self.problem(
                        "AZ262",
                        f"{pointer}/dependsOn/{index}",
                        f"dependsOn '{entry}': there is no arazzo source description "
                        f"named '{source}'",
                        hint_for(source, list(self.resolved.descriptions)),
                    )
                    continue
                file = located
            workflow_id = workflow_id or str(self.raw["workflowId"])
            where = f"workflow '{workflow_id}'"
            if workflow_id not in file.workflows:
                self.problem(
                    "AZ262",
                    f"{pointer}/dependsOn/{index}",
                    f"dependsOn '{entry}': there is no workflow '{workflow_id}'",
                    hint_for(workflow_id, list(file.workflows)),
                )
                continue
            known = step_ids(file.workflows[workflow_id][1])
            if step_id not in known:
                message, hint = unknown_step(entry, step_id, where, known)
                self.problem("AZ262", f"{pointer}/dependsOn/{index}", message, hint)
                continue
            key = (file.document.where().file, workflow_id, step_id)
            local = file is self.file and workflow_id == self.raw["workflowId"]
            found.append(StepDependency(entry, key, local))
        return found

    def workflow_exists(self, workflow_id: str) -> bool:
        reference = parse_source_reference(workflow_id)
        if reference:
            return self.resolved.has_workflow(reference)
        return workflow_id in self.file.workflows

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
        params = list(merged.values())
        if any(param.location == "querystring" for param in params):
            check_querystring(params, f"{pointer}/parameters", self.problem)
        return params

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
        spec = operation_parameter(operation, name, str(location)) or {}
        style, explode, media_type = parameter_style(str(location), spec)
        param = ParamPlan(name, location, value, spec, style, explode, media_type)
        if location == "querystring":
            param.template = querystring_template(item.get("value"), pointer, self.problem)
        return param

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
                hint_for(name or "", known),
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
                hook = self.selectors(raw["payload"], f"{pointer}/payload")
                payload, check_json = compile_payload(raw["payload"], content_type, hook)
                if not self.versioned(payload.expressions(), f"{pointer}/payload", "AZ301"):
                    payload = None
            except Reported:
                payload = None
            except ExpressionError as error:
                self.problem(
                    "AZ301",
                    f"{pointer}/payload",
                    f"{self.field_label(f'{pointer}/payload')}: {error}",
                )
        replacements: list[tuple[str, Compiled]] = []
        target_types = {}
        for index, item in enumerate(_list(raw.get("replacements"))):
            if isinstance(item, dict) and isinstance(item.get("target"), str):
                item_pointer = f"{pointer}/replacements/{index}"
                target = self.target_selector(item, item_pointer, content_type)
                value = self.compile(item.get("value"), f"{item_pointer}/value")
                if value is not None and target is not False:
                    if target is not None:
                        target_types[len(replacements)] = target
                    replacements.append((item["target"], value))
        media = operation.media_type(content_type) if operation else {}
        body = BodyPlan(content_type, payload, replacements, media, check_json)
        body.target_types = target_types
        return body

    def target_selector(self, item: dict[str, Any], pointer: str, content_type: str) -> Any:
        """A 1.1 ``targetSelectorType`` compiled with its target (``None``: none given, or a 1.0
        document; ``False``: reported as a problem)."""
        if self.file.dialect.version == "1.0":
            return None
        raw_type = item.get("targetSelectorType")
        target = item["target"]
        if raw_type is None and is_json_type(content_type.split(";")[0].strip().lower()):
            raw_type = "jsonpointer"  # 1.1: "MUST be interpreted as JSON Pointer" for JSON
            if target.startswith("$"):
                self.problem(
                    "AZ324",
                    f"{pointer}/target",
                    f"{self.field_label(pointer)}: target {target!r} is read as a JSON Pointer"
                    " (no targetSelectorType, JSON payload), which must start with '/'",
                    "add 'targetSelectorType: jsonpath' to replace what this JSONPath selects",
                )
                return False
        if raw_type is None:
            return None
        try:
            found = compile_target(target, raw_type)
        except SelectorError as error:
            field_name = "targetSelectorType" if error.field == "type" else "target"
            where = f"{pointer}/{field_name}"
            self.problem(
                "AZ323" if error.field == "type" else "AZ324",
                where,
                f"{self.field_label(pointer)} {field_name}: {error.message}",
            )
            return False
        return None if "targetSelectorType" not in item else found

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
                    parameters=self.action_parameters(item, item_pointer),
                )
            )
        return planned

    def action_parameters(self, item: dict[str, Any], pointer: str) -> list[ParamPlan]:
        """Arazzo 1.1 Success/Failure Action Object ``parameters``: "passed to a workflow as
        referenced by workflowId" (its inputs, by name; ``in`` is not used)."""
        items = _list(item.get("parameters"))
        if not items or not self.file.dialect.step_depends_on:
            return []  # a 1.0 document: the 1.0 schema reports the field
        if not isinstance(item.get("workflowId"), str):
            self.problem(
                "AZ269",
                f"{pointer}/parameters",
                f"action '{item.get('name')}' has parameters but no workflowId: they are passed "
                "to the workflow a goto or retry action names, so here they would be ignored",
                "add workflowId: <the workflow that takes them as inputs>, or drop the parameters",
            )
            return []
        planned = []
        for index, raw in enumerate(items):
            param = self.parameter(raw, f"{pointer}/parameters/{index}", None, True)
            if param is not None:
                planned.append(param)
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
                    hint_for(action.step_id, known),
                )
            if action.workflow_id and not self.workflow_exists(action.workflow_id):
                self.problem(
                    "AZ241",
                    f"{action.pointer}/workflowId",
                    f"goto target workflow '{action.workflow_id}' does not exist",
                    hint_for(action.workflow_id, list(self.file.workflows)),
                )


def self_uri(document: Document, data: dict[str, Any]) -> str | None:
    """Arazzo 1.1 § Establishing the Base URI: ``$self`` when absolute, else resolved against the
    document's retrieval URI (its file); ``None`` when the field is absent."""
    value = data.get("$self")
    if not isinstance(value, str):
        return None
    return urljoin(document.path.resolve().as_uri(), value)


def _timeout(value: Any) -> float | None:
    """Arazzo 1.1 Step Object ``timeout``: milliseconds (non-negative), as seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value) / 1000


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


def _list(value: Any) -> list[Any]:
    """A list field of untrusted data (anything else counts as absent: the schema check says
    what is wrong with it)."""
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
