"""Values with runtime expressions inside: payloads, parameter values, outputs, and ``{$...}``
templates (Arazzo 1.0.1, "Runtime Expressions", "Examples").

Decisions:

- A string that looks like an expression (``$`` + ASCII letter) must be exactly one and keeps the
  value's type. There is no escape for a literal like ``"$EUR"``: pass it through an input.
- ``{$`` + letter starts an embedded expression in a template, which must end with ``}``;
  ``{$5}`` is literal text. Mapping keys are never compiled.
- **Templates** always produce a ``str``: strings as-is, numbers plainly,
  ``true``/``false``/``null`` for booleans/None, compact JSON for objects and arrays.
- **Absent inputs.** :meth:`Compiled.evaluate` drops a mapping entry or list item whose whole
  value is an expression naming an input that was not given (``omit_absent_inputs``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import ExpressionError, UnresolvedError
from pytest_arazzo.language.evaluate import Expression, parse_expression, scan_expression
from pytest_arazzo.language.parser import LETTERS, is_expression

__all__ = ["Compiled", "compile_value", "render", "template_parts"]


class Compiled:
    """A YAML/JSON value with its runtime expressions parsed; see :func:`compile_value`."""

    __slots__ = ()
    #: A whole value read from one context (an expression, a Selector Object): as an entry of a
    #: mapping or list it is left out when that context is an absent input.
    omissible = False

    def evaluate(self, ctx: EvalContext, *, omit_absent_inputs: bool = True) -> Any:
        """Produce the plain value; absent-input entries are dropped from mappings/lists."""
        return self._eval(ctx, omit_absent_inputs)

    def expressions(self) -> list[Expression]:
        """Every expression inside, in document order."""
        out: list[Expression] = []
        self._collect(out)
        return out

    @property
    def is_literal(self) -> bool:
        """True when the value contains no expression."""
        return not self.expressions()

    def _eval(self, ctx: EvalContext, omit: bool) -> Any:
        raise NotImplementedError

    def _collect(self, out: list[Expression]) -> None:
        raise NotImplementedError


class _Literal(Compiled):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def _eval(self, ctx: EvalContext, omit: bool) -> Any:
        return self.value

    def _collect(self, out: list[Expression]) -> None:
        return None

    def __repr__(self) -> str:
        return f"Literal({self.value!r})"


class _ExprValue(Compiled):
    __slots__ = ("expr",)
    omissible = True

    def __init__(self, expr: Expression) -> None:
        self.expr = expr

    def _eval(self, ctx: EvalContext, omit: bool) -> Any:
        return self.expr.evaluate(ctx)

    def _collect(self, out: list[Expression]) -> None:
        out.append(self.expr)

    def __repr__(self) -> str:
        return f"ExprValue({self.expr.source!r})"


def render(value: Any) -> str:
    """Render a value into template text (JSON-like for non-strings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)  # true, false, null
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


class _Template(Compiled):
    __slots__ = ("parts", "source")

    def __init__(self, source: str, parts: tuple[str | Expression, ...]) -> None:
        self.source = source
        self.parts = parts

    def _eval(self, ctx: EvalContext, omit: bool) -> str:
        return "".join(p if isinstance(p, str) else render(p.evaluate(ctx)) for p in self.parts)

    def _collect(self, out: list[Expression]) -> None:
        out.extend(p for p in self.parts if isinstance(p, Expression))

    def __repr__(self) -> str:
        return f"Template({self.source!r})"


def _eval_item(item: Compiled, ctx: EvalContext, omit: bool) -> tuple[bool, Any]:
    """``(keep, value)`` for one entry of a mapping or list; absent inputs are not kept."""
    if omit and item.omissible:
        try:
            return True, item._eval(ctx, omit)
        except UnresolvedError as exc:
            if not exc.is_absent_input:
                raise
            return False, None
    return True, item._eval(ctx, omit)


class _Dict(Compiled):
    __slots__ = ("items",)

    def __init__(self, items: tuple[tuple[Any, Compiled], ...]) -> None:
        self.items = items

    def _eval(self, ctx: EvalContext, omit: bool) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key, item in self.items:
            keep, value = _eval_item(item, ctx, omit)
            if keep:
                out[key] = value
        return out

    def _collect(self, out: list[Expression]) -> None:
        for _key, item in self.items:
            item._collect(out)


class _List(Compiled):
    __slots__ = ("items",)

    def __init__(self, items: tuple[Compiled, ...]) -> None:
        self.items = items

    def _eval(self, ctx: EvalContext, omit: bool) -> list[Any]:
        out: list[Any] = []
        for item in self.items:
            keep, value = _eval_item(item, ctx, omit)
            if keep:
                out.append(value)
        return out

    def _collect(self, out: list[Expression]) -> None:
        for item in self.items:
            item._collect(out)


#: Compiles a mapping that is an object of its own (an Arazzo 1.1 Selector Object), else ``None``.
ObjectHook = Callable[[Mapping[Any, Any]], "Compiled | None"]


def compile_value(value: Any, objects: ObjectHook | None = None) -> Compiled:
    """Parse every runtime expression inside ``value`` (call once, at plan time).

    A string that looks like an expression must be exactly one (type-preserving); a string with
    ``{$...}`` parts becomes a template (always a ``str``); mappings and lists are compiled
    recursively (keys stay literal); anything else is a literal. ``objects`` may compile a
    mapping itself (Selector Objects). Raises :class:`ExpressionError`.
    """
    if isinstance(value, str):
        return _compile_str(value)
    if isinstance(value, Mapping):
        special = objects(value) if objects is not None else None
        if special is not None:
            return special
        return _Dict(tuple((k, compile_value(v, objects)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return _List(tuple(compile_value(v, objects) for v in value))
    return _Literal(value)


def _compile_str(text: str) -> Compiled:
    if is_expression(text):
        return _ExprValue(parse_expression(text))
    if "{$" not in text:
        return _Literal(text)
    parts = template_parts(text)
    if len(parts) == 1 and isinstance(parts[0], str):
        return _Literal(text)
    return _Template(text, parts)


def template_parts(text: str) -> tuple[str | Expression, ...]:
    """Split ``text`` into literal text and ``{$...}`` expressions."""
    parts: list[str | Expression] = []
    literal = ""
    i = 0
    while (j := text.find("{$", i)) != -1:
        if j + 2 >= len(text) or text[j + 2] not in LETTERS:  # ``{$5}``: literal text
            literal += text[i : j + 1]
            i = j + 1
            continue
        literal += text[i:j]
        if literal:
            parts.append(literal)
            literal = ""
        expr, i = _embedded(text, j + 1)
        parts.append(expr)
    literal += text[i:]
    if literal:
        parts.append(literal)
    return tuple(parts)


def _embedded(text: str, start: int) -> tuple[Expression, int]:
    """The expression at ``text[start]`` (after ``{``) and the offset after its ``}``."""
    expr, end = scan_expression(text, start, mode="template")
    if end >= len(text) or text[end] != "}":
        found = f"found {text[end]!r}" if end < len(text) else "the text ends"
        raise ExpressionError(
            text,
            end,
            f"expected '}}' to close the embedded expression '{{{expr.source}', but {found}",
        )
    return expr, end + 1
