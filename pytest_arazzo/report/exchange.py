"""One HTTP exchange in full, for a person: request and response with headers and body, the
credentials scrubbed exactly as in cassettes, JSON bodies pretty-printed, form bodies as fields."""

from __future__ import annotations

import json
from typing import Any

from pytest_arazzo.cassette.scrub import Scrubber, scrub_literals
from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.execute.failures import Exchange
from pytest_arazzo.http.messages import form_fields, parse_body

__all__ = ["BODY_LIMIT", "body_text", "exchange_lines", "scrubbed_parts"]

BODY_LIMIT = 2000  # characters of each body shown; -vv shows all
HEADER_LIMIT = 300
TRUNCATED = "... (truncated; -vv shows all)"
FORM = "application/x-www-form-urlencoded"


def scrubbed_parts(
    exchange: Exchange, scrubber: Scrubber
) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    """(request record, response record, request body text, response body text), scrubbed.

    The records hold ``method``/``url``/``headers`` and ``status``/``headers``; bodies are
    pretty-printed after the scrubber's field rules were applied to their fields."""
    request, response = exchange.request, exchange.response
    sent = scrubber.request(
        {"method": request.method, "url": request.url, "headers": dict(request.headers)}
        | _fields(request.body or b"", request.content_type)
    )
    got = scrubber.response(
        {"status": response.status, "headers": dict(response.headers)}
        | _fields(response.content, response.headers.get("Content-Type"))
    )
    sent_body = body_text(sent, request.body or b"", request.content_type)
    got_body = body_text(got, response.content, response.headers.get("Content-Type"))
    literals = scrubber.literals()
    return (
        scrub_literals(sent, literals),
        scrub_literals(got, literals),
        scrub_literals(sent_body, literals),
        scrub_literals(got_body, literals),
    )


def _fields(content: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as the scrubber's field rules see it: ``json`` or ``form`` (else nothing)."""
    if not content:
        return {}
    bare = (content_type or "").split(";")[0].strip().lower()
    if bare == FORM:
        return {"form": form_fields(content)}
    parsed = parse_body(content, content_type)
    return {} if isinstance(parsed, str) else {"json": parsed}


def body_text(record: dict[str, Any], content: bytes, content_type: str | None) -> str:
    """A body as a person reads it: JSON indented, form fields one per line, else its text."""
    if "json" in record:
        return json.dumps(record["json"], indent=2, ensure_ascii=False)
    if "form" in record:
        return "\n".join(f"{key} = {value}" for key, value in record["form"].items())
    return content.decode("utf-8", errors="replace")


def exchange_lines(exchange: Exchange, scrubber: Scrubber, limit: int | None) -> list[str]:
    """The exchange as report lines; each body (and header value) clipped at ``limit``
    characters (``None``: all of it)."""
    sent, got, sent_body, got_body = scrubbed_parts(exchange, scrubber)
    response = exchange.response
    lines = ["request:", f"  {sent['method']} {sent['url']}"]
    lines += _headers(sent["headers"], limit)
    lines += _body(sent_body, exchange.request.content_type, limit)
    reason = f" {scrub_literals(response.reason, scrubber.literals())}" if response.reason else ""
    lines += ["response:", f"  {response.status}{reason}"]
    lines += _headers(got["headers"], limit)
    lines += _body(got_body, response.headers.get("Content-Type"), limit)
    return lines


def _headers(headers: dict[str, Any], limit: int | None) -> list[str]:
    cap = HEADER_LIMIT if limit is not None else None
    return [f"  {name}: {_clip(str(value), cap)}" for name, value in headers.items()]


def _body(text: str, content_type: str | None, limit: int | None) -> list[str]:
    if not text:
        return ["  (no body)"]
    kind = (content_type or "").split(";")[0].strip() or "no content type"
    return [f"  body ({kind}):", *(f"    {line}" for line in _clip(text, limit).splitlines())]


def _clip(text: str, limit: int | None) -> str:
    return text if limit is None else clip(text, limit + len(TRUNCATED), marker=TRUNCATED)
