"""Where a runtime expression is evaluated against an :class:`EvalContext` (Arazzo 1.0.1,
"Runtime Expressions").

:func:`parse_expression` reads the text with :mod:`pytest_arazzo.language.parser` once, at plan
time, and binds it to a getter built here; :meth:`Expression.evaluate` then only runs the getter.

Decisions:

- **Dotted names.** ``$steps.s.outputs.a.b`` reads output ``a.b`` if it exists, else the longest
  existing prefix (``a``) and then walks the rest as properties (``b``; digits index arrays). The
  same rule applies to ``$inputs``, ``$outputs``, ``$workflows`` and ``$components`` names.
- **Absent inputs.** ``$inputs.x`` (or ``$components.inputs.x``) with no such input raises
  :class:`UnresolvedError` with ``is_absent_input=True``, so a payload can drop that entry.
- Header names are matched case-insensitively; everything else is case-sensitive.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from pytest_arazzo.document.pointer import PointerError, resolve_pointer
from pytest_arazzo.language.context import EvalContext, Message
from pytest_arazzo.language.errors import ExpressionError, UnresolvedError
from pytest_arazzo.language.parser import Mode, Reference, Syntax, scan_syntax

__all__ = ["Expression", "Getter", "names", "parse_expression", "scan_expression"]

_MAX_LIST = 20

Getter = Callable[[EvalContext], Any]


class Expression:
    """A parsed runtime expression. Evaluate with :meth:`evaluate`."""

    __slots__ = ("_fn", "_ref", "source")

    def __init__(self, source: str, ref: Reference, fn: Getter) -> None:
        self.source = source
        self._ref = ref
        self._fn = fn

    @property
    def root(self) -> str:
        """The root name without ``$``, e.g. ``"steps"``."""
        return self._ref.root

    def references(self) -> Reference:
        """What this expression reads (root, ids, names, pointer)."""
        return self._ref

    def evaluate(self, ctx: EvalContext) -> Any:
        """Return the referenced value (type preserved); raise :class:`UnresolvedError`."""
        return self._fn(ctx)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)


@lru_cache(maxsize=8192)
def parse_expression(text: str) -> Expression:
    """Parse ``text``, which must be exactly one runtime expression."""
    if not isinstance(text, str):
        raise ExpressionError(repr(text), 0, f"expected a string, got {type(text).__name__}")
    expr, _end = scan_expression(text, 0, mode="whole")
    return expr


def scan_expression(text: str, start: int = 0, *, mode: Mode = "whole") -> tuple[Expression, int]:
    """Parse the expression starting at ``text[start]`` (a ``$``); return it and its end offset.

    ``mode`` is the parser's (see :func:`pytest_arazzo.language.parser.scan_syntax`).
    """
    syntax = scan_syntax(text, start, mode=mode)
    return Expression(syntax.source, syntax.ref, _GETTERS[syntax.ref.root](syntax)), syntax.end


def names(mapping: Any) -> str:
    """Comma-separated keys of ``mapping`` for error messages."""
    if not isinstance(mapping, Mapping) or not mapping:
        return "none"
    keys = [str(k) for k in mapping]
    shown = ", ".join(keys[:_MAX_LIST])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > _MAX_LIST else "")


# --------------------------------------------------------------------------------------------
# $url, $method, $statusCode


def _context_attr(attr: str, missing: str) -> Callable[[Syntax], Getter]:
    def bind(syntax: Syntax) -> Getter:
        source = syntax.source

        def get(ctx: EvalContext) -> Any:
            value = getattr(ctx, attr)
            if value is None:
                raise UnresolvedError(source, missing)
            return value

        return get

    return bind


# --------------------------------------------------------------------------------------------
# $request.…, $response.…


def _message_of(ctx: EvalContext, root: str, source: str) -> Message:
    msg = {"request": ctx.request, "response": ctx.response, "message": ctx.message}.get(root)
    if msg is None:
        if root == "message":
            raise UnresolvedError(source, "no message: $message is read in AsyncAPI steps only")
        raise UnresolvedError(source, f"no {root} yet")
    return msg


def _message(syntax: Syntax) -> Getter:
    ref = syntax.ref
    if ref.kind in ("body", "payload"):  # an HTTP body is the 1.1 grammar's payload too
        return _body_getter(ref.root, syntax.source, f"${ref.root}.{ref.kind}", syntax.tokens)
    assert ref.kind is not None and ref.name is not None  # the grammar requires both
    return _message_part_getter(ref.root, ref.kind, ref.name, syntax.source)


def _body_getter(root: str, source: str, label: str, tokens: tuple[str, ...] | None) -> Getter:
    def get(ctx: EvalContext) -> Any:
        body = _message_of(ctx, root, source).body
        if body is None:
            raise UnresolvedError(source, f"the {root} has no body")
        return _at_pointer(body, tokens, source, label)

    return get


def _at_pointer(value: Any, tokens: tuple[str, ...] | None, source: str, label: str) -> Any:
    """``value`` itself, or the node at the expression's ``#`` JSON Pointer inside it."""
    if not tokens:
        return value
    try:
        return resolve_pointer(value, tokens)
    except PointerError as exc:
        raise UnresolvedError(source, f"{label} has no {exc.pointer}: {exc}") from None


