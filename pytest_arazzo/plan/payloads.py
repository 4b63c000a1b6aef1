"""Compile a ``payload`` once, at plan time (Arazzo 1.0.1 § Request Body Object).

Objects, arrays and scalars compile like any value (:func:`expressions.compile_value`).
A *string* payload with embedded ``{$...}`` expressions depends on the content type:

- JSON: the text is a template and keeps its text (Arazzo 1.0.1 § Request Body Object "JSON
  Templated Example"): a placeholder inside a JSON string (``"petId": "{$inputs.pet_id}"``) puts
  the value's text into that string (``"42"``), escaped as JSON; one outside a string
  (``"petId": {$inputs.pet_id}``) puts the value's text in as JSON (``42``). When the text is JSON
  before substitution, it is parsed once: a string that is exactly one placeholder for an absent
  optional input leaves its entry out, like in an object payload. Otherwise the substituted text
  must parse as JSON, or the step fails before sending.
- ``application/x-www-form-urlencoded``: ``a=1&b={$inputs.b}`` is split into fields here, so the
  values substituted at run time are percent-encoded (a ``&`` in a value cannot add a field).
  When it cannot be split into distinct fields (a key repeats, as in ``expand[]=a&expand[]=b``,
  or holds an expression), it stays text and each substituted value is percent-encoded.
- anything else (XML, text): a plain template.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from pytest_arazzo.document.media import is_json_type
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import UnresolvedError
from pytest_arazzo.language.evaluate import Expression, parse_expression
from pytest_arazzo.language.parser import is_expression
from pytest_arazzo.language.templates import (
    Compiled,
    ObjectHook,
    compile_value,
    render,
    template_parts,
)

FORM = "application/x-www-form-urlencoded"


class _Whole:
    """A string that is exactly one embedded expression: an absent optional input leaves its
    entry out; otherwise the value, as text when ``text`` (a JSON string), else with its type
    (a form field: objects and arrays are encoded as fields)."""

    __slots__ = ("expr", "text")

    def __init__(self, expr: Expression, text: bool = False) -> None:
        self.expr, self.text = expr, text


class StructuredTemplate(Compiled):
    """A parsed JSON (or form) text whose leaves may be expressions or templates."""

    __slots__ = ("tree",)

    def __init__(self, tree: Any) -> None:
        self.tree = tree

    def _eval(self, ctx: EvalContext, omit: bool) -> Any:
        return _evaluate(self.tree, ctx)

    def _collect(self, out: list[Expression]) -> None:
        _collect(self.tree, out)

    def __repr__(self) -> str:
        return f"StructuredTemplate({self.tree!r})"


def compile_payload(
    payload: Any, content_type: str, objects: ObjectHook | None = None
) -> tuple[Compiled, bool]:
    """The compiled payload, and whether its result must be checked to be JSON (``objects``:
    see :func:`compile_value`; Selector Objects in a 1.1 document's object payloads)."""
    if not isinstance(payload, str) or "{$" not in payload:
        return compile_value(payload, objects), False
    bare = content_type.split(";")[0].strip().lower()
    if is_json_type(bare):
        try:
            parsed = json.loads(payload)
        except ValueError:
            return _JsonText(_json_text_parts(payload)), True
        return StructuredTemplate(_tree(parsed)), False
    if bare == FORM:
        fields = _form_fields(payload)
        if fields is not None:
            return StructuredTemplate(fields), False
        return _FormText(template_parts(payload)), False
    return compile_value(payload), False


class _FormText(Compiled):
    """Form text whose substituted values are percent-encoded (so they cannot add fields)."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[str | Expression, ...]) -> None:
        self.parts = parts

    def _eval(self, ctx: EvalContext, omit: bool) -> str:
        return "".join(
            part if isinstance(part, str) else quote_plus(render(part.evaluate(ctx)), safe="")
            for part in self.parts
        )

    def _collect(self, out: list[Expression]) -> None:
        out.extend(part for part in self.parts if isinstance(part, Expression))

    def __repr__(self) -> str:
        return f"FormText({self.parts!r})"


class _JsonText(Compiled):
    """JSON text that is JSON only once its placeholders are substituted: each one inside a JSON
    string inserts the value's text escaped for that string; each one outside, the text as is."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[str | tuple[Expression, bool], ...]) -> None:
        self.parts = parts

    def _eval(self, ctx: EvalContext, omit: bool) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            expr, quoted = part
            text = render(expr.evaluate(ctx))
            out.append(json.dumps(text, ensure_ascii=False)[1:-1] if quoted else text)
        return "".join(out)

    def _collect(self, out: list[Expression]) -> None:
        out.extend(part[0] for part in self.parts if not isinstance(part, str))

    def __repr__(self) -> str:
        return f"JsonText({self.parts!r})"


def _json_text_parts(text: str) -> tuple[str | tuple[Expression, bool], ...]:
    """The template's parts, each placeholder marked with whether it is inside a JSON string."""
    parts: list[str | tuple[Expression, bool]] = []
    quoted = False
    for part in template_parts(text):
        if isinstance(part, str):
            quoted = _inside_string_after(part, quoted)
            parts.append(part)
        else:
            parts.append((part, quoted))
    return tuple(parts)


def _inside_string_after(text: str, quoted: bool) -> bool:
    """Whether JSON text that starts inside a string (``quoted``) ends inside one."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
    return quoted


def _whole(text: str, as_text: bool = False) -> _Whole | None:
    """``{$expr}`` as a whole-value expression, else ``None``."""
    if len(text) < 4 or not text.startswith("{$") or not text.endswith("}"):
        return None
    inner = text[1:-1]
    if "{" in inner or "}" in inner or not is_expression(inner):
        return None
    return _Whole(parse_expression(inner), as_text)


def _leaf(text: str, as_text: bool = True) -> Any:
    """A string of a JSON text payload (``as_text``: a placeholder's value becomes text, in a
    JSON string) or a form field."""
    whole = _whole(text, as_text)
    if whole is not None:
        return whole
    if "{$" in text and not text.startswith("$"):
        return compile_value(text)  # a template: always a string
    return text  # literal text ("$5", "$EUR" and bare "$inputs.x" stay as written)


def _tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _tree(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_tree(child) for child in value]
    if isinstance(value, str):
        return _leaf(value)
    return value


def _form_fields(text: str) -> dict[str, Any] | None:
    """``a=1&b={$x}`` → ``{"a": "1", "b": <expr>}``; ``None`` if keys repeat or are templated."""
    fields: dict[str, Any] = {}
    for part in text.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key = unquote_plus(key)
        if key in fields or "{$" in key:
            return None
        whole = _whole(value)
        fields[key] = whole if whole is not None else _leaf(unquote_plus(value), as_text=False)
    return fields


_ABSENT = object()


def _evaluate(node: Any, ctx: EvalContext) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, child in node.items():
            value = _child(child, ctx)
            if value is not _ABSENT:
                out[key] = value
        return out
    if isinstance(node, list):
        return [value for value in (_child(child, ctx) for child in node) if value is not _ABSENT]
    return _child(node, ctx)


def _child(node: Any, ctx: EvalContext) -> Any:
    if isinstance(node, _Whole):
        try:
            value = node.expr.evaluate(ctx)
        except UnresolvedError as error:
            if error.is_absent_input:
                return _ABSENT
            raise
        return render(value) if node.text else value
    if isinstance(node, Compiled):
        return node.evaluate(ctx)
    if isinstance(node, (dict, list)):
        return _evaluate(node, ctx)
    return node


def _collect(node: Any, out: list[Expression]) -> None:
    if isinstance(node, dict):
        for child in node.values():
            _collect(child, out)
    elif isinstance(node, list):
        for child in node:
            _collect(child, out)
    elif isinstance(node, _Whole):
        out.append(node.expr)
    elif isinstance(node, Compiled):
        out.extend(node.expressions())
