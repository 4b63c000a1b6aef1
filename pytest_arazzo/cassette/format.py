"""Cassettes: one readable YAML file per test item holding the HTTP interactions of a run.

Format (``cassette_version: 1``, documented in ``docs/cassettes.md``)::

    cassette_version: 1
    recorded_with: pytest-arazzo 0.1.0
    recorded_at: '2026-11-21T21:30:00Z'
    stripe_version: '2023-10-16'                            # only when arazzo_stripe_version is set
    item: specs/arazzo/stripe.arazzo.yml::create-and-finalize-invoice
    workflow: create-and-finalize-invoice
    inputs: {customer: cus_..., amount: 2000, currency: usd}
    file_inputs: {customer: cus_..., amount: 2000}          # what the inputs file said then
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

Credentials never reach a cassette: requests are recorded before authentication is added, and
:mod:`scrub` replaces sensitive headers, configured fields and any literal credential value with
``<scrubbed>``; a cassette that would still contain a live-mode key pattern is refused. Writes are
atomic (temp file + rename): a failed or interrupted write leaves the old cassette as it was.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from pytest_arazzo import __version__
from pytest_arazzo.cassette.scrub import SCRUBBED, Scrubber
from pytest_arazzo.document.atomic import write_atomically
from pytest_arazzo.document.cache import DocumentCache
from pytest_arazzo.document.loader import MAX_BYTES, Document, LoadError, load_document
from pytest_arazzo.document.media import is_json_type, loads
from pytest_arazzo.http.keys import DEFAULT_REFUSED, find_live_key, masked
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse, form_fields

__all__ = ["SCRUBBED", "Cassette", "CassetteError", "Interaction", "load_cassette", "save_cassette"]

CASSETTE_VERSION = 1
DROPPED_REQUEST_HEADERS = frozenset({"content-length"})
DROPPED_RESPONSE_HEADERS = frozenset(
    {
        "date",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "idempotency-key",
    }
)


class CassetteError(Exception):
    """A cassette that cannot be read, or must not be written."""


@dataclass
class Interaction:
    """One recorded exchange, tagged with the step that made it."""

    step: str
    request: dict[str, Any]
    response: dict[str, Any]

    @cached_property
    def reply(self) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body bytes to answer with (computed once per loaded cassette)."""
        record = self.response
        headers = {str(k): str(v) for k, v in (record.get("headers") or {}).items()}
        return record["status"], headers, response_body_bytes(record)


@dataclass
class Cassette:
    path: Path
    item: str = ""
    workflow: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)
    stripe_version: str | None = None
    # the item's input set (inputs file) when it was recorded; None: not stored (older cassette)
    file_inputs: dict[str, Any] | None = None

    @property
    def shown(self) -> str:
        """The path as messages show it: relative to the working directory when inside it
        (cassettes of two Arazzo files may share a name; their folders tell them apart)."""
        try:
            return str(self.path.relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)


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
            return {"json": loads(text)}
        except ValueError:
            pass
    return {"text": text}


def request_record(request: OutgoingRequest) -> dict[str, Any]:
    """The request as cassette data (before credentials; scrubbed later, when written)."""
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


# -- reading -----------------------------------------------------------------------------------


