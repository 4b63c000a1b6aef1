"""Arazzo runtime expressions (Arazzo 1.0.1, "Runtime Expressions"): parse once, evaluate fast.

Supported forms (``[#ptr]`` is an optional RFC 6901 JSON Pointer such as ``#/data/0/id``)::

    $url  $method  $statusCode
    $request.header.<token>   $request.query.<name>   $request.path.<name>   $request.body[#ptr]
    $response.header.<token>  $response.query.<name>  $response.path.<name>  $response.body[#ptr]
    $inputs.<name>[#ptr]      $outputs.<name>[#ptr]
    $steps.<stepId>.outputs.<name>[#ptr]
    $workflows.<workflowId>.inputs.<name>[#ptr]   $workflows.<workflowId>.outputs.<name>[#ptr]
    $sourceDescriptions.<name>[.<field>]
    $components.{inputs,parameters,successActions,failureActions}.<name>

Decisions:

- **Character sets.** stepIds, workflowIds and source names are ``[A-Za-z0-9_-]+``; input,
  output and component names are ``[A-Za-z0-9_.-]+`` (dots allowed, the spec's key rule); header
  names are RFC 9110 tokens and matched case-insensitively; query/path names are tokens without
  ``#``. Roots and keywords (``outputs``, ``body``...) are case-sensitive; a near miss gets a
  "did you mean" in the :class:`ExpressionError`.
- **Dotted names.** ``$steps.s.outputs.a.b`` reads output ``a.b`` if it exists, else the longest
  existing prefix (``a``) and then walks the rest as properties (``b``; digits index arrays). The
  same rule applies to ``$inputs``, ``$outputs``, ``$workflows`` and ``$components`` names.
- **Pointers** end at the end of the string in a standalone expression, at ``}`` in a template,
  and at whitespace or one of ``= ! < > & | ( ) [ ]`` inside a criterion condition. ``#`` alone is
  the empty pointer (the whole value).
- **``$`` literals.** A string is treated as an expression only if it is ``$`` followed by an ASCII
  letter; then it must be *exactly* one valid expression, otherwise :class:`ExpressionError` (a
  typo must not silently become a literal). ``"$"``, ``"$5 off"``, ``"$$"`` and ``"$ 10"`` are
  plain literals. There is no escape for a literal like ``"$EUR"``: pass it through an input.
  Likewise ``{$`` + letter starts an embedded expression in a template, which must end with
  ``}``; ``{$5}`` is literal text. Mapping keys are never compiled.
- **Templates** always produce a ``str``: strings as-is, numbers plainly,
  ``true``/``false``/``null`` for booleans/None, compact JSON for objects and arrays.
- **Absent inputs.** ``$inputs.x`` (or ``$components.inputs.x``) with no such input raises
  :class:`UnresolvedError` with ``is_absent_input=True``; :meth:`Compiled.evaluate` drops a
  mapping entry or list item whose whole value is such an expression (``omit_absent_inputs``).
"""

from __future__ import annotations

import difflib
import json
import operator
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pytest_arazzo.document.pointer import PointerError, _parse_cached, resolve_pointer
from pytest_arazzo.language.context import EvalContext, Message

__all__ = [
    "Compiled",
    "Expression",
    "ExpressionError",
    "Reference",
    "UnresolvedError",
    "compile_value",
    "is_expression",
    "parse_expression",
    "parse_source_reference",
    "scan_expression",
]

Mode = Literal["whole", "template", "condition"]

ROOTS = (
    "url",
    "method",
    "statusCode",
    "request",
    "response",
    "inputs",
    "outputs",
    "steps",
    "workflows",
    "sourceDescriptions",
    "components",
)
_SOURCES = ("header", "query", "path", "body")
_COMPONENT_KINDS = ("inputs", "parameters", "successActions", "failureActions")

_ALNUM = frozenset(string.ascii_letters + string.digits)
_LETTERS = frozenset(string.ascii_letters)
_ID_CHARS = _ALNUM | frozenset("_-")
_NAME_CHARS = _ID_CHARS | frozenset(".")
_TCHARS = _ALNUM | frozenset("!#$%&'*+-.^_`|~")
_CONDITION_STOP = frozenset("!&|'")
_HEADER_CHARS = {
    "whole": _TCHARS,
    "template": _TCHARS,
    "condition": _TCHARS - _CONDITION_STOP,
}
_PARAM_CHARS = {mode: chars - {"#"} for mode, chars in _HEADER_CHARS.items()}
_POINTER_STOP_CONDITION = frozenset(" \t\r\n=!<>&|()[]")
_MAX_LIST = 20


