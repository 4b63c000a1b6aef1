"""Check a request against its operation (OpenAPI 3.x § Parameter Object, § Request Body Object).

Required path, query, header and cookie parameters are present and their values (wire strings
coerced to the schema's types) are valid; the body is valid for its documented media type: JSON
is parsed, form bodies are decoded from bracket notation (``a[b]=``, ``a[0][c]=``) and coerced, so
``additionalProperties: false`` catches unknown fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from pytest_arazzo.contract.compile import (
    Check,
    Location,
    SchemaCheck,
    SourceSchemas,
    check_instance,
)
from pytest_arazzo.contract.decode import (
    FORM_TYPES,
    LOCATIONS,
    UNDECODABLE,
    Accepts,
    SentValues,
    bare,
    coerce,
    decode_body,
    decode_form,
    param_kind,
    schema_types,
)
from pytest_arazzo.contract.locate import match_media
from pytest_arazzo.document.media import loads
from pytest_arazzo.http.messages import OutgoingRequest
from pytest_arazzo.plan.styles import parameter_style

_IGNORED_HEADERS = {"accept", "content-type", "authorization"}  # OpenAPI: described elsewhere


@dataclass
class ParamContract:
    name: str
    location: str
    required: bool
    style: str
    explode: bool
    check: Check
    json_content: bool = False
    media_type: str | None = None

    @property
    def kind(self) -> str:
        """``array``, ``object`` or ``""``: what the style serialized (never for ``content``)."""
        check = self.check
        if self.json_content or not isinstance(check, SchemaCheck):
            return ""
        return param_kind(schema_types(check.schema))

    def sent(self, values: SentValues, others: AbstractSet[str]) -> Any:
        """The value as sent, unstyled (``None``: not sent)."""
        if self.location == "querystring":
            return querystring_value(values.raw_query, self.media_type)
        if self.json_content:
            return values.get(self.location, self.name)
        raw = values.get(self.location, self.name, self.style, self.explode, self.kind)
        spread = self.location == "query" and self.style == "form" and self.explode
        if raw is None and spread and self.kind == "object":
            return values.query_members(others)
        return raw

    def instance(self, raw: Any) -> Any:
        """The unstyled value as the structure the parameter's schema describes."""
        check = self.check
        if self.json_content and isinstance(raw, str):
            try:
                return loads(raw)
            except ValueError:
                return raw
        if not isinstance(check, SchemaCheck):
            return raw
        return coerce(raw, check.schema, accepts_of(check))


def querystring_value(raw_query: str, media_type: str | None) -> Any:
    """An OpenAPI 3.2 ``in: querystring`` parameter as sent: the whole query decoded per its
    media type (form fields, or percent-decoded text such as JSON); ``None``: no query."""
    if not raw_query:
        return None
    if bare(media_type or FORM_TYPES[0]) in FORM_TYPES:
        return decode_form(raw_query)
    return unquote(raw_query)


def accepts_of(check: SchemaCheck) -> Accepts:
    """Whether a subschema of ``check``'s schema accepts an instance (its refs resolve)."""

    def accepts(instance: Any, schema: dict[str, Any]) -> bool:
        return bool(check.validator.evolve(schema=schema).is_valid(instance))

    return accepts


