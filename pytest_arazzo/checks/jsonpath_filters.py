"""A JSONPath root filter on an object context, which can never match the object (``AZ321``).

Under RFC 9535 (§ 2.3.5 Filter Selector) ``$[?@.status == 'paid']`` selects the *children* of
the root that pass the filter; on a response body that is an object, ``@`` is each member value,
so the query looks for ``status`` inside the members and never tests the object itself. What the
author meant is a simple condition (Arazzo 1.0.1 § Criterion Object): ``$response.body#/status ==
'paid'``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pytest_arazzo.checks.data import items_of
from pytest_arazzo.checks.report import Report, StepContext
from pytest_arazzo.checks.response_pointers import Location, flatten, success_bodies, walk
from pytest_arazzo.document.sources import Source

_ROOT_FILTER = re.compile(
    r"\$\[\?\s*@((?:\.[A-Za-z_][A-Za-z0-9_]*|\['[^']*'\])+)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*\]"
)
_CONTEXT = re.compile(r"\$response\.body(?:#(/\S*))?")
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]")


def check_jsonpath_filters(report: Report, step: StepContext) -> None:
    """``$[?...]`` JSONPath criteria on a response body documented as an object (AZ321)."""
    operation = step.operation
    if operation is None:
        return
    schemas, bodies = operation.source, success_bodies(operation)
    for pointer, criterion in _criteria(step):
        condition, context = criterion.get("condition"), criterion.get("context")
        if not (isinstance(condition, str) and isinstance(context, str)):
            continue
        match = _CONTEXT.fullmatch(context.strip())
        if not condition.strip().startswith("$[?") or match is None:
            continue
        if not _is_object(schemas, bodies, match.group(1) or ""):
            continue
        report.add(
            "AZ321",
            f"{pointer}/condition",
            f"{step.label}: the JSONPath filter {condition.strip()!r} is applied to {context} "
            "(documented as an object); under RFC 9535 a filter at the root selects the "
            "object's member values, so '@' is each member, never the object itself, and this "
            "can never match what was meant",
            _simple_condition(condition.strip(), match.group(1) or ""),
        )


def _criteria(step: StepContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(pointer, criterion)`` of the step's JSONPath criteria, success and action ones."""
    found = [(f"{step.pointer}/successCriteria", step.raw.get("successCriteria"))]
    for kind in ("onSuccess", "onFailure"):
        for index, action in items_of(step.raw.get(kind)):
            found.append((f"{step.pointer}/{kind}/{index}/criteria", action.get("criteria")))
    for base, criteria in found:
        for index, criterion in items_of(criteria):
            if _is_rfc9535(criterion.get("type")):
                yield f"{base}/{index}", criterion


def _is_rfc9535(kind: Any) -> bool:
    if isinstance(kind, dict):
        return bool(kind.get("type") == "jsonpath" and kind.get("version") in (None, "rfc9535"))
    return bool(kind == "jsonpath")


def _is_object(schemas: Source, bodies: list[Location], pointer: str) -> bool:
    for location in walk(schemas, bodies, pointer):
        for branch in flatten(schemas, location):
            node = branch[0]
            if isinstance(node, dict) and ("properties" in node or node.get("type") == "object"):
                return True
    return False


def _simple_condition(condition: str, context_pointer: str) -> str:
    """The simple condition that means what the filter's author wanted, when it can be said."""
    match = _ROOT_FILTER.fullmatch(condition)
    if match is None:
        return (
            "write a simple condition on the field instead (no 'type', no 'context'), e.g. "
            "$response.body#/status == 'paid'; or filter a list: context $response.body#/data"
        )
    names = [dotted or quoted for dotted, quoted in _SEGMENT.findall(match.group(1))]
    path = context_pointer + "".join(
        "/" + name.replace("~", "~0").replace("/", "~1") for name in names
    )
    literal = match.group(3)
    if len(literal) >= 2 and literal[0] == literal[-1] == '"':
        literal = "'" + literal[1:-1].replace("'", "''") + "'"
    return (
        f"write a simple condition instead (no 'type', no 'context'): "
        f"$response.body#{path} {match.group(2)} {literal}"
    )
