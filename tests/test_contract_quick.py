"""The quick yes before ``jsonschema``: it never says "valid" where ``jsonschema`` finds a
violation, and it does say it for the shipped, valid exchanges (else it would save nothing).

OpenAPI 3.1.0 § Schema Object (JSON Schema Draft 2020-12): contract checks report exactly what
``jsonschema`` reports; :mod:`pytest_arazzo.language.quick` only skips it for instances it has
proved valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_arazzo.contract.checker import ContractChecker
from pytest_arazzo.contract.compile import SchemaCheck
from pytest_arazzo.document.loader import load_document
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.language.quick import quick_check
from pytest_arazzo.language.regexes import safe_validator
from pytest_arazzo.plan.planner import ArazzoFile
from tests.conftest import ROOT, SEED

# every keyword the quick check implements, in the shapes that matter, and some it does not
SCHEMAS: list[Any] = [
    True,
    False,
    {},
    {"type": "integer"},
    {"type": ["integer", "null"]},
    {"type": "number", "minimum": 0, "exclusiveMaximum": 10},
    {"type": "number", "maximum": 1.5, "exclusiveMinimum": -1},
    {"type": "boolean"},
    {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^a"},
    {"type": "string", "format": "email"},  # format: an annotation without a format checker
    {"enum": ["a", "b", None]},
    {"enum": [1, True, 1.0, "1"]},  # jsonschema's equality: left to jsonschema
    {"const": 1},
    {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3},
    {"type": "array", "items": False},
    {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}},
    {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": ["integer", "null"]}},
        "required": ["a"],
        "additionalProperties": False,
    },
    {"properties": {"a": False}, "additionalProperties": {"type": "boolean"}},
    {"patternProperties": {"^x": {"type": "string"}}, "additionalProperties": False},
    {"anyOf": [{"type": "string"}, {"type": "object", "required": ["id"]}]},
    {"allOf": [{"type": "object"}, {"required": ["id"]}]},
    {"oneOf": [{"type": "integer"}, {"type": "number"}]},
    {"not": {"type": "string"}},
    {"type": "object", "description": "x", "x-stripe": {"a": 1}, "example": {"a": 2}},
    {"$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a"},
    {"type": "object", "minProperties": 1},
    {"type": "object", "properties": {"a": {"type": "integer"}}, "unevaluatedProperties": False},
    # properties tested for their type at a glance beside others, and nodes of 2, 3 and 4 checks
    {
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": {"type": "integer", "format": "unix-time"},
            "b": {"type": ["number", "null"]},
            "c": {},
            "x1": {"type": "string", "maxLength": 2},
            "id": {"type": "array", "items": {"type": ["string", "boolean"]}},
        },
    },
    {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": 3},
    {"allOf": [{"type": "object"}, True, {"required": ["id"]}, {"properties": {"id": True}}]},
]

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-20, 20)
    | st.floats(-20, 20, allow_nan=False)
    | st.sampled_from([1.0, 0.0, -1.0, 10, 1.5, "a", "b", "ab", "abcd", "abcde", "ba", "1", ""])
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "id", "x1", "c"]), inner, max_size=4)
    ),
    max_leaves=12,
)


def _sound(schema: Any, instance: Any) -> None:
    validator = safe_validator()(schema)
    quick = quick_check(schema, type(validator), validator.format_checker)
    if quick(instance):
        errors = [error.message for error in validator.iter_errors(instance)]
        assert not errors, (schema, instance, errors)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda schema: str(schema)[:40])
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(instance=JSON)
def test_quick_yes__never_where_jsonschema_finds_a_violation(schema: Any, instance: Any) -> None:
    """§ Schema Object: a "valid" from the quick check means jsonschema finds nothing."""
    _sound(schema, instance)


def _seed_checks() -> list[SchemaCheck]:
    checker = ContractChecker("error")
    plan = ArazzoFile(load_document(SEED), SourceCache()).plan("create-and-finalize-invoice")
    checker.prepare(step.operation for step in plan.steps)
    found = []
    for _, schemas in checker._sources.values():
        found += [entry[1] for entry in schemas._compiled.values()]
    checks = [check for check in found if isinstance(check, SchemaCheck)]
    assert checks
    return checks


def _shipped_bodies() -> list[Any]:
    bodies = []
    for path in (ROOT / "fixtures" / "cassettes").rglob("*.yaml"):
        for interaction in yaml.safe_load(path.read_text()).get("interactions", []):
            for side in ("request", "response"):
                record = interaction.get(side) or {}
                bodies += [record[key] for key in ("json", "form") if key in record]
    assert bodies
    return bodies


def test_quick_yes__sound_on_the_seed_schemas_and_every_shipped_body() -> None:
    """§ Schema Object: each compiled schema of the seed, against every body of the shipped
    cassettes (valid or not for that schema): never a "valid" jsonschema disagrees with."""
    bodies = _shipped_bodies()
    for check in _seed_checks():
        quick = quick_check(check.schema, type(check.validator), check.validator.format_checker)
        for body in bodies:
            if quick(body):
                assert not list(check.validator.iter_errors(body)), (check.schema, body)


def test_quick_yes__taken_for_every_valid_shipped_body() -> None:
    """Each shipped body a seed schema accepts is accepted quickly (else nothing is saved), and
    SchemaCheck.errors then answers without asking jsonschema."""
    valid = quick = 0
    for check in _seed_checks():
        for body in _shipped_bodies():
            if not list(check.validator.iter_errors(body)):
                valid += 1
                assert check.errors(body) == []
                quick += bool(check.quick is not None and check.quick(body))
    assert valid and quick == valid


def test_quick_yes__unknown_validator_class_gives_no_quick_answer() -> None:
    assert quick_check({"type": "string"}, object)("text") is False


@pytest.mark.parametrize("depth", [10, 100])
def test_quick_yes__deep_schemas_are_left_to_jsonschema(depth: int) -> None:
    schema: dict[str, Any] = {"type": "string"}
    instance: Any = "x"
    for _ in range(depth):
        schema, instance = {"type": "object", "properties": {"a": schema}}, {"a": instance}
    validator = safe_validator()(schema)
    assert quick_check(schema, type(validator))(instance) is (depth <= 64)
    assert not list(validator.iter_errors(instance))


# -- check_schema remembered by content ---------------------------------------------------------


def test_schema_check__remembered_by_content_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OpenAPI 3.1.0 § Schema Object: a schema found usable is not checked against the
    meta-schema again (in this process or the next, through the folder); an unusable one
    fails every time with jsonschema's own error, and nothing is kept for it."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    from pytest_arazzo.language import schemamemo

    checked: list[Any] = []
    original = Draft202012Validator.check_schema

    def counting(schema: Any) -> None:
        checked.append(schema)
        original(schema)

    monkeypatch.setattr(Draft202012Validator, "check_schema", staticmethod(counting))
    schemamemo.forget()
    schemamemo.use_folder(tmp_path)
    try:
        good = {"type": "object", "properties": {"a": {"type": "string"}}}
        schemamemo.check_schema(good)
        schemamemo.check_schema(dict(good))  # the same content
        assert len(checked) == 1
        schemamemo.forget()  # a new process: the marker file answers
        schemamemo.check_schema(good)
        assert len(checked) == 1
        schemamemo.check_schema({**good, "minProperties": 1})  # other content: checked
        assert len(checked) == 2
        bad = {"type": "no-such-type"}
        for _ in range(2):
            with pytest.raises(SchemaError):
                schemamemo.check_schema(bad)
        assert len(checked) == 4
        assert len(list(tmp_path.glob("*.ok"))) == 2
    finally:
        schemamemo.use_folder(None)
