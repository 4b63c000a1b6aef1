"""Serialize values into HTTP: parameters per OpenAPI ``style``/``explode``, and form bodies.

Parameters follow the OpenAPI 3.x "Style Values" table (RFC 6570 derived): ``simple``, ``label``
and ``matrix`` in the path; ``form``, ``spaceDelimited``, ``pipeDelimited`` and ``deepObject`` in
the query; ``simple`` in headers; ``form`` in cookies. Defaults are the OpenAPI ones (``form`` for
query and cookie, ``simple`` for path and header; ``explode`` true only for ``form``). A parameter
described with ``content`` instead of ``schema`` is sent as that media type's text (JSON).

Form bodies use the bracket notation Stripe (and Rails, PHP, OpenAPI ``deepObject``) understand:
``metadata[order]=7``, ``items[0][price]=price_1``, booleans as ``true``/``false``, unless the
OpenAPI Media Type Object's ``encoding`` gives a field another style (Encoding Object: ``style``,
``explode``, ``allowReserved``, or else ``contentType``, e.g. a field sent as JSON text).
``deepObject`` nests to any depth (``a[b][c]=v``); on an array, which OpenAPI leaves undefined,
it indexes (``expand[0]=lines``, ``items[0][price]=p``), as Stripe's description expects.
``null`` leaves a field out; an empty string is sent (``a=``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from pytest_arazzo.diagnostics.text import show
from pytest_arazzo.document.media import is_json_type
from pytest_arazzo.http.formkeys import join_key
from pytest_arazzo.plan.styles import parameter_style

_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|"}
RESERVED = ":/?#[]@!$&'()*+,;="  # RFC 3986 reserved: kept as written under ``allowReserved``
_STYLE_KEYS = ("style", "explode", "allowReserved")


class EncodingError(ValueError):
    """A value that cannot be put into the request as asked (e.g. a header with a line break)."""


def scalar_text(value: Any) -> str:
    """The wire text of a scalar: ``true``/``false``, integers without ``.0``, ``null`` → ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def media_text(value: Any, media_type: str) -> str:
    """A parameter value described with ``content``: JSON text for JSON types, else plain."""
    if is_json_type(media_type) and not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return scalar_text(value)