class ExpressionError(ValueError):
    """A malformed runtime expression; ``position`` is the 0-based offset of the problem."""

    def __init__(self, expression: str, position: int, message: str) -> None:
        self.expression = expression
        self.position = position
        self.message = message
        super().__init__(
            f"invalid runtime expression {expression!r} at position {position}: {message}"
        )


class UnresolvedError(LookupError):
    """A well-formed expression with no value at run time."""

    def __init__(self, expression: str, reason: str, *, is_absent_input: bool = False) -> None:
        self.expression = expression
        self.reason = reason
        self.is_absent_input = is_absent_input
        super().__init__(f"cannot resolve {expression}: {reason}")


@dataclass(frozen=True)
class Reference:
    """What an expression reads, for static checks.

    ``id`` is the stepId / workflowId / source description name; ``kind`` the sub-collection
    (``header``/``query``/``path``/``body``, ``inputs``/``outputs``, a components kind);
    ``name`` the input/output/parameter/header name or source field; ``pointer`` the raw pointer
    text after ``#`` (``None`` when absent).
    """

    root: str
    id: str | None = None
    kind: str | None = None
    name: str | None = None
    pointer: str | None = None


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


# --------------------------------------------------------------------------------------------
# Parsing


def is_expression(text: Any) -> bool:
    """Cheap check: does ``text`` look like a runtime expression (``$`` + ASCII letter)?

    This is the rule :func:`compile_value` uses to decide between expression and literal; it
    does not validate (use :func:`parse_expression` for that).
    """
    return isinstance(text, str) and len(text) > 1 and text[0] == "$" and text[1] in _LETTERS


@lru_cache(maxsize=8192)
def parse_expression(text: str) -> Expression:
    """Parse ``text``, which must be exactly one runtime expression."""
    if not isinstance(text, str):
        raise ExpressionError(repr(text), 0, f"expected a string, got {type(text).__name__}")
    expr, _end = scan_expression(text, 0, mode="whole")
    return expr


def scan_expression(text: str, start: int = 0, *, mode: Mode = "whole") -> tuple[Expression, int]:
    """Parse the expression starting at ``text[start]`` (a ``$``); return it and its end offset.

    ``mode`` sets where names and pointers end: ``whole`` (the rest of ``text`` must be the
    expression), ``template`` (stops before ``}``) or ``condition`` (stops before whitespace and
    operators; the caller handles what follows). Positions in errors are offsets in ``text``.
    """
    return _Scanner(text, start, mode).scan()


def parse_source_reference(text: str) -> tuple[str, str] | None:
    """Split ``$sourceDescriptions.<name>.<rest>`` into ``(name, rest)``; else ``None``.

    Used for ``operationId``/``workflowId`` values that point into a named source description,
    e.g. ``$sourceDescriptions.petStore.loginUser`` → ``("petStore", "loginUser")``.
    """
    prefix = "$sourceDescriptions."
    if not isinstance(text, str) or not text.startswith(prefix):
        return None
    body = text[len(prefix) :]
    i = 0
    while i < len(body) and body[i] in _ID_CHARS:
        i += 1
    if i == 0 or i >= len(body) - 1 or body[i] != ".":
        return None
    return body[:i], body[i + 1 :]


def _did_you_mean(word: str, options: Sequence[str], prefix: str = "") -> str:
    """Return ``"; did you mean '<prefix><option>'?"`` for a close match, else ``""``."""
    lowered = {o.lower(): o for o in options}
    match = lowered.get(word.lower())
    if match is None:
        close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        match = lowered[close[0]] if close else None
    return f"; did you mean '{prefix}{match}'?" if match else ""


