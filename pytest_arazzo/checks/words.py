"""Where something is, in words: ``step 'pay'``, ``success criterion #2 of step 'pay'``."""

from __future__ import annotations

from typing import Any

from pytest_arazzo.checks.data import json_pointer, text_of

_LIST_KINDS = {
    "sourceDescriptions": ("source description", "name"),
    "workflows": ("workflow", "workflowId"),
    "steps": ("step", "stepId"),
    "parameters": ("parameter", "name"),
    "successCriteria": ("success criterion", None),
    "criteria": ("criterion", None),
    "onSuccess": ("success action", "name"),
    "onFailure": ("failure action", "name"),
    "successActions": ("success action", "name"),
    "failureActions": ("failure action", "name"),
    "replacements": ("payload replacement", None),
}


_NAMED = ("source description", "workflow", "step")


_COMPONENT_KINDS = {
    "inputs": "input schema",
    "parameters": "parameter",
    "successActions": "success action",
    "failureActions": "failure action",
}


def describe(data: Any, path: list[Any]) -> str:
    """The object at ``path`` in words: ``step 'pay'``, ``success criterion #2 of step 'pay'``."""
    labels: list[str] = []
    node = data
    position = 0
    while position < len(path):
        token = path[position]
        child = _child(node, token)
        following = path[position + 1] if position + 1 < len(path) else None
        if token in _LIST_KINDS and isinstance(child, list) and isinstance(following, int):
            kind, id_field = _LIST_KINDS[token]
            item = _child(child, following)
            name = text_of(item.get(id_field)) if id_field and isinstance(item, dict) else None
            labels.append(f"{kind} '{name}'" if name else f"{kind} #{following + 1}")
            node, position = item, position + 2
            continue
        if position == 0 and token == "components" and len(path) >= 3:
            kind = _COMPONENT_KINDS.get(str(path[1]), str(path[1]))
            labels.append(f"component {kind} '{path[2]}'")
            node, position = _child(_child(child, path[1]), path[2]), 3
            continue
        if token == "inputs" and position >= 2:
            rest = json_pointer(path[position + 1 :])
            labels.append("inputs schema" + (f" at {rest}" if rest else ""))
            break
        labels.append(_field_label(token))
        node, position = child, position + 1
    return _join_labels(labels)


def _field_label(token: Any) -> str:
    if token in ("info", "requestBody", "outputs", "components", "payload"):
        return str(token)
    return f"'{token}'" if isinstance(token, str) else f"entry #{int(token) + 1}"


def _join_labels(labels: list[str]) -> str:
    if not labels:
        return "the document"
    last = labels[-1]
    if any(last.startswith(kind) for kind in _NAMED) or len(labels) == 1:
        return last
    return f"{last} of {labels[-2]}"


def _child(node: Any, token: Any) -> Any:
    if isinstance(node, dict):
        return node.get(token if isinstance(token, str) else str(token))
    if isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node):
        return node[token]
    return None


def subject(data: Any, path: list[Any]) -> str:
    """A field in words: ``'dependsOn' in workflow 'w'``; a list entry: ``workflow #2``."""
    if not path:
        return "the document"
    if isinstance(path[-1], int) or path[-1] in ("info", "components"):
        return describe(data, path)
    return f"'{path[-1]}' in {describe(data, path[:-1])}"
