"""Arazzo Criterion Objects (Arazzo 1.0.1, "Criterion Object"): compile once, evaluate per step.

Four types: ``simple`` (default), ``regex``, ``jsonpath`` and ``xpath``. :func:`compile_criterion`
raises :class:`CriterionError` for anything malformed; :meth:`Criterion.evaluate` never raises
for run-time data problems: it returns a failed :class:`Outcome` that says why.

Simple conditions
-----------------
Grammar (lowest to highest precedence)::

    or      := and ('||' and)*
    and     := compare ('&&' compare)*
    compare := unary (('==' | '!=' | '<' | '<=' | '>' | '>=') unary)?     # no chaining
    unary   := '!' unary | postfix
    postfix := primary ('.' name | '[' integer ']' | '[' string ']')*     # only after $...
    primary := $runtime-expression | 'string' | number | true | false | null | '(' or ')'

So ``!`` binds tighter than comparisons (``!$a == true`` is ``(!$a) == true``), comparisons
tighter than ``&&``, and ``&&`` tighter than ``||``. Strings use single quotes, ``''`` is a quote.
A ``#/pointer`` inside an operand ends at whitespace or at one of ``= ! < > & | ( ) [ ]``.
``$response.body.items[0].name`` reads ``items``, then index 0, then ``name`` of the body.

Semantics (documented decisions):

- **Strings** compare case-insensitively (``casefold``), for equality and ordering.
- **Numbers**: a number and a numeric string compare numerically (``$statusCode == '200'`` is
  true; ``'10' > 9`` is true). Two strings compare as strings even if both look numeric.
- **Booleans** equal only booleans, or the strings ``'true'``/``'false'`` (any case); never
  numbers. Ordering booleans is always false.
- **null / missing**: a runtime value that cannot be resolved (no such output, no header,
  pointer miss...) evaluates as ``null`` and is reported in ``Outcome.observed`` as
  ``<missing: reason>``. ``null == null`` is true; ``<``, ``<=``, ``>``, ``>=`` with a null
  side are false.
- **Incompatible types** (e.g. object vs number) are unequal and unordered: ``==`` and every
  ordering is false, ``!=`` is true. Objects and arrays compare by deep equality.
- **Truthiness**: a condition may be a bare operand (``$steps.check.outputs.ok``, ``true``):
  null/missing, ``false``, ``0``, ``''``, ``[]`` and ``{}`` are false, everything else true. The
  same rule applies to operands of ``!``, ``&&`` and ``||``, which return booleans. Both sides
  of ``&&``/``||`` are always evaluated so every value shows up in ``observed``.
- A ``context`` on a simple criterion is validated but not used.

Other types
-----------
- ``regex``: ``re.search`` of the condition against the context value; non-strings are rendered
  (numbers plainly, ``true``/``false``/``null``, compact JSON for objects and arrays).
- ``jsonpath``: RFC 9535 via ``jsonpath_rfc9535`` with the context value as ``$``; passes when
  the query selects at least one node. ``{type: jsonpath, version:
  draft-goessner-dispatch-jsonpath-00}`` uses ``jsonpath_ng.ext``. A failed RFC 9535 root filter
  on an object gets a hint (filters select the root's *children*).
- ``xpath``: ``elementpath`` on the context value parsed as XML; XPath 3.1 by default, or the
  ``xpath-30``/``xpath-20``/``xpath-10`` version. A boolean result is the outcome; a sequence
  passes when non-empty.
"""

from __future__ import annotations

import importlib
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.expressions import (
    ROOTS,
    Expression,
    ExpressionError,
    UnresolvedError,
    _did_you_mean,
    _names,
    parse_expression,
    render,
    scan_expression,
)

__all__ = [
    "Criterion",
    "CriterionError",
    "Missing",
    "Outcome",
    "compile_criterion",
    "show_value",
]

TYPES = ("simple", "regex", "jsonpath", "xpath")
GOESSNER = "draft-goessner-dispatch-jsonpath-00"
VERSIONS = {"jsonpath": (GOESSNER,), "xpath": ("xpath-30", "xpath-20", "xpath-10")}
_XPATH_PARSERS = {
    None: "elementpath.xpath31:XPath31Parser",
    "xpath-30": "elementpath.xpath30:XPath30Parser",
    "xpath-20": "elementpath:XPath2Parser",
    "xpath-10": "elementpath:XPath1Parser",
}