def _lookup_header(headers: Mapping[str, Any], name: str) -> Any:
    try:
        return headers[name]
    except KeyError:
        pass
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    raise KeyError(name)


_PART_WORDS = {"header": "header", "query": "query parameter", "path": "path parameter"}


def _message_part_getter(root: str, kind: str, name: str, source: str) -> Getter:
    word = _PART_WORDS[kind]
    attr = "headers" if kind == "header" else kind
    lookup = _lookup_header if kind == "header" else operator.getitem

    def get(ctx: EvalContext) -> Any:
        part = getattr(_message_of(ctx, root, source), attr)
        try:
            return lookup(part or {}, name)
        except KeyError:
            raise UnresolvedError(
                source, f"the {root} has no {word} '{name}' (it has: {names(part)})"
            ) from None

    return get


# --------------------------------------------------------------------------------------------
# Named values: $inputs, $outputs, $steps, $workflows, $components

Section = Callable[[EvalContext, str], tuple[Mapping[str, Any] | None, str]]


def _inputs_of(ctx: EvalContext, source: str) -> tuple[Mapping[str, Any] | None, str]:
    return ctx.inputs, "the workflow"


def _outputs_of(ctx: EvalContext, source: str) -> tuple[Mapping[str, Any] | None, str]:
    return ctx.outputs, "the workflow"


def _step_outputs(step_id: str) -> Section:
    def section(ctx: EvalContext, source: str) -> tuple[Mapping[str, Any] | None, str]:
        outputs = ctx.steps.get(step_id)
        if outputs is None:
            raise UnresolvedError(
                source,
                f"step '{step_id}' has not run yet (steps with outputs: {names(ctx.steps)})",
            )
        return outputs, f"step '{step_id}'"

    return section


def _workflow_part(wf_id: str, kind: str) -> Section:
    def section(ctx: EvalContext, source: str) -> tuple[Mapping[str, Any] | None, str]:
        wf = ctx.workflows.get(wf_id)
        if wf is None:
            raise UnresolvedError(
                source, f"workflow '{wf_id}' has not run (known: {names(ctx.workflows)})"
            )
        return wf.get(kind) or {}, f"workflow '{wf_id}'"

    return section


def _component_section(kind: str) -> Section:
    def section(ctx: EvalContext, source: str) -> tuple[Mapping[str, Any] | None, str]:
        return (ctx.components or {}).get(kind) or {}, "components"

    return section


