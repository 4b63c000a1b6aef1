"""Decode what went over the wire into the values a schema describes: form and query bodies in
bracket notation, cookies, parameter values by location, and wire strings coerced to the
schema's types (``"5"`` → ``5`` where an integer is expected)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pytest_arazzo.document.media import is_json_type
from pytest_arazzo.http.encoding import encode_path_value
from pytest_arazzo.http.formkeys import split_key
from pytest_arazzo.http.messages import OutgoingRequest

FORM_TYPES = ("application/x-www-form-urlencoded",)
UNDECODABLE = object()  # a body that is not what its content type says
_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def schema_types(schema: Any) -> set[str]:
    """The JSON types a schema may accept (through allOf/anyOf/oneOf; inferred when untyped)."""
    if not isinstance(schema, dict):
        return set()
    kind = schema.get("type")
    types = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            types |= schema_types(branch)
    if not types:
        if "properties" in schema or "additionalProperties" in schema:
            types.add("object")
        if "items" in schema or "prefixItems" in schema:
            types.add("array")
    return types


def _property_schema(schema: dict[str, Any], name: str) -> Any:
    properties = schema.get("properties") or {}
    if name in properties:
        return properties[name]
    for pattern, child in (schema.get("patternProperties") or {}).items():
        if re.search(pattern, name):
            return child
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            if isinstance(branch, dict):
                found = _property_schema(branch, name)
                if found:
                    return found
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}


def _item_schema(schema: dict[str, Any], index: int) -> Any:
    prefix = schema.get("prefixItems") or []
    if index < len(prefix):
        return prefix[index]
    items = schema.get("items")
    if isinstance(items, dict):
        return items
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            if isinstance(branch, dict) and "items" in branch:
                return _item_schema(branch, index)
    return {}


def coerce(value: Any, schema: Any) -> Any:
    """Strings decoded from a form, query or header, turned into the types ``schema`` expects."""
    if not isinstance(schema, dict):
        return value
    types = schema_types(schema)
    if isinstance(value, str):
        return _coerce_text(value, types, schema)
    if isinstance(value, dict):
        if (
            "array" in types
            and "object" not in types
            and value
            and all(key.isdigit() for key in value)
        ):
            return coerce([value[key] for key in sorted(value, key=int)], schema)
        return {key: coerce(child, _property_schema(schema, key)) for key, child in value.items()}
    if isinstance(value, list):
        return [coerce(child, _item_schema(schema, i)) for i, child in enumerate(value)]
    return value


def _coerce_text(text: str, types: set[str], schema: dict[str, Any]) -> Any:
    if "string" in types or not types:
        return text
    if "integer" in types and _INTEGER.fullmatch(text):
        return int(text)
    if "number" in types and _NUMBER.fullmatch(text):
        number = float(text)
        return int(number) if _INTEGER.fullmatch(text) else number
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "null" in types and text == "":
        return None
    if types == {"array"}:
        return [coerce(text, _item_schema(schema, 0))]
    return text


def decode_form(text: str) -> dict[str, Any]:
    """Form pairs in bracket notation as nested mappings (``a[0][c]=x`` → ``{a: {0: {c: x}}}``);
    leaves stay strings; a repeated plain key keeps all its values as a list."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        _insert(root, split_key(key), value)
    return root


def _insert(root: dict[str, Any], parts: list[str], value: str) -> None:
    node = root
    for part in parts[:-1]:
        part = part or str(len(node))
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    last = parts[-1] or str(len(node))
    if last in node and not isinstance(node[last], dict):
        previous = node[last]
        node[last] = [*previous, value] if isinstance(previous, list) else [previous, value]
    else:
        node[last] = value


def bare(content_type: str) -> str:
    """A content type without its parameters, lowercased."""
    return content_type.split(";")[0].strip().lower()


def decode_body(content: bytes, content_type: str) -> Any:
    """A request or response body as data (:data:`UNDECODABLE` when JSON does not parse)."""
    kind = bare(content_type)
    text = content.decode("utf-8", "replace")
    if kind in FORM_TYPES:
        return decode_form(text)
    if is_json_type(kind) or not kind:
        try:
            return json.loads(text)
        except ValueError:
            return UNDECODABLE
    return text


def decode_query(request: OutgoingRequest) -> dict[str, Any]:
    """The query string decoded like a form (bracket notation, repeated keys)."""
    query = urlsplit(request.url).query
    return decode_form(query) if query else {}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    header = next((v for k, v in headers.items() if k.lower() == "cookie"), "")
    pairs = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return {name: unquote(value) for name, _, value in pairs}


@dataclass
class SentValues:
    """A request's parameter values, decoded once per request for every parameter read."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, str]  # lowercased names
    cookies: dict[str, str]

    @classmethod
    def of(cls, request: OutgoingRequest) -> SentValues:
        headers = {key.lower(): value for key, value in request.headers.items()}
        return cls(request.path_params, decode_query(request), headers, _cookies(request.headers))

    def get(self, location: str, name: str) -> Any:
        """The wire value of parameter ``name`` in ``location`` (``None``: not sent)."""
        return _READERS[location](self, name)


def _path_value(sent: SentValues, name: str) -> Any:
    if name not in sent.path:
        return None
    return unquote(encode_path_value(sent.path[name]))


_READERS: dict[str, Callable[[SentValues, str], Any]] = {
    "path": _path_value,
    "query": lambda sent, name: sent.query.get(name),
    "header": lambda sent, name: sent.headers.get(name.lower()),
    "cookie": lambda sent, name: sent.cookies.get(name),
}


def split_array(raw: str, style: str, explode: bool) -> str | list[str]:
    """A non-exploded array parameter's wire string split per its style (OpenAPI § Style
    Values); an exploded form array arrives as repeated keys and stays as it is."""
    if style == "form" and explode:
        return raw
    separator = _SEPARATORS.get(style, ",")
    return raw.split(separator) if raw else []


_SEPARATORS = {"spaceDelimited": " ", "pipeDelimited": "|"}
