"""Static checks: every problem in an Arazzo file, found before anything is sent.

:func:`check_file` is what ``pytest --arazzo-check`` reports; :func:`check_workflow` is what an
item checks at setup (errors fail it before any request, warnings go to pytest's summary).

Three layers, each collecting every problem instead of stopping at the first one:

1. **structure** — the document against the bundled Arazzo 1.0 JSON Schema (``AZ1xx``), each
   violation explained in words and placed at ``file:line:col``;
2. **planning** — :mod:`pytest_arazzo.plan` resolves operations and compiles expressions and
   criteria (``AZ201``, ``AZ210``-``AZ241``, ``AZ301``, ``AZ302``);
3. **semantics** — ids, what expressions refer to, OpenAPI paths, parameters and request bodies.

Each check is guarded: an unexpected exception becomes an ``AZ999`` problem naming the check, and
the other checks still run. Codes are listed in :data:`pytest_arazzo.diagnostics.CODES`.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from .criteria import CriterionError, compile_criterion
from .diagnostics import (
    ERROR,
    WARNING,
    Problem,
    did_you_mean,
    kind_of,
    problem,
    show,
    sort_problems,
)
from .expressions import Expression, ExpressionError, compile_value
from .loader import Document, escape_token
from .plan import ArazzoFile, StepPlan
from .pointer import PointerError, parse_pointer, resolve_pointer
from .sources import Operation, SourceError

__all__ = ["check_document", "check_file", "check_workflow", "unrunnable"]

SCHEMA_FILE = "arazzo-1.0.schema.json"
ID_PATTERN = re.compile(r"[A-Za-z0-9_\-]+")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_BUG = "this is a bug in pytest-arazzo; please report it with the file"


# ------------------------------------------------------------------------------------------
# Public API


def check_file(file: ArazzoFile) -> list[Problem]:
    """Every problem in the file (never raises)."""
    try:
        return sort_problems(finding.problem for finding in _file_findings(file))
    except Exception as error:  # the last line of defence: report, never crash
        return [_internal(file.document, "check_file", error)]


def check_workflow(file: ArazzoFile, workflow_id: str) -> list[Problem]:
    """Problems that concern one workflow: its own, the file's, and those of workflows it calls."""
    try:
        wanted = _related_workflows(file.document.data, workflow_id)
        return sort_problems(
            finding.problem
            for finding in _file_findings(file)
            if finding.scope is None or finding.scope & wanted
        )
    except Exception as error:
        return [_internal(file.document, "check_workflow", error)]


def check_document(document: Document, build: Callable[[Document], ArazzoFile]) -> list[Problem]:
    """Every problem of a parsed document, even when ``build`` (loading its sources) fails."""
    try:
        file = build(document)
    except Exception as error:
        report = Report(document)
        _document_checks(report)
        report.add(
            "AZ999",
            "",
            f"could not load the sources of this file: {type(error).__name__}: {error}",
            "fix the other problems of this file first; if it has none, " + _BUG,
            severity=ERROR,
        )
        return sort_problems(finding.problem for finding in report.findings)
    return check_file(file)


def unrunnable(
    document: Document, build: Callable[[Document], ArazzoFile], workflow_id: str
) -> list[Problem]:
    """``[]`` when the workflow can be planned; else every problem that explains why not."""
    try:
        file = build(document)
    except Exception:
        return check_document(document, build)
    try:
        file.plan(workflow_id)
    except Exception:
        return check_workflow(file, workflow_id)
    return []


# ------------------------------------------------------------------------------------------
# Findings: problems with the workflows they concern


@dataclass(frozen=True)
class Finding:
    """A problem and the workflow indexes it concerns (``None``: the whole file)."""

    problem: Problem
    scope: frozenset[int] | None


_WORKFLOW_POINTER = re.compile(r"^/workflows/(\d+)(?:/|$)")


def _scope_of(pointer: str) -> frozenset[int] | None:
    match = _WORKFLOW_POINTER.match(pointer)
    return frozenset({int(match.group(1))}) if match else None


class Report:
    """Collects the findings of one document."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.data: dict[str, Any] = document.data if isinstance(document.data, dict) else {}
        self.findings: list[Finding] = []

    def add(
        self,
        code: str,
        pointer: str,
        message: str,
        hint: str = "",
        *,
        severity: str = "",
        scope: Iterable[int] | None = None,
        position: tuple[int, int] | None = None,
    ) -> None:
        where = self.document.where(pointer)
        if position is not None and position[0]:
            name = self.document.display or str(self.document.path)
            where = f"{name}:{position[0]}:{position[1]}"
        found = problem(code, message, where, hint, severity)
        region = frozenset(scope) if scope is not None else _scope_of(pointer)
        self.findings.append(Finding(found, region))

    def extend(self, problems: Iterable[Problem], scope: Iterable[int] | None) -> None:
        region = frozenset(scope) if scope is not None else None
        self.findings += [Finding(found, region) for found in problems]

    def guard(self, name: str, check: Callable[..., None], *args: Any, pointer: str = "") -> None:
        """Run one check; an unexpected exception becomes an ``AZ999`` finding naming it."""
        try:
            check(self, *args)
        except RecursionError:
            self.add("AZ003", pointer, f"too deeply nested for check '{name}'", severity=ERROR)
        except Exception as error:
            message = f"internal error in check '{name}': {type(error).__name__}: {error}"
            self.add("AZ999", pointer, message, _BUG, severity=WARNING)


def _internal(document: Document, name: str, error: Exception) -> Problem:
    message = f"internal error in {name}: {type(error).__name__}: {error}"
    return problem("AZ999", message, document.where(""), _BUG)


_CACHE: weakref.WeakKeyDictionary[ArazzoFile, list[Finding]] = weakref.WeakKeyDictionary()


def _file_findings(file: ArazzoFile) -> list[Finding]:
    """All findings of a file, computed once per :class:`ArazzoFile`."""
    cached = _CACHE.get(file)
    if cached is None:
        report = Report(file.document)
        _document_checks(report)
        report.extend(file.source_problems, None)
        for index, workflow_id in _plannable(report.data):
            pointer = f"/workflows/{index}"
            report.guard(f"plan of '{workflow_id}'", _check_plan, file, index, pointer=pointer)
        cached = _CACHE[file] = report.findings
    return cached


def _document_checks(report: Report) -> None:
    """Checks that need only the document itself (no sources)."""
    report.guard("structure", _check_structure)
    report.guard("duplicate keys", _check_duplicate_keys)
    report.guard("ids", _check_ids)
    report.guard("source names", _check_source_names)
    report.guard("workflow calls", _check_cycles)
    report.guard("parameter lists", _check_parameter_lists)
    report.guard("step kinds", _check_step_kinds)
    for index, workflow in _workflows(report.data):
        pointer = f"/workflows/{index}"
        report.guard(
            f"expressions of workflow #{index + 1}",
            _check_expressions,
            index,
            workflow,
            pointer=pointer,
        )


# ------------------------------------------------------------------------------------------
# Small helpers for untrusted data


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """``(index, mapping)`` for the mappings in a list (anything else is skipped)."""
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _workflows(data: Any) -> list[tuple[int, dict[str, Any]]]:
    return _items(_mapping(data).get("workflows"))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _workflow_ids(data: Any) -> dict[str, int]:
    """workflowId → index of its first definition."""
    found: dict[str, int] = {}
    for index, workflow in _workflows(data):
        workflow_id = _text(workflow.get("workflowId"))
        if workflow_id is not None:
            found.setdefault(workflow_id, index)
    return found


def _plannable(data: Any) -> list[tuple[int, str]]:
    return [(index, workflow_id) for workflow_id, index in _workflow_ids(data).items()]


def _label(workflow: dict[str, Any], index: int) -> str:
    workflow_id = _text(workflow.get("workflowId"))
    return f"workflow '{workflow_id}'" if workflow_id else f"workflow #{index + 1}"


def _step_label(step: dict[str, Any], index: int) -> str:
    step_id = _text(step.get("stepId"))
    return f"step '{step_id}'" if step_id else f"step #{index + 1}"


def _declares(name: str, declared: Iterable[str]) -> bool:
    """Whether ``name`` (dotted names allowed: ``a.b`` is output ``a``, then ``b``) is declared."""
    declared = set(declared)
    parts = name.split(".")
    return any(".".join(parts[:count]) in declared for count in range(len(parts), 0, -1))


def _workflow_at(data: Any, index: int) -> dict[str, Any]:
    return dict(_workflows(data)).get(index, {})


def _related_workflows(data: Any, workflow_id: str) -> frozenset[int]:
    """Indexes of the workflow(s) with this id and of the local workflows it calls or needs."""
    by_id: dict[str, list[int]] = {}
    for index, workflow in _workflows(data):
        by_id.setdefault(str(workflow.get("workflowId")), []).append(index)
    wanted: set[int] = set()
    todo = [workflow_id]
    while todo:
        for index in by_id.get(todo.pop(), []):
            if index not in wanted:
                wanted.add(index)
                todo += [target for target, _ in _calls(_workflow_at(data, index))]
    return frozenset(wanted)


def _calls(workflow: dict[str, Any]) -> list[tuple[str, str]]:
    """Local workflowIds this workflow depends on or calls, with the field's relative pointer."""
    found = [
        (item, f"dependsOn/{index}")
        for index, item in enumerate(_list(workflow.get("dependsOn")))
        if isinstance(item, str) and not item.startswith("$")
    ]
    for index, step in _items(workflow.get("steps")):
        target = _text(step.get("workflowId"))
        if target and not target.startswith("$"):
            found.append((target, f"steps/{index}/workflowId"))
    return found