def flatten_form(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested objects/arrays → bracket-notation pairs in document order (``a[b][0][c]``);
    ``None`` (at any depth) is left out, and array indexes count only what is sent."""
    return _bracket_pairs(value, [prefix] if prefix else [])


def _bracket_pairs(value: Any, parts: list[str]) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, child in value.items():
            pairs += _bracket_pairs(child, [*parts, str(key)])
        return pairs
    if isinstance(value, list):
        pairs = []
        present = [child for child in value if child is not None]
        for index, child in enumerate(present):
            pairs += _bracket_pairs(child, [*parts, str(index)])
        return pairs
    return [(join_key(parts), scalar_text(value))]


def _field_pairs(name: str, value: Any, field: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """One form field per its Encoding Object: ``style``/``explode`` (as for a query parameter,
    OpenAPI defaults), else ``contentType`` (the value as that media type's text), else the
    bracket notation."""
    if field is not None and any(key in field for key in _STYLE_KEYS):
        style, explode, _ = parameter_style("query", field)
        return query_pairs(name, value, style, explode)
    content_type = field.get("contentType") if field is not None else None
    if isinstance(content_type, str) and content_type.strip():
        media = content_type.split(",")[0].split(";")[0].strip().lower()
        return [(name, media_text(value, media))]
    return flatten_form(value, name)


def _form_fields(value: Any, encoding: Mapping[str, Any] | None) -> list[tuple[str, str, bool]]:
    """``(key, value, allow reserved)`` of every form field, in document order."""
    if not isinstance(value, dict):
        raise EncodingError(
            f"a form body needs an object payload, got {type(value).__name__}: {value!r}"
        )
    fields: list[tuple[str, str, bool]] = []
    for name, child in value.items():
        spec = (encoding or {}).get(name)
        field = spec if isinstance(spec, Mapping) else None
        reserved = field is not None and field.get("allowReserved") is True
        fields += [(key, text, reserved) for key, text in _field_pairs(str(name), child, field)]
    return fields


def form_pairs(value: Any, encoding: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """Fields of a form body; ``encoding`` (OpenAPI) sets a field's style, else brackets."""
    return [(key, text) for key, text, _ in _form_fields(value, encoding)]


def encode_pairs(fields: Iterable[tuple[str, str, bool]]) -> str:
    """``key=value&...`` percent-encoded as ``urlencode`` does; a value whose third item is true
    keeps the RFC 3986 reserved characters as written (OpenAPI ``allowReserved``)."""
    return "&".join(
        f"{quote_plus(key)}={quote_plus(text, safe=RESERVED if reserved else '')}"
        for key, text, reserved in fields
    )


def encode_form(value: Any, encoding: Mapping[str, Any] | None = None) -> str:
    """``application/x-www-form-urlencoded`` body for a payload (a dict, or a ready string)."""
    if isinstance(value, str):
        return value
    return encode_pairs(_form_fields(value, encoding))


def _items(value: Any) -> list[tuple[str, str]]:
    return [(str(key), scalar_text(child)) for key, child in value.items()]


def encode_path_value(value: Any) -> str:
    """A path parameter value, percent-encoded so it can never add path segments."""
    return path_value("", value)


def path_value(name: str, value: Any, style: str = "simple", explode: bool = False) -> str:
    """A path parameter per ``style`` (simple, label, matrix); every part percent-encoded."""

    def enc(text: str) -> str:
        return quote(text, safe="")

    if isinstance(value, dict):
        parts = [(enc(k), enc(v)) for k, v in _items(value)]
        if explode:
            joined = [f"{k}={v}" for k, v in parts]
        else:
            joined = [item for pair in parts for item in pair]
    elif isinstance(value, list):
        joined = [enc(scalar_text(item)) for item in value]
    else:
        joined = [enc(scalar_text(value))]
    if style == "label":
        return "." + ("." if explode else ",").join(joined)
    if style == "matrix":
        if isinstance(value, dict) and explode:
            return "".join(f";{part}" for part in joined)
        if isinstance(value, list) and explode:
            return "".join(f";{name}={part}" for part in joined)
        text = ",".join(joined)
        return f";{name}={text}" if text else f";{name}"
    return ",".join(joined)


def query_pairs(
    name: str, value: Any, style: str = "form", explode: bool = True
) -> list[tuple[str, str]]:
    """Query parameter pairs per OpenAPI ``style``/``explode`` (form, deepObject, delimited).

    ``deepObject`` is bracket notation to any depth, arrays indexed (``a[b][0][c]=v``); ``None``
    leaves the parameter (or a member of it) out."""
    if value is None:
        return []
    if style == "deepObject" and isinstance(value, (dict, list)):
        return flatten_form(value, name)
    if isinstance(value, dict):
        if explode and style == "form":
            return _items(value)
        separator = _DELIMITERS.get(style, ",")
        flat = [part for pair in _items(value) for part in pair]
        return [(name, separator.join(flat))]
    if isinstance(value, list):
        if explode and style == "form":
            return [(name, scalar_text(item)) for item in value]
        separator = _DELIMITERS.get(style, ",")
        return [(name, separator.join(scalar_text(item) for item in value))]
    return [(name, scalar_text(value))]


def simple_text(value: Any, explode: bool = False) -> str:
    """``simple`` style text (headers): ``a,b``; objects ``k,v`` or, exploded, ``k=v``."""
    if isinstance(value, dict):
        if explode:
            return ",".join(f"{k}={v}" for k, v in _items(value))
        return ",".join(part for pair in _items(value) for part in pair)
    if isinstance(value, list):
        return ",".join(scalar_text(item) for item in value)
    return scalar_text(value)


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 § 5.6.2 (RFC 7230 token)


def header_value(name: str, value: Any, explode: bool = False) -> str:
    """A header value; refuses CR, LF and NUL so no value can inject another header.

    The name must be an RFC 9110 token, and the value ISO-8859-1 text (what HTTP/1.1 can carry;
    anything else would make the HTTP client crash while sending)."""
    text = value if isinstance(value, str) else simple_text(value, explode)
    if any(char in text for char in "\r\n\x00"):
        raise EncodingError(
            f"header '{name}' value contains a line break or NUL, which could inject headers: "
            f"{text[:80]!r}"
        )
    if not _TOKEN.fullmatch(name):
        raise EncodingError(
            f"{show(name)} is not a valid header name (RFC 9110 § 5.1: letters, digits and "
            "!#$%&'*+-.^_`|~ only)"
        )
    try:
        text.encode("latin-1")
    except UnicodeEncodeError as error:
        raise EncodingError(
            f"header '{name}' value {text[:80]!r} contains {text[error.start]!r}, which an HTTP "
            "header cannot carry (only ISO-8859-1 text): percent-encode it or send it in the body"
        ) from None
    return text


def cookie_pairs(name: str, value: Any, explode: bool = True) -> list[tuple[str, str]]:
    """``form`` style cookies: arrays and objects exploded into several cookies, or joined."""
    if isinstance(value, dict):
        return _items(value) if explode else [(name, simple_text(value))]
    if isinstance(value, list):
        if explode:
            return [(name, scalar_text(item)) for item in value]
        return [(name, simple_text(value))]
    return [(name, scalar_text(value))]


def cookie_header(pairs: Iterable[tuple[str, Any]]) -> str:
    """A ``Cookie`` header from name/value pairs (values percent-encoded where needed)."""
    return "; ".join(f"{name}={quote(scalar_text(value), safe='')}" for name, value in pairs)
