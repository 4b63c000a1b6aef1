"""Plan the Selector Objects inside a value: each compiled once, or reported with its position
(Arazzo 1.1.0 § Selector Object).

:func:`selector_hook` walks a raw value (an output, a parameter value, a payload, a replacement
value) for Selector Objects, compiles each one and returns the hook
:func:`~pytest_arazzo.language.templates.compile_value` uses to put them in place. A malformed one
is reported where it stands (AZ322; AZ323 for its type or version) and :class:`Reported` is
raised, so the value is not planned. In a 1.0 document a Selector Object is plain data, as the
1.0 specification has none; a warning (AZ325) says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pytest_arazzo.diagnostics.problems import WARNING
from pytest_arazzo.document.dialect import Dialect
from pytest_arazzo.document.pointer import escape_token
from pytest_arazzo.language.selector_object import (
    SelectorError,
    compile_selector_object,
    is_selector_object,
)
from pytest_arazzo.language.templates import Compiled, ObjectHook

__all__ = ["Reported", "selector_hook"]

#: ``problem(code, pointer, message, hint="", severity=ERROR)`` of the planner.
Report = Callable[..., None]


class Reported(Exception):
    """A Selector Object of the value was malformed and has been reported."""


def _found(value: Any, pointer: str) -> Iterator[tuple[str, Mapping[Any, Any]]]:
    """Every Selector Object inside ``value`` (not inside another one), with its pointer."""
    stack = [(value, pointer)]
    while stack:
        node, where = stack.pop()
        if is_selector_object(node):
            yield where, node
        elif isinstance(node, Mapping):
            stack += [(child, f"{where}/{escape_token(key)}") for key, child in node.items()]
        elif isinstance(node, list):
            stack += [(child, f"{where}/{index}") for index, child in enumerate(node)]


def selector_hook(
    value: Any, pointer: str, dialect: Dialect, problem: Report, label: Callable[[str], str]
) -> ObjectHook | None:
    """The hook that puts the compiled Selector Objects of ``value`` in place (``None`` when it
    has none); raises :class:`Reported` after reporting a malformed one."""
    found = list(_found(value, pointer))
    if not found:
        return None
    if dialect.version == "1.0":
        for where, _ in found:
            problem(
                "AZ325",
                where,
                f"{label(where)}: this object has the fields of a Selector Object (context,"
                " selector, type), an Arazzo 1.1 feature; in this Arazzo 1.0 document it is"
                " plain data",
                "declare 'arazzo: 1.1.0' to apply the selector, or give the value a runtime"
                " expression ($response.body#/pointer)",
                WARNING,
            )
        return None
    compiled: dict[int, Compiled] = {}
    failed = False
    for where, raw in found:
        try:
            compiled[id(raw)] = compile_selector_object(raw)
        except SelectorError as error:
            failed = True
            code = "AZ323" if error.field == "type" else "AZ322"
            shown = raw.get("selector")
            problem(
                code,
                f"{where}/{error.field}",
                f"{label(where)}: Selector Object {error.field}: {error.message}",
                _HINTS[error.field].format(selector=shown),
            )
    if failed:
        raise Reported
    return lambda mapping: compiled.get(id(mapping))


_HINTS = {
    "type": "use jsonpath, xpath or jsonpointer, or {{type: <one of them>, version: <allowed>}}",
    "context": "the context is a runtime expression such as $response.body",
    "selector": "fix the selector {selector!r} (its type decides the syntax: $.a.b for jsonpath,"
    " /a/b for jsonpointer and xpath)",
}
