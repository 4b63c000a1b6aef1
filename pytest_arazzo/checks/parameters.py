"""Parameters (``AZ221``-``AZ224``): listed once, known to the operation, required ones given."""

from __future__ import annotations

import re
from typing import Any

from pytest_arazzo.checks.data import items_of, text_of, workflows_of
from pytest_arazzo.checks.report import Report, StepContext, operation_name
from pytest_arazzo.diagnostics.text import did_you_mean, show
from pytest_arazzo.document.sources import Operation


def check_parameter_lists(report: Report) -> None:
    """The same parameter twice in one list (AZ224): Arazzo 1.0.1 § Workflow/Step Object."""
    for index, workflow in workflows_of(report.data):
        owners = [(f"/workflows/{index}", workflow)] + [
            (f"/workflows/{index}/steps/{position}", step)
            for position, step in items_of(workflow.get("steps"))
        ]
        for pointer, owner in owners:
            seen: dict[tuple[str, str], int] = {}
            for position, item in items_of(owner.get("parameters")):
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
    name = text_of(item.get("name"))
    return (name, str(item.get("in") or "")) if name is not None else None


def _describe_key(key: tuple[str, str]) -> str:
    if key[0] == "$ref":
        return f"'{key[1]}'"
    return f"'{key[0]}'" + (f" (in: {key[1]})" if key[1] else "")


def _given_parameters(step: StepContext) -> dict[tuple[str, str], str]:
    """``(name, in)`` → pointer of every parameter the step sends (workflow's, then its own)."""
    given: dict[tuple[str, str], str] = {}
    for param, pointer in step.sent_parameters():
        name, location = text_of(param.get("name")), text_of(param.get("in"))
        if name is not None and location is not None:
            given[(name, location)] = pointer
    return given


_IGNORED_HEADERS = ("accept", "content-type", "authorization")


_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def check_parameters(report: Report, step: StepContext) -> None:
    """Parameters the operation does not know (AZ221), required ones not given (AZ222/AZ223)."""
    operation = step.operation
    if operation is None:
        return
    given = _given_parameters(step)
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
                f"{operation_name(operation)} is not given by {step.label}",
                f"add to the step: parameters: [{{name: {name}, in: {location}, value: ...}}]",
            )
    for name in sorted(templates - {name for name, location in given if location == "path"}):
        if (name, "path") not in known:
            _missing_path_parameter(report, step, operation, name)


def _unknown_parameter(
    report: Report,
    step: StepContext,
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
        f"operation {operation_name(operation)} has no {location} parameter '{name}'{where}",
        hint,
        scope={step.index},
    )


def _missing_path_parameter(
    report: Report, step: StepContext, operation: Operation, name: str
) -> None:
    report.add(
        "AZ223",
        step.pointer,
        f"path {show(operation.path)} of operation {operation_name(operation)} needs path "
        f"parameter '{name}', which {step.label} does not give",
        f"add to the step: parameters: [{{name: {name}, in: path, value: ...}}]",
    )
