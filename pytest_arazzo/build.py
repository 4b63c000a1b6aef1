"""Build the HTTP request of one step from its plan and the current runtime values."""

from __future__ import annotations

import json
import re
from typing import Any

from urllib3 import encode_multipart_formdata

from .context import EvalContext
from .encoding import (
    EncodingError,
    cookie_header,
    encode_form,
    encode_path_value,
    header_value,
    query_pairs,
    scalar_text,
)
from .expressions import UnresolvedError
from .http import OutgoingRequest, is_json_type
from .plan import BodyPlan, StepPlan
from .pointer import PointerError, set_pointer

_PATH_PARAM = re.compile(r"\{([^{}]+)\}")
_ABSENT = object()


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
    cookies: list[tuple[str, Any]] = []
    for param in step.parameters:
        value = _evaluate(param.value, ctx, f"parameter '{param.name}' ({param.location})")
        if value is _ABSENT:
            continue
        try:
            if param.location == "path":
                request.path_params[param.name] = value
                path_values[param.name] = encode_path_value(value)
            elif param.location == "query":
                style = str(param.spec.get("style", "form"))
                explode = bool(param.spec.get("explode", style == "form"))
                request.query += query_pairs(param.name, value, style, explode)
            elif param.location == "header":
                request.headers[param.name] = header_value(param.name, value)
            elif param.location == "cookie":
                cookies.append((param.name, value))
        except EncodingError as error:
            raise BuildError(f"parameter '{param.name}'", str(error)) from None
    request.path = _fill_path(operation.path, path_values)
    if cookies:
        request.headers["Cookie"] = cookie_header(cookies)
    if step.body is not None:
        _add_body(request, step.body, ctx)
    return request


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
        raise BuildError(
            "path",
            f"{template} needs path parameter {names}, which the step does "
            "not give (add it to the step's parameters with in: path)",
        )
    return _PATH_PARAM.sub(lambda match: values[match.group(1)], template)


def _add_body(request: OutgoingRequest, body: BodyPlan, ctx: EvalContext) -> None:
    payload = None if body.payload is None else _evaluate(body.payload, ctx, "requestBody.payload")
    payload = None if payload is _ABSENT else payload
    for target, compiled in body.replacements:
        value = _evaluate(compiled, ctx, f"requestBody.replacements '{target}'")
        if value is _ABSENT:
            continue
        try:
            payload = set_pointer(payload, target, value)
        except PointerError as error:
            raise BuildError(f"requestBody.replacements '{target}'", str(error)) from None
    content_type = body.content_type
    request.payload = payload
    if payload is None:
        request.body = b""
    else:
        try:
            request.body, content_type = _encode(payload, content_type)
        except EncodingError as error:
            raise BuildError("requestBody", str(error)) from None
    request.headers.setdefault("Content-Type", content_type)


def _encode(payload: Any, content_type: str) -> tuple[bytes, str]:
    bare = content_type.split(";")[0].strip().lower()
    if is_json_type(bare):
        if isinstance(payload, str):
            return payload.encode(), content_type
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(), content_type
    if bare == "application/x-www-form-urlencoded":
        return encode_form(payload).encode(), content_type
    if bare == "multipart/form-data":
        if not isinstance(payload, dict):
            raise EncodingError("a multipart/form-data body needs an object payload")
        fields = {name: _multipart_part(value) for name, value in payload.items()}
        data, multipart_type = encode_multipart_formdata(fields)
        return data, multipart_type
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload), content_type
    return scalar_text(payload).encode(), content_type


def _multipart_part(value: Any) -> Any:
    if isinstance(value, dict) and "content" in value:
        filename = str(value.get("filename", "file"))
        content = value["content"]
        data = content.encode() if isinstance(content, str) else json.dumps(content).encode()
        return (filename, data, str(value.get("contentType", "application/octet-stream")))
    return scalar_text(value)