def _name_splits(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Prefix/rest splits of a dotted name, longest prefix first (``a.b.c`` → a.b|c, a|b.c)."""
    parts = name.split(".")
    return tuple((".".join(parts[:i]), tuple(parts[i:])) for i in range(len(parts) - 1, 0, -1))


def _walk(value: Any, parts: tuple[str, ...]) -> Any:
    """Follow property names (digits index arrays); raise KeyError(part, value) on a miss."""
    for part in parts:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif (
            isinstance(value, list) and part.isascii() and part.isdigit() and int(part) < len(value)
        ):
            value = value[int(part)]
        else:
            raise KeyError(part, value)
    return value


def _named_getter(syntax: Syntax, section: Section, what: str, *, absent: bool = False) -> Getter:
    """Getter for ``<section>.<name>[#pointer]`` with the dotted-name fallback."""
    source, name, tokens = syntax.source, syntax.ref.name or "", syntax.tokens
    splits = _name_splits(name) if "." in name else ()
    label = source.split("#", 1)[0]

    def get(ctx: EvalContext) -> Any:
        mapping, owner = section(ctx, source)
        mapping = mapping or {}
        try:
            value = mapping[name]
        except KeyError:
            value = _fallback(mapping, owner)
        return _at_pointer(value, tokens, source, label)

    def _fallback(mapping: Mapping[str, Any], owner: str) -> Any:
        for prefix, rest in splits:
            if prefix in mapping:
                return _walk_or_raise(mapping[prefix], prefix, rest, owner)
        if absent and owner == "the workflow":
            reason = f"input '{name}' was not given"
        else:
            reason = f"{owner} has no {what} '{name}' (it has: {names(mapping)})"
        raise UnresolvedError(source, reason, is_absent_input=absent)

    def _walk_or_raise(value: Any, prefix: str, rest: tuple[str, ...], owner: str) -> Any:
        try:
            return _walk(value, rest)
        except KeyError as exc:
            part, there = exc.args
            keys = names(there) if isinstance(there, Mapping) else type(there).__name__
            raise UnresolvedError(
                source,
                f"{owner} has no {what} '{name}', and {what} '{prefix}' has no"
                f" property '{part}' (found: {keys})",
            ) from None

    return get


def _workflows(syntax: Syntax) -> Getter:
    ref = syntax.ref
    kind = ref.kind or ""
    return _named_getter(syntax, _workflow_part(ref.id or "", kind), kind[:-1])


def _components(syntax: Syntax) -> Getter:
    kind = syntax.ref.kind or ""
    section = _component_section(kind)
    return _named_getter(syntax, section, f"{kind} entry", absent=kind == "inputs")


# --------------------------------------------------------------------------------------------
# $sourceDescriptions


def _source_getter(syntax: Syntax) -> Getter:
    source, sd_name, field_name = syntax.source, syntax.ref.id or "", syntax.ref.name

    def get(ctx: EvalContext) -> Any:
        sd = ctx.source_descriptions.get(sd_name)
        if sd is None:
            raise UnresolvedError(
                source,
                f"no source description '{sd_name}' (known: {names(ctx.source_descriptions)})",
            )
        if field_name is None:
            return sd
        if field_name in sd:
            return sd[field_name]
        raise UnresolvedError(
            source,
            f"source description '{sd_name}' has no field '{field_name}' (it has:"
            f" {names(sd)}); an operation or workflow reference is resolved by"
            " operationId/workflowId, not evaluated",
        )

    return get


#: Each expression root and how a getter for it is built from the parsed syntax.
_GETTERS: dict[str, Callable[[Syntax], Getter]] = {
    "url": _context_attr("url", "no request yet"),
    "method": _context_attr("method", "no request yet"),
    "statusCode": _context_attr("status_code", "no response yet"),
    "request": _message,
    "response": _message,
    "message": _message,
    "inputs": lambda syntax: _named_getter(syntax, _inputs_of, "input", absent=True),
    "outputs": lambda syntax: _named_getter(syntax, _outputs_of, "output"),
    "steps": lambda syntax: _named_getter(syntax, _step_outputs(syntax.ref.id or ""), "output"),
    "workflows": _workflows,
    "sourceDescriptions": _source_getter,
    "components": _components,
    "self": _context_attr("self_uri", "the document has no '$self' field"),
}