# The query libraries load on first use: most workflows never need them, and pytest loads this
# plugin in every run, so importing them up front would tax every test session.
def _rfc9535() -> Any:
    import jsonpath_rfc9535

    return jsonpath_rfc9535


def _goessner() -> Any:
    import jsonpath_ng.ext

    return jsonpath_ng.ext


def _elementpath() -> Any:
    import elementpath

    return elementpath


def _xpath_parser(version: str | None) -> type:
    module_name, _, name = _XPATH_PARSERS[version].partition(":")
    return getattr(importlib.import_module(module_name), name)


_MAX_SHOWN = 200


class CriterionError(ValueError):
    """A malformed Criterion Object; ``field`` is ``condition``, ``context`` or ``type``."""

    def __init__(
        self, field: str, message: str, *, source: str | None = None, position: int | None = None
    ) -> None:
        self.field = field
        self.message = message
        self.source = source
        self.position = position
        where = ""
        if source is not None:
            where = f" {source!r}" + (f" at position {position}" if position is not None else "")
        super().__init__(f"invalid criterion {field}{where}: {message}")


class Missing:
    """A runtime value that could not be resolved; shown as ``<missing: reason>``."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"<missing: {self.reason}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Missing) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(self.reason)


def show_value(value: Any, limit: int = _MAX_SHOWN) -> str:
    """Render a value for messages: 'quoted' strings, JSON for the rest, truncated."""
    if isinstance(value, Missing):
        text = repr(value)
    elif isinstance(value, str):
        text = "'" + value.replace("'", "''") + "'"
    elif value is None or isinstance(value, (bool, int, float, dict, list)):
        try:
            text = json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    elif isinstance(value, ET.Element):
        text = ET.tostring(value, encoding="unicode")
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Outcome:
    """The result of evaluating one criterion."""

    passed: bool
    condition: str
    observed: list[tuple[str, Any]] = field(default_factory=list)
    detail: str = ""
    type: str = "simple"
    context: str | None = None

    def describe(self) -> str:
        """One line, e.g. ``$statusCode == 200 with $statusCode = 402``."""
        if self.type == "simple":
            text = self.condition
            if self.observed:
                text += " with " + ", ".join(f"{s} = {show_value(v)}" for s, v in self.observed)
        else:
            text = f"{self.type} {show_value(self.condition)}"
            if self.context is not None:
                value = self.observed[0][1] if self.observed else Missing("not evaluated")
                text += f" on {self.context} = {show_value(value)}"
        return f"{text}: {self.detail}" if self.detail else text


class Criterion:
    """A compiled Criterion Object."""

    __slots__ = ("_check", "_exprs", "condition", "context", "type", "version")

    def __init__(
        self,
        condition: str,
        type_: str,
        version: str | None,
        context: Expression | None,
        check: Callable[[EvalContext], Outcome],
        exprs: tuple[Expression, ...] = (),
    ) -> None:
        self.condition = condition
        self.type = type_
        self.version = version
        self.context = context
        self._check = check
        self._exprs = exprs

    def evaluate(self, ctx: EvalContext) -> Outcome:
        """Evaluate against ``ctx``; never raises for run-time data problems."""
        try:
            return self._check(ctx)
        except Exception as exc:  # a data shape no check anticipated: report, don't crash
            return Outcome(
                False,
                self.condition,
                [],
                f"error while evaluating: {type(exc).__name__}: {exc}",
                self.version or self.type,
                self.context.source if self.context else None,
            )

    def expressions(self) -> list[Expression]:
        """Runtime expressions used (context first), for static checks."""
        found = [self.context] if self.context is not None else []
        return found + list(self._exprs)

    def __repr__(self) -> str:
        return f"Criterion({self.type}: {self.condition!r})"


# --------------------------------------------------------------------------------------------
# Compilation entry point


def compile_criterion(obj: Mapping[str, Any]) -> Criterion:
    """Compile a raw Criterion Object (``condition``, ``context``, ``type``)."""
    if not isinstance(obj, Mapping):
        raise CriterionError("condition", f"a criterion must be an object, got {obj!r}")
    condition = obj.get("condition")
    if condition is None:
        raise CriterionError("condition", "'condition' is required")
    if not isinstance(condition, str):
        raise CriterionError(
            "condition",
            f"must be a string, got {type(condition).__name__} {condition!r} (quote it in YAML)",
        )
    type_, version = _parse_type(obj.get("type"))
    context = _parse_context(obj.get("context"), type_)
    if type_ == "simple" or context is None:  # context is required for the other types
        parser = _Parser(condition)
        check = _simple_check(condition, parser.parse())
        return Criterion(condition, "simple", None, context, check, tuple(parser.exprs))
    if type_ == "regex":
        check = _compile_regex(condition, context)
    elif type_ == "jsonpath":
        check = _compile_jsonpath(condition, version, context)
    else:
        check = _compile_xpath(condition, version, context)
    return Criterion(condition, type_, version, context, check)


def _parse_type(raw: Any) -> tuple[str, str | None]:
    if raw is None:
        return "simple", None
    if isinstance(raw, str):
        if raw in TYPES:
            return raw, None
        raise CriterionError(
            "type",
            f"unknown type {raw!r} (expected one of {', '.join(TYPES)}){_did_you_mean(raw, TYPES)}",
        )
    if isinstance(raw, Mapping):
        kind, version = raw.get("type"), raw.get("version")
        if kind not in VERSIONS:
            raise CriterionError(
                "type",
                f"a Criterion Expression Type Object needs type 'jsonpath' or 'xpath', got"
                f" {kind!r}{_did_you_mean(str(kind), tuple(VERSIONS))}",
            )
        allowed = VERSIONS[kind]
        if version is None:
            raise CriterionError(
                "type", f"'version' is required for type {kind} (one of {', '.join(allowed)})"
            )
        if version not in allowed:
            raise CriterionError(
                "type",
                f"unknown {kind} version {version!r} (expected one of {', '.join(allowed)})"
                f"{_did_you_mean(str(version), allowed)}",
            )
        return kind, version
    raise CriterionError("type", f"must be a string or an object, got {raw!r}")


def _parse_context(raw: Any, type_: str) -> Expression | None:
    if raw is None:
        if type_ != "simple":
            raise CriterionError(
                "context",
                f"type '{type_}' needs a 'context' runtime expression to apply the condition to"
                " (e.g. $response.body)",
            )
        return None
    if not isinstance(raw, str):
        raise CriterionError("context", f"must be a runtime expression string, got {raw!r}")
    try:
        return parse_expression(raw)
    except ExpressionError as exc:
        raise CriterionError("context", exc.message, source=raw, position=exc.position) from None


def _context_value(context: Expression, ctx: EvalContext) -> Any:
    try:
        return context.evaluate(ctx)
    except UnresolvedError as exc:
        return Missing(exc.reason)


def _fail_missing(condition: str, label: str, context: Expression, value: Missing) -> Outcome:
    return Outcome(
        False,
        condition,
        [(context.source, value)],
        f"the context has no value ({value.reason})",
        label,
        context.source,
    )


# --------------------------------------------------------------------------------------------
# Simple conditions: tokenizer


@dataclass(frozen=True)
class _Tok:
    kind: str  # EXPR LIT OP LP RP LB RB DOT NAME EOF
    value: Any
    pos: int
    end: int


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_OPS2 = ("==", "!=", "<=", ">=", "&&", "||")
_SINGLE = {"<": "OP", ">": "OP", "!": "OP", "(": "LP", ")": "RP", "[": "LB", "]": "RB", ".": "DOT"}
_KEYWORDS = {"true": True, "false": False, "null": None}
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")


def _syntax(text: str, pos: int, message: str) -> CriterionError:
    return CriterionError("condition", message, source=text, position=pos)


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif toks and toks[-1].kind == "DOT" and (m := _NAME.match(text, i)):
            toks.append(_Tok("NAME", m.group(), i, m.end()))
            i = m.end()
        elif c == "$":
            i = _tok_expression(text, i, toks)
        elif c == "'":
            i = _tok_string(text, i, toks)
        elif c.isdigit() or (c == "-" and text[i + 1 : i + 2].isdigit()):
            i = _tok_number(text, i, toks)
        elif text[i : i + 2] in _OPS2:
            toks.append(_Tok("OP", text[i : i + 2], i, i + 2))
            i += 2
        elif c in _SINGLE:
            toks.append(_Tok(_SINGLE[c], c, i, i + 1))
            i += 1
        elif c.isalpha() or c == "_":
            i = _tok_word(text, i, toks)
        else:
            raise _syntax(text, i, _bad_char(c))
    toks.append(_Tok("EOF", None, n, n))
    return toks


def _bad_char(c: str) -> str:
    fixes = {
        "=": "use '==' to compare",
        "&": "use '&&' for 'and'",
        "|": "use '||' for 'or'",
        '"': "strings use single quotes ('text'), not double quotes",
    }
    return f"unexpected {c!r}" + (f": {fixes[c]}" if c in fixes else "")


def _tok_expression(text: str, i: int, toks: list[_Tok]) -> int:
    nxt = text[i + 1 : i + 2]
    if not nxt.isascii() or not nxt.isalpha():
        hint = ""
        if nxt in ("[", ".", ""):
            hint = (
                "; this looks like a JSONPath query: add 'type: jsonpath' and a 'context'"
                " (e.g. $response.body)"
            )
        raise _syntax(text, i, f"'$' must start a runtime expression such as $statusCode{hint}")
    try:
        expr, end = scan_expression(text, i, mode="condition")
    except ExpressionError as exc:
        raise _syntax(text, exc.position, exc.message) from None
    toks.append(_Tok("EXPR", expr, i, end))
    return end


def _tok_string(text: str, i: int, toks: list[_Tok]) -> int:
    j = i + 1
    chunks: list[str] = []
    while True:
        k = text.find("'", j)
        if k == -1:
            raise _syntax(
                text, i, f"unterminated string starting at position {i} (add a closing ')"
            )
        chunks.append(text[j:k])
        if text[k + 1 : k + 2] == "'":
            chunks.append("'")
            j = k + 2
            continue
        toks.append(_Tok("LIT", "".join(chunks), i, k + 1))
        return k + 1


def _tok_number(text: str, i: int, toks: list[_Tok]) -> int:
    m = _NUMBER.match(text, i)
    assert m is not None  # guarded by the caller: a digit, or '-' and a digit
    end = m.end()
    if end < len(text) and (text[end].isalnum() or text[end] in "_."):
        raise _syntax(text, end, f"unexpected {text[end]!r} after number {m.group()!r}")
    raw = m.group()
    value: int | float = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
    toks.append(_Tok("LIT", value, i, end))
    return end


def _tok_word(text: str, i: int, toks: list[_Tok]) -> int:
    m = _WORD.match(text, i)
    assert m is not None  # guarded by the caller: a letter or '_'
    word = m.group()
    if word in _KEYWORDS:
        toks.append(_Tok("LIT", _KEYWORDS[word], i, m.end()))
        return m.end()
    root = next((r for r in ROOTS if r.lower() == word.lower()), None)
    if word.lower() in _KEYWORDS:
        hint = f"; did you mean '{word.lower()}'?"
    elif root:
        hint = f"; did you mean '${root}'?"
    else:
        hint = f" (a string needs single quotes: '{word}'; runtime expressions start with '$')"
    raise _syntax(text, i, f"unexpected word {word!r}{hint}")


# --------------------------------------------------------------------------------------------
# Simple conditions: parser → closures ``fn(ctx, seen) -> value``

Node = Callable[[EvalContext, dict], Any]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.exprs: list[Expression] = []

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def advance(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: _Tok | None = None) -> CriterionError:
        return _syntax(self.text, (tok or self.tok).pos, message)

    def found(self, tok: _Tok | None = None) -> str:
        tok = tok or self.tok
        return (
            "the end of the condition" if tok.kind == "EOF" else repr(self.text[tok.pos : tok.end])
        )

    def parse(self) -> Node:
        if self.tok.kind == "EOF":
            raise self.error("the condition is empty")
        node = self.parse_or()
        if self.tok.kind != "EOF":
            raise self.error(
                f"unexpected {self.found()}; expected an operator"
                " (==, !=, <, <=, >, >=, &&, ||) or the end of the condition"
            )
        return node

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while self.tok.kind == "OP" and self.tok.value == "||":
            self.advance()
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else _or(tuple(nodes))

    def parse_and(self) -> Node:
        nodes = [self.parse_compare()]
        while self.tok.kind == "OP" and self.tok.value == "&&":
            self.advance()
            nodes.append(self.parse_compare())
        return nodes[0] if len(nodes) == 1 else _and(tuple(nodes))

    def parse_compare(self) -> Node:
        left = self.parse_unary()
        if not (self.tok.kind == "OP" and self.tok.value in _COMPARE):
            return left
        op = self.advance().value
        right = self.parse_unary()
        if self.tok.kind == "OP" and self.tok.value in _COMPARE:
            raise self.error(
                f"comparisons cannot be chained ('{op}' then '{self.tok.value}');"
                " combine them with && instead"
            )
        return _compare(op, left, right)

    def parse_unary(self) -> Node:
        if self.tok.kind == "OP" and self.tok.value == "!":
            self.advance()
            return _not(self.parse_unary())
        return self.parse_postfix()

    def parse_postfix(self) -> Node:
        start = self.tok
        node = self.parse_primary()
        if self.tok.kind not in ("DOT", "LB"):
            return node
        if start.kind != "EXPR":
            raise self.error(
                f"{self.found()} can only follow a runtime expression"
                " (property/index access on a literal or group)"
            )
        accessors: list[str | int] = []
        end = start.end
        while self.tok.kind in ("DOT", "LB"):
            accessors.append(self.accessor())
            end = self.toks[self.i - 1].end
        return _ref(start.value, tuple(accessors), self.text[start.pos : end])

    def accessor(self) -> str | int:
        if self.advance().kind == "DOT":
            if self.tok.kind != "NAME":
                raise self.error(f"expected a property name after '.', found {self.found()}")
            return self.advance().value
        tok = self.advance()
        if tok.kind != "LIT" or isinstance(tok.value, (bool, float)) or tok.value is None:
            raise self.error(
                f"expected an index (0, 1, ...) or a 'key' inside [ ], found {self.found(tok)}",
                tok,
            )
        if isinstance(tok.value, int) and tok.value < 0:
            raise self.error("negative indexes are not supported", tok)
        if self.tok.kind != "RB":
            raise self.error(f"expected ']' to close '[', found {self.found()}")
        self.advance()
        return tok.value

    def parse_primary(self) -> Node:
        tok = self.tok
        if tok.kind == "EXPR":
            self.advance()
            self.exprs.append(tok.value)
            return _ref(tok.value, (), tok.value.source)
        if tok.kind == "LIT":
            self.advance()
            value = tok.value
            return lambda ctx, seen: value
        if tok.kind == "LP":
            self.advance()
            node = self.parse_or()
            if self.tok.kind != "RP":
                raise self.error(
                    f"expected ')' to close the '(' at position {tok.pos}, found {self.found()}"
                )
            self.advance()
            return node
        raise self.error(
            f"expected a value (a $runtime expression, 'string', number, true, false, null or"
            f" '('), found {self.found()}"
        )


def _ref(expr: Expression, accessors: tuple[str | int, ...], text: str) -> Node:
    fn = expr._fn

    def get(ctx: EvalContext, seen: dict) -> Any:
        if text in seen:
            return seen[text]
        try:
            value = fn(ctx)
        except UnresolvedError as exc:
            value = Missing(exc.reason)
        else:
            if accessors:
                value = _access(value, accessors, expr.source)
        seen[text] = value
        return value

    return get


def _access(value: Any, accessors: tuple[str | int, ...], label: str) -> Any:
    for key in accessors:
        if isinstance(value, Mapping) and isinstance(key, str):
            if key not in value:
                return Missing(f"{label} has no property '{key}' (keys: {_names(value)})")
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int):
            if key >= len(value):
                return Missing(f"{label}: index {key} out of range (length {len(value)})")
            value = value[key]
        else:
            shown = f"[{key}]" if isinstance(key, int) else f".{key}"
            return Missing(f"{label}{shown}: cannot access {shown} on {show_value(value, 60)}")
        label += f"[{key}]" if isinstance(key, int) else f".{key}"
    return value


def _truthy(value: Any) -> bool:
    if value is None or value.__class__ is Missing:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value) > 0
    return True


def _not(node: Node) -> Node:
    return lambda ctx, seen: not _truthy(node(ctx, seen))


def _and(nodes: tuple[Node, ...]) -> Node:
    def run(ctx: EvalContext, seen: dict) -> bool:
        results = [_truthy(n(ctx, seen)) for n in nodes]
        return all(results)

    return run


def _or(nodes: tuple[Node, ...]) -> Node:
    def run(ctx: EvalContext, seen: dict) -> bool:
        results = [_truthy(n(ctx, seen)) for n in nodes]
        return any(results)

    return run


def _compare(op: str, left: Node, right: Node) -> Node:
    if op == "==":
        return lambda ctx, seen: loose_equals(left(ctx, seen), right(ctx, seen))
    if op == "!=":
        return lambda ctx, seen: not loose_equals(left(ctx, seen), right(ctx, seen))
    test = {
        "<": lambda c: c < 0,
        "<=": lambda c: c <= 0,
        ">": lambda c: c > 0,
        ">=": lambda c: c >= 0,
    }[op]

    def run(ctx: EvalContext, seen: dict) -> bool:
        order = loose_order(left(ctx, seen), right(ctx, seen))
        return order is not None and test(order)

    return run


# --------------------------------------------------------------------------------------------
# Loose comparison rules (see the module docstring)

_NUMERIC_STRING = re.compile(r"\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_number(text: str) -> int | float | None:
    if not _NUMERIC_STRING.fullmatch(text):
        return None
    text = text.strip()
    return float(text) if any(ch in text for ch in ".eE") else int(text)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _norm(value: Any) -> Any:
    return None if value.__class__ is Missing else value


def loose_equals(a: Any, b: Any) -> bool:
    """Equality per the simple-condition rules (case-insensitive, numeric strings, ...)."""
    a, b = _norm(a), _norm(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, bool) and isinstance(b, bool):
            return a == b
        flag, other = (a, b) if isinstance(a, bool) else (b, a)
        return isinstance(other, str) and other.strip().casefold() == ("true" if flag else "false")
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, str) and _is_number(b):
        a, b = b, a
    if _is_number(a) and isinstance(b, str):
        number = _as_number(b)
        return number is not None and number == a
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(loose_equals(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(loose_equals(x, y) for x, y in zip(a, b, strict=True))
    return False


def loose_order(a: Any, b: Any) -> int | None:
    """-1/0/1 ordering per the simple-condition rules, or ``None`` when incomparable."""
    a, b = _norm(a), _norm(b)
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.casefold(), b.casefold()
    elif _is_number(a) and isinstance(b, str):
        b = _as_number(b)
    elif isinstance(a, str) and _is_number(b):
        a = _as_number(a)
    if not ((_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
        return None
    if _is_nan(a) or _is_nan(b):
        return None
    return -1 if a < b else 1 if a > b else 0


def _simple_check(condition: str, node: Node) -> Callable[[EvalContext], Outcome]:
    def check(ctx: EvalContext) -> Outcome:
        seen: dict[str, Any] = {}
        passed = _truthy(node(ctx, seen))
        return Outcome(passed, condition, list(seen.items()))

    return check


# --------------------------------------------------------------------------------------------
# regex


def _compile_regex(condition: str, context: Expression) -> Callable[[EvalContext], Outcome]:
    try:
        pattern = re.compile(condition)
    except re.error as exc:
        raise CriterionError(
            "condition",
            f"invalid regular expression: {exc.msg}",
            source=condition,
            position=exc.pos,
        ) from None

    def check(ctx: EvalContext) -> Outcome:
        value = _context_value(context, ctx)
        if isinstance(value, Missing):
            return _fail_missing(condition, "regex", context, value)
        passed = pattern.search(render(value)) is not None
        return Outcome(
            passed,
            condition,
            [(context.source, value)],
            "" if passed else "no match",
            "regex",
            context.source,
        )

    return check


# --------------------------------------------------------------------------------------------
# JSONPath


def _compile_jsonpath(
    condition: str, version: str | None, context: Expression
) -> Callable[[EvalContext], Outcome]:
    label = version or "jsonpath"
    if version == GOESSNER:
        try:
            query: Any = _goessner().parse(condition)
        except Exception as exc:  # jsonpath_ng raises several unrelated exception types
            raise CriterionError(
                "condition", f"invalid JSONPath ({GOESSNER}): {exc}", source=condition
            ) from None
    else:
        try:
            query = _rfc9535().compile(condition)
        except _rfc9535().JSONPathError as exc:
            token = getattr(exc, "token", None)
            raise CriterionError(
                "condition",
                f"invalid JSONPath (RFC 9535): {getattr(token, 'message', None) or exc}",
                source=condition,
                position=getattr(token, "index", None),
            ) from None

    def check(ctx: EvalContext) -> Outcome:
        value = _context_value(context, ctx)
        if isinstance(value, Missing):
            return _fail_missing(condition, label, context, value)
        count = len(query.find(value))
        if count:
            detail = f"query returned {count} node{'s' if count != 1 else ''}"
        else:
            detail = "query returned no nodes"
            if version is None:
                detail += _filter_hint(condition, value, context.source)
        return Outcome(
            count > 0, condition, [(context.source, value)], detail, label, context.source
        )

    return check


_COUNT_FILTER = re.compile(
    r"\$\[\?\s*count\(\s*@\.([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*(?:>\s*0|>=\s*1|!=\s*0)\s*\]"
)


def _filter_hint(condition: str, root: Any, context_source: str) -> str:
    """Explain the RFC 9535 root-filter pitfall (``$[?...]`` on an object root)."""
    text = condition.strip()
    if not (text.startswith("$[?") and isinstance(root, Mapping)):
        return ""
    hint = (
        ". Hint: under RFC 9535 a filter `$[?...]` selects children of the root, not the root"
        " itself; on this object `@` is each member value, so `@.x` looks for 'x' inside the"
        " members."
    )
    m = _COUNT_FILTER.fullmatch(text)
    if m:
        name = m.group(1)
        sep = "/" if "#" in context_source else "#/"
        hint += (
            f" (Also, `count(@.{name})` counts nodes: 1 whenever '{name}' exists, even if empty.)"
            f" To test that '{name}' has items use `$.{name}[*]`, or `$[*]` with context"
            f" `{context_source}{sep}{name}`, or `$[?count($.{name}[*]) > 0]`"
        )
        check = f"$.{name}[*]"
    else:
        check = _at_to_root(text)
        if check == text or not _compiles(check):
            return hint
        hint += f" To apply the filter to the object itself, refer to it with `$`: `{check}`"
    would = bool(_rfc9535().compile(check).find(root))
    return hint + (
        "; that would match this value." if would else "; that would not match this value either."
    )


def _at_to_root(query: str) -> str:
    """Replace ``@`` with ``$`` outside string literals."""
    out: list[str] = []
    quote = ""
    for ch in query:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "@":
            ch = "$"
        out.append(ch)
    return "".join(out)


def _compiles(query: str) -> bool:
    try:
        _rfc9535().compile(query)
    except _rfc9535().JSONPathError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# XPath

_COLUMN = re.compile(r"column (\d+)")


def _compile_xpath(
    condition: str, version: str | None, context: Expression
) -> Callable[[EvalContext], Outcome]:
    label = version or "xpath"
    try:
        selector = _elementpath().Selector(condition, parser=_xpath_parser(version))
    except _elementpath().ElementPathError as exc:
        m = _COLUMN.search(str(exc))
        raise CriterionError(
            "condition",
            f"invalid XPath ({version or 'xpath-31'}): {getattr(exc, 'message', exc)}",
            source=condition,
            position=int(m.group(1)) - 1 if m else None,
        ) from None

    def check(ctx: EvalContext) -> Outcome:
        value = _context_value(context, ctx)
        observed = [(context.source, value)]
        if isinstance(value, Missing):
            return _fail_missing(condition, label, context, value)
        root, problem = _xml_root(value)
        if root is None:
            return Outcome(False, condition, observed, problem, label, context.source)
        try:
            result = selector.select(root)
        except _elementpath().ElementPathError as exc:
            return Outcome(False, condition, observed, f"XPath error: {exc}", label, context.source)
        passed, detail = _xpath_result(result)
        return Outcome(passed, condition, observed, detail, label, context.source)

    return check


def _xml_root(value: Any) -> tuple[Any, str]:
    if isinstance(value, (ET.Element, ET.ElementTree)):
        return value, ""
    if isinstance(value, (str, bytes)):
        try:
            return ET.fromstring(value), ""
        except ET.ParseError as exc:
            return None, f"the context is not well-formed XML: {exc}"
    return None, f"xpath needs an XML document (a string); the context is {show_value(value, 60)}"


def _xpath_result(result: Any) -> tuple[bool, str]:
    if isinstance(result, bool):
        return result, "" if result else "the expression is false"
    if isinstance(result, list):
        n = len(result)
        return n > 0, f"selected {n} item{'s' if n != 1 else ''}" if n else "selected nothing"
    if _is_number(result):
        return result != 0 and not _is_nan(result), f"result is {result}"
    if isinstance(result, str):
        return result != "", f"result is {show_value(result)}"
    return result is not None, f"result is {show_value(result)}"
