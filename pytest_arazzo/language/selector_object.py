"""Arazzo 1.1 Selector Objects and Expression Type Objects: compiled once, applied at run time
(Arazzo 1.1.0 § Selector Object, § Expression Type Object).

A Selector Object (``context``, ``selector``, ``type``) stands wherever 1.1 allows one: workflow
and step ``outputs``, Parameter Object ``value``, Request Body ``payload`` (anywhere inside it)
and Payload Replacement ``value``. :func:`compile_selector_object` parses its context expression
and compiles its selector (so a selector that does not parse is a plan error); the result is a
:class:`~pytest_arazzo.language.templates.Compiled` value that evaluates the context and applies
the selector. The specification does not say what a query that can select several nodes
returns; pytest-arazzo decides:

- ``jsonpointer`` (RFC 6901; must start with ``/``): the value pointed at.
- ``jsonpath`` (RFC 9535 by default): a *singular query* (RFC 9535 § 2.3.5.1: names and indexes
  only, e.g. ``$.user.email``) gives the one value it selects; any other query (wildcards,
  slices, filters, descendants) gives the list of every selected value, possibly empty. With
  ``draft-goessner-dispatch-jsonpath-00`` the same split is made on the parsed path.
- ``xpath`` (XPath 3.1 by default) on the context as XML text: an atomic result (string, number,
  boolean) as is; a node sequence of one item gives that node's string value (an element's text,
  an attribute's value), of several the list of their string values.

A context string is parsed as JSON for ``jsonpath``/``jsonpointer`` (an output stored as text).
What cannot be selected (no value at a pointer, a singular query or an XPath selecting nothing,
a context that is not JSON or XML) raises
:class:`~pytest_arazzo.language.errors.UnresolvedError` naming the selector, with the context
value seen, so the step (output, parameter, payload) fails saying why.

In a 1.1 document a mapping is a Selector Object when it has exactly the keys ``context``,
``selector`` and ``type`` (and ``x-`` extensions): :func:`is_selector_object`. In a 1.0 document
the same mapping is plain data, as before.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pytest_arazzo.diagnostics.problems import did_you_mean
from pytest_arazzo.document.pointer import PointerError, parse_pointer, resolve_pointer
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import ExpressionError, UnresolvedError
from pytest_arazzo.language.evaluate import Expression, parse_expression
from pytest_arazzo.language.outcome import show_value
from pytest_arazzo.language.selectors import (
    GOESSNER,
    VERSIONS_1_1,
    compile_goessner,
    compile_rfc9535,
    compile_xpath_selector,
    xml_root,
)
from pytest_arazzo.language.templates import Compiled

__all__ = [
    "SELECTOR_VERSIONS",
    "SelectorError",
    "SelectorValue",
    "TargetSelector",
    "compile_selector_object",
    "compile_target",
    "expression_type",
    "is_selector_object",
]

#: Arazzo 1.1 § Expression Type Object: the versions each selector type allows, default first.
SELECTOR_VERSIONS: dict[str, tuple[str, ...]] = {**VERSIONS_1_1, "jsonpointer": ("rfc6901",)}
_FIELDS = frozenset({"context", "selector", "type"})


class SelectorError(ValueError):
    """A malformed Selector Object or Expression Type Object; ``field`` names the bad field
    (``context``, ``selector``, ``type``, or ``target`` for a Payload Replacement)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class _Miss(Exception):
    """The selector selects nothing usable in the context value."""


def is_selector_object(value: Any) -> bool:
    """Whether a mapping of a 1.1 document is a Selector Object (see the module docstring)."""
    if not isinstance(value, Mapping):
        return False
    keys = {key for key in value if not (isinstance(key, str) and key.startswith("x-"))}
    return keys == _FIELDS


