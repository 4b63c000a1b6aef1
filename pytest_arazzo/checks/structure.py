"""Structure (``AZ1xx``, ``AZ005``, ``AZ006``): the document against the Arazzo 1.0 JSON Schema,
each violation explained in words; duplicate mapping keys."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_arazzo.checks import memo
from pytest_arazzo.checks.data import json_pointer, path_tokens
from pytest_arazzo.checks.report import Report
from pytest_arazzo.checks.schema import canonical, input_schemas, meta_validator, validator
from pytest_arazzo.checks.words import describe, subject
from pytest_arazzo.diagnostics.problems import WARNING
from pytest_arazzo.diagnostics.text import clip, did_you_mean, kind_of, show
from pytest_arazzo.document.dialect import DIALECTS, dialect_of
from pytest_arazzo.document.pointer import PointerError

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

MAX_MESSAGE = 200  # characters of a JSON Schema message quoted in a problem


def check_structure(report: Report) -> None:
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
    schema_file = dialect_of(data).schema_file
    key = memo.key_of(schema_file, data)
    rows = memo.recall(key) if key is not None else None
    if rows is None:
        rows = [
            [issue.code, list(issue.path), issue.message, issue.hint, issue.severity]
            for error in _schema_errors(schema_file, data)
            for issue in explain(error, data)
        ]
        if key is not None:
            memo.keep(key, rows)
    for code, path, message, hint, severity in rows:
        report.add(code, json_pointer(tuple(path)), message, hint, severity=severity)


def _schema_errors(schema_file: str, data: dict[str, Any]) -> list[ValidationError]:
    """Every violation of the Arazzo schema, and of the JSON Schema metaschema by input schemas."""
    errors = list(validator(schema_file).iter_errors(data))
    for prefix, schema in input_schemas(data):
        for error in meta_validator().iter_errors(schema):
            error.path.extendleft(reversed(prefix))
            errors.append(error)
    return errors


@dataclass(frozen=True)
class Issue:
    """One schema violation in words (before it gets a file position)."""

    code: str
    path: tuple[Any, ...]
    message: str
    hint: str = ""
    severity: str = ""


def explain(error: ValidationError, data: Any) -> list[Issue]:
    """One jsonschema error in words; ``oneOf``/``anyOf`` errors explain the likeliest branch."""
    path = list(error.absolute_path)
    if _inside_criterion(path) and error.validator not in ("unevaluatedProperties",):
        return []  # criteria are compiled by the planner, which says more (AZ302)
    if error.validator in ("oneOf", "anyOf"):
        return _explain_choice(error, path, data)
    explainer = _EXPLAINERS.get(str(error.validator))
    if explainer is None:
        return [
            Issue(
                "AZ100", tuple(path), f"{subject(data, path)}: {clip(error.message, MAX_MESSAGE)}"
            )
        ]
    return explainer(error, path, data)


def _inside_criterion(path: list[Any]) -> bool:
    return any(
        token in ("successCriteria", "criteria") and position + 1 < len(path)
        for position, token in enumerate(path)
    )


def _keyword_value(error: ValidationError) -> Any:
    """The value of the schema keyword that failed (``required``'s list, ``enum``'s values...).

    jsonschema types it with an "unset" sentinel; a reported error always has it set.
    """
    value: Any = error.validator_value
    return value


def _explain_required(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    instance = error.instance
    if not isinstance(instance, dict):
        return []
    owner = describe(data, path)
    issues = []
    for name in _keyword_value(error):
        if name in instance or (name == "in" and len(path) >= 2 and path[-2] == "parameters"):
            continue  # a parameter without 'in' is AZ220, from the planner
        if name == "url" and len(path) == 2 and path[0] == "sourceDescriptions":
            continue  # reported once, by the source resolution (plan/resolve.py), which skips it
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
    expected = _keyword_value(error)
    expected = [expected] if isinstance(expected, str) else list(expected)
    words = " or ".join(_TYPE_WORDS.get(str(name), str(name)) for name in expected)
    instance = error.instance
    hint = ""
    if "string" in expected and isinstance(instance, (int, float, bool)):
        hint = "quote the value in YAML so that it stays text, e.g. '1.0'"
    message = f"{subject(data, path)} must be {words}, got {kind_of(instance)}"
    return [Issue("AZ103", tuple(path), message, hint)]


def _explain_enum(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    allowed = _keyword_value(error) if error.validator == "enum" else [_keyword_value(error)]
    shown = ", ".join(show(value) for value in allowed)
    instance = error.instance
    hint = ""
    if isinstance(instance, str):
        hint = did_you_mean(instance, [str(value) for value in allowed], list_known=False)
    message = f"{subject(data, path)} must be one of {shown}, got {show(instance)}"
    if len(allowed) == 1:
        message = f"{subject(data, path)} must be {shown}, got {show(instance)}"
    return [Issue("AZ104", tuple(path), message, hint)]


def _explain_pattern(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    instance, pattern = error.instance, _keyword_value(error)
    if "propertyNames" in error.schema_path:
        message = (
            f"component name '{instance}' in components.{path[-1] if path else ''} must "
            f"match {pattern}"
        )
        hint = "use letters, digits, '.', '-' and '_' (Arazzo 1.0.1 § Components Object)"
        return [Issue("AZ105", (*path, instance), message, hint)]
    if path == ["arazzo"]:
        versions = " or ".join(f"{d.version}.x" for d in DIALECTS.values())
        examples = " or ".join(f"'{d.example}'" for d in DIALECTS.values())
        message = f"'arazzo' must be a {versions} version such as {examples}, got {show(instance)}"
        hint = f"pytest-arazzo reads Arazzo {versions} documents"
        return [Issue("AZ105", ("arazzo",), message, hint)]
    if len(path) == 3 and path[0] == "sourceDescriptions" and path[2] == "name":
        message = f"source description name {show(instance)} should match [A-Za-z0-9_\\-]+"
        hint = "runtime expressions ($sourceDescriptions.<name>...) cannot name it otherwise"
        return [Issue("AZ252", tuple(path), message, hint, WARNING)]
    message = f"{subject(data, path)} is {show(instance)}, which does not match {pattern}"
    return [Issue("AZ105", tuple(path), message)]


def _explain_min_items(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    return [Issue("AZ107", tuple(path), f"{subject(data, path)} must not be empty")]


def _explain_unique(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    items = error.instance if isinstance(error.instance, list) else []
    if path and path[-1] == "parameters":
        return []  # AZ224 says it with names
    if path and path[-1] in ("successActions", "failureActions", "onSuccess", "onFailure"):
        return []  # AZ255 says it with names (a copy has its original's name)
    seen: set[Any] = set()
    for later, item in enumerate(items):
        key = canonical(item)
        if key in seen:
            message = f"{describe(data, [*path, later])} repeats an earlier entry of '{path[-1]}'"
            return [Issue("AZ107", (*path, later), message, "remove the copy")]
        seen.add(key)
    return []


def _explain_minimum(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    message = (
        f"{subject(data, path)} must be at least {_keyword_value(error)}, "
        f"got {show(error.instance)}"
    )
    return [Issue("AZ108", tuple(path), message)]


def _explain_dependent(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    issues = []
    for name, needs in (_keyword_value(error) or {}).items():
        for need in needs if name in instance else []:
            if need not in instance:
                owner = describe(data, path)
                message = f"missing required field '{need}' in {owner} (it has '{name}')"
                issues.append(Issue("AZ101", tuple(path), message))
    return issues


def _explain_false(error: ValidationError, path: list[Any], data: Any) -> list[Issue]:
    return [Issue("AZ102", tuple(path), f"{subject(data, path)} is not allowed here")]


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
    return [
        Issue("AZ100", tuple(path), f"{describe(data, path)}: {clip(error.message, MAX_MESSAGE)}")
    ]


def _missing_in(error: ValidationError) -> bool:
    """A parameter without 'in' (reported by the planner as AZ220)."""
    instance = error.instance
    return (
        error.validator == "required"
        and isinstance(instance, dict)
        and [name for name in _keyword_value(error) if name not in instance] == ["in"]
    )


def _exactly_one_of(error: ValidationError, path: list[Any], data: Any) -> list[Issue] | None:
    """``oneOf: [{required: [a]}, {required: [b]}]`` → "must have exactly one of a, b"."""
    branches = _keyword_value(error)
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
            required = _keyword_value(error)
            if "reference" in required and "reference" not in error.instance:
                cost += 100  # not meant as a Reusable Object (which takes any other field)
            else:
                cost += sum(name not in error.instance for name in required)
        else:
            cost += 1
    return cost


def _same_kind(error: ValidationError) -> bool:
    allowed = _keyword_value(error) if error.validator == "enum" else [_keyword_value(error)]
    return any(type(value) is type(error.instance) for value in allowed)


def check_duplicate_keys(report: Report) -> None:
    for pointer, line, col in report.document.duplicate_keys:
        try:
            tokens = path_tokens(report.document.data, pointer)
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
