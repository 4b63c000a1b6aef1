"""Arazzo 1.1.0 § Source Description Expression Resolution: ``$sourceDescriptions.<name>.<ref>``
is resolved "with the following priority": (1) an operationId (OpenAPI; here also an AsyncAPI
operation id) or a workflowId (Arazzo source), (2) a field of the Source Description Object
(``url``, ``type``). "If an operationId happens to conflict with a field name (e.g., an
operation with operationId: url), the operationId takes precedence."

An operation or workflow has no value, so where such an expression is a value (a parameter, a
payload, an output, a criterion) or the ``{$sourceDescriptions.<name>.url}`` of an
``operationPath``/``channelPath``, naming one is AZ268, and the message says which rule made it
name the operation and not the field. The ``operationId``/``workflowId`` fields of steps and
actions use priority (1) only (:mod:`.resolve`, :mod:`.messaging`).
"""

from __future__ import annotations

import re
from typing import Any

from pytest_arazzo.document.asyncapi import AsyncApi
from pytest_arazzo.document.sources import Source

__all__ = ["URL_REFERENCE", "named_targets", "path_problem", "value_problem"]

URL_REFERENCE = re.compile(r"\{\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.([^}]*)\}")


def named_targets(source: Source) -> tuple[str, set[str]]:
    """What priority (1) matches in ``source``: ``("operation", ids)`` or ``("workflow", ids)``."""
    if source.type == "arazzo":
        workflows = source.data.get("workflows")
        return "workflow", {
            str(item["workflowId"])
            for item in (workflows if isinstance(workflows, list) else [])
            if isinstance(item, dict) and isinstance(item.get("workflowId"), str)
        }
    if source.type == "asyncapi":
        return "operation", set(AsyncApi(source).operations)
    return "operation", set(source.by_operation_id)


def value_problem(
    name: str,
    reference: str,
    sources: dict[str, Source],
    descriptions: dict[str, dict[str, Any]],
) -> tuple[str, str] | None:
    """``(message, hint)`` when ``$sourceDescriptions.<name>.<reference>`` names an operation or
    workflow where a value is needed; ``None`` when it is a field (or cannot be told)."""
    source = sources.get(name)
    if source is None:
        return None  # an unknown or unloaded source is reported elsewhere (AZ309, AZ201)
    kind, ids = named_targets(source)
    if reference not in ids:
        return None
    also_field = reference in descriptions.get(name, {})
    message = (
        f"$sourceDescriptions.{name}.{reference} names the {kind} '{reference}' of source "
        f"'{name}', which has no value"
    )
    if also_field:
        message += (
            f" (it is also a field of the source description, but an {kind}Id takes precedence: "
            "Arazzo 1.1 § Source Description Expression Resolution)"
        )
    hint = (
        f"rename the {kind}Id '{reference}' in the {source.type} document to read the field"
        if also_field
        else f"to call it, write {kind}Id: $sourceDescriptions.{name}.{reference} on a step"
    )
    return message, hint


def path_problem(
    text: Any, sources: dict[str, Source], descriptions: dict[str, dict[str, Any]]
) -> tuple[str, str] | None:
    """:func:`value_problem` for the ``{$sourceDescriptions.<name>.url}`` of an operationPath or
    channelPath (``text``)."""
    found = URL_REFERENCE.match(text) if isinstance(text, str) else None
    return value_problem(found[1], found[2], sources, descriptions) if found else None
