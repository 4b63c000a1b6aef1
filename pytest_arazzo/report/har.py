"""HAR 1.2 traces: every exchange of an item's run, one file per item, credentials scrubbed as
in cassettes. Browser devtools (Network → import) and HAR viewers open them.

Each entry names its step and workflow in ``comment`` and in the custom fields ``_stepId``,
``_workflowId`` and ``_attempt`` (HAR allows fields starting with ``_``).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from pytest_arazzo.cassette.scrub import Scrubber, scrub_literals
from pytest_arazzo.execute.failures import Exchange
from pytest_arazzo.report.exchange import scrubbed_parts

__all__ = ["har_document", "trace_name", "write_har"]

HTTP_VERSION = "HTTP/1.1"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def trace_name(nodeid: str) -> str:
    """A file name for an item's trace: its node id with unsafe characters replaced."""
    return _UNSAFE.sub("_", nodeid).strip("_")[:200] + ".har"


def har_document(
    exchanges: list[Exchange], scrubber: Scrubber, *, item: str, mode: str, version: str
) -> dict[str, Any]:
    """A HAR 1.2 log of ``exchanges`` (``item``: the pytest node id; ``mode``: replay...)."""
    entries = [_entry(exchange, scrubber, mode) for exchange in exchanges]
    log = {
        "log": {
            "version": "1.2",
            "creator": {"name": "pytest-arazzo", "version": version},
            "comment": f"pytest-arazzo {mode} run of {item}",
            "entries": entries,
        }
    }
    scrubbed: dict[str, Any] = scrub_literals(log, scrubber.literals())
    return scrubbed


def write_har(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _entry(exchange: Exchange, scrubber: Scrubber, mode: str) -> dict[str, Any]:
    sent, got, _, _ = scrubbed_parts(exchange, scrubber)
    request, response = exchange.request, exchange.response
    elapsed = round(exchange.elapsed * 1000, 3)
    started = datetime.fromtimestamp(exchange.started or 0, tz=timezone.utc)
    request_text = _wire_text(sent, request.body or b"")
    response_text = _wire_text(got, response.content)
    har_request: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": _pairs(sent["headers"].items()),
        "queryString": _pairs(parse_qsl(urlsplit(sent["url"]).query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": len(request_text.encode()) if request_text else 0,
    }
    if request_text:
        content_type = request.content_type or "application/octet-stream"
        post: dict[str, Any] = {"mimeType": content_type, "text": request_text}
        if "form" in sent:
            post["params"] = _pairs(_flat(sent["form"]))
        har_request["postData"] = post
    return {
        "startedDateTime": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "time": elapsed,
        "request": har_request,
        "response": {
            "status": response.status,
            "statusText": response.reason,
            "httpVersion": HTTP_VERSION,
            "cookies": [],
            "headers": _pairs(got["headers"].items()),
            "content": {
                "size": len(response_text.encode()),
                "mimeType": response.headers.get("Content-Type", ""),
                "text": response_text,
            },
            "redirectURL": response.headers.get("Location", ""),
            "headersSize": -1,
            "bodySize": len(response_text.encode()),
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
        "comment": f"step '{exchange.step_id}' of workflow '{exchange.workflow_id}', "
        f"attempt {exchange.attempt} ({mode})",
        "_stepId": exchange.step_id,
        "_workflowId": exchange.workflow_id,
        "_attempt": exchange.attempt,
    }


def _wire_text(record: dict[str, Any], content: bytes) -> str:
    """The body as sent or received, after the scrubber's field rules (form or JSON)."""
    if "form" in record:
        return urlencode(list(_flat(record["form"])), safe="<>[]")
    if "json" in record:
        return json.dumps(record["json"], ensure_ascii=False)
    return content.decode("utf-8", errors="replace")


def _flat(fields: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        values = value if isinstance(value, list) else [value]
        pairs += [(key, str(item)) for item in values]
    return pairs


def _pairs(items: Any) -> list[dict[str, str]]:
    return [{"name": str(name), "value": str(value)} for name, value in items]
