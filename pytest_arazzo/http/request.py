"""Build the HTTP request of one step from its plan and the current runtime values.

Arazzo 1.0.1 § Parameter Object, § Request Body Object, § Payload Replacement Object. Parameters
are serialized per the OpenAPI operation's ``style``/``explode`` (see :mod:`encoding`); absent
optional inputs are left out, never sent as empty values. POST, PUT and PATCH always carry a
``Content-Type``, even with an empty body.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

from urllib3 import encode_multipart_formdata

from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.document.media import is_json_type
from pytest_arazzo.document.pointer import PointerError, escape_token, set_pointer
from pytest_arazzo.http.encoding import (
    EncodingError,
    cookie_header,
    cookie_pairs,
    encode_form,
    header_value,
    media_text,
    path_value,
    query_pairs,
    scalar_text,
)
from pytest_arazzo.http.messages import OutgoingRequest, parse_body
from pytest_arazzo.http.querystring import querystring
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import UnresolvedError
from pytest_arazzo.plan.model import BodyPlan, ParamPlan, StepPlan
from pytest_arazzo.plan.payloads import FORM

_PATH_PARAM = re.compile(r"\{([^{}]+)\}")
_ATTRIBUTE = re.compile(r"(.+)/@([\w.:-]+)")
_ABSENT = object()
MAX_PATH_VALUE = 2048  # characters of one serialized path parameter


class BuildError(Exception):
    """The request cannot be built: names the field and why."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def build_request(step: StepPlan, ctx: EvalContext, base_url: str) -> OutgoingRequest:
    """The request for ``step``; absent optional inputs are left out, never sent as empty."""
    operation = step.operation
    assert operation is not None
    request = OutgoingRequest(method=operation.method.upper(), base_url=base_url, path="")
    path_values: dict[str, str] = {}
    cookies: list[tuple[str, str]] = []
    for param in step.parameters:
        if param.location == "querystring":
            request.raw_query = _querystring(param, ctx)
            continue
        value = _evaluate(param.value, ctx, f"parameter '{param.name}' ({param.location})")
        if value is _ABSENT:
            continue
        try:
            _place(request, param, value, path_values, cookies)
        except EncodingError as error:
            raise BuildError(f"parameter '{param.name}'", str(error)) from None
    request.path = _fill_path(operation.path, path_values)
    if cookies:
        try:
            request.headers["Cookie"] = header_value("Cookie", cookie_header(cookies))
        except EncodingError as error:
            raise BuildError("cookie parameters", str(error)) from None
    if step.body is not None:
        _add_body(request, step.body, ctx)
    return request


def _place(
    request: OutgoingRequest,
    param: ParamPlan,
    value: Any,
    path_values: dict[str, str],
    cookies: list[tuple[str, str]],
) -> None:
    """Put one parameter where its ``in`` says, serialized per its style."""
    if param.media_type is not None:
        value = media_text(value, param.media_type)
    location = param.location
    if location == "path":
        request.path_params[param.name] = value
        text = path_value(param.name, value, param.style, param.explode)
        _check_path_value(text)
        path_values[param.name] = text
    elif location == "query":
        pairs = query_pairs(param.name, value, param.style, param.explode)
        request.query += pairs
        if param.spec.get("allowReserved") is True and param.media_type is None:
            request.reserved.update(key for key, _ in pairs)
    elif location == "header":
        _set_header(request.headers, param.name, header_value(param.name, value, param.explode))
    elif location == "cookie":
        cookies += cookie_pairs(param.name, value, param.explode)


def _querystring(param: ParamPlan, ctx: EvalContext) -> str:
    """An Arazzo 1.1 ``in: querystring`` parameter: the whole query string (:mod:`querystring`)."""
    field = f"parameter '{param.name}' (querystring)"
    try:
        return querystring(param, ctx)
    except EncodingError as error:
        raise BuildError(field, str(error)) from None
    except UnresolvedError as error:
        raise BuildError(field, f"{error.expression}: {error.reason}") from None


def _check_path_value(text: str) -> None:
    """An empty path parameter would call another resource (``/files/{id}`` → ``/files/``); an
    over-long one is no identifier."""
    if not text:
        raise EncodingError(
            "the value is empty, so the request would go to another path (e.g. /files/ "
            "instead of /files/{id}); give the input a value"
        )
    if len(text) > MAX_PATH_VALUE:
        raise EncodingError(
            f"the value is {len(text)} characters long once encoded, more than "
            f"{MAX_PATH_VALUE}: {clip(text, 60)}"
        )


