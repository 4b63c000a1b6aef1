"""What a check writes to and reads from: the :class:`Report` of a document (its findings,
each with the workflows it concerns) and the :class:`StepContext` of a planned step."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pytest_arazzo.checks.data import items_of, resolve_reusable, step_label
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.problems import ERROR, WARNING, Problem, problem
from pytest_arazzo.document.loader import Document
from pytest_arazzo.document.sources import Operation
from pytest_arazzo.plan.model import StepPlan
from pytest_arazzo.plan.planner import ArazzoFile

BUG = "this is a bug in pytest-arazzo; please report it with the file"


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
            where = Position(where.file, *position, pointer)
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
            self.add("AZ999", pointer, message, BUG, severity=WARNING)


def internal_problem(document: Document, name: str, error: Exception) -> Problem:
    message = f"internal error in {name}: {type(error).__name__}: {error}"
    return problem("AZ999", message, document.where(""), BUG)


@dataclass
class StepContext:
    """A step as the step checks see it: the raw object and its plan (``None``: not planned)."""

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
        return step_label(self.raw, self.position)

    @property
    def operation(self) -> Operation | None:
        return self.file.operation_at(self.pointer) if self.plan is not None else None

    @property
    def target_field(self) -> str:
        return "operationId" if "operationId" in self.raw else "operationPath"

    def sent_parameters(self) -> list[tuple[dict[str, Any], str]]:
        """Each parameter the step sends (the workflow's, then its own): the Parameter Object,
        reusable ones resolved, and its pointer."""
        found = []
        owners = ((f"/workflows/{self.index}", self.workflow), (self.pointer, self.raw))
        for owner_pointer, owner in owners:
            for position, item in items_of(owner.get("parameters")):
                param = resolve_reusable(self.file.data, item, "parameters")
                if isinstance(param, dict):
                    found.append((param, f"{owner_pointer}/parameters/{position}"))
        return found


def operation_name(operation: Operation) -> str:
    name = operation.operation_id
    return f"'{name}' ({operation.label})" if name else operation.label
