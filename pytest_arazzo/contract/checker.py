"""Contract checks: each request a step sends and each response it gets, against the OpenAPI
operation the step calls.

- Request: required path, query, header and cookie parameters are present and their values (wire
  strings coerced to the schema's types) are valid; the body is valid for its documented media
  type: JSON is parsed, form bodies are decoded from bracket notation (``a[b]=``, ``a[0][c]=``)
  and coerced, so ``additionalProperties: false`` catches unknown fields.
- Response: a response is documented for its status (exact, ``4XX``-style range, or
  ``default``); its content type is documented; its JSON body is valid.

OpenAPI 3.0 schemas are converted to JSON Schema 2020-12 (``nullable``, boolean
``exclusiveMinimum``/``exclusiveMaximum``, OpenAPI-only keywords dropped); 3.1 schemas are 2020-12
already. ``$ref`` is inlined through the source's documents; a recursive reference stays a
reference, resolved through a :class:`referencing.Registry`. Validators are compiled once per
operation and part, and the verdict on a response already seen (same bytes) is cached.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pytest_arazzo.contract.severity import contract_severity
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.document.loader import Document, escape_token
from pytest_arazzo.document.pointer import PointerError, resolve_pointer
from pytest_arazzo.document.sources import Operation, Source, SourceError
from pytest_arazzo.execute.failures import Exchange
from pytest_arazzo.http.encoding import bracket_parts, encode_path_value
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse, is_json_type
from pytest_arazzo.plan.planner import StepPlan

MAX_VIOLATIONS = 8
MAX_MESSAGE = 300
RESPONSE_CACHE_SIZE = 512
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems",
)  # fmt: skip
_OAS_ONLY = ("nullable", "discriminator", "xml", "externalDocs", "example")
_IGNORED_HEADERS = {"accept", "content-type", "authorization"}
_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

Location = tuple[Document, str, Any]  # a document, a JSON Pointer in it, the value there


class ContractWarning(UserWarning):
    """A contract violation reported as a warning (ini ``arazzo_contract = warning``)."""


# -- OpenAPI 3.0 → JSON Schema 2020-12 --------------------------------------------------------


def convert_oas30(schema: dict[str, Any]) -> dict[str, Any]:
    """One OpenAPI 3.0 Schema Object's own keywords as 2020-12 (children already converted)."""
    out = {key: value for key, value in schema.items() if key not in _OAS_ONLY}
    for bound in ("Minimum", "Maximum"):
        flag, limit = out.get(f"exclusive{bound}"), out.get(bound.lower())
        if isinstance(flag, bool):
            del out[f"exclusive{bound}"]
            if flag and isinstance(limit, (int, float)):
                out[f"exclusive{bound}"] = out.pop(bound.lower())
    if schema.get("nullable") is True:
        out = _nullable(out)
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        schema["type"] = [*kind, "null"]
    elif kind is None:
        return {"anyOf": [schema, {"type": "null"}]}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _convert_everywhere(node: Any) -> Any:
    """A whole OpenAPI 3.0 document with every schema-looking mapping converted (fallback)."""
    if isinstance(node, list):
        return [_convert_everywhere(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _convert_everywhere(value) for key, value in node.items()}
    return convert_oas30(out) if isinstance(node.get("nullable"), bool) else out


# -- schemas of one source ---------------------------------------------------------------------


@dataclass
class SchemaCheck:
    """A compiled validator plus the inlined schema it checks (coercion reads the schema)."""

    schema: dict[str, Any]
    validator: Draft202012Validator

    def errors(self, instance: Any) -> list[tuple[str, str]]:
        """``(json path, message)`` of each violation, in document order."""
        found = sorted(self.validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
        result = []
        for error in found:
            chosen: ValidationError = best_match([error]) if error.context else error
            result.append((chosen.json_path, clip(chosen.message, MAX_MESSAGE)))
        return result


class SourceSchemas:
    """Locates, inlines and compiles the schemas of one OpenAPI source (cached)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.cache = source.refs.cache
        self.oas30 = str(source.data.get("openapi", "")).startswith("3.0")
        self._registry: Registry | None = None

    @property
    def root(self) -> Location:
        return (self.source.document, "", self.source.document.data)

    # locating values through $ref, keeping where they live

    def follow(self, location: Location) -> Location:
        """``location`` with any ``$ref`` chain at it followed."""
        document, pointer, node = location
        seen: set[tuple[Path, str]] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            document, pointer = self._target(document, node["$ref"])
            if (document.path, pointer) in seen or len(seen) > 50:
                raise SourceError(
                    f"$ref cycle through '{node['$ref']}'", Position(str(document.path))
                )
            seen.add((document.path, pointer))
            node = self._at(document, pointer)
        return document, pointer, node

    def child(self, location: Location, *keys: str | int) -> Location | None:
        """The value under ``keys`` (``$ref`` followed at every level), or None."""
        document, pointer, node = self.follow(location)
        for key in keys:
            if not _has(node, key):
                return None
            value = node[key]
            document, pointer, node = self.follow(
                (document, f"{pointer}/{escape_token(key)}", value)
            )
        return document, pointer, node

    def _target(self, document: Document, ref: str) -> tuple[Document, str]:
        target, _, fragment = ref.partition("#")
        if target:
            document = self.cache.document(document.path.parent / unquote(target))
        return document, unquote(fragment)

    @staticmethod
    def _at(document: Document, pointer: str) -> Any:
        try:
            return resolve_pointer(document.data, pointer) if pointer else document.data
        except PointerError as error:
            raise SourceError(f"$ref '#{pointer}' does not resolve: {error}") from None

    # inlining

    def inline(self, location: Location, direction: str) -> dict[str, Any]:
        """The schema at ``location``, self-contained (recursive refs stay absolute refs)."""
        document, pointer, node = location
        inlined = self._inline(node, document, direction, frozenset({(document.path, pointer)}))
        return inlined if isinstance(inlined, dict) else {} if inlined is True else {"not": {}}

    def _inline(
        self, node: Any, document: Document, direction: str, stack: frozenset[tuple[Path, str]]
    ) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._inline_ref(node, ref, document, direction, stack)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key.startswith("x-"):
                continue
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {
                    name: self._inline(child, document, direction, stack)
                    for name, child in value.items()
                }
            elif (key in _SCHEMA_LISTS or key == "items") and isinstance(value, list):
                out[key] = [self._inline(child, document, direction, stack) for child in value]
            elif key in _SCHEMA_ONE:
                out[key] = self._inline(value, document, direction, stack)
            else:
                out[key] = value
        _drop_one_way_required(out, direction)
        return convert_oas30(out) if self.oas30 else out

    def _inline_ref(
        self,
        node: dict[str, Any],
        ref: str,
        document: Document,
        direction: str,
        stack: frozenset[tuple[Path, str]],
    ) -> Any:
        target_document, pointer = self._target(document, ref)
        key = (target_document.path, pointer)
        if key in stack:
            resolved: Any = {"$ref": self._uri(target_document, pointer)}
        else:
            target = self._at(target_document, pointer)
            resolved = self._inline(target, target_document, direction, stack | {key})
        siblings = {k: v for k, v in node.items() if k != "$ref" and not k.startswith("x-")}
        if self.oas30:  # OpenAPI 3.0 ignores $ref siblings; `nullable` beside it is common
            if siblings.get("nullable") is True and isinstance(resolved, dict):
                return _nullable(dict(resolved))
            return resolved
        if siblings:
            rest = self._inline(siblings, document, direction, stack)
            return {"allOf": [resolved, rest]}
        return resolved

    def _uri(self, document: Document, pointer: str) -> str:
        return f"{document.path.resolve().as_uri()}#{quote(pointer, safe='/~')}"

    # compiling

    def compile(self, location: Location, direction: str) -> SchemaCheck | str:
        """A validator for the schema at ``location``, or why the schema cannot be used."""
        try:
            schema = self.inline(location, direction)
            Draft202012Validator.check_schema(schema)
        except (SourceError, SchemaError) as error:
            where = location[0].where(location[1])
            reason = clip(error.message, MAX_MESSAGE)
            return f"the OpenAPI schema at {where} cannot be used: {reason}"
        needs_registry = "$ref" in json.dumps(schema)
        validator = (
            Draft202012Validator(schema, registry=self.registry)
            if needs_registry
            else Draft202012Validator(schema)
        )
        return SchemaCheck(schema, validator)

    @property
    def registry(self) -> Registry:
        """Documents of this source as JSON Schema resources, loaded on demand."""
        if self._registry is None:
            self._registry = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        return self._registry

    def _retrieve(self, uri: str) -> Resource:
        path = Path(unquote(urlsplit(uri).path))
        data = self.cache.document(path).data
        return DRAFT202012.create_resource(_convert_everywhere(data) if self.oas30 else data)


def _has(node: Any, key: str | int) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)


def _drop_one_way_required(schema: dict[str, Any], direction: str) -> None:
    """readOnly properties are not required in requests, writeOnly ones not in responses."""
    required, properties = schema.get("required"), schema.get("properties")
    if not isinstance(required, list) or not isinstance(properties, dict):
        return
    flag = "readOnly" if direction == "request" else "writeOnly"
    kept = [
        name
        for name in required
        if not (isinstance(properties.get(name), dict) and properties[name].get(flag) is True)
    ]
    if len(kept) != len(required):
        schema["required"] = kept


# -- coercion of wire strings --------------------------------------------------------------------


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
        _insert(root, bracket_parts(key), value)
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


# -- one operation -------------------------------------------------------------------------------


@dataclass
class ParamContract:
    name: str
    location: str
    required: bool
    style: str
    explode: bool
    check: SchemaCheck | str | None
    json_content: bool = False


class OperationContract:
    """The compiled checks of one operation; parts are compiled on first use."""

    def __init__(self, operation: Operation, schemas: SourceSchemas) -> None:
        self.operation = operation
        self.schemas = schemas
        self.location = schemas.child(schemas.root, "paths", operation.path, operation.method) or (
            schemas.source.document,
            operation.pointer,
            operation.raw,
        )
        self.path_item = schemas.child(schemas.root, "paths", operation.path)
        self.problems: list[str] = []
        self._params: list[ParamContract] | None = None
        self._bodies: dict[str, SchemaCheck | str | None] = {}
        self._responses: dict[tuple[int, str], tuple[list[str], SchemaCheck | str | None]] = {}
        self._verdicts: OrderedDict[tuple[int, str, bytes], list[str]] = OrderedDict()

    # parameters

    @property
    def params(self) -> list[ParamContract]:
        if self._params is None:
            self._params = self._collect_params()
        return self._params

    def _collect_params(self) -> list[ParamContract]:
        found: dict[tuple[str, str], ParamContract] = {}
        for owner in (self.path_item, self.location):
            for param in self._owner_params(owner):
                found[(param.name, param.location)] = param
        return list(found.values())

    def _owner_params(self, owner: Location | None) -> Iterable[ParamContract]:
        listed = self.schemas.child(owner, "parameters") if owner else None
        if listed is None or not isinstance(listed[2], list):
            return
        for index in range(len(listed[2])):
            found = self.schemas.child(listed, index)
            if found is None or not isinstance(found[2], dict):
                continue
            raw = found[2]
            name, location = str(raw.get("name", "")), str(raw.get("in", ""))
            if not name or location not in ("path", "query", "header", "cookie"):
                continue
            if location == "header" and name.lower() in _IGNORED_HEADERS:
                continue
            default_style = "form" if location in ("query", "cookie") else "simple"
            style = str(raw.get("style") or default_style)
            yield ParamContract(
                name=name,
                location=location,
                required=bool(raw.get("required")) or location == "path",
                style=style,
                explode=bool(raw.get("explode", style == "form")),
                check=self._param_check(found),
                json_content="content" in raw,
            )

    def _param_check(self, param: Location) -> SchemaCheck | str | None:
        schema = self.schemas.child(param, "schema")
        if schema is None:
            content = self.schemas.child(param, "content")
            if content is not None and isinstance(content[2], dict) and content[2]:
                schema = self.schemas.child(content, next(iter(content[2])), "schema")
        return self.schemas.compile(schema, "request") if schema is not None else None

    # request

    def request_violations(self, request: OutgoingRequest) -> list[str]:
        violations: list[str] = []
        query = decode_query(request)
        cookies = _cookies(request.headers)
        headers = {key.lower(): value for key, value in request.headers.items()}
        for param in self.params:
            raw = _param_value(param, request, query, headers, cookies)
            label = f"request {param.location} parameter '{param.name}'"
            if raw is None:
                if param.required:
                    violations.append(f"{label} is required but was not sent")
                continue
            violations += self._check(param.check, _param_instance(param, raw), label, "")
        violations += self._body_violations(request)
        return violations

    @cached_property
    def body(self) -> tuple[Location | None, bool, list[str]]:
        """The Request Body Object's location, whether it is required, its media types."""
        body = self.schemas.child(self.location, "requestBody")
        if body is None or not isinstance(body[2], dict):
            return None, False, []
        documented = self.schemas.child(body, "content")
        media_types = list(documented[2]) if documented and isinstance(documented[2], dict) else []
        return body, body[2].get("required") is True, media_types

    def _body_violations(self, request: OutgoingRequest) -> list[str]:
        body, required, media_types = self.body
        content = request.body or b""
        if body is None:
            return []
        if not content:
            return ["request body is required but none was sent"] if required else []
        if not media_types:
            return []
        content_type = request.content_type or ""
        chosen = _match_media(content_type, media_types)
        if chosen is None:
            return [
                f"request content type {_bare(content_type) or '(none)'!r} is not documented "
                f"(documented: {', '.join(media_types)})"
            ]
        check = self._body_check(body, chosen)
        if check is None:
            return []
        instance = _decode_body(content, content_type)
        if instance is _UNDECODABLE:
            return [f"request body is not valid {_bare(content_type)}"]
        if isinstance(check, SchemaCheck) and _bare(content_type) in _FORM_TYPES:
            instance = coerce(instance, check.schema)
        return self._check(check, instance, "request body", " at ")

    def _body_check(self, body: Location, media_type: str) -> SchemaCheck | str | None:
        if media_type not in self._bodies:
            schema = self.schemas.child(body, "content", media_type, "schema")
            self._bodies[media_type] = self.schemas.compile(schema, "request") if schema else None
        return self._bodies[media_type]

    def prepare(self) -> None:
        """Compile the parameter and body checks, and the JSON responses of explicit codes."""
        if self._params is None:
            self._params = self._collect_params()
        body, _required, media_types = self.body
        for media_type in media_types if body is not None else []:
            self._body_check(body, media_type)
        responses = self.schemas.child(self.location, "responses")
        for code in responses[2] if responses and isinstance(responses[2], dict) else []:
            if str(code).isdigit():
                self._response_check(int(code), "application/json")

    # response

    def response_violations(self, response: ReceivedResponse) -> list[str]:
        content_type = _bare(response.headers.get("Content-Type") or "")
        key = (response.status, content_type, response.content)
        cached = self._verdicts.get(key)
        if cached is not None:
            self._verdicts.move_to_end(key)
            return cached
        verdict = self._response_violations(response, content_type)
        self._verdicts[key] = verdict
        if len(self._verdicts) > RESPONSE_CACHE_SIZE:
            self._verdicts.popitem(last=False)
        return verdict

    def _response_violations(self, response: ReceivedResponse, content_type: str) -> list[str]:
        status = response.status
        problems, check = self._response_check(status, content_type)
        if problems or check is None or not response.content:
            return problems
        instance = _decode_body(response.content, content_type)
        if instance is _UNDECODABLE:
            return [f"response {status} body is not valid JSON"]
        return self._check(check, instance, f"response {status} body", " at ")

    def _response_check(
        self, status: int, content_type: str
    ) -> tuple[list[str], SchemaCheck | str | None]:
        key = (status, content_type)
        if key not in self._responses:
            self._responses[key] = self._compile_response(status, content_type)
        problems, check = self._responses[key]
        return list(problems), check

    def _compile_response(
        self, status: int, content_type: str
    ) -> tuple[list[str], SchemaCheck | str | None]:
        responses = self.schemas.child(self.location, "responses")
        if responses is None or not isinstance(responses[2], dict) or not responses[2]:
            return [], None
        documented = [str(code) for code in responses[2]]
        code = _response_code(status, documented)
        if code is None:
            return [
                f"response {status} is not documented for {self.operation.label} "
                f"(documented: {', '.join(documented)})"
            ], None
        found = self.schemas.child(responses, code, "content")
        if found is None or not isinstance(found[2], dict) or not found[2]:
            return [], None
        media_types = list(found[2])
        chosen = _match_media(content_type, media_types)
        if chosen is None:
            return [
                f"response {status} content type {content_type or '(none)'!r} is not documented "
                f"(documented: {', '.join(media_types)})"
            ], None
        if not is_json_type(content_type or chosen):
            return [], None
        schema = self.schemas.child(found, chosen, "schema")
        return [], self.schemas.compile(schema, "response") if schema else None

    # shared

    def _check(
        self, check: SchemaCheck | str | None, instance: Any, label: str, at: str
    ) -> list[str]:
        if check is None:
            return []
        if isinstance(check, str):
            if check not in self.problems:
                self.problems.append(check)
                warnings.warn(ContractWarning(check), stacklevel=2)
            return []
        errors = check.errors(instance)
        lines = []
        for path, message in errors[:MAX_VIOLATIONS]:
            where = f"{at}{path}" if at else ("" if path == "$" else f" at {path}")
            lines.append(f"{label}{where}: {message}")
        if len(errors) > MAX_VIOLATIONS:
            lines.append(f"{label}: {len(errors) - MAX_VIOLATIONS} more violation(s)")
        return lines


_FORM_TYPES = ("application/x-www-form-urlencoded",)
_UNDECODABLE = object()


def _bare(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _match_media(content_type: str, documented: list[str]) -> str | None:
    """The documented media range that covers ``content_type`` (most specific first)."""
    bare = _bare(content_type)
    major = bare.split("/")[0]
    ranked = sorted(documented, key=lambda name: _bare(name).count("*"))
    for name in ranked:
        candidate = _bare(name)
        if candidate in (bare, "*/*") or candidate == f"{major}/*":
            return name
    return None


def _response_code(status: int, documented: list[str]) -> str | None:
    for code in documented:
        if code == str(status):
            return code
    for code in documented:
        if code.upper() == f"{str(status)[0]}XX":
            return code
    return "default" if "default" in documented else None


def _decode_body(content: bytes, content_type: str) -> Any:
    bare = _bare(content_type)
    text = content.decode("utf-8", "replace")
    if bare in _FORM_TYPES:
        return decode_form(text)
    if is_json_type(bare) or not bare:
        try:
            return json.loads(text)
        except ValueError:
            return _UNDECODABLE
    return text


def decode_query(request: OutgoingRequest) -> dict[str, Any]:
    """The query string decoded like a form (bracket notation, repeated keys)."""
    query = urlsplit(request.url).query
    return decode_form(query) if query else {}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    header = next((v for k, v in headers.items() if k.lower() == "cookie"), "")
    pairs = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return {name: unquote(value) for name, _, value in pairs}


def _param_value(
    param: ParamContract,
    request: OutgoingRequest,
    query: dict[str, Any],
    headers: dict[str, str],
    cookies: dict[str, str],
) -> Any:
    if param.location == "path":
        if param.name not in request.path_params:
            return None
        return unquote(encode_path_value(request.path_params[param.name]))
    if param.location == "header":
        return headers.get(param.name.lower())
    if param.location == "cookie":
        return cookies.get(param.name)
    return query.get(param.name)


def _param_instance(param: ParamContract, raw: Any) -> Any:
    """A parameter's wire value as the structure its schema describes."""
    check = param.check
    schema = check.schema if isinstance(check, SchemaCheck) else {}
    if param.json_content and isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    types = schema_types(schema)
    if isinstance(raw, str) and "array" in types and "string" not in types:
        separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(param.style, ",")
        if not (param.style == "form" and param.explode):
            raw = raw.split(separator) if raw else []
    return coerce(raw, schema)


# -- the exchange check ----------------------------------------------------------------------------


class ContractChecker:
    """The :data:`ExchangeCheck` validating every exchange; one per session
    (its compiled validators are kept per operation)."""

    def __init__(self, severity: str = "error") -> None:
        self.severity = contract_severity(severity)
        self._contracts: dict[int, tuple[Operation, OperationContract]] = {}
        self._sources: dict[int, tuple[Source, SourceSchemas]] = {}

    def checks(self) -> list[Callable[[StepPlan, Exchange], list[str]]]:
        """What to pass as ``Runner(exchange_checks=...)``: nothing when severity is off."""
        return [] if self.severity == "off" else [self]

    def contract(self, operation: Operation) -> OperationContract:
        entry = self._contracts.get(id(operation))
        if entry is None or entry[0] is not operation:
            entry = (operation, OperationContract(operation, self._schemas(operation.source)))
            self._contracts[id(operation)] = entry
        return entry[1]

    def _schemas(self, source: Source) -> SourceSchemas:
        entry = self._sources.get(id(source))
        if entry is None or entry[0] is not source:
            entry = (source, SourceSchemas(source))
            self._sources[id(source)] = entry
        return entry[1]

    def prepare(self, operations: Iterable[Operation | None]) -> None:
        """Compile ahead of time what checking these operations needs (e.g. before fuzzing,
        so the first example is not timed with the compilation)."""
        if self.severity == "off":
            return
        for operation in operations:
            if operation is None:
                continue
            contract = self.contract(operation)
            try:
                contract.prepare()
            except SourceError:
                continue  # reported when an exchange is checked

    def violations(self, operation: Operation, exchange: Exchange) -> list[str]:
        """Request and response violations of one exchange."""
        contract = self.contract(operation)
        try:
            return contract.request_violations(exchange.request) + contract.response_violations(
                exchange.response
            )
        except SourceError as error:
            message = f"contract not checked: {error}"
            if message not in contract.problems:
                contract.problems.append(message)
                warnings.warn(ContractWarning(message), stacklevel=2)
            return []

    def __call__(self, step: StepPlan, exchange: Exchange) -> list[str]:
        if step.operation is None or self.severity == "off":
            return []
        found = self.violations(step.operation, exchange)
        if found and self.severity == "warning":
            for violation in found:
                warnings.warn(ContractWarning(f"step '{step.step_id}': {violation}"), stacklevel=2)
            return []
        return found
