"""Cassettes: one readable YAML file per test item holding the HTTP interactions of a run.

Format (``cassette_version: 1``)::

    cassette_version: 1
    recorded_with: pytest-arazzo 0.1.0
    recorded_at: '2026-11-21T21:30:00Z'
    item: specs/arazzo/stripe.arazzo.yml::create-and-finalize-invoice
    workflow: create-and-finalize-invoice
    inputs: {customer: cus_..., amount: 2000, currency: usd}
    interactions:
    - step: createDraftInvoice
      request:
        method: POST
        url: https://api.stripe.com/v1/invoices
        headers: {Content-Type: application/x-www-form-urlencoded}
        form: {customer: cus_..., auto_advance: 'false'}     # or json: / text:
      response:
        status: 200
        headers: {Content-Type: application/json}
        json: {id: in_..., object: invoice}                 # or text:

Credentials never reach a cassette: requests are recorded before authentication is added, and any
literal secret value left anywhere is replaced by ``<scrubbed>``; a cassette that would still
contain a live-mode key pattern is refused. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from . import __version__
from .http import OutgoingRequest, ReceivedResponse, is_json_type
from .loader import LoadError, load_document

CASSETTE_VERSION = 1
SCRUBBED = "<scrubbed>"
DROPPED_REQUEST_HEADERS = {"authorization", "cookie", "proxy-authorization", "content-length"}
DROPPED_RESPONSE_HEADERS = {
    "set-cookie",
    "date",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
}
_OWN_KEYS = {
    "cassette_version",
    "recorded_with",
    "recorded_at",
    "item",
    "workflow",
    "inputs",
    "interactions",
}
LIVE_KEY = re.compile(r"\b(?:sk|rk|pk)_live_[A-Za-z0-9]{4,}")


class CassetteError(Exception):
    """A cassette that cannot be read, or must not be written."""


@dataclass
class Interaction:
    step: str
    request: dict[str, Any]
    response: dict[str, Any]


@dataclass
class Cassette:
    path: Path
    item: str = ""
    workflow: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def form_fields(body: bytes | str | None) -> dict[str, Any]:
    """Decoded form pairs; a repeated key keeps all its values as a list."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in fields:
            previous = fields[key]
            fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[key] = value
    return fields


def body_record(content: bytes | None, content_type: str | None) -> dict[str, Any]:
    """A body as cassette data: ``form``/``json`` as structures, anything else as ``text``."""
    if not content:
        return {}
    bare = (content_type or "").split(";")[0].strip().lower()
    if bare == "application/x-www-form-urlencoded":
        return {"form": form_fields(content)}
    text = content.decode("utf-8", "replace")
    if is_json_type(bare):
        try:
            return {"json": json.loads(text)}
        except ValueError:
            pass
    return {"text": text}


def request_record(request: OutgoingRequest) -> dict[str, Any]:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in DROPPED_REQUEST_HEADERS}
    record: dict[str, Any] = {"method": request.method, "url": request.url}
    if headers:
        record["headers"] = headers
    record.update(body_record(request.body, request.content_type))
    return record


def response_record(response: ReceivedResponse) -> dict[str, Any]:
    headers = {
        k: v for k, v in response.headers.items() if k.lower() not in DROPPED_RESPONSE_HEADERS
    }
    record: dict[str, Any] = {"status": response.status}
    if response.reason:
        record["reason"] = response.reason
    if headers:
        record["headers"] = headers
    record.update(body_record(response.content, response.headers.get("Content-Type")))
    return record


def response_body_bytes(record: dict[str, Any]) -> bytes:
    if "json" in record:
        return json.dumps(record["json"]).encode()
    if "text" in record:
        return str(record["text"]).encode()
    return b""


def scrub(value: Any, secrets: list[str]) -> Any:
    """Replace every literal secret, anywhere in strings, keys included, with ``<scrubbed>``."""
    secrets = [secret for secret in secrets if secret]
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, SCRUBBED)
        return value
    if isinstance(value, dict):
        return {scrub(key, secrets): scrub(child, secrets) for key, child in value.items()}
    if isinstance(value, list):
        return [scrub(child, secrets) for child in value]
    return value