def _one_of(options: Sequence[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{o}" for o in options)


def _name_splits(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Prefix/rest splits of a dotted name, longest prefix first (``a.b.c`` → a.b|c, a|b.c)."""
    parts = name.split(".")
    return tuple((".".join(parts[:i]), tuple(parts[i:])) for i in range(len(parts) - 1, 0, -1))


class _Scanner:
    """Recursive-descent scanner for one runtime expression."""

    def __init__(self, text: str, start: int, mode: Mode) -> None:
        self.text = text
        self.start = start
        self.pos = start
        self.mode: Mode = mode

    # -- helpers -----------------------------------------------------------------------------

    def error(self, message: str, position: int | None = None) -> ExpressionError:
        return ExpressionError(self.text, self.pos if position is None else position, message)

    def so_far(self) -> str:
        return self.text[self.start : self.pos]

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self, chars: frozenset[str]) -> str:
        begin = self.pos
        text = self.text
        while self.pos < len(text) and text[self.pos] in chars:
            self.pos += 1
        return text[begin : self.pos]

    def dot(self, what: str) -> None:
        """Consume the ``.`` that must come next, before ``what``."""
        if self.peek() != ".":
            found = f"found {self.peek()!r}" if self.peek() else "the expression ends"
            raise self.error(f"expected '.' and {what} after '{self.so_far()}', but {found}")
        self.pos += 1

    def keyword(self, options: Sequence[str], what: str) -> str:
        begin = self.pos
        word = self.take(_LETTERS)
        if word in options:
            return word
        before = self.text[self.start : begin]
        if not word:
            raise self.error(f"expected {what} ({_one_of(options)}) after '{before}'", begin)
        hint = _did_you_mean(word, options, before)
        raise self.error(
            f"unknown {what} '{word}' after '{before}' (expected one of {_one_of(options)}){hint}",
            begin,
        )

    def name(self, chars: frozenset[str], what: str) -> str:
        begin = self.pos
        value = self.take(chars)
        if not value:
            found = f"found {self.peek()!r}" if self.peek() else "the expression ends"
            raise self.error(
                f"expected {what} after '{self.text[self.start : begin]}', but {found}", begin
            )
        if chars is _NAME_CHARS and (value.endswith(".") or ".." in value):
            bad = begin + (value.index("..") + 1 if ".." in value else len(value) - 1)
            raise self.error(f"{what} cannot contain an empty segment ('.' at {bad})", bad)
        return value

    def pointer(self) -> tuple[str, tuple[str, ...]] | None:
        """Consume an optional ``#pointer``; return its text and tokens."""
        if self.peek() != "#":
            return None
        self.pos += 1
        begin = self.pos
        text = self.text
        if self.mode == "whole":
            self.pos = len(text)
        elif self.mode == "template":
            end = text.find("}", begin)
            self.pos = len(text) if end == -1 else end
        else:
            while self.pos < len(text) and text[self.pos] not in _POINTER_STOP_CONDITION:
                self.pos += 1
        raw = text[begin : self.pos]
        try:
            tokens = _parse_cached(raw)
        except PointerError as exc:
            hint = f"; did you mean '#/{raw}'?" if exc.position == 0 and raw else ""
            raise self.error(
                f"invalid JSON Pointer '{raw}': {exc.problem}{hint}", begin + (exc.position or 0)
            ) from None
        return raw, tokens

    def finish(self) -> None:
        """In whole mode, nothing may follow the expression."""
        if self.mode != "whole" or self.pos >= len(self.text):
            return
        ch = self.text[self.pos]
        sofar = self.so_far()
        if ch == "." and sofar.endswith(".body"):
            rest = self.text[self.pos + 1 :].replace(".", "/")
            raise self.error(
                f"unexpected '.' after '{sofar}': address parts of a body with a JSON Pointer;"
                f" did you mean '{sofar}#/{rest}'?"
            )
        if ch.isspace():
            raise self.error(
                f"unexpected whitespace after '{sofar}' (a runtime expression cannot contain"
                " spaces; to embed expressions in text use '{$...}')"
            )
        raise self.error(f"unexpected {ch!r} after '{sofar}'")

    # -- grammar -----------------------------------------------------------------------------

    def scan(self) -> tuple[Expression, int]:
        text = self.text
        if self.peek() != "$":
            raise self.error("a runtime expression must start with '$'")
        self.pos += 1
        word = self.take(_LETTERS)
        if word not in ROOTS:
            raise self.unknown_root(word)
        method = getattr(self, f"_root_{word}")
        ref, fn = method()
        self.finish()
        return Expression(text[self.start : self.pos], ref, fn), self.pos

    def unknown_root(self, word: str) -> ExpressionError:
        roots = _one_of(ROOTS, "$")
        if not word:
            return self.error(f"expected an expression root after '$' (one of {roots})")
        hint = _did_you_mean(word, ROOTS, "$")
        return self.error(
            f"unknown expression root '${word}' (expected one of {roots}){hint}", self.start
        )

    def _root_url(self) -> tuple[Reference, Getter]:
        return Reference("url"), _context_attr("url", "$url", "no request yet")

    def _root_method(self) -> tuple[Reference, Getter]:
        return Reference("method"), _context_attr("method", "$method", "no request yet")

    def _root_statusCode(self) -> tuple[Reference, Getter]:
        return Reference("statusCode"), _context_attr(
            "status_code", "$statusCode", "no response yet"
        )

    def _root_request(self) -> tuple[Reference, Getter]:
        return self._message("request")

    def _root_response(self) -> tuple[Reference, Getter]:
        return self._message("response")

    def _message(self, root: str) -> tuple[Reference, Getter]:
        self.dot(f"one of {_one_of(_SOURCES)}")
        kind = self.keyword(_SOURCES, f"${root} source")
        if kind == "body":
            ptr = self.pointer()
            source = self.text[self.start : self.pos]
            label = f"${root}.body"
            raw, tokens = ptr if ptr else (None, None)
            return Reference(root, kind="body", pointer=raw), _body_getter(
                root, source, label, tokens
            )
        self.dot(f"a {kind} name")
        chars = (_HEADER_CHARS if kind == "header" else _PARAM_CHARS)[self.mode]
        name = self.name(chars, f"a {kind} name")
        source = self.text[self.start : self.pos]
        return Reference(root, kind=kind, name=name), _message_part_getter(root, kind, name, source)

    def _named(self, what: str) -> tuple[str, str | None, tuple[str, ...] | None]:
        name = self.name(_NAME_CHARS, what)
        ptr = self.pointer()
        raw, tokens = ptr if ptr else (None, None)
        return name, raw, tokens

    def _root_inputs(self) -> tuple[Reference, Getter]:
        self.dot("an input name")
        name, raw, tokens = self._named("an input name")
        source = self.text[self.start : self.pos]
        return Reference("inputs", name=name, pointer=raw), _named_getter(
            source, name, tokens, _inputs_of, "input", absent=True
        )

    def _root_outputs(self) -> tuple[Reference, Getter]:
        self.dot("an output name")
        name, raw, tokens = self._named("an output name")
        source = self.text[self.start : self.pos]
        return Reference("outputs", name=name, pointer=raw), _named_getter(
            source, name, tokens, _outputs_of, "output"
        )

    def _identifier(self, what: str) -> str:
        return self.name(_ID_CHARS, what)

    def _root_steps(self) -> tuple[Reference, Getter]:
        self.dot("a stepId")
        step_id = self._identifier("a stepId")
        self._expect_word("outputs", "a step output name")
        self.dot("an output name")
        name, raw, tokens = self._named("an output name")
        source = self.text[self.start : self.pos]
        return Reference("steps", id=step_id, kind="outputs", name=name, pointer=raw), (
            _named_getter(source, name, tokens, _step_outputs(step_id), "output")
        )

    def _expect_word(self, word: str, what: str) -> None:
        """Expect ``.word`` next (e.g. ``.outputs`` after a stepId)."""
        before = self.so_far()
        if self.peek() != ".":
            found = f"found {self.peek()!r}" if self.peek() else "the expression ends"
            raise self.error(f"expected '.{word}.<name>' after '{before}', but {found}")
        self.pos += 1
        begin = self.pos
        got = self.take(_NAME_CHARS)
        if got == word:
            return
        if got.startswith(word + "."):
            self.pos = begin + len(word)
            return
        self.pos = begin
        first, _, rest = got.partition(".")
        if got and difflib.get_close_matches(first, [word], cutoff=0.7):
            hint = f"; did you mean '{before}.{word}{'.' + rest if rest else ''}'?"
        else:
            hint = f"; did you mean '{before}.{word}.{got}'?" if got else ""
        raise self.error(f"expected '{word}' after '{before}.' to reach {what}{hint}", begin)

    def _root_workflows(self) -> tuple[Reference, Getter]:
        self.dot("a workflowId")
        wf_id = self._identifier("a workflowId")
        self.dot("'inputs' or 'outputs'")
        kind = self.keyword(("inputs", "outputs"), f"part of workflow '{wf_id}'")
        self.dot(f"a workflow {kind[:-1]} name")
        name, raw, tokens = self._named(f"a workflow {kind[:-1]} name")
        source = self.text[self.start : self.pos]
        return Reference("workflows", id=wf_id, kind=kind, name=name, pointer=raw), (
            _named_getter(source, name, tokens, _workflow_part(wf_id, kind), kind[:-1])
        )

    def _root_sourceDescriptions(self) -> tuple[Reference, Getter]:
        self.dot("a source description name")
        sd_name = self._identifier("a source description name")
        field_name = None
        if self.peek() == ".":
            self.pos += 1
            field_name = self.name(_NAME_CHARS, "a field name")
        source = self.text[self.start : self.pos]
        return Reference("sourceDescriptions", id=sd_name, name=field_name), _source_getter(
            source, sd_name, field_name
        )

    def _root_components(self) -> tuple[Reference, Getter]:
        self.dot(f"one of {_one_of(_COMPONENT_KINDS)}")
        kind = self.keyword(_COMPONENT_KINDS, "components section")
        self.dot(f"a {kind} name")
        name = self.name(_NAME_CHARS, f"a {kind} name")
        source = self.text[self.start : self.pos]
        return Reference("components", kind=kind, name=name), _named_getter(
            source,
            name,
            None,
            _component_section(kind),
            f"{kind} entry",
            absent=kind == "inputs",
        )


# --------------------------------------------------------------------------------------------
# Evaluation


def _names(mapping: Any) -> str:
    """Comma-separated keys of ``mapping`` for error messages."""
    if not isinstance(mapping, Mapping) or not mapping:
        return "none"
    keys = [str(k) for k in mapping]
    shown = ", ".join(keys[:_MAX_LIST])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > _MAX_LIST else "")


def _context_attr(attr: str, source: str, missing: str) -> Getter:
    def get(ctx: EvalContext) -> Any:
        value = getattr(ctx, attr)
        if value is None:
            raise UnresolvedError(source, missing)
        return value

    return get


def _message_of(ctx: EvalContext, root: str, source: str) -> Message:
    msg = ctx.request if root == "request" else ctx.response
    if msg is None:
        raise UnresolvedError(source, f"no {root} yet")
    return msg


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
                source, f"the {root} has no {word} '{name}' (it has: {_names(part)})"
            ) from None

    return get


Section = Callable[[EvalContext, str], "tuple[Mapping[str, Any] | None, str]"]


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
                f"step '{step_id}' has not run yet (steps with outputs: {_names(ctx.steps)})",
            )
        return outputs, f"step '{step_id}'"

    return section


