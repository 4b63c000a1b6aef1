"""Serialize values into HTTP: form bodies, path/query/header/cookie parameters.

Form bodies use the bracket notation Stripe (and Rails, PHP, OpenAPI ``deepObject``) understand:
``metadata[order]=7``, ``items[0][price]=price_1``, booleans as ``true``/``false``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode


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


def flatten_form(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested objects/arrays → bracket-notation pairs, in document order."""
    if isinstance(value, dict):
        pairs: list[tuple[str, str]] = []
        for key, child in value.items():
            pairs += flatten_form(child, f"{prefix}[{key}]" if prefix else str(key))
        return pairs
    if isinstance(value, list):
        pairs = []
        for index, child in enumerate(value):
            pairs += flatten_form(child, f"{prefix}[{index}]")
        return pairs
    return [(prefix, scalar_text(value))]


def encode_form(value: Any) -> str:
    """``application/x-www-form-urlencoded`` body for a payload (a dict, or a ready string)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise EncodingError(
            f"a form body needs an object payload, got {type(value).__name__}: {value!r}"
        )
    return urlencode(flatten_form(value))


def encode_path_value(value: Any) -> str:
    """A path parameter value, percent-encoded so it can never add path segments."""
    if isinstance(value, list):
        return ",".join(quote(scalar_text(item), safe="") for item in value)
    return quote(scalar_text(value), safe="")


def query_pairs(
    name: str, value: Any, style: str = "form", explode: bool = True
) -> list[tuple[str, str]]:
    """Query parameter pairs per OpenAPI ``style``/``explode`` (form, deepObject, delimited)."""
    if isinstance(value, dict):
        if style == "deepObject":
            return flatten_form(value, name)
        if explode:
            return [(str(key), scalar_text(child)) for key, child in value.items()]
        flat = [part for key, child in value.items() for part in (str(key), scalar_text(child))]
        return [(name, ",".join(flat))]
    if isinstance(value, list):
        if explode and style == "form":
            return [(name, scalar_text(item)) for item in value]
        separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
        return [(name, separator.join(scalar_text(item) for item in value))]
    return [(name, scalar_text(value))]


def header_value(name: str, value: Any) -> str:
    """A header value; refuses CR, LF and NUL so no value can inject another header."""
    text = scalar_text(value)
    if any(char in text for char in "\r\n\x00"):
        raise EncodingError(
            f"header '{name}' value contains a line break or NUL, which could inject headers: "
            f"{text[:80]!r}"
        )
    if not name or any(char in name for char in " :\r\n\x00"):
        raise EncodingError(f"'{name}' is not a valid header name")
    return text


def cookie_header(pairs: Iterable[tuple[str, Any]]) -> str:
    """A ``Cookie`` header from name/value pairs (values percent-encoded where needed)."""
    return "; ".join(f"{name}={quote(scalar_text(value), safe='')}" for name, value in pairs)
