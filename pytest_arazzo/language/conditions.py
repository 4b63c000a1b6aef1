"""Where a simple condition is parsed and evaluated (Arazzo 1.0.1, "Criterion Object", type
``simple``).

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

Semantics: a runtime value that cannot be resolved evaluates as ``null`` and is reported as
``<missing: reason>``; comparisons and truthiness follow :mod:`pytest_arazzo.language.compare`
(``rules="1.1"``: the Arazzo 1.1 operators, :data:`~.compare.OPERATORS_1_1`).
A condition may be a bare operand (``$steps.check.outputs.ok``, ``true``). ``!``, ``&&`` and
``||`` return booleans, and both sides of ``&&``/``||`` are always evaluated so every value shows
up in what was observed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pytest_arazzo.language.compare import OPERATORS, OPERATORS_1_1, truthy
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import CriterionError, ExpressionError, UnresolvedError
from pytest_arazzo.language.evaluate import Expression, names, scan_expression
from pytest_arazzo.language.outcome import Missing, show_value
from pytest_arazzo.language.parser import ROOTS

__all__ = ["Condition", "parse_condition"]

#: Values read so far in one evaluation, by operand text (each is read once, shown once).
Seen = dict[str, Any]
Node = Callable[[EvalContext, Seen], Any]


@dataclass(frozen=True)
class Condition:
    """A parsed simple condition."""

    text: str
    node: Node
    expressions: tuple[Expression, ...]

    def evaluate(self, ctx: EvalContext) -> tuple[bool, list[tuple[str, Any]]]:
        """Whether the condition holds, and each operand it read with its value."""
        seen: Seen = {}
        passed = truthy(self.node(ctx, seen))
        return passed, list(seen.items())


@lru_cache(maxsize=4096)
def parse_condition(text: str, rules: str = "1.0") -> Condition:
    """Parse a simple condition; raise :class:`CriterionError` (field ``condition``). Memoized
    by text, like :func:`~.evaluate.parse_expression`: a :class:`Condition` is immutable (its
    node is a closure over the parse only), and suites repeat the same few conditions."""
    parser = _Parser(text, OPERATORS_1_1 if rules == "1.1" else OPERATORS)
    node = parser.parse()
    return Condition(text, node, tuple(parser.exprs))


# --------------------------------------------------------------------------------------------
# Tokenizer


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
_COMPARE = tuple(OPERATORS)
_FIXES = {
    "=": "use '==' to compare",
    "&": "use '&&' for 'and'",
    "|": "use '||' for 'or'",
    '"': "strings use single quotes ('text'), not double quotes",
}


def _syntax(text: str, pos: int, message: str) -> CriterionError:
    return CriterionError("condition", message, source=text, position=pos)


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
        elif toks and toks[-1].kind == "DOT" and (m := _NAME.match(text, i)):
            toks.append(_Tok("NAME", m.group(), i, m.end()))
            i = m.end()
        else:
            i = _token(text, i, toks)
    toks.append(_Tok("EOF", None, n, n))
    return toks


def _token(text: str, i: int, toks: list[_Tok]) -> int:
    """Read the token at ``text[i]`` into ``toks``; return where the next one starts."""
    c = text[i]
    if c in _LEADING:
        return _LEADING[c](text, i, toks)
    if c.isdigit() or (c == "-" and text[i + 1 : i + 2].isdigit()):
        return _tok_number(text, i, toks)
    if text[i : i + 2] in _OPS2:
        toks.append(_Tok("OP", text[i : i + 2], i, i + 2))
        return i + 2
    if c in _SINGLE:
        toks.append(_Tok(_SINGLE[c], c, i, i + 1))
        return i + 1
    if c.isalpha() or c == "_":
        return _tok_word(text, i, toks)
    raise _syntax(text, i, f"unexpected {c!r}" + (f": {_FIXES[c]}" if c in _FIXES else ""))


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


_LEADING: dict[str, Callable[[str, int, list[_Tok]], int]] = {
    "$": _tok_expression,
    "'": _tok_string,
}


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
# Parser → closures ``node(ctx, seen) -> value``


class _Parser:
    def __init__(self, text: str, operators: Mapping[str, Callable[[Any, Any], bool]]) -> None:
        self.text = text
        self.operators = operators
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

    def at_op(self, *ops: str) -> bool:
        return self.tok.kind == "OP" and self.tok.value in ops

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
        while self.at_op("||"):
            self.advance()
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else _or(tuple(nodes))

    def parse_and(self) -> Node:
        nodes = [self.parse_compare()]
        while self.at_op("&&"):
            self.advance()
            nodes.append(self.parse_compare())
        return nodes[0] if len(nodes) == 1 else _and(tuple(nodes))

    def parse_compare(self) -> Node:
        left = self.parse_unary()
        if not self.at_op(*_COMPARE):
            return left
        op: str = self.advance().value
        right = self.parse_unary()
        if self.at_op(*_COMPARE):
            raise self.error(
                f"comparisons cannot be chained ('{op}' then '{self.tok.value}');"
                " combine them with && instead"
            )
        return _compare(self.operators[op], left, right)

    def parse_unary(self) -> Node:
        if self.at_op("!"):
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
            name: str = self.advance().value
            return name
        return self.index()

    def index(self) -> str | int:
        """The ``0`` or ``'key'`` inside ``[ ]`` (the ``[`` is consumed)."""
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
        key: str | int = tok.value
        return key

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


# --------------------------------------------------------------------------------------------
# Nodes


def _ref(expr: Expression, accessors: tuple[str | int, ...], text: str) -> Node:
    """An operand: the expression's value (or :class:`Missing`), then ``.name``/``[i]`` steps."""
    evaluate = expr.evaluate

    def get(ctx: EvalContext, seen: Seen) -> Any:
        if text in seen:
            return seen[text]
        try:
            value = evaluate(ctx)
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
        value = _step_into(value, key, label)
        if value.__class__ is Missing:
            return value
        label += f"[{key}]" if isinstance(key, int) else f".{key}"
    return value


def _step_into(value: Any, key: str | int, label: str) -> Any:
    """``value[key]`` for a mapping and a name or a list and an index, else :class:`Missing`."""
    if isinstance(value, Mapping) and isinstance(key, str):
        if key not in value:
            return Missing(f"{label} has no property '{key}' (keys: {names(value)})")
        return value[key]
    if isinstance(value, list) and isinstance(key, int):
        if key >= len(value):
            return Missing(f"{label}: index {key} out of range (length {len(value)})")
        return value[key]
    shown = f"[{key}]" if isinstance(key, int) else f".{key}"
    return Missing(f"{label}{shown}: cannot access {shown} on {show_value(value, 60)}")


def _not(node: Node) -> Node:
    return lambda ctx, seen: not truthy(node(ctx, seen))


def _and(nodes: tuple[Node, ...]) -> Node:
    def run(ctx: EvalContext, seen: Seen) -> bool:
        results = [truthy(n(ctx, seen)) for n in nodes]  # all of them: every value is observed
        return all(results)

    return run


def _or(nodes: tuple[Node, ...]) -> Node:
    def run(ctx: EvalContext, seen: Seen) -> bool:
        results = [truthy(n(ctx, seen)) for n in nodes]  # all of them: every value is observed
        return any(results)

    return run


def _compare(rule: Callable[[Any, Any], bool], left: Node, right: Node) -> Node:
    return lambda ctx, seen: rule(left(ctx, seen), right(ctx, seen))
