"""Problems found in a workflow file before anything is sent: code, severity, position, hint.

Every problem has a stable code listed in :data:`CODES` (and in ``docs/diagnostics.md``) and is
printed the way a compiler prints it::

    specs/x.arazzo.yml:46:5: error AZ210: operationId 'postPaymentIntents' is not in source 'api'
        hint: did you mean 'PostPaymentIntents'? (differs only in letter case)
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loader import LoadError

ERROR, WARNING, INFO = "error", "warning", "info"
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


@dataclass(frozen=True)
class Code:
    """A documented diagnostic code: its usual severity, what it means and how to fix it."""

    code: str
    severity: str
    meaning: str
    fix: str


CODES: dict[str, Code] = {
    code.code: code
    for code in (
        # -- reading the file -------------------------------------------------------------
        Code("AZ001", ERROR, "invalid YAML or JSON syntax", "fix the text at the position shown"),
        Code(
            "AZ002",
            ERROR,
            "the file cannot be read as text (missing, unreadable, binary, not UTF-8, too big)",
            "point at a UTF-8 YAML/JSON file of at most 20 MiB",
        ),
        Code(
            "AZ003",
            ERROR,
            "the document nests deeper than 200 levels, or YAML aliases blow it up",
            "flatten the document; avoid YAML alias chains that multiply",
        ),
        Code("AZ004", ERROR, "the document is empty", "write an Arazzo Description"),
        Code(
            "AZ005",
            WARNING,
            "a mapping key appears twice (the later value wins)",
            "remove or rename one of the two keys",
        ),
        Code(
            "AZ006",
            ERROR,
            "not an Arazzo Description (top level is not a mapping, or nothing to run)",
            "start from 'arazzo: 1.0.1', info, sourceDescriptions and workflows",
        ),
        # -- structure (Arazzo 1.0 JSON Schema) -----------------------------------------------
        Code("AZ100", ERROR, "other violation of the Arazzo JSON Schema", "follow the message"),
        Code("AZ101", ERROR, "a required field is missing", "add the field"),
        Code(
            "AZ102",
            ERROR,
            "a field that is not allowed in this object (often a typo)",
            "rename it to one of the allowed fields, or prefix extensions with 'x-'",
        ),
        Code("AZ103", ERROR, "a value has the wrong type", "give a value of the type named"),
        Code("AZ104", ERROR, "a value is not one of the allowed values", "use an allowed value"),
        Code(
            "AZ105",
            ERROR,
            "a value does not match the required pattern (version, component names)",
            "use a value that matches the pattern shown",
        ),
        Code(
            "AZ106",
            ERROR,
            "mutually exclusive fields: exactly one of them is required",
            "keep exactly one of the fields named",
        ),
        Code("AZ107", ERROR, "a list is empty or repeats an entry", "add an entry / drop the copy"),
        Code("AZ108", ERROR, "a number is out of range", "use a number in the range shown"),
        # -- sources, operations, parameters, bodies, ids ----------------------------------
        Code(
            "AZ201",
            ERROR,
            "a source description cannot be loaded or is not OpenAPI/Arazzo",
            "fix its url (relative to the Arazzo file) or the file it points at",
        ),
        Code("AZ202", ERROR, "two source descriptions have the same name", "rename one"),
        Code(
            "AZ205",
            ERROR,
            "an unqualified operationId while several OpenAPI sources exist",
            "write operationId: $sourceDescriptions.<name>.<operationId>",
        ),
        Code(
            "AZ210",
            ERROR,
            "operationId not found in the source description(s)",
            "use the operationId as spelled in the OpenAPI description (see did-you-mean)",
        ),
        Code("AZ211", ERROR, "unknown source description name", "use a declared source name"),
        Code("AZ212", ERROR, "a step calls a workflow that does not exist", "fix the workflowId"),
        Code(
            "AZ213",
            ERROR,
            "operationPath does not point at an operation",
            "use {$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>",
        ),
        Code(
            "AZ214",
            ERROR,
            "the operation's OpenAPI path cannot be sent as written (space, braces, no '/')",
            "fix the path in the OpenAPI description",
        ),
        Code(
            "AZ215",
            INFO,
            "operationPath names an operation that has an operationId",
            "prefer operationId (Arazzo 1.0.1 § Step Object)",
        ),
        Code(
            "AZ220",
            ERROR,
            "a parameter of an operation step has no 'in'",
            "add in: path, query, header or cookie",
        ),
        Code(
            "AZ221",
            WARNING,
            "a parameter the operation (or called workflow) does not declare",
            "fix its name or 'in', or drop it",
        ),
        Code(
            "AZ222",
            WARNING,
            "a required parameter (or workflow input) that the step does not give",
            "add the parameter to the step or the workflow",
        ),
        Code(
            "AZ223",
            ERROR,
            "a path template variable has no path parameter: the URL cannot be built",
            "add a parameter with in: path for it",
        ),
        Code("AZ224", ERROR, "the same parameter (name and in) is listed twice", "drop one"),
        Code(
            "AZ225",
            WARNING,
            "a request body for an operation that declares none (or for a workflow step)",
            "drop the requestBody, or check the operation",
        ),
        Code(
            "AZ226",
            WARNING,
            "a payload field that the operation's request body schema does not know",
            "fix the field name (see did-you-mean) or drop it",
        ),
        Code(
            "AZ227",
            WARNING,
            "a required request body (or required body field) that the step does not give",
            "add it to the payload",
        ),
        Code(
            "AZ228",
            WARNING,
            "a contentType that the operation does not declare",
            "use one of the content types listed",
        ),
        Code(
            "AZ230",
            ERROR,
            "a reusable reference ($components..., $ref) that does not resolve",
            "fix the name or add the component",
        ),
        Code("AZ240", ERROR, "a goto action names a step that does not exist", "fix the stepId"),
        Code(
            "AZ241",
            ERROR,
            "a goto action names a workflow that does not exist",
            "fix the workflowId",
        ),
        Code("AZ250", ERROR, "two workflows have the same workflowId", "rename one"),
        Code("AZ251", ERROR, "two steps of a workflow have the same stepId", "rename one"),
        Code(
            "AZ252",
            WARNING,
            "an id or name that does not match [A-Za-z0-9_\\-]+",
            "use letters, digits, '_' and '-' only (runtime expressions cannot name it otherwise)",
        ),
        Code("AZ253", ERROR, "dependsOn names a workflow that does not exist", "fix the id"),
        Code(
            "AZ254",
            ERROR,
            "workflows call or depend on each other in a cycle",
            "break the cycle",
        ),
        Code(
            "AZ260",
            INFO,
            "an operation step without successCriteria (any status below 400 counts as success)",
            "add successCriteria such as $statusCode == 200",
        ),
        # -- runtime expressions and criteria ---------------------------------------------
        Code("AZ301", ERROR, "an invalid runtime expression", "fix the expression syntax"),
        Code(
            "AZ302",
            ERROR,
            "an invalid criterion (condition syntax, regex, RFC 9535 JSONPath, XPath, type)",
            "fix the condition; see the hint",
        ),
        Code(
            "AZ303",
            ERROR,
            "$inputs.<name> that the workflow's inputs schema does not declare",
            "declare the input under inputs.properties, or fix the name",
        ),
        Code("AZ304", ERROR, "$steps.<id> names a step that does not exist", "fix the stepId"),
        Code(
            "AZ305",
            ERROR,
            "an output that the step or workflow does not declare",
            "declare the output, or fix its name",
        ),
        Code(
            "AZ306",
            WARNING,
            "a request reads outputs of a step that has not run yet",
            "reorder the steps, or read the output later",
        ),
        Code(
            "AZ307",
            ERROR,
            "$workflows.<id> names a workflow, input or output that does not exist",
            "fix the workflowId or name",
        ),
        Code("AZ308", ERROR, "$components.<kind>.<name> does not exist", "fix the component name"),
        Code(
            "AZ309",
            ERROR,
            "$sourceDescriptions.<name> names no source description",
            "fix the source name",
        ),
        # -- the harness itself -------------------------------------------------------------
        Code(
            "AZ999",
            ERROR,
            "internal error in a check or while planning (a bug in pytest-arazzo)",
            "report it with the file; the other checks still ran",
        ),
    )
}


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

_LOAD_HINTS = (
    ("cannot start any token", "YAML indents with spaces; a tab or '@'/'`' cannot start a value"),
    ("mapping values are not allowed", "quote a value that contains ': ' (or fix indentation)"),
    ("could not find expected ':'", "a key is missing its ':' or a quote is not closed"),
    ("expected <block end>", "check the indentation of this line against the lines above"),
    ("found undefined alias", "define the &anchor before using *alias"),
    ("binary file", "Arazzo files are YAML or JSON text"),
    ("not UTF-8", "save the file as UTF-8"),
    ("expected a single document", "keep one YAML document per file (remove the extra '---')"),
)


def load_problem(error: LoadError) -> Problem:
    """The problem for a file that cannot be read or parsed (``AZ001``-``AZ004``)."""
    hint = next((text for needle, text in _LOAD_HINTS if needle in error.message), "")
    return problem(getattr(error, "code", "AZ001"), error.message, error.where(), hint)


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
