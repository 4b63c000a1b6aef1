"""Request bodies (``AZ225``-``AZ228``): the payload's fields against the operation's request
body schema (JSON, and form keys in bracket notation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_arazzo.checks.data import items_of, list_of, mapping_of, text_of
from pytest_arazzo.checks.report import Report, StepContext, operation_name
from pytest_arazzo.diagnostics.text import did_you_mean
from pytest_arazzo.document.loader import Document
from pytest_arazzo.document.media import is_json_type
from pytest_arazzo.document.pointer import PointerError, escape_token, parse_pointer
from pytest_arazzo.document.sources import Operation, SourceError
from pytest_arazzo.http.formkeys import split_key

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class _Field:
    """A payload value as the request body will have it: nested fields keyed by name."""

    pointer: str
    name: str
    children: dict[str, _Field] | None = None  # None: a scalar or an expression


def check_body(report: Report, step: StepContext) -> None:
    """The request body against the operation (AZ225, AZ226, AZ227, AZ228)."""
    operation = step.operation
    if operation is None:
        return
    body = step.raw.get("requestBody")
    declared = operation.request_body
    name = operation_name(operation)
    if not isinstance(body, dict):
        if declared.get("required") is True:
            report.add(
                "AZ227",
                step.pointer,
                f"operation {name} requires a request body, which {step.label} does not give",
                "add requestBody: {contentType: ..., payload: ...}",
            )
        return
    pointer = f"{step.pointer}/requestBody"
    if not declared:
        report.add(
            "AZ225",
            pointer,
            f"operation {name} declares no request body, but {step.label} sends one",
            "drop the requestBody, or check that the step calls the right operation",
        )
        return
    media, content_type = _media(report, operation, body, pointer)
    schema = media.get("schema")
    if schema is None or "payload" not in body:
        return
    tree = _payload_tree(body["payload"], content_type, f"{pointer}/payload")
    if tree is None:
        return
    replaced = _replaced(body.get("replacements"))
    notation = "form" if _is_form(content_type) else "json"
    comparer = _BodyComparer(report, operation, name, notation, replaced)
    comparer.compare(tree, schema, operation.document or operation.source.document, ())


def _media(
    report: Report, operation: Operation, body: dict[str, Any], pointer: str
) -> tuple[dict[str, Any], str]:
    types = operation.request_content_types
    content_type = text_of(body.get("contentType"))
    if content_type is not None and types and not operation.media_type(content_type):
        report.add(
            "AZ228",
            f"{pointer}/contentType",
            f"operation {operation_name(operation)} does not declare contentType '{content_type}'",
            f"it declares: {', '.join(types)}",
        )
        return {}, content_type
    content_type = content_type or (types[0] if types else "")
    media = operation.media_type(content_type)
    return (media if isinstance(media, dict) else {}), content_type


def _is_form(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in FORM_TYPES


def _payload_tree(payload: Any, content_type: str, pointer: str) -> _Field | None:
    """The payload's fields; form keys in bracket notation (``a[b][0]``) are nested fields."""
    if not isinstance(payload, dict) or not (_is_form(content_type) or is_json_type(content_type)):
        return None
    root = _Field(pointer, "", {})
    for key, value in payload.items():
        key_pointer = f"{pointer}/{escape_token(key)}"
        parts = split_key(str(key)) if _is_form(content_type) else [str(key)]
        node = root
        for part in parts[:-1]:
            assert node.children is not None
            node = node.children.setdefault(part, _Field(key_pointer, part, {}))
            if node.children is None:
                node.children = {}
        assert node.children is not None
        node.children[parts[-1]] = _value_tree(value, key_pointer, parts[-1])
    return root


def _value_tree(value: Any, pointer: str, name: str) -> _Field:
    if isinstance(value, dict):
        children = {
            str(key): _value_tree(child, f"{pointer}/{escape_token(key)}", str(key))
            for key, child in value.items()
        }
        return _Field(pointer, name, children)
    if isinstance(value, list):
        children = {
            str(index): _value_tree(child, f"{pointer}/{index}", str(index))
            for index, child in enumerate(value)
        }
        return _Field(pointer, name, children)
    return _Field(pointer, name)


