"""The HTTP messages the executor sends and receives, independent of any transport."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from requests.structures import CaseInsensitiveDict

from pytest_arazzo.document.media import is_json_type, loads
from pytest_arazzo.http.encoding import encode_pairs
from pytest_arazzo.language.context import Message

if TYPE_CHECKING:
    import requests


@dataclass
class OutgoingRequest:
    """A fully built request: what goes on the wire plus the parsed parts expressions read."""

    method: str
    base_url: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    payload: Any = None  # the body before encoding: what `$request.body` reads
    reserved: set[str] = field(default_factory=set)  # query keys under OpenAPI `allowReserved`
    raw_query: str = ""  # an Arazzo 1.1 `in: querystring` parameter: the query as encoded

    @property
    def url(self) -> str:
        pairs = ((key, value, key in self.reserved) for key, value in self.query)
        parts = [self.raw_query] if self.raw_query else []
        parts += [encode_pairs(pairs)] if self.query else []
        query = f"?{'&'.join(parts)}" if parts else ""
        return f"{self.base_url.rstrip('/')}{self.path}{query}"

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, whatever its case (the last one, as a
        ``CaseInsensitiveDict`` of the headers would keep)."""
        found = None
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                found = value
        return found

    def as_message(self) -> Message:
        return Message(
            headers=CaseInsensitiveDict(self.headers),
            body=self.payload,
            query={**_raw_pairs(self.raw_query), **dict(self.query)},
            path=self.path_params,
        )


def _raw_pairs(raw_query: str) -> dict[str, str]:
    """The fields of a form-like raw query string, for ``$request.query.<name>``."""
    return dict(parse_qsl(raw_query, keep_blank_values=True)) if "=" in raw_query else {}


@dataclass
class ReceivedResponse:
    """A response as the executor sees it, whichever transport produced it."""

    status: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    reason: str = ""
    url: str = ""
    # answers the transport's own backoff took before this one (live 429s), oldest first: the
    # run records each as an exchange of its own, so traces show every request sent
    earlier: tuple[ReceivedResponse, ...] = ()

    @classmethod
    def from_requests(cls, response: requests.Response) -> ReceivedResponse:
        """The executor's view of a response that ``requests`` received; its headers are the
        response's own mapping (``requests`` builds one per response, nothing changes it, and
        the response is dropped once read), not a copy."""
        headers = response.headers
        return cls(
            status=response.status_code,
            headers=headers
            if isinstance(headers, CaseInsensitiveDict)
            else CaseInsensitiveDict(headers),
            content=response.content,
            reason=response.reason or "",
            url=response.url,
        )

    @cached_property
    def body(self) -> Any:
        """JSON parsed when the content type says JSON (or it parses), else text."""
        return parse_body(self.content, self.headers.get("Content-Type"))

    def as_message(self) -> Message:
        return Message(headers=self.headers, body=self.body)

    def api_error(self) -> str | None:
        """The API's own error text, from common shapes (Stripe ``error.message``, RFC 9457)."""
        body = self.body
        if not isinstance(body, dict):
            return None
        error = body.get("error")
        if isinstance(error, dict):
            parts = [str(error[key]) for key in ("type", "code") if error.get(key)]
            message = error.get("message") or error.get("description") or ""
            prefix = "/".join(parts)
            return f"{prefix}: {message}" if prefix and message else prefix or str(message) or None
        for key in ("detail", "message", "error_description", "title"):
            value = body.get(key)
            if isinstance(value, str):
                return value
        return error if isinstance(error, str) else None


def parse_body(content: bytes | str | None, content_type: str | None) -> Any:
    """Parse a body for expressions: JSON → values, form → :func:`form_fields`, other → text."""
    if not content:
        return None
    # a BOM is no part of the JSON text
    text = content if isinstance(content, str) else content.decode("utf-8-sig", errors="replace")
    bare = (content_type or "").split(";")[0].strip().lower()
    if is_json_type(bare) or not bare:
        try:
            return loads(text)
        except ValueError:
            return text
    if bare == "application/x-www-form-urlencoded":
        return form_fields(text)
    return text


def form_fields(body: bytes | str | None) -> dict[str, Any]:
    """Decoded form (or query) pairs; a repeated key keeps all its values as a list."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in fields:
            previous = fields[key]
            fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[key] = value
    return fields


def retry_after_seconds(value: str) -> float | None:
    """A ``Retry-After`` value in seconds: a number, or an HTTP date (``None`` if neither, or
    ``nan``); ``inf`` and year-9999 dates are returned as they are, for the caller's cap."""
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return None if math.isnan(seconds) else seconds


class TransportError(Exception):
    """The request got no usable answer: one clear line, plus what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message, self.hint = message, hint
        super().__init__(message)


class Unretriable(TransportError):
    """A request refused before sending, or an answer past a limit (time, size): the step fails
    at once, since a failure action's retry would meet the same."""
