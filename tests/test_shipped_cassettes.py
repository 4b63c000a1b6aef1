"""Every request in every shipped Stripe cassette is one Stripe would accept, by the description.

Each recorded form body (and query) is decoded with Stripe's bracket rules, independently of the
plugin's own parser: ``a[b]`` is a hash, ``a[0]`` an array index (``items[0][price]``), wire
strings are coerced to the schema's types (per branch of ``anyOf``/``oneOf``: the first branch
the coerced value is valid against). The result must validate (jsonschema) against the request
body schema, and each query parameter against its parameter schema, of the step's operation in
``specs/openapi/``. A JSON-text ``items`` or an unindexed ``expand=x`` would fail here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT

CASSETTES = sorted((ROOT / "fixtures" / "cassettes").glob("specs/arazzo/stripe-*/*.yaml"))
FORM = "application/x-www-form-urlencoded"
_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")


@functools.cache
def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class Description:
    """One OpenAPI document: ``$ref`` resolution and validation against its schemas."""

    def __init__(self, path: Path) -> None:
        self.data: dict[str, Any] = _yaml(path)

    def resolve(self, node: Any) -> Any:
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            target: Any = self.data
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def is_valid(self, value: Any, schema: Any) -> bool:
        return not self.errors(value, schema)

    def errors(self, value: Any, schema: Any) -> list[str]:
        # OpenAPI 3.0 schemas are a JSON Schema draft 4 dialect; the root holds the components
        # so `#/components/schemas/...` resolves
        root = {"allOf": [schema], "components": self.data.get("components", {})}
        validator = jsonschema.Draft4Validator(root)
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(value)
        ]

    def operation(self, operation_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The Operation Object and its parameters (path item level first)."""
        for item in self.data.get("paths", {}).values():
            item = self.resolve(item)
            for method, operation in item.items():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    assert method in ("get", "post", "put", "patch", "delete")
                    found = [*item.get("parameters", []), *operation.get("parameters", [])]
                    return operation, [self.resolve(p) for p in found]
        raise LookupError(operation_id)

    # -- Stripe's decoding, guided by the schema ---------------------------------------------

    def coerce(self, value: Any, schema: Any) -> Any:
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping):
            return value
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            candidates = [self.coerce(value, branch) for branch in branches]
            for candidate, branch in zip(candidates, branches, strict=True):
                if self.is_valid(candidate, branch):
                    return candidate
            return candidates[0]
        for part in schema.get("allOf") or []:
            value = self.coerce(value, part)
        kind = schema.get("type")
        if isinstance(value, dict):
            if kind == "array" and value and all(key.isdigit() for key in value):
                items = schema.get("items", {})
                return [self.coerce(value[key], items) for key in sorted(value, key=int)]
            properties = schema.get("properties") or {}
            extra = schema.get("additionalProperties")
            fallback = extra if isinstance(extra, Mapping) else {}
            return {k: self.coerce(v, properties.get(k, fallback)) for k, v in value.items()}
        if isinstance(value, str):
            if kind == "integer" and re.fullmatch(r"-?\d+", value):
                return int(value)
            if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", value):
                return float(value) if "." in value else int(value)
            if kind == "boolean" and value in ("true", "false"):
                return value == "true"
        return value