def load_cassette(path: Path) -> Cassette:
    """Read a cassette; any defect is a :class:`CassetteError` naming file and line."""
    try:
        document = load_document(path)
    except LoadError as error:
        raise CassetteError(f"{error.where()}: corrupt cassette: {error.message}") from None
    data = document.data
    if not isinstance(data, dict):
        raise CassetteError(f"{document.where()}: corrupt cassette: expected a mapping")
    version = data.get("cassette_version")
    if version != CASSETTE_VERSION:
        raise CassetteError(
            f"{document.where('/cassette_version')}: cassette_version {version!r} is not "
            f"supported (this pytest-arazzo reads version {CASSETTE_VERSION}); re-record it"
        )
    interactions = []
    for index, item in enumerate(data.get("interactions") or []):
        pointer = f"/interactions/{index}"
        if not (
            isinstance(item, dict)
            and isinstance(item.get("request"), dict)
            and isinstance(item.get("response"), dict)
            and isinstance(item["request"].get("method"), str)
            and isinstance(item["request"].get("url"), str)
            and isinstance(item["response"].get("status"), int)
        ):
            raise CassetteError(
                f"{document.where(pointer)}: corrupt cassette: interaction {index + 1} needs "
                "step, request.method, request.url and response.status"
            )
        interactions.append(
            Interaction(str(item.get("step", "")), item["request"], item["response"])
        )
    inputs = data.get("inputs")
    meta = {k: v for k, v in data.items() if k not in _OWN_KEYS}
    return Cassette(
        path=path,
        item=str(data.get("item", "")),
        workflow=str(data.get("workflow", "")),
        inputs=inputs if isinstance(inputs, dict) else {},
        interactions=interactions,
        meta=meta,
    )


def dump_cassette(cassette: Cassette, secrets: list[str]) -> str:
    """The YAML text of a cassette, scrubbed; refuses text that still holds a secret."""
    data = {
        "cassette_version": CASSETTE_VERSION,
        "recorded_with": f"pytest-arazzo {__version__}",
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **cassette.meta,
        "item": cassette.item,
        "workflow": cassette.workflow,
        "inputs": cassette.inputs,
        "interactions": [
            {"step": i.step, "request": i.request, "response": i.response}
            for i in cassette.interactions
        ],
    }
    text = yaml.safe_dump(scrub(data, secrets), sort_keys=False, allow_unicode=True, width=100)
    leaked = [secret for secret in secrets if secret and secret in text]
    if leaked or LIVE_KEY.search(text):
        raise CassetteError(
            f"refusing to write {cassette.path}: it would contain a credential "
            "(a configured secret or a live-mode key pattern)"
        )
    return text


def save_cassette(cassette: Cassette, secrets: list[str]) -> None:
    """Write atomically: a temp file in the same folder, then rename over the old cassette."""
    text = dump_cassette(cassette, secrets)
    cassette.path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{cassette.path.name}.", dir=cassette.path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, cassette.path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def request_diff(recorded: dict[str, Any], sent: dict[str, Any]) -> list[str]:
    """Field-by-field differences between a recorded and a sent request (host ignored)."""
    diffs = []
    if recorded.get("method") != sent.get("method"):
        diffs.append(f"method: recorded {recorded.get('method')}, sent {sent.get('method')}")
    recorded_url, sent_url = urlsplit(recorded["url"]), urlsplit(sent["url"])
    if recorded_url.path != sent_url.path:
        diffs.append(f"path: recorded {recorded_url.path}, sent {sent_url.path}")
    diffs += _mapping_diff("query", form_fields(recorded_url.query), form_fields(sent_url.query))
    for kind in ("form", "json", "text"):
        if kind in recorded or kind in sent:
            old, new = recorded.get(kind), sent.get(kind)
            if isinstance(old, dict) and isinstance(new, dict):
                diffs += _mapping_diff(kind, old, new)
            elif old != new:
                diffs.append(f"{kind}: recorded {_show(old)}, sent {_show(new)}")
    return diffs


def _mapping_diff(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    diffs = []
    for key in list(dict.fromkeys([*old, *new])):
        if key not in new:
            diffs.append(f"{prefix}.{key}: recorded {_show(old[key])}, sent (absent)")
        elif key not in old:
            diffs.append(f"{prefix}.{key}: recorded (absent), sent {_show(new[key])}")
        elif old[key] != new[key]:
            if isinstance(old[key], dict) and isinstance(new[key], dict):
                diffs += _mapping_diff(f"{prefix}.{key}", old[key], new[key])
            else:
                diffs.append(f"{prefix}.{key}: recorded {_show(old[key])}, sent {_show(new[key])}")
    return diffs


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