def _workflow_part(wf_id: str, kind: str) -> Section:
    def section(ctx: EvalContext, source: str) -> tuple[Mapping[str, Any] | None, str]:
        wf = ctx.workflows.get(wf_id)
        if wf is None:
            raise UnresolvedError(
                source, f"workflow '{wf_id}' has not run (known: {_names(ctx.workflows)})"
            )
        return wf.get(kind) or {}, f"workflow '{wf_id}'"

    return section


def _component_section(kind: str) -> Section:
    def section(ctx: EvalContext, source: str) -> tuple[Mapping[str, Any] | None, str]:
        return (ctx.components or {}).get(kind) or {}, "components"

    return section


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


def _named_getter(
    source: str,
    name: str,
    tokens: tuple[str, ...] | None,
    section: Section,
    what: str,
    *,
    absent: bool = False,
) -> Getter:
    """Getter for ``<section>.<name>[#pointer]`` with the dotted-name fallback."""
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
                try:
                    return _walk(mapping[prefix], rest)
                except KeyError as exc:
                    part, there = exc.args
                    keys = _names(there) if isinstance(there, Mapping) else type(there).__name__
                    raise UnresolvedError(
                        source,
                        f"{owner} has no {what} '{name}', and {what} '{prefix}' has no"
                        f" property '{part}' (found: {keys})",
                    ) from None
        if absent and owner == "the workflow":
            reason = f"input '{name}' was not given"
        else:
            reason = f"{owner} has no {what} '{name}' (it has: {_names(mapping)})"
        raise UnresolvedError(source, reason, is_absent_input=absent)

    return get