class RequestContract:
    """The parameter and body checks of one operation; compiled on first use."""

    def __init__(
        self,
        schemas: SourceSchemas,
        location: Location,
        path_item: Location | None,
        problems: list[str],
        path: str = "",
    ) -> None:
        self.schemas, self.location, self.path_item = schemas, location, path_item
        self.problems, self.path = problems, path
        self._params: list[ParamContract] | None = None
        self._bodies: dict[str, Check] = {}

    # parameters

    @property
    def params(self) -> list[ParamContract]:
        if self._params is None:
            self._params = self._collect_params()
        return self._params

    @cached_property
    def _param_locations(self) -> frozenset[str]:
        return frozenset(param.location for param in self.params)

    @cached_property
    def _query_names(self) -> frozenset[str]:
        return frozenset(param.name for param in self.params if param.location == "query")

    def _collect_params(self) -> list[ParamContract]:
        found: dict[tuple[str, str], ParamContract] = {}
        for owner in (self.path_item, self.location):
            for param in self._owner_params(owner):
                found[(param.name, param.location)] = param
        return list(found.values())

    def _owner_params(self, owner: Location | None) -> Iterable[ParamContract]:
        listed = self.schemas.child(owner, "parameters") if owner else None
        if listed is None or not isinstance(listed[2], list):
            return
        for index in range(len(listed[2])):
            found = self.schemas.child(listed, index)
            if found is None or not isinstance(found[2], dict):
                continue
            raw = found[2]
            name, location = str(raw.get("name", "")), str(raw.get("in", ""))
            if not name or location not in LOCATIONS:
                continue
            if location == "header" and name.lower() in _IGNORED_HEADERS:
                continue
            style, explode, media_type = parameter_style(location, raw)
            yield ParamContract(
                name=name,
                location=location,
                required=bool(raw.get("required")) or location == "path",
                style=style,
                explode=explode,
                check=self._param_check(found),
                json_content=media_type is not None,
                media_type=media_type,
            )

    def _param_check(self, param: Location) -> Check:
        schema = self.schemas.child(param, "schema")
        if schema is None:
            content = self.schemas.child(param, "content")
            if content is not None and isinstance(content[2], dict) and content[2]:
                schema = self.schemas.child(content, next(iter(content[2])), "schema")
        return self.schemas.compile(schema, "request") if schema is not None else None

    # the request

    def violations(self, request: OutgoingRequest) -> list[str]:
        violations: list[str] = []
        if self.params:  # the parameters as sent, decoded only when there are some to check
            violations += self._param_violations(request)
        violations += self._body_violations(request)
        return violations

    def _param_violations(self, request: OutgoingRequest) -> list[str]:
        violations: list[str] = []
        sent = SentValues.of(request, self.path, self._param_locations)
        for param in self.params:
            raw = param.sent(sent, self._query_names)
            label = f"request {param.location} parameter '{param.name}'"
            if raw is None:
                if param.required:
                    violations.append(f"{label} is required but was not sent")
                continue
            violations += check_instance(param.check, param.instance(raw), label, "", self.problems)
        return violations

    @cached_property
    def body(self) -> tuple[Location | None, bool, list[str]]:
        """The Request Body Object's location, whether it is required, its media types."""
        body = self.schemas.child(self.location, "requestBody")
        if body is None or not isinstance(body[2], dict):
            return None, False, []
        documented = self.schemas.child(body, "content")
        media_types = list(documented[2]) if documented and isinstance(documented[2], dict) else []
        return body, body[2].get("required") is True, media_types

    def _body_violations(self, request: OutgoingRequest) -> list[str]:
        body, required, media_types = self.body
        content = request.body or b""
        if body is None:
            return []
        if not content:
            return ["request body is required but none was sent"] if required else []
        if not media_types:
            return []
        content_type = request.content_type or ""
        chosen = match_media(content_type, media_types)
        if chosen is None:
            return [
                f"request content type {bare(content_type) or '(none)'!r} is not documented "
                f"(documented: {', '.join(media_types)})"
            ]
        check = self._body_check(body, chosen)
        if check is None:
            return []
        instance = decode_body(content, content_type)
        if instance is UNDECODABLE:
            return [f"request body is not valid {bare(content_type)}"]
        if isinstance(check, SchemaCheck) and bare(content_type) in FORM_TYPES:
            instance = coerce(instance, check.schema, accepts_of(check))
        return check_instance(check, instance, "request body", " at ", self.problems)

    def _body_check(self, body: Location, media_type: str) -> Check:
        if media_type not in self._bodies:
            schema = self.schemas.child(body, "content", media_type, "schema")
            self._bodies[media_type] = self.schemas.compile(schema, "request") if schema else None
        return self._bodies[media_type]

    def prepare(self) -> None:
        """Compile the parameter and body checks."""
        if self._params is None:
            self._params = self._collect_params()
        body, _required, media_types = self.body
        if body is not None:
            for media_type in media_types:
                self._body_check(body, media_type)
