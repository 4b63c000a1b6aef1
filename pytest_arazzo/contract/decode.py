"""Decode what went over the wire into the values a schema describes, by the rules the encoder
(:mod:`pytest_arazzo.http.encoding`) sends them with: form and query bodies in bracket notation
(indexed groups become arrays), parameters per their OpenAPI style (``simple``, ``label``,
``matrix``, ``form``, ``spaceDelimited``, ``pipeDelimited``, ``deepObject``; arrays and objects,
exploded or not), cookies, and wire strings coerced to the schema's types (``"5"`` → ``5`` where
an integer is expected). Under ``anyOf``/``oneOf`` a string is read as each branch would read it
and the first reading the schema accepts is kept (``off_session=true`` against
``anyOf: [boolean, {enum: [one_off, recurring]}]`` is the boolean ``true``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pytest_arazzo.document.media import is_json_type, loads
from pytest_arazzo.http.encoding import encode_path_value
from pytest_arazzo.http.formkeys import split_key
from pytest_arazzo.http.messages import OutgoingRequest

FORM_TYPES = ("application/x-www-form-urlencoded",)
LOCATIONS = ("path", "query", "header", "cookie", "querystring")  # querystring: OpenAPI 3.2
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


Accepts = Callable[[Any, dict[str, Any]], bool]  # is this instance valid for this (sub)schema?


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Each ``anyOf``/``oneOf`` branch with the schema's other keywords beside it."""
    if "anyOf" not in schema and "oneOf" not in schema:
        return []  # most schemas: no copy of their keywords for nothing
    rest = {key: value for key, value in schema.items() if key not in ("anyOf", "oneOf")}
    return [
        {**rest, **branch}
        for keyword in ("anyOf", "oneOf")
        for branch in schema.get(keyword) or []
        if isinstance(branch, dict)
    ]


def coerce(value: Any, schema: Any, accepts: Accepts | None = None) -> Any:
    """Strings decoded from a form, query or header, turned into the types ``schema`` expects.

    With ``accepts``, a value under ``anyOf``/``oneOf`` is coerced as each branch would read it,
    and the first reading ``schema`` accepts wins; otherwise all branches' types are pooled."""
    if not isinstance(schema, dict):
        return value
    if accepts is not None and isinstance(value, (str, dict, list)):
        readings = [coerce(value, branch, accepts) for branch in _branches(schema)]
        for candidate in readings:
            if accepts(candidate, schema):
                return candidate
        typed = [candidate for candidate in readings if not isinstance(candidate, str)]
        if isinstance(value, str) and typed:
            return typed[0]  # no branch accepts it: report it as the type it reads as
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
            return coerce([value[key] for key in sorted(value, key=int)], schema, accepts)
        return {
            key: coerce(child, _property_schema(schema, key), accepts)
            for key, child in value.items()
        }
    if isinstance(value, list):
        return [coerce(child, _item_schema(schema, i), accepts) for i, child in enumerate(value)]
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
            return loads(text)
        except ValueError:
            return UNDECODABLE
    return text


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    header = next((v for k, v in headers.items() if k.lower() == "cookie"), "")
    pairs = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return {name: unquote(value) for name, _, value in pairs}