def _path_tokens(data: Any, pointer: str) -> list[str | int]:
    """JSON Pointer → path tokens, with list indexes as ints (as jsonschema reports them)."""
    tokens: list[str | int] = []
    node = data
    for token in parse_pointer(pointer):
        if isinstance(node, list) and token.isdigit():
            tokens.append(int(token))
            node = node[int(token)] if int(token) < len(node) else None
        else:
            tokens.append(token)
            node = node.get(token) if isinstance(node, dict) else None
    return tokens


def _pointer(path: Iterable[Any]) -> str:
    return "".join(f"/{escape_token(token)}" for token in path)


# ------------------------------------------------------------------------------------------
# Describing where something is, in words


_LIST_KINDS = {
    "sourceDescriptions": ("source description", "name"),
    "workflows": ("workflow", "workflowId"),
    "steps": ("step", "stepId"),
    "parameters": ("parameter", "name"),
    "successCriteria": ("success criterion", None),
    "criteria": ("criterion", None),
    "onSuccess": ("success action", "name"),
    "onFailure": ("failure action", "name"),
    "successActions": ("success action", "name"),
    "failureActions": ("failure action", "name"),
    "replacements": ("payload replacement", None),
}
_NAMED = ("source description", "workflow", "step")
_COMPONENT_KINDS = {
    "inputs": "input schema",
    "parameters": "parameter",
    "successActions": "success action",
    "failureActions": "failure action",
}


def describe(data: Any, path: list[Any]) -> str:
    """The object at ``path`` in words: ``step 'pay'``, ``success criterion #2 of step 'pay'``."""
    labels: list[str] = []
    node = data
    position = 0
    while position < len(path):
        token = path[position]
        child = _child(node, token)
        following = path[position + 1] if position + 1 < len(path) else None
        if token in _LIST_KINDS and isinstance(child, list) and isinstance(following, int):
            kind, id_field = _LIST_KINDS[token]
            item = _child(child, following)
            name = _text(item.get(id_field)) if id_field and isinstance(item, dict) else None
            labels.append(f"{kind} '{name}'" if name else f"{kind} #{following + 1}")
            node, position = item, position + 2
            continue
        if position == 0 and token == "components" and len(path) >= 3:
            kind = _COMPONENT_KINDS.get(str(path[1]), str(path[1]))
            labels.append(f"component {kind} '{path[2]}'")
            node, position = _child(_child(child, path[1]), path[2]), 3
            continue
        if token == "inputs" and position >= 2:
            rest = _pointer(path[position + 1 :])
            labels.append("inputs schema" + (f" at {rest}" if rest else ""))
            break
        labels.append(_field_label(token))
        node, position = child, position + 1
    return _join_labels(labels)


def _field_label(token: Any) -> str:
    if token in ("info", "requestBody", "outputs", "components", "payload"):
        return str(token)
    return f"'{token}'" if isinstance(token, str) else f"entry #{int(token) + 1}"


def _join_labels(labels: list[str]) -> str:
    if not labels:
        return "the document"
    last = labels[-1]
    if any(last.startswith(kind) for kind in _NAMED) or len(labels) == 1:
        return last
    return f"{last} of {labels[-2]}"


def _child(node: Any, token: Any) -> Any:
    if isinstance(node, dict):
        return node.get(token if isinstance(token, str) else str(token))
    if isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node):
        return node[token]
    return None


def _subject(data: Any, path: list[Any]) -> str:
    """A field in words: ``'dependsOn' in workflow 'w'``; a list entry: ``workflow #2``."""
    if not path:
        return "the document"
    if isinstance(path[-1], int) or path[-1] in ("info", "components"):
        return describe(data, path)
    return f"'{path[-1]}' in {describe(data, path[:-1])}"


# ------------------------------------------------------------------------------------------
# Structure: the Arazzo 1.0 JSON Schema


@dataclass(frozen=True)
class Issue:
    """One schema violation in words (before it gets a file position)."""

    code: str
    path: tuple[Any, ...]
    message: str
    hint: str = ""
    severity: str = ""