def _source_getter(source: str, sd_name: str, field_name: str | None) -> Getter:
    def get(ctx: EvalContext) -> Any:
        sd = ctx.source_descriptions.get(sd_name)
        if sd is None:
            raise UnresolvedError(
                source,
                f"no source description '{sd_name}' (known: {_names(ctx.source_descriptions)})",
            )
        if field_name is None:
            return sd
        if field_name in sd:
            return sd[field_name]
        raise UnresolvedError(
            source,
            f"source description '{sd_name}' has no field '{field_name}' (it has:"
            f" {_names(sd)}); an operation or workflow reference is resolved by"
            " operationId/workflowId, not evaluated",
        )

    return get


# --------------------------------------------------------------------------------------------
# Compiled values (payloads, parameter values, outputs)


class Compiled:
    """A YAML/JSON value with its runtime expressions parsed; see :func:`compile_value`."""

    __slots__ = ()

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

    def __init__(self, expr: Expression) -> None:
        self.expr = expr

    def _eval(self, ctx: EvalContext, omit: bool) -> Any:
        return self.expr._fn(ctx)

    def _collect(self, out: list[Expression]) -> None:
        out.append(self.expr)

    def __repr__(self) -> str:
        return f"ExprValue({self.expr.source!r})"


def render(value: Any) -> str:
    """Render a value into template text (JSON-like for non-strings)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
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
        return "".join(p if isinstance(p, str) else render(p._fn(ctx)) for p in self.parts)

    def _collect(self, out: list[Expression]) -> None:
        out.extend(p for p in self.parts if isinstance(p, Expression))

    def __repr__(self) -> str:
        return f"Template({self.source!r})"


class _Dict(Compiled):
    __slots__ = ("items",)

    def __init__(self, items: tuple[tuple[Any, Compiled], ...]) -> None:
        self.items = items

    def _eval(self, ctx: EvalContext, omit: bool) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key, item in self.items:
            if omit and item.__class__ is _ExprValue:
                try:
                    out[key] = item.expr._fn(ctx)  # type: ignore[attr-defined]
                except UnresolvedError as exc:
                    if not exc.is_absent_input:
                        raise
            else:
                out[key] = item._eval(ctx, omit)
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
            if omit and item.__class__ is _ExprValue:
                try:
                    out.append(item.expr._fn(ctx))  # type: ignore[attr-defined]
                except UnresolvedError as exc:
                    if not exc.is_absent_input:
                        raise
            else:
                out.append(item._eval(ctx, omit))
        return out

    def _collect(self, out: list[Expression]) -> None:
        for item in self.items:
            item._collect(out)


def compile_value(value: Any) -> Compiled:
    """Parse every runtime expression inside ``value`` (call once, at plan time).

    A string that looks like an expression must be exactly one (type-preserving); a string with
    ``{$...}`` parts becomes a template (always a ``str``); mappings and lists are compiled
    recursively (keys stay literal); anything else is a literal. Raises :class:`ExpressionError`.
    """
    if isinstance(value, str):
        return _compile_str(value)
    if isinstance(value, Mapping):
        return _Dict(tuple((k, compile_value(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return _List(tuple(compile_value(v) for v in value))
    return _Literal(value)


def _compile_str(text: str) -> Compiled:
    if is_expression(text):
        return _ExprValue(parse_expression(text))
    if "{$" not in text:
        return _Literal(text)
    parts = _template_parts(text)
    if len(parts) == 1 and isinstance(parts[0], str):
        return _Literal(text)
    return _Template(text, parts)


def _template_parts(text: str) -> tuple[str | Expression, ...]:
    """Split ``text`` into literal text and ``{$...}`` expressions."""
    parts: list[str | Expression] = []
    buf: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        j = text.find("{$", i)
        if j == -1 or j + 2 >= n or text[j + 2] not in _LETTERS:
            if j == -1:
                buf.append(text[i:])
                break
            buf.append(text[i : j + 1])
            i = j + 1
            continue
        buf.append(text[i:j])
        expr, end = scan_expression(text, j + 1, mode="template")
        if end >= n or text[end] != "}":
            found = f"found {text[end]!r}" if end < n else "the text ends"
            raise ExpressionError(
                text,
                end,
                f"expected '}}' to close the embedded expression '{{{expr.source}', but {found}",
            )
        if buf:
            parts.append("".join(buf))
            buf = []
        parts.append(expr)
        i = end + 1
    if buf and "".join(buf):
        parts.append("".join(buf))
    return tuple(parts)
