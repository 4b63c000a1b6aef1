"""Reading untrusted document data: lists, mappings and strings that may be anything else,
workflow ids and indexes, and what workflows call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pytest_arazzo.document.pointer import (
    PointerError,
    escape_token,
    parse_pointer,
    resolve_pointer,
)


def items_of(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """``(index, mapping)`` for the mappings in a list (anything else is skipped)."""
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def mapping_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text_of(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def workflows_of(data: Any) -> list[tuple[int, dict[str, Any]]]:
    return items_of(mapping_of(data).get("workflows"))


def workflow_ids(data: Any) -> dict[str, int]:
    """workflowId → index of its first definition."""
    found: dict[str, int] = {}
    for index, workflow in workflows_of(data):
        workflow_id = text_of(workflow.get("workflowId"))
        if workflow_id is not None:
            found.setdefault(workflow_id, index)
    return found


def plannable(data: Any) -> list[tuple[int, str]]:
    return [(index, workflow_id) for workflow_id, index in workflow_ids(data).items()]


def workflow_label(workflow: dict[str, Any], index: int) -> str:
    workflow_id = text_of(workflow.get("workflowId"))
    return f"workflow '{workflow_id}'" if workflow_id else f"workflow #{index + 1}"


def step_label(step: dict[str, Any], index: int) -> str:
    step_id = text_of(step.get("stepId"))
    return f"step '{step_id}'" if step_id else f"step #{index + 1}"


def declares(name: str, declared: Iterable[str]) -> bool:
    """Whether ``name`` (dotted names allowed: ``a.b`` is output ``a``, then ``b``) is declared."""
    declared = set(declared)
    parts = name.split(".")
    return any(".".join(parts[:count]) in declared for count in range(len(parts), 0, -1))


def workflow_at(data: Any, index: int) -> dict[str, Any]:
    return dict(workflows_of(data)).get(index, {})


def related_workflows(data: Any, workflow_id: str) -> frozenset[int]:
    """Indexes of the workflow(s) with this id and of the local workflows it calls or needs."""
    by_id: dict[str, list[int]] = {}
    for index, workflow in workflows_of(data):
        by_id.setdefault(str(workflow.get("workflowId")), []).append(index)
    wanted: set[int] = set()
    todo = [workflow_id]
    while todo:
        for index in by_id.get(todo.pop(), []):
            if index not in wanted:
                wanted.add(index)
                todo += [target for target, _ in calls_of(workflow_at(data, index))]
    return frozenset(wanted)


def calls_of(workflow: dict[str, Any]) -> list[tuple[str, str]]:
    """Local workflowIds this workflow depends on or calls, with the field's relative pointer."""
    found = [
        (item, f"dependsOn/{index}")
        for index, item in enumerate(list_of(workflow.get("dependsOn")))
        if isinstance(item, str) and not item.startswith("$")
    ]
    for index, step in items_of(workflow.get("steps")):
        target = text_of(step.get("workflowId"))
        if target and not target.startswith("$"):
            found.append((target, f"steps/{index}/workflowId"))
    return found


def path_tokens(data: Any, pointer: str) -> list[str | int]:
    """JSON Pointer → path tokens, with list indexes as ints (as jsonschema reports them)."""
    tokens: list[str | int] = []
    node = data
    for token in parse_pointer(pointer):
        if isinstance(node, list) and token.isdigit():
            tokens.append(int(token))
            node = node[int(token)] if int(token) < len(node) else None
        else:
            tokens.append(token)
            node = node.get(token) if isinstance(node, dict) else None
    return tokens


def json_pointer(path: Iterable[Any]) -> str:
    return "".join(f"/{escape_token(token)}" for token in path)


def source_types(data: dict[str, Any]) -> dict[str, str]:
    """Source name → type (``openapi`` when not given)."""
    return {
        str(description.get("name")): str(description.get("type") or "openapi")
        for _, description in items_of(data.get("sourceDescriptions"))
    }


def resolve_reusable(data: dict[str, Any], item: dict[str, Any], kind: str) -> Any:
    """A Reusable Object's target in components (``None`` if it does not resolve)."""
    if "reference" not in item:
        return item
    reference = text_of(item.get("reference")) or ""
    prefix = f"$components.{kind}."
    if not reference.startswith(prefix):
        return None
    found = mapping_of(mapping_of(data.get("components")).get(kind)).get(reference[len(prefix) :])
    if not isinstance(found, dict):
        return None
    return {**found, "value": item["value"]} if "value" in item else found


def input_names(schema: Any, data: Any, depth: int = 0) -> set[str] | None:
    """Input names a workflow's ``inputs`` schema declares; ``None`` when it is open-ended."""
    if schema is None:
        return set()
    if not isinstance(schema, dict):
        return None if schema is True else set()
    if depth > 10:
        return None
    names: set[str] = {str(key) for key in mapping_of(schema.get("properties"))}
    reference = schema.get("$ref")
    subschemas = [sub for key in ("allOf", "anyOf", "oneOf") for sub in list_of(schema.get(key))]
    if isinstance(reference, str):
        if not reference.startswith("#"):
            return None
        try:
            subschemas.append(resolve_pointer(data, reference[1:]))
        except PointerError:
            return None  # reported as AZ230
    for sub in subschemas:
        found = input_names(sub, data, depth + 1)
        if found is None:
            return None
        names |= found
    for keyword in ("additionalProperties", "unevaluatedProperties", "patternProperties"):
        if schema.get(keyword) not in (None, False, {}):
            return None
    return names