@lru_cache(maxsize=1)
def arazzo_schema() -> dict[str, Any]:
    """The bundled Arazzo 1.0 schema, with one defect fixed in memory (see below)."""
    text = (resources.files("pytest_arazzo") / "schemas" / SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    # The schema applies the Criterion Expression Type Object to the criterion itself, so a
    # criterion whose `type` is such an object (Arazzo 1.0.1 § Criterion Object) never
    # validates. Apply it to the `type` field instead.
    criterion = schema["$defs"]["criterion-object"]
    criterion["anyOf"][1] = {
        "properties": {"type": {"$ref": "#/$defs/criterion-expression-type-object"}}
    }
    return schema


def _inline_anchors(schema: Any, anchors: dict[str, Any]) -> Any:
    """``{$ref: '#stepId'}`` → the anchored subschema itself (anchor lookups are slow)."""
    if isinstance(schema, list):
        return [_inline_anchors(item, anchors) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#") and ref[1:] in anchors:
        rest = {key: value for key, value in schema.items() if key != "$ref"}
        if not set(rest) & set(anchors[ref[1:]]):
            return {**rest, **anchors[ref[1:]]}
    return {key: _inline_anchors(value, anchors) for key, value in schema.items()}


def _anchors(schema: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$anchor"), str):
                found[node["$anchor"]] = {k: v for k, v in node.items() if k != "$anchor"}
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
    return found


def _canonical(value: Any) -> Any:
    """A hashable form with JSON equality (``1 == 1.0``, ``true != 1``, key order ignored)."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, dict):
        return ("object", frozenset((key, _canonical(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_canonical(item) for item in value))
    return ("string", value)


def _unique_items(
    validator: Validator, unique: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``uniqueItems`` in linear time (jsonschema's own is quadratic: slow on big files)."""
    if unique and validator.is_type(instance, "array"):
        keys = [_canonical(item) for item in instance]
        if len(set(keys)) != len(keys):
            yield ValidationError(f"{instance!r} has non-unique elements")


@lru_cache(maxsize=1)
def _validator() -> Validator:
    """The Arazzo schema, made fast: anchors inlined, linear ``uniqueItems``, and input
    schemas checked separately (see :func:`_input_schemas`)."""
    schema = arazzo_schema()
    schema = _inline_anchors(schema, _anchors(schema))
    schema["$defs"]["schema"] = {"type": ["object", "boolean"]}
    fast = validators.extend(Draft202012Validator, {"uniqueItems": _unique_items})
    return fast(schema)


def _check_structure(report: Report) -> None:
    data = report.document.data
    if not isinstance(data, dict):
        report.add(
            "AZ006",
            "",
            "an Arazzo Description is a mapping with the fields arazzo, info, "
            f"sourceDescriptions and workflows; this document is {kind_of(data)}",
            "start from 'arazzo: 1.0.1' (Arazzo 1.0.1 § Arazzo Specification Object)",
        )
        return
    errors = list(_validator().iter_errors(data))
    for prefix, schema in _input_schemas(data):
        for error in _META_VALIDATOR.iter_errors(schema):
            error.path.extendleft(reversed(prefix))
            errors.append(error)
    for error in errors:
        for issue in explain(error, data):
            report.add(
                issue.code, _pointer(issue.path), issue.message, issue.hint, severity=issue.severity
            )


_META_VALIDATOR = Draft202012Validator(Draft202012Validator.META_SCHEMA)


def _input_schemas(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], Any]]:
    """Workflow input schemas and components.inputs, validated against the JSON Schema
    2020-12 metaschema on their own (through the Arazzo schema it is many times slower)."""
    found: list[tuple[tuple[Any, ...], Any]] = [
        (("workflows", index, "inputs"), workflow["inputs"])
        for index, workflow in _workflows(data)
        if "inputs" in workflow
    ]
    inputs = _mapping(_mapping(data.get("components")).get("inputs"))
    found += [(("components", "inputs", name), schema) for name, schema in inputs.items()]
    return found


def explain(error: ValidationError, data: Any) -> list[Issue]:
    """One jsonschema error in words; ``oneOf``/``anyOf`` errors explain the likeliest branch."""
    path = list(error.absolute_path)
    if _inside_criterion(path) and error.validator not in ("unevaluatedProperties",):
        return []  # criteria are compiled by the planner, which says more (AZ302)
    if error.validator in ("oneOf", "anyOf"):
        return _explain_choice(error, path, data)
    explainer = _EXPLAINERS.get(str(error.validator))
    if explainer is None:
        return [Issue("AZ100", tuple(path), f"{_subject(data, path)}: {_clip(error.message)}")]
    return explainer(error, path, data)


def _inside_criterion(path: list[Any]) -> bool:
    return any(
        token in ("successCriteria", "criteria") and position + 1 < len(path)
        for position, token in enumerate(path)
    )


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _explain_required(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    instance = error.instance
    if not isinstance(instance, dict):
        return []
    owner = describe(data, path)
    issues = []
    for name in error.validator_value:
        if name in instance or (name == "in" and len(path) >= 2 and path[-2] == "parameters"):
            continue  # a parameter without 'in' is AZ220, from the planner
        hint = did_you_mean(str(name), [str(key) for key in instance], list_known=False)
        hint = hint.replace("did you mean", "is it misspelled as") if hint else ""
        message = f"missing required field '{name}' in {owner}"
        issues.append(Issue("AZ101", tuple(path), message, hint))
    return issues


def _explain_unexpected(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    instance, schema = error.instance, error.schema
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return []
    allowed = _declared_fields(schema)
    patterns = [str(pattern) for pattern in schema.get("patternProperties") or {}]
    extensions = schema.get("$ref") == "#/$defs/specification-extensions"
    owner = describe(data, path)
    issues = []
    for key in instance:
        if key in allowed or (extensions and str(key).startswith("x-")):
            continue
        if any(re.search(pattern, str(key)) for pattern in patterns):
            continue
        hint = did_you_mean(str(key), allowed, list_known=False)
        if not hint and extensions:
            hint = "extensions must start with 'x-' (Arazzo 1.0.1 § Specification Extensions)"
        message = f"'{key}' is not an allowed field in {owner} (allowed: {', '.join(allowed)})"
        issues.append(Issue("AZ102", (*path, key), message, hint))
    return issues


def _declared_fields(schema: dict[str, Any], depth: int = 0) -> list[str]:
    """Property names a schema declares, also inside allOf/anyOf/oneOf/then/else."""
    found = list(schema.get("properties") or {})
    if depth < 3:
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(keyword) or []:
                if isinstance(sub, dict):
                    found += _declared_fields(sub, depth + 1)
        for keyword in ("then", "else"):
            if isinstance(schema.get(keyword), dict):
                found += _declared_fields(schema[keyword], depth + 1)
    return list(dict.fromkeys(found))


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}


def _explain_type(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    expected = error.validator_value
    expected = [expected] if isinstance(expected, str) else list(expected)
    words = " or ".join(_TYPE_WORDS.get(str(name), str(name)) for name in expected)
    instance = error.instance
    hint = ""
    if "string" in expected and isinstance(instance, (int, float, bool)):
        hint = "quote the value in YAML so that it stays text, e.g. '1.0'"
    message = f"{_subject(data, path)} must be {words}, got {kind_of(instance)}"
    return [Issue("AZ103", tuple(path), message, hint)]


def _explain_enum(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
    shown = ", ".join(show(value) for value in allowed)
    instance = error.instance
    hint = ""
    if isinstance(instance, str):
        hint = did_you_mean(instance, [str(value) for value in allowed], list_known=False)
    message = f"{_subject(data, path)} must be one of {shown}, got {show(instance)}"
    if len(allowed) == 1:
        message = f"{_subject(data, path)} must be {shown}, got {show(instance)}"
    return [Issue("AZ104", tuple(path), message, hint)]


def _explain_pattern(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    instance, pattern = error.instance, error.validator_value
    if "propertyNames" in error.schema_path:
        message = (
            f"component name '{instance}' in components.{path[-1] if path else ''} must "
            f"match {pattern}"
        )
        hint = "use letters, digits, '.', '-' and '_' (Arazzo 1.0.1 § Components Object)"
        return [Issue("AZ105", (*path, instance), message, hint)]
    if path == ["arazzo"]:
        message = f"'arazzo' must be a 1.0.x version such as '1.0.1', got {show(instance)}"
        return [Issue("AZ105", ("arazzo",), message, "pytest-arazzo reads Arazzo 1.0.x documents")]
    if len(path) == 3 and path[0] == "sourceDescriptions" and path[2] == "name":
        message = f"source description name {show(instance)} should match [A-Za-z0-9_\\-]+"
        hint = "runtime expressions ($sourceDescriptions.<name>...) cannot name it otherwise"
        return [Issue("AZ252", tuple(path), message, hint, WARNING)]
    message = f"{_subject(data, path)} is {show(instance)}, which does not match {pattern}"
    return [Issue("AZ105", tuple(path), message)]


def _explain_min_items(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    return [Issue("AZ107", tuple(path), f"{_subject(data, path)} must not be empty")]


def _explain_unique(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    items = error.instance if isinstance(error.instance, list) else []
    if path and path[-1] == "parameters":
        return []  # AZ224 says it with names
    seen: set[Any] = set()
    for later, item in enumerate(items):
        key = _canonical(item)
        if key in seen:
            message = f"{describe(data, [*path, later])} repeats an earlier entry of '{path[-1]}'"
            return [Issue("AZ107", (*path, later), message, "remove the copy")]
        seen.add(key)
    return []


def _explain_minimum(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    message = (
        f"{_subject(data, path)} must be at least {error.validator_value}, "
        f"got {show(error.instance)}"
    )
    return [Issue("AZ108", tuple(path), message)]


def _explain_dependent(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    issues = []
    for name, needs in (error.validator_value or {}).items():
        for need in needs if name in instance else []:
            if need not in instance:
                owner = describe(data, path)
                message = f"missing required field '{need}' in {owner} (it has '{name}')"
                issues.append(Issue("AZ101", tuple(path), message))
    return issues


def _explain_false(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    return [Issue("AZ102", tuple(path), f"{_subject(data, path)} is not allowed here")]


_EXPLAINERS: dict[str, Callable[[ValidationError, list[Any], Any], list[Issue]]] = {
    "required": _explain_required,
    "unevaluatedProperties": _explain_unexpected,
    "additionalProperties": _explain_unexpected,
    "type": _explain_type,
    "enum": _explain_enum,
    "const": _explain_enum,
    "pattern": _explain_pattern,
    "minItems": _explain_min_items,
    "uniqueItems": _explain_unique,
    "minimum": _explain_minimum,
    "dependentRequired": _explain_dependent,
    "None": _explain_false,
}


def _explain_choice(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    """``oneOf``/``anyOf``: exactly-one-of fields, or the errors of the branch meant."""
    exactly = _exactly_one_of(error, path, data)
    if exactly is not None:
        return exactly
    if not error.context:
        message = f"{describe(data, path)} matches more than one of the forms allowed here"
        return [Issue("AZ100", tuple(path), message)]
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        index = sub.relative_schema_path[0] if sub.relative_schema_path else 0
        branches.setdefault(int(index), []).append(sub)
    _, chosen = min(branches.items(), key=lambda item: (_cost(item[1]), item[0]))
    issues = [issue for sub in chosen for issue in explain(sub, data)]
    if issues or _inside_criterion(path) or all(_missing_in(sub) for sub in chosen):
        return issues
    return [Issue("AZ100", tuple(path), f"{describe(data, path)}: {_clip(error.message)}")]


def _missing_in(error: ValidationError) -> bool:
    """A parameter without 'in' (reported by the planner as AZ220)."""
    instance = error.instance
    return (
        error.validator == "required"
        and isinstance(instance, dict)
        and [name for name in error.validator_value if name not in instance] == ["in"]
    )


def _exactly_one_of(error: ValidationError, path: list[Any], data: Any) -> list[Issue] | None:
    """``oneOf: [{required: [a]}, {required: [b]}]`` → "must have exactly one of a, b"."""
    branches = error.validator_value
    if error.validator != "oneOf" or not all(
        isinstance(branch, dict) and set(branch) == {"required"} and len(branch["required"]) == 1
        for branch in branches
    ):
        return None
    instance = error.instance
    if not isinstance(instance, dict):
        return []
    names = [branch["required"][0] for branch in branches]
    present = [name for name in names if name in instance]
    owner = describe(data, path)
    listing = ", ".join(names)
    if len(present) > 1:
        message = f"{owner} must have exactly one of {listing}, but it has {' and '.join(present)}"
        return [Issue("AZ106", (*path, present[1]), message, f"keep one of {', '.join(present)}")]
    message = f"{owner} must have exactly one of {listing}; it has none"
    hint = (
        "name the operation (operationId or operationPath) or the workflow (workflowId) to call"
        if "operationId" in names
        else "a goto action needs the stepId or workflowId to go to"
    )
    return [Issue("AZ106", tuple(path), message, hint)]


def _cost(errors: list[ValidationError]) -> int:
    """How far an instance is from a oneOf/anyOf branch; a different kind of value is far."""
    cost = 0
    for error in errors:
        if error.validator == "type" or (
            error.validator in ("enum", "const") and not _same_kind(error)
        ):
            cost += 100
        elif error.validator in ("unevaluatedProperties", "additionalProperties"):
            cost += len(_explain_unexpected(error, list(error.absolute_path), {})) or 1
        elif error.validator == "required" and isinstance(error.instance, dict):
            cost += sum(name not in error.instance for name in error.validator_value)
        else:
            cost += 1
    return cost


def _same_kind(error: ValidationError) -> bool:
    allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
    return any(type(value) is type(error.instance) for value in allowed)


# ------------------------------------------------------------------------------------------
# Document checks: keys, ids, names, dependencies


def _check_duplicate_keys(report: Report) -> None:
    for pointer, line, col in report.document.duplicate_keys:
        try:
            tokens = _path_tokens(report.document.data, pointer)
        except PointerError:
            continue
        key = tokens[-1] if tokens else pointer
        owner = describe(report.document.data, tokens[:-1])
        report.add(
            "AZ005",
            pointer,
            f"key '{key}' appears twice in {owner}; the later value wins",
            "remove or rename one of them",
            position=(line, col),
        )


def _check_ids(report: Report) -> None:
    seen: dict[str, int] = {}
    for index, workflow in _workflows(report.data):
        pointer = f"/workflows/{index}/workflowId"
        workflow_id = _text(workflow.get("workflowId"))
        if workflow_id is not None:
            if workflow_id in seen:
                line = report.document.locate(f"/workflows/{seen[workflow_id]}")[0]
                report.add(
                    "AZ250",
                    pointer,
                    f"workflowId '{workflow_id}' is already used by workflow #"
                    f"{seen[workflow_id] + 1} (line {line})",
                    "workflowIds must be unique (Arazzo 1.0.1 § Workflow Object)",
                    scope={seen[workflow_id], index},
                )
            seen.setdefault(workflow_id, index)
            _check_id_pattern(report, pointer, "workflowId", workflow_id, "$workflows.<id>")
        _check_step_ids(report, index, workflow)


def _check_step_ids(report: Report, index: int, workflow: dict[str, Any]) -> None:
    seen: dict[str, int] = {}
    for position, step in _items(workflow.get("steps")):
        pointer = f"/workflows/{index}/steps/{position}/stepId"
        step_id = _text(step.get("stepId"))
        if step_id is None:
            continue
        if step_id in seen:
            line = report.document.locate(f"/workflows/{index}/steps/{seen[step_id]}")[0]
            report.add(
                "AZ251",
                pointer,
                f"stepId '{step_id}' is already used by step #{seen[step_id] + 1} (line {line}) "
                f"of {_label(workflow, index)}",
                "stepIds must be unique within a workflow (Arazzo 1.0.1 § Step Object)",
            )
        seen.setdefault(step_id, position)
        _check_id_pattern(report, pointer, "stepId", step_id, "$steps.<id>")


def _check_id_pattern(report: Report, pointer: str, field: str, value: str, form: str) -> None:
    if not ID_PATTERN.fullmatch(value):
        report.add(
            "AZ252",
            pointer,
            f"{field} {show(value)} should match [A-Za-z0-9_\\-]+",
            f"runtime expressions ({form}...) and goto actions cannot name it otherwise",
        )


def _check_source_names(report: Report) -> None:
    seen: dict[str, int] = {}
    for index, description in _items(report.data.get("sourceDescriptions")):
        name = _text(description.get("name"))
        if name is None:
            continue
        if name in seen:
            line = report.document.locate(f"/sourceDescriptions/{seen[name]}")[0]
            report.add(
                "AZ202",
                f"/sourceDescriptions/{index}/name",
                f"source description name '{name}' is already used (line {line})",
                "names must be unique (Arazzo 1.0.1 § Source Description Object)",
            )
        seen.setdefault(name, index)


def _source_types(data: dict[str, Any]) -> dict[str, str]:
    """Source name → type (``openapi`` when not given)."""
    return {
        str(description.get("name")): str(description.get("type") or "openapi")
        for _, description in _items(data.get("sourceDescriptions"))
    }


def _check_cycles(report: Report) -> None:
    """Workflows whose steps call themselves, directly or through others (AZ254).

    ``dependsOn`` cycles are reported by the planner.
    """
    ids = _workflow_ids(report.data)
    edges = {
        workflow_id: [
            (target, f"/workflows/{index}/{where}")
            for target, where in _calls(_workflow_at(report.data, index))
            if target in ids and where.startswith("steps/")
        ]
        for workflow_id, index in ids.items()
    }
    reported: set[frozenset[str]] = set()
    for start in edges:
        cycle = _find_cycle(start, edges)
        if cycle is None or frozenset(cycle[0]) in reported:
            continue
        names, pointer = cycle
        reported.add(frozenset(names))
        chain = " -> ".join(names)
        report.add(
            "AZ254",
            pointer,
            f"workflow '{names[0]}' calls itself: {chain}",
            "a workflow step cannot call its own workflow, directly or through others",
        )


def _find_cycle(
    start: str, edges: dict[str, list[tuple[str, str]]]
) -> tuple[list[str], str] | None:
    """A path start → ... → start (names, pointer of the edge that closes it), if any."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, chain = stack.pop()
        for target, pointer in edges.get(node, []):
            if target == start:
                return [*chain, start], pointer
            if target not in visited:
                visited.add(target)
                stack.append((target, [*chain, target]))
    return None


def _check_parameter_lists(report: Report) -> None:
    """The same parameter twice in one list (AZ224): Arazzo 1.0.1 § Workflow/Step Object."""
    for index, workflow in _workflows(report.data):
        owners = [(f"/workflows/{index}", workflow)] + [
            (f"/workflows/{index}/steps/{position}", step)
            for position, step in _items(workflow.get("steps"))
        ]
        for pointer, owner in owners:
            seen: dict[tuple[str, str], int] = {}
            for position, item in _items(owner.get("parameters")):
                key = _parameter_key(item)
                if key is None:
                    continue
                if key in seen:
                    report.add(
                        "AZ224",
                        f"{pointer}/parameters/{position}",
                        f"parameter {_describe_key(key)} is already listed as entry "
                        f"#{seen[key] + 1}",
                        "the list must not include duplicate parameters",
                    )
                seen.setdefault(key, position)


def _parameter_key(item: dict[str, Any]) -> tuple[str, str] | None:
    if "reference" in item:
        return ("$ref", str(item.get("reference")))
    name = _text(item.get("name"))
    return (name, str(item.get("in") or "")) if name is not None else None


def _describe_key(key: tuple[str, str]) -> str:
    if key[0] == "$ref":
        return f"'{key[1]}'"
    return f"'{key[0]}'" + (f" (in: {key[1]})" if key[1] else "")


def _resolve_reusable(data: dict[str, Any], item: dict[str, Any], kind: str) -> Any:
    """A Reusable Object's target in components (``None`` if it does not resolve)."""
    if "reference" not in item:
        return item
    reference = _text(item.get("reference")) or ""
    prefix = f"$components.{kind}."
    if not reference.startswith(prefix):
        return None
    found = _mapping(_mapping(data.get("components")).get(kind)).get(reference[len(prefix) :])
    if not isinstance(found, dict):
        return None
    return {**found, "value": item["value"]} if "value" in item else found


def _check_step_kinds(report: Report) -> None:
    """Request bodies on workflow steps (AZ225); operation steps without criteria (AZ260)."""
    for index, workflow in _workflows(report.data):
        for position, step in _items(workflow.get("steps")):
            pointer = f"/workflows/{index}/steps/{position}"
            label = _step_label(step, position)
            if "workflowId" in step and isinstance(step.get("requestBody"), dict):
                report.add(
                    "AZ225",
                    f"{pointer}/requestBody",
                    f"{label} calls a workflow, so its requestBody is not sent",
                    "pass values to the workflow with parameters (they map to its inputs)",
                )
            calls_operation = "operationId" in step or "operationPath" in step
            if calls_operation and not step.get("successCriteria"):
                report.add(
                    "AZ260",
                    pointer,
                    f"{label} has no successCriteria: any status below 400 counts as success",
                    "add successCriteria such as: - condition: $statusCode == 200",
                )


# ------------------------------------------------------------------------------------------
# Runtime expressions: what they refer to


@dataclass
class _Site:
    """One runtime expression and where it is used."""

    pointer: str
    expression: Expression
    step: int | None  # the step whose request, criteria or outputs use it
    phase: str  # "request" (builds the request), "response" (after it), "end" (workflow outputs)


@dataclass
class _Scope:
    """What a workflow declares, for checking the expressions inside it."""

    data: dict[str, Any]
    index: int
    workflow: dict[str, Any]
    inputs: set[str] | None = None
    steps: dict[str, int] = field(default_factory=dict)
    step_outputs: dict[str, set[str]] = field(default_factory=dict)
    outputs: set[str] = field(default_factory=set)
    jumps: bool = False

    @classmethod
    def of(cls, data: dict[str, Any], index: int, workflow: dict[str, Any]) -> _Scope:
        scope = cls(data, index, workflow, inputs=input_names(workflow.get("inputs"), data))
        for position, step in _items(workflow.get("steps")):
            step_id = _text(step.get("stepId"))
            if step_id is not None and step_id not in scope.steps:
                scope.steps[step_id] = position
                scope.step_outputs[step_id] = {str(key) for key in _mapping(step.get("outputs"))}
            scope.jumps = scope.jumps or _has_jumps(step)
        scope.jumps = scope.jumps or _has_jumps(workflow, ("successActions", "failureActions"))
        scope.outputs = {str(key) for key in _mapping(workflow.get("outputs"))}
        return scope

    @property
    def name(self) -> str:
        return str(self.workflow.get("workflowId"))


def _has_jumps(owner: dict[str, Any], kinds: tuple[str, ...] = ("onSuccess", "onFailure")) -> bool:
    return any(
        "reference" in action or action.get("type") in ("goto", "retry")
        for kind in kinds
        for _, action in _items(owner.get(kind))
    )


def input_names(schema: Any, data: Any, depth: int = 0) -> set[str] | None:
    """Input names a workflow's ``inputs`` schema declares; ``None`` when it is open-ended."""
    if schema is None:
        return set()
    if not isinstance(schema, dict):
        return None if schema is True else set()
    if depth > 10:
        return None
    names: set[str] = {str(key) for key in _mapping(schema.get("properties"))}
    reference = schema.get("$ref")
    subschemas = [sub for key in ("allOf", "anyOf", "oneOf") for sub in _list(schema.get(key))]
    if isinstance(reference, str):
        if not reference.startswith("#"):
            return None
        try:
            subschemas.append(resolve_pointer(data, reference[1:]))
        except PointerError:
            return None  # reported as AZ230
    for sub in subschemas:
        found = input_names(sub, data, depth + 1)
        if found is None:
            return None
        names |= found
    for keyword in ("additionalProperties", "unevaluatedProperties", "patternProperties"):
        if schema.get(keyword) not in (None, False, {}):
            return None
    return names


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_expressions(report: Report, index: int, workflow: dict[str, Any]) -> None:
    scope = _Scope.of(report.data, index, workflow)
    for site in _sites(workflow, f"/workflows/{index}"):
        message, hint, code = _reference_problem(scope, site)
        if message:
            report.add(code, site.pointer, message, hint)


def _sites(workflow: dict[str, Any], base: str) -> Iterator[_Site]:
    """Every runtime expression of a workflow, with where and when it is evaluated."""
    for position, param in _items(workflow.get("parameters")):
        yield from _value_sites(param.get("value"), f"{base}/parameters/{position}/value", None)
    for position, step in _items(workflow.get("steps")):
        yield from _step_sites(step, f"{base}/steps/{position}", position)
    for kind in ("successActions", "failureActions"):
        for position, action in _items(workflow.get(kind)):
            yield from _criteria_sites(action.get("criteria"), f"{base}/{kind}/{position}", None)
    for name, value in _mapping(workflow.get("outputs")).items():
        yield from _value_sites(value, f"{base}/outputs/{escape_token(name)}", None, "end")


def _step_sites(step: dict[str, Any], pointer: str, position: int) -> Iterator[_Site]:
    for index, param in _items(step.get("parameters")):
        yield from _value_sites(param.get("value"), f"{pointer}/parameters/{index}/value", position)
    body = _mapping(step.get("requestBody"))
    if "payload" in body:
        yield from _value_sites(body["payload"], f"{pointer}/requestBody/payload", position)
    for index, replacement in _items(body.get("replacements")):
        where = f"{pointer}/requestBody/replacements/{index}/value"
        yield from _value_sites(replacement.get("value"), where, position)
    yield from _criteria_sites(step.get("successCriteria"), f"{pointer}/successCriteria", position)
    for kind in ("onSuccess", "onFailure"):
        for index, action in _items(step.get(kind)):
            where = f"{pointer}/{kind}/{index}"
            yield from _criteria_sites(action.get("criteria"), where, position)
    for name, value in _mapping(step.get("outputs")).items():
        where = f"{pointer}/outputs/{escape_token(name)}"
        yield from _value_sites(value, where, position, "response")


def _value_sites(
    value: Any, pointer: str, step: int | None, phase: str = "request"
) -> Iterator[_Site]:
    """Expressions in a value (strings anywhere inside; keys are literal)."""
    stack = [(value, pointer)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            try:
                compiled = compile_value(node)
            except ExpressionError:
                continue  # the planner reports it (AZ301)
            for expression in compiled.expressions():
                yield _Site(where, expression, step, phase)
        elif isinstance(node, dict):
            stack += [(child, f"{where}/{escape_token(key)}") for key, child in node.items()]
        elif isinstance(node, list):
            stack += [(child, f"{where}/{index}") for index, child in enumerate(node)]


def _criteria_sites(items: Any, pointer: str, step: int | None) -> Iterator[_Site]:
    base = pointer if pointer.endswith("successCriteria") else f"{pointer}/criteria"
    for index, raw in _items(items):
        try:
            criterion = compile_criterion(raw)
        except (CriterionError, ExpressionError):
            continue  # the planner reports it (AZ302)
        expressions = criterion.expressions()
        if criterion.context is not None and expressions:
            yield _Site(f"{base}/{index}/context", expressions[0], step, "response")
            expressions = expressions[1:]
        for expression in expressions:
            yield _Site(f"{base}/{index}/condition", expression, step, "response")


def _reference_problem(scope: _Scope, site: _Site) -> tuple[str, str, str]:
    """``(message, hint, code)`` when an expression refers to something undeclared."""
    reference = site.expression.references()
    check = _REFERENCE_CHECKS.get(reference.root)
    if check is None:
        return "", "", ""
    return check(scope, site, reference)


def _check_inputs_ref(scope: _Scope, site: _Site, reference: Any) -> tuple[str, str, str]:
    name = str(reference.name)
    if scope.inputs is None or _declares(name, scope.inputs):
        return "", "", ""
    text = site.expression.source
    if not scope.inputs:
        return (
            f"{text}: workflow '{scope.name}' declares no inputs",
            f"declare it: inputs: {{type: object, properties: {{{name}: {{type: string}}}}}}",
            "AZ303",
        )
    return (
        f"{text}: input '{name}' is not declared in the inputs of workflow '{scope.name}'",
        did_you_mean(name, scope.inputs),
        "AZ303",
    )


def _check_steps_ref(scope: _Scope, site: _Site, reference: Any) -> tuple[str, str, str]:
    text, step_id = site.expression.source, str(reference.id)
    if step_id not in scope.steps:
        return (
            f"{text}: workflow '{scope.name}' has no step '{step_id}'",
            did_you_mean(step_id, scope.steps),
            "AZ304",
        )
    name = str(reference.name)
    declared = scope.step_outputs.get(step_id, set())
    if reference.kind == "outputs" and not _declares(name, declared):
        hint = did_you_mean(name, declared) if declared else ""
        hint = hint or f"step '{step_id}' declares no outputs; add outputs: {{{name}: ...}}"
        return f"{text}: step '{step_id}' declares no output '{name}'", hint, "AZ305"
    target = scope.steps[step_id]
    if (
        site.phase == "request"
        and site.step is not None
        and target >= site.step
        and not scope.jumps
    ):
        when = "is this step" if target == site.step else "runs after this step"
        return (
            f"{text}: step '{step_id}' {when}, so its outputs do not exist yet when the "
            "request is built",
            f"move step '{step_id}' before the step that reads it",
            "AZ306",
        )
    return "", "", ""


def _check_outputs_ref(scope: _Scope, site: _Site, reference: Any) -> tuple[str, str, str]:
    name = str(reference.name)
    declared, owner = scope.outputs, f"workflow '{scope.name}'"
    called = _called_workflow(scope, site)
    if called is not None:  # in a workflowId step, $outputs are the callee's (docs/semantics.md)
        if not called:
            return "", "", ""  # a workflow of another document, or a missing one (AZ212)
        declared = {str(key) for key in _mapping(called.get("outputs"))}
        owner = f"called workflow '{called.get('workflowId')}'"
    if _declares(name, declared):
        return "", "", ""
    return (
        f"{site.expression.source}: {owner} declares no output '{name}'",
        did_you_mean(name, declared) if declared else "",
        "AZ305",
    )


def _called_workflow(scope: _Scope, site: _Site) -> dict[str, Any] | None:
    """The workflow a ``workflowId`` step calls (``{}`` if not in this document), else ``None``."""
    if site.step is None or site.phase == "request":
        return None
    steps = scope.workflow.get("steps")
    step = steps[site.step] if isinstance(steps, list) and site.step < len(steps) else None
    target = _text(step.get("workflowId")) if isinstance(step, dict) else None
    if target is None:
        return None
    ids = _workflow_ids(scope.data)
    return _workflow_at(scope.data, ids[target]) if target in ids else {}


def _check_workflows_ref(scope: _Scope, site: _Site, reference: Any) -> tuple[str, str, str]:
    text, target = site.expression.source, str(reference.id)
    ids = _workflow_ids(scope.data)
    if target not in ids:
        message = f"{text}: no workflow '{target}' in this document"
        return message, did_you_mean(target, ids), "AZ307"
    workflow = _workflow_at(scope.data, ids[target])
    name = str(reference.name)
    if reference.kind == "outputs":
        declared: set[str] | None = {str(key) for key in _mapping(workflow.get("outputs"))}
    else:
        declared = input_names(workflow.get("inputs"), scope.data)
    if declared is None or _declares(name, declared):
        return "", "", ""
    kind = "output" if reference.kind == "outputs" else "input"
    return (
        f"{text}: workflow '{target}' declares no {kind} '{name}'",
        did_you_mean(name, declared) if declared else "",
        "AZ307",
    )


def _check_components_ref(scope: _Scope, site: _Site, reference: Any) -> tuple[str, str, str]:
    kind, name = str(reference.kind), str(reference.name)
    known = _mapping(_mapping(scope.data.get("components")).get(kind))
    if _declares(name, known):
        return "", "", ""
    return (
        f"{site.expression.source}: components.{kind} has no '{name}'",
        did_you_mean(name, known) if known else f"there is no components.{kind} section",
        "AZ308",
    )


def _check_sources_ref(scope: _Scope, site: _Site, reference: Any) -> tuple[str, str, str]:
    names = _source_types(scope.data)
    if str(reference.id) in names:
        return "", "", ""
    return (
        f"{site.expression.source}: no source description named '{reference.id}'",
        did_you_mean(str(reference.id), names),
        "AZ309",
    )


_REFERENCE_CHECKS: dict[str, Callable[[_Scope, _Site, Any], tuple[str, str, str]]] = {
    "inputs": _check_inputs_ref,
    "steps": _check_steps_ref,
    "outputs": _check_outputs_ref,
    "workflows": _check_workflows_ref,
    "components": _check_components_ref,
    "sourceDescriptions": _check_sources_ref,
}


# ------------------------------------------------------------------------------------------
# Planned steps: operations, OpenAPI paths, parameters, request bodies


def _check_plan(report: Report, file: ArazzoFile, index: int) -> None:
    workflow_id = str(report.data["workflows"][index]["workflowId"])
    try:
        plan = file.plan(workflow_id)
    except Exception as error:
        report.add(
            "AZ999",
            f"/workflows/{index}",
            f"workflow '{workflow_id}' could not be planned ({type(error).__name__}: {error})",
            "fix the other problems of this workflow first; if it has none, " + _BUG,
            severity=ERROR,
        )
        return
    report.extend(plan.problems, {index})
    planned = {step.pointer: step for step in plan.steps}
    workflow = report.data["workflows"][index]
    for position, raw in _items(workflow.get("steps")):
        pointer = f"/workflows/{index}/steps/{position}"
        context = _StepContext(file, index, workflow, position, raw, planned.get(pointer))
        for name, check in _STEP_CHECKS:
            report.guard(f"{name} of {context.label}", check, context, pointer=pointer)


@dataclass
class _StepContext:
    file: ArazzoFile
    index: int
    workflow: dict[str, Any]
    position: int
    raw: dict[str, Any]
    plan: StepPlan | None

    @property
    def pointer(self) -> str:
        return f"/workflows/{self.index}/steps/{self.position}"

    @property
    def label(self) -> str:
        return _step_label(self.raw, self.position)

    @property
    def operation(self) -> Operation | None:
        return self.plan.operation if self.plan is not None else None

    @property
    def target_field(self) -> str:
        return "operationId" if "operationId" in self.raw else "operationPath"


def _operation_name(operation: Operation) -> str:
    name = operation.operation_id
    return f"'{name}' ({operation.label})" if name else operation.label


def _check_qualified(report: Report, step: _StepContext) -> None:
    """Arazzo 1.0.1 § Step Object: with several OpenAPI sources, operationId MUST name one."""
    operation_id = _text(step.raw.get("operationId"))
    if operation_id is None or operation_id.startswith("$sourceDescriptions."):
        return
    openapi = [name for name, kind in _source_types(report.data).items() if kind == "openapi"]
    if len(openapi) < 2:
        return
    report.add(
        "AZ205",
        f"{step.pointer}/operationId",
        f"operationId '{operation_id}' must name its source: this document has "
        f"{len(openapi)} OpenAPI source descriptions ({', '.join(openapi)})",
        _qualify_hint(step.file, operation_id),
    )


def _qualify_hint(file: ArazzoFile, operation_id: str) -> str:
    exact = [
        name
        for name, source in file.sources.items()
        if source.type == "openapi" and operation_id in source.by_operation_id
    ]
    if len(exact) == 1:
        return f"write operationId: $sourceDescriptions.{exact[0]}.{operation_id}"
    if exact:
        return f"it is in {', '.join(exact)}: write $sourceDescriptions.<name>.{operation_id}"
    for name, source in file.sources.items():
        for known in source.by_operation_id:
            if known.lower() == operation_id.lower():
                return f"write operationId: $sourceDescriptions.{name}.{known}"
    return f"write operationId: $sourceDescriptions.<name>.{operation_id}"


def _check_path(report: Report, step: _StepContext) -> None:
    """OpenAPI paths that cannot be sent as written (AZ214)."""
    operation = step.operation
    if operation is None:
        return
    flaws = path_flaws(operation.path)
    if not flaws:
        return
    source = operation.source.document.where(f"/paths/{escape_token(operation.path)}")
    report.add(
        "AZ214",
        f"{step.pointer}/{step.target_field}",
        f"operation {_operation_name(operation)} has path {show(operation.path)} ({source}), "
        f"which cannot be sent as written: {'; '.join(flaws)}",
        _path_fix(operation.path),
    )


def path_flaws(path: str) -> list[str]:
    """Why an OpenAPI path cannot be put into a URL as written (``[]`` when it can)."""
    flaws = []
    if not path.startswith("/"):
        flaws.append("it does not start with '/'")
    if re.search(r"\s", path):
        flaws.append("it contains a space")
    if any(ord(char) < 32 or ord(char) == 127 for char in path if not char.isspace()):
        flaws.append("it contains control characters")
    if "?" in path or "#" in path:
        flaws.append("it contains '?' or '#' (query strings belong in parameters)")
    flaws += _brace_flaws(path)
    return flaws


def _brace_flaws(path: str) -> list[str]:
    depth, start = 0, -1
    for offset, char in enumerate(path):
        if char == "{":
            if depth:
                return ["it has a '{' inside a '{...}' template"]
            depth, start = 1, offset
        elif char == "}":
            if not depth:
                return ["it has a '}' without a matching '{'"]
            if offset == start + 1:
                return ["it has an empty '{}' template"]
            depth = 0
    return ["it has a '{' without a matching '}'"] if depth else []


def _path_fix(path: str) -> str:
    if re.search(r"\s", path):
        segments = [
            re.sub(r"\s+", "", part).lower() if re.search(r"\s", part) else part
            for part in path.split("/")
        ]
        return (
            "fix the path in the OpenAPI description; a URL path cannot contain spaces "
            f"(perhaps '{'/'.join(segments)}')"
        )
    return "fix the path in the OpenAPI description"


def _check_prefer_operation_id(report: Report, step: _StepContext) -> None:
    operation = step.operation
    if operation is None or "operationPath" not in step.raw or not operation.operation_id:
        return
    report.add(
        "AZ215",
        f"{step.pointer}/operationPath",
        f"operationPath points at operation '{operation.operation_id}'",
        f"prefer operationId: {operation.operation_id} (Arazzo 1.0.1 § Step Object)",
    )


def _given_parameters(step: _StepContext, data: dict[str, Any]) -> dict[tuple[str, str], str]:
    """``(name, in)`` → pointer of every parameter the step sends (workflow's, then its own)."""
    given: dict[tuple[str, str], str] = {}
    owners = ((f"/workflows/{step.index}", step.workflow), (step.pointer, step.raw))
    for owner_pointer, owner in owners:
        for position, item in _items(owner.get("parameters")):
            param = _resolve_reusable(data, item, "parameters")
            if not isinstance(param, dict):
                continue
            name, location = _text(param.get("name")), _text(param.get("in"))
            if name is not None and location is not None:
                given[(name, location)] = f"{owner_pointer}/parameters/{position}"
    return given


_IGNORED_HEADERS = ("accept", "content-type", "authorization")
_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def _check_parameters(report: Report, step: _StepContext) -> None:
    """Parameters the operation does not know (AZ221), required ones not given (AZ222/AZ223)."""
    operation = step.operation
    if operation is None:
        return
    given = _given_parameters(step, report.data)
    known = operation.parameters
    headers = {name.lower() for name, location in known if location == "header"}
    templates = set(_TEMPLATE.findall(operation.path))
    for (name, location), pointer in given.items():
        if (name, location) in known or (location == "header" and name.lower() in headers):
            continue
        if location == "path" and name in templates:
            continue
        _unknown_parameter(report, step, operation, name, location, pointer)
    given_headers = {name.lower() for name, location in given if location == "header"}
    for (name, location), spec in known.items():
        if (name, location) in given or (location == "header" and name.lower() in given_headers):
            continue
        if location == "header" and name.lower() in _IGNORED_HEADERS:
            continue
        if location == "path":
            templates.discard(name)
            _missing_path_parameter(report, step, operation, name)
        elif spec.get("required") is True:
            report.add(
                "AZ222",
                step.pointer,
                f"required {location} parameter '{name}' of operation "
                f"{_operation_name(operation)} is not given by {step.label}",
                f"add to the step: parameters: [{{name: {name}, in: {location}, value: ...}}]",
            )
    for name in sorted(templates - {name for name, location in given if location == "path"}):
        if (name, "path") not in known:
            _missing_path_parameter(report, step, operation, name)


def _unknown_parameter(
    report: Report,
    step: _StepContext,
    operation: Operation,
    name: str,
    location: str,
    pointer: str,
) -> None:
    known = operation.parameters
    elsewhere = [where for (other, where) in known if other == name]
    if elsewhere:
        hint = f"'{name}' is a {elsewhere[0]} parameter of this operation: write in: {elsewhere[0]}"
    else:
        names = [other for (other, where) in known if where == location]
        hint = did_you_mean(name, names, list_known=False)
        if not hint:
            listing = ", ".join(f"{other} (in: {where})" for other, where in known)
            hint = f"its parameters: {listing}" if listing else "it declares no parameters"
    where = ""
    if not pointer.startswith(step.pointer):
        where = f" (a workflow parameter, sent by {step.label})"
    report.add(
        "AZ221",
        pointer,
        f"operation {_operation_name(operation)} has no {location} parameter '{name}'{where}",
        hint,
        scope={step.index},
    )


def _missing_path_parameter(
    report: Report, step: _StepContext, operation: Operation, name: str
) -> None:
    report.add(
        "AZ223",
        step.pointer,
        f"path {show(operation.path)} of operation {_operation_name(operation)} needs path "
        f"parameter '{name}', which {step.label} does not give",
        f"add to the step: parameters: [{{name: {name}, in: path, value: ...}}]",
    )


def _check_workflow_call(report: Report, step: _StepContext) -> None:
    """A step that calls a local workflow: parameters map to that workflow's inputs."""
    target = _text(step.raw.get("workflowId"))
    ids = _workflow_ids(report.data)
    if target is None or target not in ids:
        return
    callee = _workflow_at(report.data, ids[target])
    declared = input_names(callee.get("inputs"), report.data)
    given: dict[str, str] = {}
    owners = ((f"/workflows/{step.index}", step.workflow), (step.pointer, step.raw))
    for owner_pointer, owner in owners:
        for position, item in _items(owner.get("parameters")):
            param = _resolve_reusable(report.data, item, "parameters")
            name = _text(param.get("name")) if isinstance(param, dict) else None
            if name is not None:
                given[name] = f"{owner_pointer}/parameters/{position}"
    for name, pointer in given.items():
        if declared is not None and name not in declared:
            report.add(
                "AZ221",
                pointer,
                f"workflow '{target}' declares no input '{name}' (called by {step.label})",
                did_you_mean(name, declared) if declared else f"'{target}' declares no inputs",
                scope={step.index},
            )
    for name in _required_inputs(callee.get("inputs"), report.data):
        if name not in given:
            report.add(
                "AZ222",
                step.pointer,
                f"required input '{name}' of workflow '{target}' is not given by {step.label}",
                f"add to the step: parameters: [{{name: {name}, value: ...}}]",
            )


def _required_inputs(schema: Any, data: Any) -> list[str]:
    schema = _mapping(schema)
    if isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#"):
        try:
            schema = _mapping(resolve_pointer(data, schema["$ref"][1:]))
        except PointerError:
            return []
    return [str(name) for name in _list(schema.get("required")) if isinstance(name, str)]


# -- request bodies -------------------------------------------------------------------------


@dataclass
class _Field:
    """A payload value as the request body will have it: nested fields keyed by name."""

    pointer: str
    name: str
    children: dict[str, _Field] | None = None  # None: a scalar or an expression


def _check_body(report: Report, step: _StepContext) -> None:
    """The request body against the operation (AZ225, AZ226, AZ227, AZ228)."""
    operation = step.operation
    if operation is None:
        return
    body = step.raw.get("requestBody")
    declared = operation.request_body
    name = _operation_name(operation)
    if not isinstance(body, dict):
        if declared.get("required") is True:
            report.add(
                "AZ227",
                step.pointer,
                f"operation {name} requires a request body, which {step.label} does not give",
                "add requestBody: {contentType: ..., payload: ...}",
            )
        return
    pointer = f"{step.pointer}/requestBody"
    if not declared:
        report.add(
            "AZ225",
            pointer,
            f"operation {name} declares no request body, but {step.label} sends one",
            "drop the requestBody, or check that the step calls the right operation",
        )
        return
    media, content_type = _media(report, operation, body, pointer)
    schema = media.get("schema")
    if schema is None or "payload" not in body:
        return
    tree = _payload_tree(body["payload"], content_type, f"{pointer}/payload")
    if tree is None:
        return
    replaced = _replaced(body.get("replacements"))
    notation = "form" if _is_form(content_type) else "json"
    comparer = _BodyComparer(report, operation, name, notation, replaced)
    document = getattr(operation, "document", None) or operation.source.document
    comparer.compare(tree, schema, document, ())


def _media(
    report: Report, operation: Operation, body: dict[str, Any], pointer: str
) -> tuple[dict[str, Any], str]:
    types = operation.request_content_types
    content_type = _text(body.get("contentType"))
    if content_type is not None and types and not operation.media_type(content_type):
        report.add(
            "AZ228",
            f"{pointer}/contentType",
            f"operation {_operation_name(operation)} does not declare contentType "
            f"'{content_type}'",
            f"it declares: {', '.join(types)}",
        )
        return {}, content_type
    content_type = content_type or (types[0] if types else "")
    media = operation.media_type(content_type)
    return (media if isinstance(media, dict) else {}), content_type


def _is_form(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in FORM_TYPES


def _is_json(content_type: str) -> bool:
    bare = content_type.split(";")[0].strip().lower()
    return bare == "application/json" or bare.endswith("+json")


_BRACKETS = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")


def _payload_tree(payload: Any, content_type: str, pointer: str) -> _Field | None:
    """The payload's fields; form keys in bracket notation (``a[b][0]``) are nested fields."""
    if not isinstance(payload, dict) or not (_is_form(content_type) or _is_json(content_type)):
        return None
    root = _Field(pointer, "", {})
    for key, value in payload.items():
        key_pointer = f"{pointer}/{escape_token(key)}"
        parts = _split_key(str(key)) if _is_form(content_type) else [str(key)]
        node = root
        for part in parts[:-1]:
            assert node.children is not None
            node = node.children.setdefault(part, _Field(key_pointer, part, {}))
            if node.children is None:
                node.children = {}
        assert node.children is not None
        node.children[parts[-1]] = _value_tree(value, key_pointer, parts[-1])
    return root


def _split_key(key: str) -> list[str]:
    match = _BRACKETS.match(key)
    if not match:
        return [key]
    return [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]


def _value_tree(value: Any, pointer: str, name: str) -> _Field:
    if isinstance(value, dict):
        children = {
            str(key): _value_tree(child, f"{pointer}/{escape_token(key)}", str(key))
            for key, child in value.items()
        }
        return _Field(pointer, name, children)
    if isinstance(value, list):
        children = {
            str(index): _value_tree(child, f"{pointer}/{index}", str(index))
            for index, child in enumerate(value)
        }
        return _Field(pointer, name, children)
    return _Field(pointer, name)


def _replaced(replacements: Any) -> set[tuple[str, ...]]:
    """Field paths that Payload Replacement Objects set (they count as given)."""
    found: set[tuple[str, ...]] = set()
    for _, item in _items(replacements):
        target = _text(item.get("target"))
        if target is None:
            continue
        try:
            found.add(tuple(parse_pointer(target)))
        except PointerError:
            continue
    return found


class _BodyComparer:
    """Walks a payload tree along the operation's request body schema."""

    def __init__(
        self,
        report: Report,
        operation: Operation,
        name: str,
        notation: str,
        replaced: set[tuple[str, ...]],
    ) -> None:
        self.report, self.operation, self.name = report, operation, name
        self.notation, self.replaced = notation, replaced

    def resolve(self, schema: Any, document: Document) -> tuple[Any, Document]:
        try:
            return self.operation.source.refs.deref(schema, document)
        except (SourceError, PointerError):
            return None, document

    def compare(self, node: _Field, schema: Any, document: Document, path: tuple[str, ...]) -> None:
        schema, document = self.resolve(schema, document)
        if not isinstance(schema, dict) or node.children is None or len(path) > 32:
            return
        if schema.get("type") == "array" or "items" in schema:
            items = schema.get("items")
            for child in node.children.values():
                self.compare(child, items, document, (*path, child.name))
            return
        shape = self.shape(schema, document)
        if shape is None:
            return
        properties, open_ended, required = shape
        for key, child in node.children.items():
            if key in properties:
                sub, sub_document = properties[key]
                self.compare(child, sub, sub_document, (*path, key))
            elif not open_ended:
                self.unknown(child, (*path, key), list(properties))
        for key in required:
            if key not in node.children and (*path, key) not in self.replaced:
                self.missing(node, (*path, key))

    def shape(
        self, schema: dict[str, Any], document: Document, depth: int = 0
    ) -> tuple[dict[str, tuple[Any, Document]], bool, list[str]] | None:
        """(properties, open-ended?, required) of an object schema, through allOf/anyOf/oneOf."""
        if depth > 8:
            return None
        properties = {
            str(key): (value, document) for key, value in _mapping(schema.get("properties")).items()
        }
        required = [str(name) for name in _list(schema.get("required"))]
        open_ended = schema.get("additionalProperties") not in (None, False)
        for keyword in ("allOf", "anyOf", "oneOf"):
            branches = [self.resolve(sub, document) for sub in _list(schema.get(keyword))]
            for sub, sub_document in branches:
                if not isinstance(sub, dict) or not _is_object_schema(sub):
                    continue
                found = self.shape(sub, sub_document, depth + 1)
                if found is None:
                    return None
                properties.update(found[0])
                open_ended = open_ended or found[1]
                if keyword == "allOf":
                    required += found[2]
        return properties, open_ended or not properties, required

    def label(self, path: tuple[str, ...]) -> str:
        if self.notation == "form":
            return path[0] + "".join(f"[{part}]" for part in path[1:])
        return ".".join(path)

    def unknown(self, node: _Field, path: tuple[str, ...], known: list[str]) -> None:
        self.report.add(
            "AZ226",
            node.pointer,
            f"the request body of operation {self.name} has no field '{self.label(path)}'",
            did_you_mean(path[-1], known),
        )

    def missing(self, node: _Field, path: tuple[str, ...]) -> None:
        self.report.add(
            "AZ227",
            node.pointer,
            f"required field '{self.label(path)}' of the request body of operation "
            f"{self.name} is not given",
            "add it to the payload",
        )


def _is_object_schema(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "object" or (kind is None and ("properties" in schema or "allOf" in schema))


_STEP_CHECKS: tuple[tuple[str, Callable[[Report, _StepContext], None]], ...] = (
    ("operationId source", _check_qualified),
    ("OpenAPI path", _check_path),
    ("operationPath", _check_prefer_operation_id),
    ("parameters", _check_parameters),
    ("workflow call", _check_workflow_call),
    ("request body", _check_body),
)