def _set_header(headers: dict[str, str], name: str, value: str) -> None:
    """Set a header, replacing one of the same name in another letter case (the name is
    checked by :func:`.encoding.header_value`)."""
    for existing in [key for key in headers if key.lower() == name.lower()]:
        del headers[existing]
    headers[name] = value


def _has_header(headers: dict[str, str], name: str) -> bool:
    return any(key.lower() == name.lower() for key in headers)


def _evaluate(compiled: Any, ctx: EvalContext, field: str) -> Any:
    try:
        return compiled.evaluate(ctx)
    except UnresolvedError as error:
        if error.is_absent_input:
            return _ABSENT
        raise BuildError(field, f"{error.expression}: {error.reason}") from None


def _fill_path(template: str, values: dict[str, str]) -> str:
    missing = [name for name in _PATH_PARAM.findall(template) if name not in values]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        given = ", ".join(f"'{name}'" for name in values)
        also = f" (it gives path parameter {given})" if given else ""
        raise BuildError(
            "path",
            f"{template} needs path parameter {names}, which the step does "
            f"not give{also}; add it to the step's parameters with in: path",
        )
    filled = _PATH_PARAM.sub(lambda match: values[match.group(1)], template)
    for segment, written in zip(filled.split("/"), template.split("/"), strict=False):
        if segment in (".", "..") and segment != written:
            # HTTP clients remove dot-segments (RFC 3986 § 5.2.4), and `requests` decodes %2E
            # back to '.', so `/pets/{id}` with id '..' would be sent as `/`.
            raise BuildError(
                "path",
                f"{template} with the value {segment!r} would be sent as a dot-segment, which "
                "HTTP clients remove from the path (so another resource would be called)",
            )
    return filled


def _add_body(request: OutgoingRequest, body: BodyPlan, ctx: EvalContext) -> None:
    payload = None if body.payload is None else _evaluate(body.payload, ctx, "requestBody.payload")
    payload = None if payload is _ABSENT else payload
    bare = body.content_type.split(";")[0].strip().lower()
    if body.replacements:
        payload = _replace(payload, body, ctx, bare)
    if body.check_json and isinstance(payload, str):
        _check_json(payload)
    content_type = body.content_type
    request.payload = payload
    if payload is None:
        request.body = b""
    else:
        parsed = payload
        if payload and isinstance(payload, str) and (is_json_type(bare) or bare == FORM):
            parsed = request.payload = parse_body(payload, bare)  # `$request.body#/field`
        try:
            request.body, content_type = _encode(payload, parsed, content_type, bare, body)
        except EncodingError as error:
            raise BuildError("requestBody", str(error)) from None
    if not _has_header(request.headers, "Content-Type"):
        request.headers["Content-Type"] = content_type


def _check_json(text: str) -> None:
    try:
        json.loads(text)
    except ValueError as error:
        raise BuildError(
            "requestBody.payload",
            f"after substituting its expressions the JSON text payload is not valid JSON "
            f"({error}): {text[:300]!r}; put an expression whose value is an object, array or "
            'string inside a JSON string ("{$inputs.x}"), or give the payload as YAML',
        ) from None


def _replace(payload: Any, body: BodyPlan, ctx: EvalContext, bare: str) -> Any:
    """Apply Payload Replacement Objects: JSON Pointer targets, or XPath for XML payloads (or
    as Arazzo 1.1 ``targetSelectorType`` says, see :func:`_replace_typed`)."""
    if body.target_types:
        return _replace_typed(payload, body, ctx, bare)
    values = []
    for target, compiled in body.replacements:
        value = _evaluate(compiled, ctx, f"requestBody.replacements '{target}'")
        if value is not _ABSENT:
            values.append((target, value))
    if _is_xml(bare):
        return _replace_xml(payload, values)
    if isinstance(payload, str) and is_json_type(bare):
        try:
            payload = json.loads(payload)
        except ValueError as error:
            raise BuildError(
                "requestBody.replacements", f"the payload is not JSON, so it has no {error}"
            ) from None
    for target, value in values:
        try:
            payload = set_pointer(payload, target, value)
        except PointerError as error:
            raise BuildError(f"requestBody.replacements '{target}'", str(error)) from None
    return payload


