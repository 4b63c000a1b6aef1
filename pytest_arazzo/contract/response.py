"""Check a response against its operation (OpenAPI 3.x § Responses Object): a response is
documented for its status (exact, ``4XX``-style range, or ``default``); its content type is
documented; its JSON body is valid. A response that carries no body by definition (204, 205,
304, or any answer to HEAD; RFC 9110 § 6.4.1) is checked for its status only. The verdict on a
response already seen (same bytes) is cached."""

from __future__ import annotations

import codecs
from collections import OrderedDict

from pytest_arazzo.contract.compile import Check, Location, SourceSchemas, check_instance
from pytest_arazzo.contract.decode import UNDECODABLE, bare, decode_body
from pytest_arazzo.contract.locate import match_media, response_code
from pytest_arazzo.document.media import is_json_type
from pytest_arazzo.http.messages import ReceivedResponse

RESPONSE_CACHE_SIZE = 512
BODILESS_STATUSES = (204, 205, 304)  # RFC 9110 § 6.4.1: never a body


class ResponseContract:
    """The response checks of one operation, compiled per status and content type."""

    def __init__(
        self,
        schemas: SourceSchemas,
        location: Location,
        label: str,
        problems: list[str],
        method: str = "",
    ) -> None:
        self.schemas, self.location, self.label = schemas, location, label
        self.problems, self.method = problems, method.upper()
        self._responses: dict[tuple[int, str], tuple[list[str], Check]] = {}
        self._verdicts: OrderedDict[tuple[int, str, bytes], list[str]] = OrderedDict()

    def violations(self, response: ReceivedResponse) -> list[str]:
        content_type = bare(response.headers.get("Content-Type") or "")
        key = (response.status, content_type, response.content)
        cached = self._verdicts.get(key)
        if cached is not None:
            self._verdicts.move_to_end(key)
            return cached
        verdict = self._violations(response, content_type)
        self._verdicts[key] = verdict
        if len(self._verdicts) > RESPONSE_CACHE_SIZE:
            self._verdicts.popitem(last=False)
        return verdict

    def _violations(self, response: ReceivedResponse, content_type: str) -> list[str]:
        status = response.status
        if not response.content and (status in BODILESS_STATUSES or self.method == "HEAD"):
            return self._status(status)[0]
        problems, check = self.check(status, content_type)
        if problems or check is None or not response.content:
            return problems
        instance = _instance(response, content_type)
        if instance is UNDECODABLE:
            return [f"response {status} body is not valid JSON"]
        return check_instance(check, instance, f"response {status} body", " at ", self.problems)

    def check(self, status: int, content_type: str) -> tuple[list[str], Check]:
        """What is wrong with a response's status and content type, and its body's check."""
        key = (status, content_type)
        if key not in self._responses:
            self._responses[key] = self._compile(status, content_type)
        problems, check = self._responses[key]
        return list(problems), check

    def _status(self, status: int) -> tuple[list[str], Location | None]:
        """What is wrong with a status, and the Response Object documented for it."""
        responses = self.schemas.child(self.location, "responses")
        if responses is None or not isinstance(responses[2], dict) or not responses[2]:
            return [], None
        documented = [str(code) for code in responses[2]]
        code = response_code(status, documented)
        if code is None:
            return [
                f"response {status} is not documented for {self.label} "
                f"(documented: {', '.join(documented)})"
            ], None
        return [], self.schemas.child(responses, code)

    def _compile(self, status: int, content_type: str) -> tuple[list[str], Check]:
        problems, response = self._status(status)
        if response is None:
            return problems, None
        found = self.schemas.child(response, "content")
        if found is None or not isinstance(found[2], dict) or not found[2]:
            return [], None
        media_types = list(found[2])
        chosen = match_media(content_type, media_types)
        if chosen is None:
            return [
                f"response {status} content type {content_type or '(none)'!r} is not documented "
                f"(documented: {', '.join(media_types)})"
            ], None
        if not is_json_type(content_type or chosen):
            return [], None
        schema = self.schemas.child(found, chosen, "schema")
        return [], self.schemas.compile(schema, "response") if schema else None

    def prepare(self) -> None:
        """Compile the JSON responses of the explicitly documented status codes."""
        responses = self.schemas.child(self.location, "responses")
        for code in responses[2] if responses and isinstance(responses[2], dict) else []:
            if str(code).isdigit():
                self.check(int(code), "application/json")


def _instance(response: ReceivedResponse, content_type: str) -> object:
    """A JSON response body as data: the response's own parse (which the step's expressions read
    next) when it means the same, else :func:`decode_body`. It does not when the body starts
    with a BOM (which the response's parse skips and JSON forbids) or is a string (which may be
    text that did not parse), nor for a body that is not JSON-typed (a form parses otherwise)."""
    kind = bare(content_type)
    if (is_json_type(kind) or not kind) and not response.content.startswith(codecs.BOM_UTF8):
        body = response.body
        if not isinstance(body, str):
            return body
    return decode_body(response.content, content_type)