def load_cassette(
    path: Path, max_bytes: int = MAX_BYTES, cache: DocumentCache | None = None
) -> Cassette:
    """Read a cassette; any defect is a :class:`CassetteError` naming file and line.

    Read by the same guarded loader as workflow files: a regular file of at most ``max_bytes``
    bytes, no YAML tags beyond the JSON-compatible core schema, bounded nesting and aliases.
    """
    document = _document(path, max_bytes, cache)
    data = document.data
    if not isinstance(data, dict):
        raise CassetteError(f"{document.where()}: corrupt cassette: expected a mapping")
    version = data.get("cassette_version")
    if version != CASSETTE_VERSION:
        raise CassetteError(
            f"{document.where('/cassette_version')}: cassette_version {version!r} is not "
            f"supported (this pytest-arazzo reads version {CASSETTE_VERSION}); re-record it"
        )
    recorded = data.get("interactions") or []
    if not isinstance(recorded, list):
        raise CassetteError(
            f"{document.where('/interactions')}: corrupt cassette: interactions must be a list"
        )
    interactions = []
    for index, item in enumerate(recorded):
        if not _valid_interaction(item):
            raise CassetteError(
                f"{document.where(f'/interactions/{index}')}: corrupt cassette: "
                f"interaction {index + 1} needs step, request.method, request.url (a URL), "
                "response.status (an HTTP status code) and headers that are mappings"
            )
        interactions.append(
            Interaction(str(item.get("step", "")), item["request"], item["response"])
        )
    inputs = data.get("inputs")
    stripe_version = data.get("stripe_version")
    file_inputs = data.get("file_inputs")
    return Cassette(
        path=path,
        item=str(data.get("item", "")),
        workflow=str(data.get("workflow", "")),
        inputs=inputs if isinstance(inputs, dict) else {},
        interactions=interactions,
        stripe_version=None if stripe_version is None else str(stripe_version),
        file_inputs=file_inputs if isinstance(file_inputs, dict) else None,
    )


def _document(path: Path, max_bytes: int, cache: DocumentCache | None = None) -> Document:
    """The cassette with positions (for messages); a read or parse error is a
    :class:`CassetteError`. With a ``cache``, a cassette parsed before is read from it."""
    try:
        if cache is not None:
            return cache.load(path, max_bytes=max_bytes)
        return load_document(path, max_bytes=max_bytes)
    except LoadError as error:
        raise CassetteError(f"{error.where()}: corrupt cassette: {error.message}") from None


def _valid_interaction(item: Any) -> bool:
    if not (
        isinstance(item, dict)
        and isinstance(item.get("request"), dict)
        and isinstance(item.get("response"), dict)
    ):
        return False
    request, response = item["request"], item["response"]
    status = response.get("status")
    return (
        isinstance(request.get("method"), str)
        and isinstance(request.get("url"), str)
        and _parses_as_url(request["url"])
        and isinstance(status, int)
        and not isinstance(status, bool)
        and 100 <= status <= 599
        and all(isinstance(part.get("headers") or {}, dict) for part in (request, response))
    )


def _parses_as_url(url: str) -> bool:
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


# -- writing -----------------------------------------------------------------------------------


def cassette_data(cassette: Cassette) -> dict[str, Any]:
    """The mapping written to disk, in the documented key order (not yet scrubbed)."""
    data: dict[str, Any] = {
        "cassette_version": CASSETTE_VERSION,
        "recorded_with": f"pytest-arazzo {__version__}",
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if cassette.stripe_version:
        data["stripe_version"] = cassette.stripe_version
    data.update(
        item=cassette.item,
        workflow=cassette.workflow,
        inputs=cassette.inputs,
        **({} if cassette.file_inputs is None else {"file_inputs": cassette.file_inputs}),
        interactions=[
            {"step": i.step, "request": i.request, "response": i.response}
            for i in cassette.interactions
        ],
    )
    return data


def dump_cassette(
    cassette: Cassette,
    scrubber: Scrubber | list[str],
    refused: tuple[str, ...] = DEFAULT_REFUSED,
) -> str:
    """The YAML text of a cassette, scrubbed; refuses text that still holds a credential or a
    live-mode key (:mod:`keys` patterns, also percent-encoded or base64)."""
    if not isinstance(scrubber, Scrubber):
        scrubber = Scrubber(scrubber)
    data = scrubber.cassette_data(cassette_data(cassette))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    leaked = scrubber.leaked(text)
    live = find_live_key(text, refused)
    if leaked or live:
        what = f"a live-mode key ({masked(live)})" if live else "a configured credential"
        raise CassetteError(
            f"refusing to write {cassette.path}: it would contain {what}; nothing was written"
        )
    return text


def save_cassette(
    cassette: Cassette,
    scrubber: Scrubber | list[str],
    refused: tuple[str, ...] = DEFAULT_REFUSED,
) -> None:
    """Write atomically: a temp file in the same folder, then rename over the old cassette."""
    text = dump_cassette(cassette, scrubber, refused)
    write_atomically(cassette.path, text, durable=True, mode=0o644)
    _sync_directory(cassette.path.parent)


def _sync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); best effort elsewhere."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
