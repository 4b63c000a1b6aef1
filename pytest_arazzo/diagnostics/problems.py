"""Problems found in a workflow file before anything is sent: code, severity, position, hint.

Every problem has a stable code listed in :data:`pytest_arazzo.diagnostics.codes.CODES` (and in
``docs/diagnostics.md``) and is printed the way a compiler prints it::

    specs/x.arazzo.yml:46:5: error AZ210: operationId 'postPaymentIntents' is not in source 'api'
        hint: did you mean 'PostPaymentIntents'? (differs only in letter case)
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pytest_arazzo.diagnostics.codes import CODES, ERROR, INFO, WARNING
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.text import did_you_mean, kind_of, show

__all__ = [
    "CODES",
    "ERROR",
    "INFO",
    "WARNING",
    "Position",
    "Problem",
    "criterion_hint",
    "did_you_mean",
    "failing_problems",
    "kind_of",
    "problem",
    "render_problems",
    "show",
    "sort_problems",
    "summarize",
    "warn",
]

SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Problem:
    """One diagnostic, printed the way a compiler prints it: ``file:line:col: error AZ201: ...``."""

    code: str
    severity: str
    message: str
    where: Position
    hint: str = ""

    def render(self) -> str:
        text = f"{self.where}: {self.severity} {self.code}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def problem(
    code: str, message: str, where: Position, hint: str = "", severity: str = ""
) -> Problem:
    """A :class:`Problem` whose severity defaults to the one documented for ``code``."""
    known = CODES.get(code)
    return Problem(code, severity or (known.severity if known else ERROR), message, where, hint)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Errors first, then by position in the file (numerically: line 9 before line 10)."""

    def key(problem: Problem) -> tuple[int, Position, str]:
        return (SEVERITY_ORDER.get(problem.severity, 3), problem.where, problem.code)

    return sorted(dict.fromkeys(problems), key=key)


def render_problems(problems: Iterable[Problem]) -> str:
    return "\n".join(problem.render() for problem in sort_problems(problems))


def summarize(problems: Iterable[Problem]) -> str:
    """``2 errors, 1 warning`` (zero counts left out); ``no problems`` when empty."""
    problems = list(problems)
    parts = []
    for severity in (ERROR, WARNING, INFO):
        count = sum(problem.severity == severity for problem in problems)
        if count:
            parts.append(f"{count} {severity}{'s' if count != 1 else ''}")
    return ", ".join(parts) or "no problems"


def warn(found: Problem, category: type[Warning]) -> None:
    """Issue ``found`` as a warning located at its file and line (pytest's summary shows the
    Arazzo file and the offending line, not the plugin's code)."""
    where = found.where
    warnings.warn_explicit(category(found.render()), category, where.file, where.line)


def failing_problems(
    problems: Iterable[Problem], strict: bool, category: type[Warning]
) -> list[Problem]:
    """The problems that fail an item: errors, and warnings too when ``strict``. Every other
    warning is issued as ``category`` (see :func:`warn`); infos are neither."""
    failing = []
    for found in problems:
        if found.is_error or (strict and found.severity == WARNING):
            failing.append(found)
        elif found.severity == WARNING:
            warn(found, category)
    return failing


# -- hints for problems other modules report ----------------------------------------------

_COMPARISON = re.compile(
    r"^\s*\$((?:\.[A-Za-z_][\w-]*|\[\d+\])+)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$", re.DOTALL
)


def criterion_hint(raw: Any) -> str:
    """A fix for a criterion that does not compile; knows the ``$.status == "x"`` JSONPath slip."""
    if not isinstance(raw, dict):
        return ""
    kind = raw.get("type")
    kind = kind.get("type") if isinstance(kind, dict) else kind
    condition = raw.get("condition")
    if kind == "jsonpath" and isinstance(condition, str):
        match = _COMPARISON.match(condition)
        if match:
            return _as_simple_condition(raw, *match.groups())
        return "RFC 9535 queries look like $.items[0].id or $.items[?@.status == 'paid']"
    if kind == "regex":
        return "the condition is a regular expression, searched for in the context value"
    return ""


def _as_simple_condition(raw: dict[str, Any], path: str, operator: str, value: str) -> str:
    """``$.a.b == "x"`` with context ``$response.body`` → ``$response.body#/a/b == 'x'``."""
    pointer = path.replace("[", ".").replace("]", "").replace(".", "/")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = "'" + value[1:-1].replace("'", "''") + "'"
    given = raw.get("context")
    context = given if isinstance(given, str) else "$response.body"
    separator = "" if "#" in context else "#"
    return (
        "a JSONPath query selects nodes, it does not compare them; write a simple condition "
        f"instead (no 'type', no 'context'): {context}{separator}{pointer} {operator} {value}"
    )