def decode_brackets(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``items[0][price]=p`` → ``{"items": {"0": {"price": "p"}}}`` (indexes stay keys until the
    schema says array); a key without brackets is a plain field."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.fullmatch(key)
        assert match, f"not a bracket-notation key: {key!r}"
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        assert all(parts), f"empty brackets in {key!r}: the plugin sends arrays indexed"
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            assert isinstance(node, dict), f"{key!r} nests under a plain value"
        assert parts[-1] not in node, f"{key!r} sent twice"
        node[parts[-1]] = value
    return root


def _step(workflow_file: Path, workflow_id: str, step_id: str) -> dict[str, Any]:
    document = _yaml(workflow_file)
    workflows = sorted(document["workflows"], key=lambda w: w["workflowId"] != workflow_id)
    for workflow in workflows:
        for step in workflow["steps"]:
            if step["stepId"] == step_id:
                return dict(step)
    raise LookupError(f"{workflow_file.name}: no step {step_id}")


def _description(workflow_file: Path, step: dict[str, Any]) -> Description:
    sources = _yaml(workflow_file)["sourceDescriptions"]
    found = []
    for source in sources:
        description = Description((workflow_file.parent / source["url"]).resolve())
        try:
            description.operation(step["operationId"])
        except LookupError:
            continue
        found.append(description)
    assert len(found) == 1, f"operation {step['operationId']} in {len(found)} sources"
    return found[0]


def _interactions() -> Iterator[Any]:
    for path in CASSETTES:
        cassette = _yaml(path)
        workflow_file = ROOT / cassette["item"].split("::")[0]
        for index, interaction in enumerate(cassette["interactions"]):
            yield pytest.param(
                workflow_file,
                cassette["workflow"],
                interaction,
                id=f"{path.parent.name}/{path.stem}#{index + 1}-{interaction['step']}",
            )


def request_problems(
    workflow_file: Path, workflow_id: str, interaction: dict[str, Any]
) -> list[str]:
    """What in one recorded request the operation's request schemas reject."""
    step = _step(workflow_file, workflow_id, interaction["step"])
    description = _description(workflow_file, step)
    operation, parameters = description.operation(step["operationId"])
    request = interaction["request"]
    problems: list[str] = []

    query = decode_brackets(parse_qsl(urlsplit(request["url"]).query, keep_blank_values=True))
    declared = {p["name"]: p for p in parameters if p.get("in") == "query"}
    for name, raw in query.items():
        if name not in declared:
            problems.append(f"query parameter {name!r} is not in the description")
            continue
        schema = declared[name].get("schema", {})
        value = description.coerce(raw, schema)
        problems += [f"query {name}: {e}" for e in description.errors(value, schema)]

    body = operation.get("requestBody")
    form = request.get("form")
    if body is None:
        if form:
            problems.append("a form body was sent to an operation without a request body")
        return problems
    body = description.resolve(body)
    media = body["content"].get(FORM)
    if media is None:
        return [*problems, f"the operation takes no {FORM} body"]
    if form is None:
        if body.get("required"):
            problems.append("the request body is required, but none was sent")
        return problems
    assert isinstance(form, dict), "the recorded form must be field → text"
    schema = media["schema"]
    value = description.coerce(decode_brackets([(k, str(v)) for k, v in form.items()]), schema)
    return problems + [f"body {e}" for e in description.errors(value, schema)]


def test_every_stripe_workflow_has_a_shipped_cassette() -> None:
    stems = {path.parent.name for path in CASSETTES}
    workflows = {
        path.name.removesuffix(".arazzo.yml") for path in (ROOT / "specs").rglob("*.arazzo.yml")
    }
    assert workflows <= stems, f"without cassettes: {sorted(workflows - stems)}"


@pytest.mark.parametrize(("workflow_file", "workflow_id", "interaction"), list(_interactions()))
def test_shipped_request_validates_against_its_operation(
    workflow_file: Path, workflow_id: str, interaction: dict[str, Any]
) -> None:
    assert request_problems(workflow_file, workflow_id, interaction) == []


# -- the check itself: it rejects what Stripe rejects ----------------------------------------


def _subscription_interaction() -> tuple[Path, str, dict[str, Any]]:
    folder = ROOT / "fixtures/cassettes/specs/arazzo/stripe-subscription-lifecycle"
    path = folder / "subscription-lifecycle.yaml"
    cassette = _yaml(path)
    interaction = next(i for i in cassette["interactions"] if i["step"] == "createSubscription")
    return ROOT / cassette["item"].split("::")[0], cassette["workflow"], interaction


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"items": '{"price":"price_1","quantity":1}'}, "body items: "),
        ({"items[0][price]": "price_1", "expand": "latest_invoice"}, "body expand: "),
        ({"items[0][price]": "price_1", "items[0][quantity]": "many"}, "body items/0/quantity: "),
        ({"items[0][price]": "price_1", "metadata": "x"}, "body metadata: "),
    ],
    ids=["items-as-json-text", "unindexed-expand", "quantity-not-an-integer", "metadata-scalar"],
)
def test_wrongly_encoded_requests_are_rejected(form: dict[str, str], problem: str) -> None:
    workflow_file, workflow_id, interaction = _subscription_interaction()
    assert request_problems(workflow_file, workflow_id, interaction) == []
    wrong = {
        **interaction,
        "request": {**interaction["request"], "form": {"customer": "c", **form}},
    }
    problems = request_problems(workflow_file, workflow_id, wrong)
    assert any(p.startswith(problem) for p in problems), problems


def test_decode_brackets__nesting_and_indexes() -> None:
    pairs = [("a[b][0][c]", "v"), ("items[0][price]", "p"), ("items[1][price]", "q"), ("x", "")]
    assert decode_brackets(pairs) == {
        "a": {"b": {"0": {"c": "v"}}},
        "items": {"0": {"price": "p"}, "1": {"price": "q"}},
        "x": "",
    }
    with pytest.raises(AssertionError, match="indexed"):
        decode_brackets([("expand[]", "lines")])
