"""JSON pointers into a response body that its documented schema does not have (``AZ320``).

``status: $response.body#/status`` on an operation whose 2XX JSON schema has no ``status`` always
reads nothing: the output is absent and a criterion on it fails. The pointer is walked through
the schema (``$ref``, ``allOf``/``anyOf``/``oneOf``, ``items``, maps); a schema that lists its
``properties`` and allows no others documents every property it can have (OpenAPI descriptions
such as Stripe's rarely write ``additionalProperties: false`` on responses, so an unlisted name
is reported unless ``additionalProperties`` says otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pytest_arazzo.checks.references import step_sites
from pytest_arazzo.checks.report import Report, StepContext
from pytest_arazzo.diagnostics.text import did_you_mean
from pytest_arazzo.document.dialect import dialect_of
from pytest_arazzo.document.loader import Document
from pytest_arazzo.document.media import is_json_type
from pytest_arazzo.document.pointer import escape_token
from pytest_arazzo.document.sources import Operation, Source, SourceError

Location = tuple[Any, Document | None]  # a schema and the file its relative $refs start from

_COMBINATORS = ("allOf", "anyOf", "oneOf")
_UNKNOWN = object()  # the schema does not say which properties exist


def check_response_pointers(report: Report, step: StepContext) -> None:
    """Outputs and success criteria reading ``$response.body#/...`` that no 2XX JSON response
    schema of the operation has (AZ320)."""
    operation = step.operation
    if operation is None:
        return
    schemas = operation.source
    bodies = success_bodies(operation)
    if not bodies:
        return
    for pointer, body_pointer in _reads(step, dialect_of(report.data).version):
        missing = _missing(schemas, bodies, body_pointer)
        if missing is None:
            continue
        where, name, known = missing
        known_text = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
        report.add(
            "AZ320",
            pointer,
            f"{step.label} reads $response.body#{body_pointer}, but the documented 2XX "
            f"response schema of {operation.label} has no property '{name}' at "
            f"{where or '/'} (it has: {known_text}); this always reads nothing",
            did_you_mean(name, known, list_known=False)
            or "read a property the response has, or fix the OpenAPI description",
        )


def _reads(step: StepContext, rules: str) -> Iterator[tuple[str, str]]:
    """``(pointer, body pointer)`` of each ``$response.body#/...`` the step's outputs and
    successCriteria read, as the expression parser reads them (the sites of
    :func:`.references.step_sites`)."""
    mine = (f"{step.pointer}/outputs/", f"{step.pointer}/successCriteria/")
    for site in step_sites(step.raw, step.pointer, step.position, rules):
        reference = site.expression.references()
        if not site.pointer.startswith(mine) or reference.root != "response":
            continue
        if reference.kind == "body" and reference.pointer:
            yield site.pointer, reference.pointer


def success_bodies(operation: Operation) -> list[Location]:
    """The JSON schemas of the operation's 2XX responses (or of ``default`` when none)."""
    source, document = operation.source, operation.document
    responses, document = _deref(source, operation.raw.get("responses"), document)
    if not isinstance(responses, dict):
        return []
    by_code = {str(code): value for code, value in responses.items()}
    chosen = [code for code in by_code if code.startswith("2")] or [
        code for code in by_code if code == "default"
    ]
    found: list[Location] = []
    for code in chosen:
        response, at = _deref(source, by_code[code], document)
        content = response.get("content") if isinstance(response, dict) else None
        if not isinstance(content, dict):
            continue
        for media, entry in content.items():
            entry, here = _deref(source, entry, at)
            if is_json_type(str(media)) and isinstance(entry, dict) and "schema" in entry:
                found.append((entry["schema"], here))
    return found


def _deref(source: Source, value: Any, document: Document | None) -> tuple[Any, Document | None]:
    """``value`` with its ``$ref`` chain followed (``None`` where it does not resolve)."""
    try:
        return source.refs.deref(value, document)
    except SourceError:  # a broken $ref is reported by the checks of references, not here
        return None, document


def _missing(
    schemas: Source, bodies: list[Location], pointer: str
) -> tuple[str, str, list[str]] | None:
    """Where the pointer leaves every body schema: ``(parent pointer, name, names there)``;
    ``None`` when some schema has it (or does not say)."""
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]
    current = [location for body in bodies for location in flatten(schemas, body)]
    for depth, token in enumerate(tokens):
        following: list[Location] = []
        known: list[str] = []
        for location in current:
            found = _step_into(schemas, location, token)
            if found is _UNKNOWN:
                return None
            if isinstance(found, list):
                following += found
            else:
                known += [name for name in found if name not in known]
        if not following:
            if not known:
                return None
            parent = "".join(f"/{escape_token(part)}" for part in tokens[:depth])
            return parent, token, known
        current = [location for child in following for location in flatten(schemas, child)]
    return None


def _step_into(schemas: Source, location: Location, token: str) -> Any:
    """The child schemas under ``token``; else the property names the schema lists (a tuple),
    or :data:`_UNKNOWN` when it allows any name."""
    node, document = location
    if not isinstance(node, dict):
        return _UNKNOWN
    if token.isdigit() and "items" in node:
        return [(node["items"], document)]
    properties = node.get("properties")
    if isinstance(properties, dict) and token in properties:
        return [(properties[token], document)]
    extra = node.get("additionalProperties")
    if extra is True or isinstance(extra, dict) or node.get("patternProperties"):
        return _UNKNOWN
    if not isinstance(properties, dict):
        return _UNKNOWN if "items" not in node else ()
    return tuple(str(name) for name in properties)


def flatten(schemas: Source, location: Location, depth: int = 0) -> list[Location]:
    """The schema and the branches of its ``allOf``/``anyOf``/``oneOf`` (``$ref`` followed)."""
    location = _deref(schemas, *location)
    node, document = location
    if not isinstance(node, dict) or depth > 20:
        return [location]
    combined = any(key in node for key in _COMBINATORS)
    found = [location] if not combined or "properties" in node else []
    for keyword in _COMBINATORS:
        branches = node.get(keyword)
        for branch in branches if isinstance(branches, list) else []:
            found += flatten(schemas, (branch, document), depth + 1)
    return found


def walk(schemas: Source, bodies: list[Location], pointer: str) -> list[Location]:
    """The schemas a JSON pointer reaches from the body schemas (``[]``: none is documented)."""
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]
    current = [location for body in bodies for location in flatten(schemas, body)]
    for token in tokens:
        following = []
        for location in current:
            found = _step_into(schemas, location, token)
            if isinstance(found, list):
                following += [child for place in found for child in flatten(schemas, place)]
        current = following
    return current
