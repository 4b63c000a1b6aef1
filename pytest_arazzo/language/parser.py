"""Where a runtime expression is parsed (Arazzo 1.0.1, "Runtime Expressions"): text → syntax tree.

Supported forms (``[#ptr]`` is an optional RFC 6901 JSON Pointer such as ``#/data/0/id``)::

    $url  $method  $statusCode
    $request.header.<token>   $request.query.<name>   $request.path.<name>   $request.body[#ptr]
    $response.header.<token>  $response.query.<name>  $response.path.<name>  $response.body[#ptr]
    $inputs.<name>[#ptr]      $outputs.<name>[#ptr]
    $steps.<stepId>.outputs.<name>[#ptr]
    $workflows.<workflowId>.inputs.<name>[#ptr]   $workflows.<workflowId>.outputs.<name>[#ptr]
    $sourceDescriptions.<name>[.<field>]
    $components.{inputs,parameters,successActions,failureActions}.<name>
    $message.header.<token>   $message.payload[#ptr]   $request.payload[#ptr]   $self     (1.1)

The parser reads the union of the Arazzo 1.0 and 1.1 grammars; what one version does not accept
(``$self``, ``$message`` and ``payload`` in 1.0; ``$components.inputs`` and a bare
``$sourceDescriptions.<name>`` in 1.1) is reported by :mod:`pytest_arazzo.language.grammar11`
for the document's dialect.

Decisions:

- **Character sets.** stepIds, workflowIds and source names are ``[A-Za-z0-9_-]+``; input,
  output and component names are ``[A-Za-z0-9_.-]+`` (dots allowed, the spec's key rule); header
  names are RFC 9110 tokens and matched case-insensitively; query/path names are tokens without
  ``#``. Roots and keywords (``outputs``, ``body``...) are case-sensitive; a near miss gets a
  "did you mean" in the :class:`ExpressionError`.
- **Pointers** end at the end of the string in a standalone expression, at ``}`` in a template,
  and at whitespace or one of ``= ! < > & | ( ) [ ]`` inside a criterion condition. ``#`` alone is
  the empty pointer (the whole value).
- **``$`` literals.** A string is treated as an expression only if it is ``$`` followed by an ASCII
  letter (:func:`is_expression`); then it must be *exactly* one valid expression, otherwise
  :class:`ExpressionError` (a typo must not silently become a literal). ``"$"``, ``"$5 off"``,
  ``"$$"`` and ``"$ 10"`` are plain literals.

:func:`scan_syntax` returns a :class:`Syntax` (what the expression reads, its parsed pointer and
its span); :mod:`pytest_arazzo.language.evaluate` binds it to a getter.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pytest_arazzo.diagnostics.problems import did_you_mean
from pytest_arazzo.document.pointer import PointerError, _parse_cached
from pytest_arazzo.language.errors import ExpressionError

__all__ = [
    "LETTERS",
    "ROOTS",
    "Mode",
    "Reference",
    "Syntax",
    "is_expression",
    "parse_source_reference",
    "scan_syntax",
]

Mode = Literal["whole", "template", "condition"]

_SOURCES = ("header", "query", "path", "body", "payload")
_COMPONENT_KINDS = ("inputs", "parameters", "successActions", "failureActions")

_ALNUM = frozenset(string.ascii_letters + string.digits)
LETTERS = frozenset(string.ascii_letters)
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


@dataclass(frozen=True)
class Syntax:
    """One runtime expression as the grammar read it: ``text[start:end]`` is ``source``."""

    source: str
    ref: Reference
    tokens: tuple[str, ...] | None  # the parsed ``#`` pointer, ``None`` when absent
    start: int
    end: int


def is_expression(text: Any) -> bool:
    """Cheap check: does ``text`` look like a runtime expression (``$`` + ASCII letter)?

    This is the rule compiled values use to decide between expression and literal; it does not
    validate (parsing does).
    """
    return isinstance(text, str) and len(text) > 1 and text[0] == "$" and text[1] in LETTERS


def scan_syntax(text: str, start: int = 0, *, mode: Mode = "whole") -> Syntax:
    """Parse the expression starting at ``text[start]`` (a ``$``).

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