def expression_type(raw: Any, kinds: tuple[str, ...] = tuple(SELECTOR_VERSIONS)) -> tuple[str, str]:
    """``(type, version)`` of a ``type`` string or Expression Type Object (default version when
    a string); :class:`SelectorError` (field ``type``) listing what is allowed."""
    kind: Any
    version: Any
    if isinstance(raw, str):
        kind, version = raw, None
    elif isinstance(raw, Mapping):
        kind, version = raw.get("type"), raw.get("version")
    else:
        raise SelectorError(
            "type",
            f"must be one of {', '.join(kinds)} or an Expression Type"
            f" Object {{type, version}}, got {show_value(raw, 60)}",
        )
    if kind not in kinds:
        hint = did_you_mean(str(kind), kinds, list_known=False, limit=1)
        raise SelectorError(
            "type",
            f"unknown selector type {show_value(kind, 40)} (expected one of {', '.join(kinds)})"
            + (f"; {hint}" if hint else ""),
        )
    allowed = SELECTOR_VERSIONS[kind]
    if version is None and isinstance(raw, Mapping):
        raise SelectorError(
            "type", f"an Expression Type Object needs 'version' (for {kind}: {', '.join(allowed)})"
        )
    if version is None:
        return kind, allowed[0]
    if version not in allowed:
        hint = did_you_mean(str(version), allowed, list_known=False, limit=1)
        raise SelectorError(
            "type",
            f"unknown {kind} version {show_value(version, 60)} (allowed: {', '.join(allowed)})"
            + (f"; {hint}" if hint else ""),
        )
    return kind, str(version)


# --------------------------------------------------------------------------------------------
# Selector Object


class SelectorValue(Compiled):
    """A compiled Selector Object: evaluates ``context`` and applies the selector to it."""

    __slots__ = ("_apply", "context", "kind", "selector", "version")
    omissible = True

    def __init__(
        self,
        context: Expression,
        selector: str,
        kind: str,
        version: str,
        apply: Callable[[Any], Any],
    ) -> None:
        self.context = context
        self.selector = selector
        self.kind = kind
        self.version = version
        self._apply = apply

    @property
    def label(self) -> str:
        return f"selector {self.selector!r} ({self.kind} {self.version}) on {self.context.source}"

    def _eval(self, ctx: EvalContext, omit: bool) -> Any:
        value = self.context.evaluate(ctx)  # UnresolvedError: the context has no value
        try:
            return self._apply(value)
        except _Miss as miss:
            raise UnresolvedError(
                self.label, f"{miss}; the context value is {show_value(value, 160)}"
            ) from None

    def _collect(self, out: list[Expression]) -> None:
        out.append(self.context)

    def __repr__(self) -> str:
        return f"SelectorValue({self.label})"


def compile_selector_object(raw: Mapping[str, Any]) -> SelectorValue:
    """Compile a Selector Object; :class:`SelectorError` or :class:`ExpressionError`."""
    kind, version = expression_type(raw.get("type"))
    context_text = raw.get("context")
    if not isinstance(context_text, str):
        raise SelectorError("context", f"must be a runtime expression, got {context_text!r}")
    try:
        context = parse_expression(context_text)
    except ExpressionError as error:
        raise SelectorError("context", str(error)) from None
    selector = raw.get("selector")
    if not isinstance(selector, str):
        raise SelectorError("selector", f"must be a string, got {show_value(selector, 60)}")
    return SelectorValue(context, selector, kind, version, _APPLIERS[kind](selector, version))