@dataclass
class SentValues:
    """A request's parameter values as sent, decoded once per request for every parameter read."""

    path: dict[str, str]  # each path template variable's segment text, percent-encoded
    query: dict[str, Any]
    headers: dict[str, str]  # lowercased names
    cookies: dict[str, str]
    raw_query: str = ""  # the query string as sent (an OpenAPI 3.2 `in: querystring` reads it)

    @classmethod
    def of(
        cls, request: OutgoingRequest, template: str = "", locations: Collection[str] = LOCATIONS
    ) -> SentValues:
        """``template`` is the operation's path (``/things/{id}``): the path values are read
        from the path that was sent; without it (or when it does not match) from the values
        the request was built with, as the ``simple`` style sends them. Only the ``locations``
        parameters are read from are decoded (the others are left empty)."""
        path: dict[str, str] = {}
        if "path" in locations:
            found = _path_segments(template, request.path) if template else None
            path = found if found is not None else _built_path(request)
        headers: dict[str, str] = {}
        cookies: dict[str, str] = {}
        query: dict[str, Any] = {}
        raw_query = ""
        if "header" in locations:
            headers = {key.lower(): value for key, value in request.headers.items()}
        if "cookie" in locations:
            cookies = _cookies(request.headers)
        if "query" in locations or "querystring" in locations:
            raw_query = urlsplit(request.url).query
            query = decode_form(raw_query) if raw_query else {}
        return cls(path, query, headers, cookies, raw_query)

    def get(
        self, location: str, name: str, style: str = "", explode: bool = False, kind: str = ""
    ) -> Any:
        """The value of parameter ``name`` in ``location`` as sent, unstyled into a string, a
        list or a mapping of strings per ``kind`` (``array``, ``object``, ``""`` for a scalar);
        ``None``: not sent."""
        style = style or ("form" if location in ("query", "cookie") else "simple")
        if location == "path":
            text = self.path.get(name)
            if text is None:
                return None
            return unstyle(text, style, explode, kind, name, unquote)
        if location == "query" and kind == "object" and style == "form" and explode:
            return None  # its members are spread over the query: see `query_members`
        raw = {"query": self.query, "cookie": self.cookies}.get(location, {}).get(name)
        if location == "header":
            raw = self.headers.get(name.lower())
        if isinstance(raw, str) and not (style == "form" and explode and kind == "array"):
            return unstyle(raw, style, explode, kind, name)
        return raw

    def query_members(self, others: AbstractSet[str]) -> dict[str, Any] | None:
        """An exploded ``form`` object's members: the query keys no other parameter claims."""
        members = {key: value for key, value in self.query.items() if key not in others}
        return members or None


def _built_path(request: OutgoingRequest) -> dict[str, str]:
    """The path values the request was built with, as the ``simple`` style sends them."""
    return {name: encode_path_value(value) for name, value in request.path_params.items()}


def _path_segments(template: str, path: str) -> dict[str, str] | None:
    """Each ``{name}`` of ``template`` matched in the sent ``path`` (``None``: no match)."""
    names, pattern = _path_pattern(template)
    match = pattern.fullmatch(path.split("?")[0])
    if match is None:
        return None
    return {name: match.group(f"p{index}") for index, name in enumerate(names)}


@lru_cache(maxsize=1024)
def _path_pattern(template: str) -> tuple[tuple[str, ...], re.Pattern[str]]:
    """The names of ``template``'s ``{name}`` variables and the regex matching a path sent
    for it (a pure function of the template text, built once per operation path)."""
    names: list[str] = []
    pattern = ""
    for literal, name in re.findall(r"([^{}]*)(?:\{([^{}]+)\})?", template):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P<p{len(names)}>[^/]*)"
            names.append(name)
    return tuple(names), re.compile(pattern)


def param_kind(types: set[str]) -> str:
    """``array`` or ``object`` when a parameter's schema is one (and not also a string)."""
    if "string" in types:
        return ""
    return "array" if "array" in types else "object" if "object" in types else ""


def _same(text: str) -> str:
    return text


def unstyle(
    text: str,
    style: str,
    explode: bool,
    kind: str,
    name: str = "",
    part: Callable[[str], str] = _same,
) -> Any:
    """A parameter's wire text back into the string, list or mapping it was serialized from
    (OpenAPI § Style Values; the inverse of :mod:`pytest_arazzo.http.encoding`). ``part`` decodes
    each piece after splitting (path pieces are percent-encoded one by one)."""
    separator = _SEPARATORS.get(style, ",")
    if style == "label":
        text = text[1:] if text.startswith(".") else text
        separator = "." if explode else ","
    elif style == "matrix":
        pieces = [piece.partition("=") for piece in text.split(";")[1:]]
        if explode and kind == "object":
            return {part(key): part(value) for key, _, value in pieces}
        if explode and kind == "array":
            return [part(value) for _, _, value in pieces]
        text = pieces[0][2] if pieces else ""
    if kind == "array":
        return [part(item) for item in text.split(separator)] if text else []
    if kind == "object":
        items = text.split(separator) if text else []
        if explode and style in ("simple", "label"):
            pairs = [item.partition("=") for item in items]
            return {part(key): part(value) for key, _, value in pairs}
        return {part(key): part(value) for key, value in zip(items[::2], items[1::2], strict=False)}
    return part(text)


_SEPARATORS = {"spaceDelimited": " ", "pipeDelimited": "|"}