def _replaced(replacements: Any) -> set[tuple[str, ...]]:
    """Field paths that Payload Replacement Objects set (they count as given)."""
    found: set[tuple[str, ...]] = set()
    for _, item in items_of(replacements):
        target = text_of(item.get("target"))
        if target is None:
            continue
        try:
            found.add(tuple(parse_pointer(target)))
        except PointerError:
            continue
    return found


class _BodyComparer:
    """Walks a payload tree along the operation's request body schema."""

    def __init__(
        self,
        report: Report,
        operation: Operation,
        name: str,
        notation: str,
        replaced: set[tuple[str, ...]],
    ) -> None:
        self.report, self.operation, self.name = report, operation, name
        self.notation, self.replaced = notation, replaced

    def resolve(self, schema: Any, document: Document) -> tuple[Any, Document]:
        try:
            return self.operation.source.refs.deref(schema, document)
        except (SourceError, PointerError):
            return None, document

    def compare(self, node: _Field, schema: Any, document: Document, path: tuple[str, ...]) -> None:
        schema, document = self.resolve(schema, document)
        if not isinstance(schema, dict) or node.children is None or len(path) > 32:
            return
        if schema.get("type") == "array" or "items" in schema:
            items = schema.get("items")
            for child in node.children.values():
                self.compare(child, items, document, (*path, child.name))
            return
        shape = self.shape(schema, document)
        if shape is None:
            return
        properties, open_ended, required = shape
        for key, child in node.children.items():
            if key in properties:
                sub, sub_document = properties[key]
                self.compare(child, sub, sub_document, (*path, key))
            elif not open_ended:
                self.unknown(child, (*path, key), list(properties))
        for key in required:
            if key not in node.children and (*path, key) not in self.replaced:
                self.missing(node, (*path, key))

    def shape(
        self, schema: dict[str, Any], document: Document, depth: int = 0
    ) -> tuple[dict[str, tuple[Any, Document]], bool, list[str]] | None:
        """(properties, open-ended?, required) of an object schema, through allOf/anyOf/oneOf."""
        if depth > 8:
            return None
        properties = {
            str(key): (value, document)
            for key, value in mapping_of(schema.get("properties")).items()
        }
        required = [str(name) for name in list_of(schema.get("required"))]
        open_ended = schema.get("additionalProperties") not in (None, False)
        for keyword in ("allOf", "anyOf", "oneOf"):
            branches = [self.resolve(sub, document) for sub in list_of(schema.get(keyword))]
            for sub, sub_document in branches:
                if not isinstance(sub, dict) or not _is_object_schema(sub):
                    continue
                found = self.shape(sub, sub_document, depth + 1)
                if found is None:
                    return None
                properties.update(found[0])
                open_ended = open_ended or found[1]
                if keyword == "allOf":
                    required += found[2]
        return properties, open_ended or not properties, required

    def label(self, path: tuple[str, ...]) -> str:
        if self.notation == "form":
            return path[0] + "".join(f"[{part}]" for part in path[1:])
        return ".".join(path)

    def unknown(self, node: _Field, path: tuple[str, ...], known: list[str]) -> None:
        self.report.add(
            "AZ226",
            node.pointer,
            f"the request body of operation {self.name} has no field '{self.label(path)}'",
            did_you_mean(path[-1], known),
        )

    def missing(self, node: _Field, path: tuple[str, ...]) -> None:
        self.report.add(
            "AZ227",
            node.pointer,
            f"required field '{self.label(path)}' of the request body of operation "
            f"{self.name} is not given",
            "add it to the payload",
        )


def _is_object_schema(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "object" or (kind is None and ("properties" in schema or "allOf" in schema))