def _json_data(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            raise _Miss("the context is text that is not JSON") from None
    return value


def _pointer(selector: str, version: str) -> Callable[[Any], Any]:
    _check_pointer(selector, "selector")

    def apply(value: Any) -> Any:
        try:
            return resolve_pointer(_json_data(value), selector)
        except PointerError as error:
            raise _Miss(str(error)) from None

    return apply


def _check_pointer(text: str, field: str) -> None:
    if not text.startswith("/"):
        raise SelectorError(
            field, f"the JSON Pointer {text!r} must start with '/' (RFC 6901), e.g. '/{text}'"
        )
    try:
        parse_pointer(text)
    except PointerError as error:
        raise SelectorError(field, f"invalid JSON Pointer {text!r}: {error}") from None


def _jsonpath(selector: str, version: str) -> Callable[[Any], Any]:
    query, singular = _compile_jsonpath(selector, version, "selector")

    def apply(value: Any) -> Any:
        data = _json_data(value)
        found = [match.value for match in query.find(data)]
        if not singular:
            return found
        if not found:
            raise _Miss("the query selects nothing")
        return found[0]

    return apply


def _compile_jsonpath(text: str, version: str, field: str) -> tuple[Any, bool]:
    """The compiled query and whether it is singular; :class:`SelectorError` when invalid."""
    try:
        if version == GOESSNER:
            parsed = compile_goessner(text)
            return parsed, _goessner_singular(parsed)
        query = compile_rfc9535(text)
    except ValueError as error:  # CriterionError
        raise SelectorError(field, getattr(error, "message", str(error))) from None
    return query, bool(query.singular_query())


def _goessner_singular(path: Any) -> bool:
    """Whether a ``jsonpath_ng`` path has only names and single indexes."""
    kind = type(path).__name__
    if kind in ("Root", "This"):
        return True
    if kind == "Child":
        return _goessner_singular(path.left) and _goessner_singular(path.right)
    if kind == "Fields":
        return len(path.fields) == 1 and path.fields[0] != "*"
    if kind == "Index":
        indices = getattr(path, "indices", None)
        return indices is None or len(indices) == 1
    return False


def _xpath(selector: str, version: str) -> Callable[[Any], Any]:
    compiled = _xpath_selector(selector, version, "selector")

    def apply(value: Any) -> Any:
        root, problem = xml_root(value)
        if root is None:
            raise _Miss(problem)
        try:
            result = compiled.select(root)
        except Exception as error:  # elementpath raises typed errors of several bases
            raise _Miss(f"XPath error: {error}") from None
        if not isinstance(result, list):
            return _plain(result)
        if not result:
            raise _Miss("the XPath expression selects nothing")
        items = [_plain(item) for item in result]
        return items[0] if len(items) == 1 else items

    return apply


def _xpath_selector(text: str, version: str, field: str) -> Any:
    try:
        return compile_xpath_selector(text, version)
    except ValueError as error:  # CriterionError
        raise SelectorError(field, getattr(error, "message", str(error))) from None


def _plain(item: Any) -> Any:
    """An XPath item as JSON-like data: a node's string value, a plain number."""
    if isinstance(item, ET.Element):
        return "".join(item.itertext())
    if isinstance(item, Decimal):
        return int(item) if item == item.to_integral_value() else float(item)
    if isinstance(item, (str, bool, int, float)) or item is None:
        return item
    return str(item)


_APPLIERS: dict[str, Callable[[str, str], Callable[[Any], Any]]] = {
    "jsonpointer": _pointer,
    "jsonpath": _jsonpath,
    "xpath": _xpath,
}


# --------------------------------------------------------------------------------------------
# Payload Replacement targets


class TargetSelector:
    """A Payload Replacement ``target`` read per its ``targetSelectorType`` (1.1 § Payload
    Replacement Object); only JSONPath targets are applied here (pointers and XPath by the
    request builder, which already applies them)."""

    __slots__ = ("_query", "kind", "target", "version")

    def __init__(self, target: str, kind: str, version: str, query: Any = None) -> None:
        self.target = target
        self.kind = kind
        self.version = version
        self._query = query

    def replace_all(self, document: Any, value: Any) -> Any:
        """``document`` with every node the JSONPath target selects set to ``value`` (a new
        document; the input is not changed). :class:`LookupError` when it selects nothing."""
        if self._query is None:
            raise TypeError(f"{self.kind} targets are not replaced by JSONPath")
        document = json.loads(json.dumps(document)) if document is not None else None
        matches = list(self._query.find(document))
        if not matches:
            raise LookupError(
                f"the JSONPath target {self.target!r} selects nothing in the payload"
                f" {show_value(document, 160)}"
            )
        if self.version == GOESSNER:
            updated: Any = self._query.update(document, value)
            return updated
        for match in matches:
            location = tuple(match.location)
            if not location:
                return value
            parent = document
            for key in location[:-1]:
                parent = parent[key]
            parent[location[-1]] = value
        return document

    def __repr__(self) -> str:
        return f"TargetSelector({self.target!r}, {self.kind} {self.version})"


def compile_target(target: str, raw_type: Any) -> TargetSelector:
    """A Payload Replacement target with its ``targetSelectorType``, checked now: the type and
    version, a JSON Pointer starting with '/', a JSONPath or XPath that parses."""
    kind, version = expression_type(raw_type)
    if kind == "jsonpointer":
        _check_pointer(target, "target")
        return TargetSelector(target, kind, version)
    if kind == "xpath":
        _xpath_selector(target.split("/@")[0] if "/@" in target else target, version, "target")
        return TargetSelector(target, kind, version)
    query, _singular = _compile_jsonpath(target, version, "target")
    return TargetSelector(target, kind, version, query)