def _hint(word: str, options: Sequence[str], prefix: str) -> str:
    """``"; did you mean '<prefix><option>'?"`` for the closest option, else ``""``."""
    hint = did_you_mean(word, options, list_known=False, limit=1, prefix=prefix)
    return f"; {hint}" if hint else ""


def _one_of(options: Sequence[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{o}" for o in options)


Pointer = tuple[str, tuple[str, ...]] | None


class _Scanner:
    """Recursive-descent scanner for one runtime expression."""

    def __init__(self, text: str, start: int, mode: Mode) -> None:
        self.text = text
        self.start = start
        self.pos = start
        self.mode: Mode = mode
        self.tokens: tuple[str, ...] | None = None

    # -- helpers -----------------------------------------------------------------------------

    def error(self, message: str, position: int | None = None) -> ExpressionError:
        return ExpressionError(self.text, self.pos if position is None else position, message)

    def so_far(self) -> str:
        return self.text[self.start : self.pos]

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def found(self) -> str:
        return f"found {self.peek()!r}" if self.peek() else "the expression ends"

    def take(self, chars: frozenset[str]) -> str:
        begin = self.pos
        text = self.text
        while self.pos < len(text) and text[self.pos] in chars:
            self.pos += 1
        return text[begin : self.pos]

    def dot(self, what: str) -> None:
        """Consume the ``.`` that must come next, before ``what``."""
        if self.peek() != ".":
            raise self.error(f"expected '.' and {what} after '{self.so_far()}', but {self.found()}")
        self.pos += 1

    def keyword(self, options: Sequence[str], what: str) -> str:
        begin = self.pos
        word = self.take(LETTERS)
        if word in options:
            return word
        before = self.text[self.start : begin]
        if not word:
            raise self.error(f"expected {what} ({_one_of(options)}) after '{before}'", begin)
        raise self.error(
            f"unknown {what} '{word}' after '{before}' (expected one of {_one_of(options)})"
            f"{_hint(word, options, before)}",
            begin,
        )

    def name(self, chars: frozenset[str], what: str) -> str:
        begin = self.pos
        value = self.take(chars)
        if not value:
            raise self.error(
                f"expected {what} after '{self.text[self.start : begin]}', but {self.found()}",
                begin,
            )
        if chars is _NAME_CHARS and (value.endswith(".") or ".." in value):
            bad = begin + (value.index("..") + 1 if ".." in value else len(value) - 1)
            raise self.error(f"{what} cannot contain an empty segment ('.' at {bad})", bad)
        return value

    def pointer(self) -> str | None:
        """Consume an optional ``#pointer``; keep its tokens, return its text."""
        if self.peek() != "#":
            return None
        self.pos += 1
        begin = self.pos
        self.pos = self.pointer_end(begin)
        raw = self.text[begin : self.pos]
        try:
            self.tokens = _parse_cached(raw)
        except PointerError as exc:
            hint = f"; did you mean '#/{raw}'?" if exc.position == 0 and raw else ""
            raise self.error(
                f"invalid JSON Pointer '{raw}': {exc.problem}{hint}", begin + (exc.position or 0)
            ) from None
        return raw

    def pointer_end(self, begin: int) -> int:
        """Where a pointer starting at ``begin`` ends, per mode (see the module docstring)."""
        text = self.text
        if self.mode == "whole":
            return len(text)
        if self.mode == "template":
            end = text.find("}", begin)
            return len(text) if end == -1 else end
        end = begin
        while end < len(text) and text[end] not in _POINTER_STOP_CONDITION:
            end += 1
        return end

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

    def scan(self) -> Syntax:
        if self.peek() != "$":
            raise self.error("a runtime expression must start with '$'")
        self.pos += 1
        word = self.take(LETTERS)
        rule = _ROOT_RULES.get(word)
        if rule is None:
            raise self.unknown_root(word)
        ref = rule(self)
        self.finish()
        source = self.text[self.start : self.pos]
        return Syntax(source, ref, self.tokens, self.start, self.pos)

    def unknown_root(self, word: str) -> ExpressionError:
        roots = _one_of(ROOTS, "$")
        if not word:
            return self.error(f"expected an expression root after '$' (one of {roots})")
        return self.error(
            f"unknown expression root '${word}' (expected one of {roots}){_hint(word, ROOTS, '$')}",
            self.start,
        )

    def message(self, root: str) -> Reference:
        """``$request.…`` / ``$response.…`` / ``$message.…``: a body or payload with a pointer,
        or a named part."""
        self.dot(f"one of {_one_of(_SOURCES)}")
        kind = self.keyword(_SOURCES, f"${root} source")
        if kind in ("body", "payload"):
            return Reference(root, kind=kind, pointer=self.pointer())
        self.dot(f"a {kind} name")
        chars = (_HEADER_CHARS if kind == "header" else _PARAM_CHARS)[self.mode]
        return Reference(root, kind=kind, name=self.name(chars, f"a {kind} name"))

    def named(self, what: str) -> tuple[str, str | None]:
        """A dotted name and an optional pointer after it."""
        return self.name(_NAME_CHARS, what), self.pointer()

    def inputs(self) -> Reference:
        self.dot("an input name")
        name, raw = self.named("an input name")
        return Reference("inputs", name=name, pointer=raw)

    def outputs(self) -> Reference:
        self.dot("an output name")
        name, raw = self.named("an output name")
        return Reference("outputs", name=name, pointer=raw)

    def steps(self) -> Reference:
        self.dot("a stepId")
        step_id = self.name(_ID_CHARS, "a stepId")
        self.expect_word("outputs", "a step output name")
        self.dot("an output name")
        name, raw = self.named("an output name")
        return Reference("steps", id=step_id, kind="outputs", name=name, pointer=raw)

    def expect_word(self, word: str, what: str) -> None:
        """Expect ``.word`` next (e.g. ``.outputs`` after a stepId)."""
        before = self.so_far()
        if self.peek() != ".":
            raise self.error(f"expected '.{word}.<name>' after '{before}', but {self.found()}")
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
        if got and difflib.get_close_matches(first, [word], cutoff=0.7):  # a typo of ``word``
            hint = f"; did you mean '{before}.{word}{'.' + rest if rest else ''}'?"
        else:  # ``word`` left out
            hint = f"; did you mean '{before}.{word}.{got}'?" if got else ""
        raise self.error(f"expected '{word}' after '{before}.' to reach {what}{hint}", begin)

    def workflows(self) -> Reference:
        self.dot("a workflowId")
        wf_id = self.name(_ID_CHARS, "a workflowId")
        self.dot("'inputs' or 'outputs'")
        kind = self.keyword(("inputs", "outputs"), f"part of workflow '{wf_id}'")
        self.dot(f"a workflow {kind[:-1]} name")
        name, raw = self.named(f"a workflow {kind[:-1]} name")
        return Reference("workflows", id=wf_id, kind=kind, name=name, pointer=raw)

    def source_descriptions(self) -> Reference:
        self.dot("a source description name")
        sd_name = self.name(_ID_CHARS, "a source description name")
        field_name = None
        if self.peek() == ".":
            self.pos += 1
            field_name = self.name(_NAME_CHARS, "a field name")
        return Reference("sourceDescriptions", id=sd_name, name=field_name)

    def components(self) -> Reference:
        self.dot(f"one of {_one_of(_COMPONENT_KINDS)}")
        kind = self.keyword(_COMPONENT_KINDS, "components section")
        self.dot(f"a {kind} name")
        return Reference("components", kind=kind, name=self.name(_NAME_CHARS, f"a {kind} name"))


#: Each expression root (without ``$``) and the grammar rule that reads the rest; the order is
#: the order roots are listed in messages.
_ROOT_RULES: dict[str, Callable[[_Scanner], Reference]] = {
    "url": lambda _scanner: Reference("url"),
    "method": lambda _scanner: Reference("method"),
    "statusCode": lambda _scanner: Reference("statusCode"),
    "request": lambda scanner: scanner.message("request"),
    "response": lambda scanner: scanner.message("response"),
    "message": lambda scanner: scanner.message("message"),
    "inputs": _Scanner.inputs,
    "outputs": _Scanner.outputs,
    "steps": _Scanner.steps,
    "workflows": _Scanner.workflows,
    "sourceDescriptions": _Scanner.source_descriptions,
    "components": _Scanner.components,
    "self": lambda _scanner: Reference("self"),
}
ROOTS = tuple(_ROOT_RULES)
