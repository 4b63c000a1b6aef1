"""The bundled Arazzo JSON Schemas (1.0, and 1.1 written by the project) and fast validators.

``jsonschema`` is imported on first use: importing the checks stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from pytest_arazzo.checks.data import mapping_of, workflows_of
from pytest_arazzo.document.dialect import ARAZZO_1_0

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

SCHEMA_FILE = ARAZZO_1_0.schema_file


@lru_cache(maxsize=4)
def arazzo_schema(schema_file: str = SCHEMA_FILE) -> dict[str, Any]:
    """A bundled Arazzo schema (a :attr:`Dialect.schema_file`); the 1.0 one with the places
    where it is stricter than the 1.0.1 text relaxed in memory (see below; listed in
    docs/diagnostics.md), the file itself left as published."""
    text = (resources.files("pytest_arazzo") / "schemas" / schema_file).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    if schema_file != SCHEMA_FILE:
        return schema
    # The schema applies the Criterion Expression Type Object to the criterion itself, so a
    # criterion whose `type` is such an object (Arazzo 1.0.1 § Criterion Object) never
    # validates. Apply it to the `type` field instead.
    criterion = schema["$defs"]["criterion-object"]
    criterion["anyOf"][1] = {
        "properties": {"type": {"$ref": "#/$defs/criterion-expression-type-object"}}
    }
    # § Payload Replacement Object: `value` is "Any | {expression}" (`value: 10`), not a string.
    replacement = schema["$defs"]["payload-replacement-object"]["properties"]["value"]
    replacement.pop("type", None)
    # § Reusable Object: "any properties added MUST be ignored" (`in`, `x-...`), not rejected.
    schema["$defs"]["reusable-object"].pop("unevaluatedProperties", None)
    return schema


def _inline_anchors(schema: Any, anchors: dict[str, Any]) -> Any:
    """``{$ref: '#stepId'}`` → the anchored subschema itself (anchor lookups are slow)."""
    if isinstance(schema, list):
        return [_inline_anchors(item, anchors) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#") and ref[1:] in anchors:
        rest = {key: value for key, value in schema.items() if key != "$ref"}
        if not set(rest) & set(anchors[ref[1:]]):
            return {**rest, **anchors[ref[1:]]}
    return {key: _inline_anchors(value, anchors) for key, value in schema.items()}


def _anchors(schema: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$anchor"), str):
                found[node["$anchor"]] = {k: v for k, v in node.items() if k != "$anchor"}
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
    return found


def canonical(value: Any) -> Any:
    """A hashable form with JSON equality (``1 == 1.0``, ``true != 1``, key order ignored)."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, dict):
        return ("object", frozenset((key, canonical(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(canonical(item) for item in value))
    return ("string", value)


def _unique_items(
    validator: Validator, unique: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``uniqueItems`` in linear time (jsonschema's own is quadratic: slow on big files)."""
    from jsonschema.exceptions import ValidationError

    if unique and validator.is_type(instance, "array"):
        keys = [canonical(item) for item in instance]
        if len(set(keys)) != len(keys):
            yield ValidationError(f"{instance!r} has non-unique elements")


@lru_cache(maxsize=4)
def validator(schema_file: str = SCHEMA_FILE) -> Validator:
    """An Arazzo schema, made fast: anchors inlined, linear ``uniqueItems``, and input
    schemas checked separately (see :func:`input_schemas`)."""
    from jsonschema import Draft202012Validator, validators

    schema = arazzo_schema(schema_file)
    schema = _inline_anchors(schema, _anchors(schema))
    schema["$defs"]["schema"] = {"type": ["object", "boolean"]}
    extend: Any = validators.extend  # untyped in jsonschema
    fast: type[Validator] = extend(Draft202012Validator, {"uniqueItems": _unique_items})
    return fast(schema)


@lru_cache(maxsize=1)
def meta_validator() -> Validator:
    """The JSON Schema 2020-12 metaschema (for workflow input schemas)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(Draft202012Validator.META_SCHEMA)


def input_schemas(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], Any]]:
    """Workflow input schemas and components.inputs, validated against the JSON Schema
    2020-12 metaschema on their own (through the Arazzo schema it is many times slower)."""
    found: list[tuple[tuple[Any, ...], Any]] = [
        (("workflows", index, "inputs"), workflow["inputs"])
        for index, workflow in workflows_of(data)
        if "inputs" in workflow
    ]
    inputs = mapping_of(mapping_of(data.get("components")).get("inputs"))
    found += [(("components", "inputs", name), schema) for name, schema in inputs.items()]
    return found
