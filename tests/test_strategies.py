"""Hypothesis strategies from JSON Schema 2020-12 (workflow input schemas; issue 6).

Every generated value must validate against its schema (checked with ``jsonschema``, the same
validator the engine uses for inputs).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

from pytest_arazzo.fuzz.strategies import (
    SchemaStrategyError,
    examples_of,
    from_schema,
    merge,
    simple_regex,
)

SCHEMAS: dict[str, Any] = {
    "seed inputs": {
        "type": "object",
        "required": ["customer", "amount", "currency"],
        "properties": {
            "customer": {"type": "string"},
            "amount": {"type": "integer"},
            "currency": {"type": "string"},
            "description": {"type": "string"},
        },
    },
    "integer bounds": {"type": "integer", "minimum": -5, "exclusiveMaximum": 10, "multipleOf": 3},
    "number bounds": {"type": "number", "exclusiveMinimum": 0, "maximum": 1.5},
    "number multipleOf": {"type": "number", "multipleOf": 0.25, "maximum": 3},
    "string length": {"type": "string", "minLength": 2, "maxLength": 4},
    "anchored pattern": {"type": "string", "pattern": "^[a-z]{3}$"},
    "unanchored pattern": {"type": "string", "pattern": "ab+c"},
    "complex pattern": {"type": "string", "pattern": "^(?!x)[^a]{2}$"},
    "formats": {
        "type": "array",
        "prefixItems": [
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
            {"type": "string", "format": "email"},
            {"type": "string", "format": "uuid"},
            {"type": "string", "format": "ipv4"},
        ],
        "minItems": 5,
        "items": False,
    },
    "enum and const": {
        "type": "array",
        "prefixItems": [{"enum": ["a", 1, None]}, {"const": 7}],
        "minItems": 2,
        "maxItems": 2,
    },
    "type list": {"type": ["string", "null"], "maxLength": 1},
    "array": {"type": "array", "items": {"type": "boolean"}, "minItems": 1, "maxItems": 3},
    "unique items": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 4},
        "uniqueItems": True,
        "minItems": 3,
    },
    "object extras": {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "additionalProperties": {"type": "integer"},
        "maxProperties": 3,
    },
    "closed object": {
        "type": "object",
        "properties": {"a": {"type": "boolean"}},
        "additionalProperties": False,
        "minProperties": 1,
    },
    "anyOf": {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer", "minimum": 100}]},
    "oneOf": {
        "oneOf": [{"type": "integer", "multipleOf": 2}, {"type": "integer", "multipleOf": 3}]
    },
    "allOf": {"allOf": [{"type": "integer", "minimum": 0}, {"maximum": 10}]},
    "anyOf with parent": {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
    },
    "not": {"type": "integer", "not": {"const": 0}},
    "recursive $defs": {
        "$defs": {
            "node": {
                "type": "object",
                "required": ["v"],
                "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/$defs/node"}},
            }
        },
        "$ref": "#/$defs/node",
    },
    "untyped": {},
}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_generated_values_are_valid(name: str) -> None:
    schema = SCHEMAS[name]
    validator = Draft202012Validator(schema)

    @settings(
        max_examples=40, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(from_schema(schema))
    def check(value: Any) -> None:
        assert validator.is_valid(value), value

    check()


def test_optional_properties_are_sometimes_absent_and_extras_not_invented() -> None:
    seen: list[set[str]] = []

    @settings(max_examples=60, database=None)
    @given(from_schema(SCHEMAS["seed inputs"]))
    def check(value: dict[str, Any]) -> None:
        seen.append(set(value))

    check()
    assert {"customer", "amount", "currency"} in seen
    assert {"customer", "amount", "currency", "description"} in seen
    assert all(keys <= {"customer", "amount", "currency", "description"} for keys in seen)


def test_refs_into_the_document_resolve() -> None:
    document = {"components": {"inputs": {"money": {"type": "integer", "minimum": 1}}}}
    schema = {
        "type": "object",
        "required": ["m"],
        "properties": {"m": {"$ref": "#/components/inputs/money"}},
    }

    @settings(max_examples=20, database=None)
    @given(from_schema(schema, document))
    def check(value: dict[str, Any]) -> None:
        assert value["m"] >= 1

    check()


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "strin"}, "invalid JSON Schema"),
        ({"$ref": "other.json#/x"}, "only local references"),
        ({"$ref": "#/$defs/missing"}, "does not resolve"),
    ],
)
def test_unusable_schemas_raise(schema: Any, message: str) -> None:
    with pytest.raises(SchemaStrategyError, match=message):
        from_schema(schema).example()


@pytest.mark.parametrize(
    ("pattern", "fast"),
    [
        ("^cus_[A-Za-z0-9]+$", True),
        (r"\d{2,4}-(ab|cd)?x*", True),
        (r"^\w+@\w+\.com$", True),
        ("[^a]", False),
        ("(?i)abc", False),
        ("^(?=a)a$", False),
        (r"^a(b[0-9])+c(de|f)g$", True),
        (r"^v(1|2)\.(\d+)-x$", True),
        (r"x(y)z", True),
        ("(?i:ab)c", False),
    ],
)
def test_simple_regex__fast_path_or_none(pattern: str, fast: bool) -> None:
    strategy = simple_regex(pattern)
    assert (strategy is not None) is fast
    if strategy is None:
        return

    @settings(max_examples=40, database=None)
    @given(strategy)
    def check(text: str) -> None:
        assert re.search(pattern, text), text

    check()


@pytest.mark.parametrize(
    ("pattern", "simplest"),
    [
        ("^cus_[A-Za-z0-9]+$", "cus_0"),
        (r"^a(b[0-9])+c(de|f)g$", "ab0cdeg"),
        (r"^v(1|2)\.(\d+)-x$", "v1.0-x"),
        ("^abc$", "abc"),
        ("^(ab)?c$", "c"),
        ("x(y)z", "xyz"),
    ],
)
def test_simple_regex__literal_text_around_the_drawn_parts(pattern: str, simplest: str) -> None:
    """§ Workflow Object ``inputs`` (a JSON Schema ``pattern``): literal text is written around
    the parts that are drawn, in pattern order, so the minimal example keeps every literal."""
    from hypothesis import find

    strategy = simple_regex(pattern)
    assert strategy is not None
    assert find(strategy, lambda _: True, settings=settings(database=None)) == simplest


def test_examples_of__examples_then_default() -> None:
    assert examples_of({"examples": [1, 2], "default": 2}) == [1, 2]
    assert examples_of({"default": "usd"}) == ["usd"]
    assert examples_of(True) == []


def test_merge__tightens_bounds_and_combines_properties() -> None:
    merged = merge(
        {"type": "number", "minimum": 0, "properties": {"a": {"maxLength": 3}}, "required": ["a"]},
        {"type": "integer", "minimum": 2, "properties": {"a": {"minLength": 1}}, "required": ["b"]},
    )
    assert merged == {
        "type": "integer",
        "minimum": 2,
        "properties": {"a": {"maxLength": 3, "minLength": 1}},
        "required": ["a", "b"],
    }


def test_strategies_shrink_to_simple_values() -> None:
    """The minimal failing example is what users see: shrinking must reach the boundary."""
    from hypothesis import find

    found = find(
        from_schema({"type": "integer"}),
        lambda amount: abs(amount) > 99_999_999,
        settings=settings(database=None, max_examples=2000),
    )
    assert found == 100_000_000
    assert (
        find(
            from_schema({"type": "string"}),
            lambda text: text not in ("usd", "eur"),
            settings=settings(database=None),
        )
        == ""
    )
