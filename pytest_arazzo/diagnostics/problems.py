"""Problems found in a workflow file before anything is sent: code, severity, position, hint.

Every problem has a stable code listed in :data:`pytest_arazzo.diagnostics.codes.CODES` (and in
``docs/diagnostics.md``) and is printed the way a compiler prints it::

    specs/x.arazzo.yml:46:5: error AZ210: operationId 'postPaymentIntents' is not in source 'api'
        hint: did you mean 'PostPaymentIntents'? (differs only in letter case)
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pytest_arazzo.diagnostics.codes import CODES, ERROR, INFO, WARNING

__all__ = [
    "CODES",
    "ERROR",
    "INFO",
    "WARNING",
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
    where: str
    hint: str = ""

    def render(self) -> str:
        text = f"{self.where}: {self.severity} {self.code}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def problem(code: str, message: str, where: str, hint: str = "", severity: str = "") -> Problem:
    """A :class:`Problem` whose severity defaults to the one documented for ``code``."""
    known = CODES.get(code)
    return Problem(code, severity or (known.severity if known else ERROR), message, where, hint)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Errors first, then by position in the file (numerically: line 9 before line 10)."""

    def key(problem: Problem) -> tuple[int, str, int, int, str]:
        parts = problem.where.rsplit(":", 2)
        order = SEVERITY_ORDER.get(problem.severity, 3)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            return (order, parts[0], int(parts[1]), int(parts[2]), problem.code)
        return (order, problem.where, 0, 0, problem.code)

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
    parts = found.where.rsplit(":", 2)
    located = len(parts) == 3 and parts[1].isdigit()
    filename, line = (parts[0], int(parts[1])) if located else (found.where, 0)
    warnings.warn_explicit(category(found.render()), category, filename, line)


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


# -- helpers shared by the checks ---------------------------------------------------------


def did_you_mean(name: str, known: Iterable[str], *, list_known: bool = True) -> str:
    """A did-you-mean hint: a letter-case twin first, then close spellings, else the list."""
    known = [str(item) for item in known]
    for candidate in known:
        if candidate != name and candidate.lower() == name.lower():
            return f"did you mean '{candidate}'? (differs only in letter case)"
    lowered = {item.lower(): item for item in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{lowered[item]}'" for item in close) + "?"
    if list_known and known:
        shown = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
        return f"known: {shown}"
    return ""


def show(value: Any, limit: int = 60) -> str:
    """A value as a person reads it in a message: ``'abc'``, ``5``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        text = repr(value)
    elif isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    elif isinstance(value, list):
        return "a list" if value else "an empty list"
    else:
        text = type(value).__name__
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def kind_of(value: Any) -> str:
    """``a string 'x'``, ``an integer (5)``, ``a list``... for "got ..." in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({show(value)})"
    if isinstance(value, int):
        return f"an integer ({show(value)})"
    if isinstance(value, float):
        return f"a number ({show(value)})"
    if isinstance(value, str):
        return f"a string ({show(value)})"
    return show(value)


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
    context = raw.get("context") if isinstance(raw.get("context"), str) else "$response.body"
    separator = "" if "#" in context else "#"
    return (
        "a JSONPath query selects nodes, it does not compare them; write a simple condition "
        f"instead (no 'type', no 'context'): {context}{separator}{pointer} {operator} {value}"
    )
