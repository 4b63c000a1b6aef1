"""Compile an OpenAPI operation's schemas into JSON Schema 2020-12 validators.

OpenAPI 3.0 schemas are converted to JSON Schema 2020-12 (``nullable``, boolean
``exclusiveMinimum``/``exclusiveMaximum``, OpenAPI-only keywords dropped); 3.1 schemas are 2020-12
already. ``$ref`` is inlined through the source's files (held by the plan, loaded before the run);
a recursive reference stays a reference, resolved through a :class:`referencing.Registry`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pytest_arazzo.contract.violations import MAX_MESSAGE, render_violations, warn_once
from pytest_arazzo.diagnostics.problems import Position
from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.document.pointer import PointerError, escape_token, resolve_pointer
from pytest_arazzo.document.sources import SourceError
from pytest_arazzo.language.quick import Quick, quick_check
from pytest_arazzo.language.regexes import safe_validator
from pytest_arazzo.language.schemamemo import check_schema
from pytest_arazzo.plan.model import SourceFile, SourcePlan

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems",
)  # fmt: skip
_OAS_ONLY = ("nullable", "discriminator", "xml", "externalDocs", "example")

Location = tuple[SourceFile, str, Any]  # a file, a JSON Pointer in it, the value there

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
    quick: Quick | None = None  # compiled on first use (language/quick.py)

    def errors(self, instance: Any) -> list[tuple[str, str]]:
        """``(json path, message)`` of each violation, in document order."""
        if self.quick is None:
            validator = self.validator
            self.quick = quick_check(validator.schema, type(validator), validator.format_checker)
        if self.quick(instance):  # certainly valid: jsonschema would find nothing
            return []
        found = sorted(self.validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
        result = []
        for error in found:
            chosen: ValidationError = best_match([error]) if error.context else error
            result.append((chosen.json_path, clip(chosen.message, MAX_MESSAGE)))
        return result


class SourceSchemas:
    """Locates, inlines and compiles the schemas of one OpenAPI source (cached)."""

    def __init__(self, source: SourcePlan) -> None:
        self.source = source
        self.oas30 = str(source.data.get("openapi", "")).startswith("3.0")
        self._registry: Registry | None = None
        self._compiled: dict[tuple[Path, str, str, int], tuple[Any, SchemaCheck | str]] = {}
        self.compiled = 0  # schemas checked (``check_schema``) and compiled

    @property
    def root(self) -> Location:
        root = self.source.file(self.source.root)
        return (root, "", root.data)

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

    def _target(self, document: SourceFile, ref: str) -> tuple[SourceFile, str]:
        target, _, fragment = ref.partition("#")
        if target:
            document = self.source.ref_file(document.path, target)
        return document, unquote(fragment)

    @staticmethod
    def _at(document: SourceFile, pointer: str) -> Any:
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
        self, node: Any, document: SourceFile, direction: str, stack: frozenset[tuple[Path, str]]
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
        document: SourceFile,
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

    def _uri(self, document: SourceFile, pointer: str) -> str:
        return f"{document.path.resolve().as_uri()}#{quote(pointer, safe='/~')}"

    # compiling

    def compile(self, location: Location, direction: str) -> SchemaCheck | str:
        """A validator for the schema at ``location``, or why the schema cannot be used; each
        schema is checked and compiled once per direction (operations share components)."""
        document, pointer, node = location
        key = (document.path, pointer, direction, id(node))
        entry = self._compiled.get(key)
        if entry is None or entry[0] is not node:
            entry = self._compiled[key] = (node, self._compile(location, direction))
            self.compiled += 1
        return entry[1]

    def _compile(self, location: Location, direction: str) -> SchemaCheck | str:
        try:
            schema = self.inline(location, direction)
            check_schema(schema)  # remembered by content (language/schemamemo.py)
        except (SourceError, SchemaError) as error:
            where = location[0].where(location[1])
            reason = clip(error.message, MAX_MESSAGE)
            return f"the OpenAPI schema at {where} cannot be used: {reason}"
        needs_registry = "$ref" in json.dumps(schema)
        safe = safe_validator()  # ``pattern`` matched with a time limit (language.regexes)
        validator = safe(schema, registry=self.registry) if needs_registry else safe(schema)
        return SchemaCheck(schema, validator)

    @property
    def registry(self) -> Registry:
        """SourceFiles of this source as JSON Schema resources, loaded on demand."""
        if self._registry is None:
            self._registry = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        return self._registry

    def _retrieve(self, uri: str) -> Resource:
        path = Path(unquote(urlsplit(uri).path))
        data = self.source.file(path).data
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


Check = SchemaCheck | str | None  # a validator, why the schema cannot be used, or nothing


def check_instance(
    check: Check, instance: Any, label: str, at: str, problems: list[str]
) -> list[str]:
    """The violations of ``instance``; a schema that cannot be used is warned once instead."""
    if check is None:
        return []
    if isinstance(check, str):
        warn_once(problems, check)
        return []
    return render_violations(check.errors(instance), label, at)