def _replace_typed(payload: Any, body: BodyPlan, ctx: EvalContext, bare: str) -> Any:
    """Arazzo 1.1 ``targetSelectorType``: each target read as its type says, in order (a
    JSONPath target sets every node it selects); untyped ones as the content type says."""
    for index, (target, compiled) in enumerate(body.replacements):
        field = f"requestBody.replacements '{target}'"
        value = _evaluate(compiled, ctx, field)
        if value is _ABSENT:
            continue
        typed = body.target_types.get(index)
        kind = typed.kind if typed else ("xpath" if _is_xml(bare) else "jsonpointer")
        if kind == "xpath":  # the version a targetSelectorType names; else elementpath's
            payload = _replace_xml(payload, [(target, value)], typed.version if typed else None)
            continue
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError as error:
                message = f"the payload is not JSON, so it has no {target!r} ({error})"
                raise BuildError(field, message) from None
        try:
            if typed is not None and kind == "jsonpath":
                payload = typed.replace_all(payload, value)
            else:
                payload = set_pointer(payload, target, value)
        except (PointerError, LookupError) as error:
            raise BuildError(field, str(error)) from None
    return payload


def _is_xml(bare: str) -> bool:
    return bare.endswith("/xml") or bare.endswith("+xml")


def _replace_xml(payload: Any, values: list[tuple[str, Any]], version: str | None = None) -> str:
    """Set the text (or ``/@attribute``) of every element an XPath target selects; ``version``
    (``xpath-10`` … ``xpath-31``, Arazzo 1.1 ``targetSelectorType``) picks the XPath parser."""
    if not isinstance(payload, str):
        raise BuildError("requestBody.replacements", "an XML payload must be a string")
    try:
        root = ET.fromstring(payload)
    except ET.ParseError as error:
        message = f"the XML payload does not parse: {error}"
        raise BuildError("requestBody.payload", message) from None
    import elementpath  # XPath only for XML replacements: most runs never load it

    from pytest_arazzo.language.selectors import xpath_parser

    for target, value in values:
        match = _ATTRIBUTE.fullmatch(target)
        path = match.group(1) if match else target
        field = f"requestBody.replacements '{target}'"
        try:
            parser = {} if not version else {"parser": xpath_parser(version)}
            nodes = elementpath.select(ET.ElementTree(root), path, **parser)
        except (elementpath.ElementPathError, TypeError, ValueError) as error:
            raise BuildError(field, f"invalid XPath: {error}") from None
        elements = [node for node in nodes if isinstance(node, ET.Element)]
        if not elements:
            raise BuildError(field, "the XPath target selects no element of the payload")
        for element in elements:
            if match:
                element.set(match.group(2), scalar_text(value))
            else:
                element.text = scalar_text(value)
    return ET.tostring(root, encoding="unicode")


def _encode(
    payload: Any, parsed: Any, content_type: str, bare: str, body: BodyPlan
) -> tuple[bytes, str]:
    """The body bytes; ``parsed`` is a text payload as :func:`.parse_body` read it (JSON text is
    sent as written, once its numbers are known to be finite)."""
    if is_json_type(bare):
        if isinstance(payload, str):
            _check_finite(parsed, "")
            return payload.encode(), content_type
        try:
            text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except ValueError:
            _check_finite(payload, "")  # names where the NaN or Infinity is
            raise
        return text.encode(), content_type
    if bare == FORM:
        return encode_form(payload, body.media.get("encoding")).encode(), content_type
    if bare == "multipart/form-data":
        if not isinstance(payload, dict):
            raise EncodingError("a multipart/form-data body needs an object payload")
        fields = {name: _multipart_part(value) for name, value in payload.items()}
        return encode_multipart_formdata(fields)
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload), content_type
    if _is_xml(bare) and not isinstance(payload, str):
        raise EncodingError(f"an XML body needs a string payload, got {type(payload).__name__}")
    return scalar_text(payload).encode(), content_type


def _check_finite(value: Any, pointer: str) -> None:
    """NaN and Infinity are no JSON numbers (RFC 8259 § 6): refuse them, naming where."""
    if isinstance(value, float) and not math.isfinite(value):
        raise EncodingError(
            f"{pointer or '/'} is {value!r}, which JSON cannot carry (RFC 8259 § 6: no NaN or "
            "Infinity); give a finite number or null"
        )
    if isinstance(value, dict):
        for key, child in value.items():
            _check_finite(child, f"{pointer}/{escape_token(str(key))}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _check_finite(child, f"{pointer}/{index}")


def _multipart_part(value: Any) -> Any:
    if isinstance(value, dict) and "content" in value:
        filename = str(value.get("filename", "file"))
        content = value["content"]
        data = content.encode() if isinstance(content, str) else json.dumps(content).encode()
        return (filename, data, str(value.get("contentType", "application/octet-stream")))
    return scalar_text(value)
