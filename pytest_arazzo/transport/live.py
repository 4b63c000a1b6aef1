"""Live transport: sends a built request with ``requests`` (live runs and recording).

Credentials, an ``Idempotency-Key`` on POSTs and the ``Stripe-Version`` pin are added to a copy
just before it leaves; a request holding a live-mode key (:mod:`~pytest_arazzo.http.keys`) is
refused before anything is sent; requests are throttled; a 429 (rate limit) is retried with
bounded backoff that honours ``Retry-After``. Nothing else is retried here: a 5xx goes straight
to the workflow, whose ``onFailure: retry`` actions stay in charge. The 429s the backoff absorbed
travel with the final answer (:attr:`ReceivedResponse.earlier`), so the run records every
exchange. Network failures become one clear :class:`TransportError` line each.
"""

from __future__ import annotations

import hashlib
import logging
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from http.client import HTTPException
from urllib.parse import urlsplit

import requests

from pytest_arazzo.cassette.scrub import scrub_literals
from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.http.keys import DEFAULT_REFUSED, find_live_key, masked, secret_variants
from pytest_arazzo.http.messages import (
    OutgoingRequest,
    ReceivedResponse,
    TransportError,
    Unretriable,
    retry_after_seconds,
)
from pytest_arazzo.transport.base import Authorize, prepared
from pytest_arazzo.transport.limits import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Deadline,
    read_body,
)
from pytest_arazzo.transport.throttle import Throttle

DEFAULT_TIMEOUT = (10.0, 60.0)
RETRY_STATUSES = frozenset({429})  # rate limits only: 5xx is the workflow's to retry
IDEMPOTENCY_NAMESPACE = uuid.UUID("0b6f5c2e-5a1d-4f0e-9c39-5f3a7e2b9d41")


@dataclass
class LiveOptions:
    """How live requests are sent (from ini; see :class:`session.RunSettings`)."""

    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    stripe_version: str = ""
    max_attempts: int = 4
    max_backoff: float = 30.0
    throttle: Throttle | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    item: str = ""
    sleep: Callable[[float], None] = time.sleep
    refused: tuple[str, ...] = DEFAULT_REFUSED  # live-mode key patterns never sent
    deadline: Deadline | None = None  # the item's (ini arazzo_item_timeout)
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES  # decoded body size cap
    max_url_length: int = 8192  # a longer URL is not sent (servers answer 414, or hang up)


class IdempotencyKeys:
    """``Idempotency-Key`` per POST: stable across a step's retries, fresh for a new request.

    uuid5 of the run id (one per pytest session, so a later run never replays an earlier run's
    stored result), the item, the step, the request itself (method, URL, body) and how many
    times that same request already succeeded (a loop re-running a step gets a new key).
    """

    def __init__(self, run_id: str, item: str) -> None:
        self.run_id, self.item = run_id, item
        self.succeeded: dict[str, int] = {}

    def fingerprint(self, request: OutgoingRequest, step_id: str) -> str:
        digest = hashlib.sha256(f"{request.method} {request.url}\n".encode())
        digest.update(request.body or b"")
        return f"{self.run_id}\n{self.item}\n{step_id}\n{digest.hexdigest()}"

    def key(self, fingerprint: str) -> str:
        count = self.succeeded.get(fingerprint, 0)
        return uuid5_text(f"{fingerprint}\n{count}")

    def answered(self, fingerprint: str, status: int) -> None:
        if 200 <= status < 300:
            self.succeeded[fingerprint] = self.succeeded.get(fingerprint, 0) + 1


def uuid5_text(name: str) -> str:
    """``str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, name))`` (RFC 9562 § 5.5: SHA-1 of the namespace
    and the name, version 5, RFC variant), without building the ``UUID`` object."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_NAMESPACE_BYTES = IDEMPOTENCY_NAMESPACE.bytes


class LiveTransport:
    """Real HTTP through one ``requests.Session`` per item."""

    def __init__(
        self,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        options: LiveOptions | None = None,
    ) -> None:
        self.options = options or LiveOptions(timeout=timeout)
        self.timeout = self.options.timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.keys = IdempotencyKeys(self.options.run_id, self.options.item)
        self.refused = tuple(self.options.refused)

    def send(
        self, request: OutgoingRequest, step_id: str, authorize: Authorize | None = None
    ) -> ReceivedResponse:
        # a copy of the parts decorating and authorizing change: the workflow's request stays
        outgoing = replace(request, headers=dict(request.headers), query=list(request.query))
        fingerprint = self._decorate(outgoing, step_id)
        secrets: list[str] = []
        if authorize is not None:
            headers, query = dict(outgoing.headers), list(outgoing.query)
            authorize(outgoing)
            secrets = _added_values(headers, query, outgoing)
        url = outgoing.url  # built from the parts on each read: read once, now it is complete
        if len(url) > self.options.max_url_length:
            raise Unretriable(
                f"refusing to send: the URL is {len(url)} characters long, more than "
                f"arazzo_max_url_length ({self.options.max_url_length}): "
                f"{clip(scrub_literals(url, secret_variants(secrets)), 120)}",
                "shorten the values that go into the path and query (or send them in the body), "
                "or raise ini arazzo_max_url_length",
            )
        where = refused_key_in(outgoing, self.refused, url)
        if where:
            raise Unretriable(
                f"refusing to send: {where}; pytest-arazzo never sends live-mode keys",
                "use test-mode keys and values (sk_test_... for Stripe) in inputs, input files "
                "and credentials",
            )
        variants = secret_variants(secrets)
        try:
            earlier: list[ReceivedResponse] = []
            with scrubbed_logs(variants):  # urllib3 logs malformed headers it received
                response = self._send_with_backoff(prepared(outgoing), outgoing, earlier)
        except TransportError as error:  # its text may quote the URL with an apiKey in the query
            error.message = scrub_literals(error.message, variants)
            raise
        if fingerprint:
            self.keys.answered(fingerprint, response.status_code)
        received = ReceivedResponse.from_requests(response)
        received.earlier = tuple(earlier)
        return received

    def _decorate(self, request: OutgoingRequest, step_id: str) -> str:
        """Add ``Stripe-Version`` and (POST) ``Idempotency-Key`` unless the workflow set them."""
        present = {name.lower() for name in request.headers}
        if self.options.stripe_version and "stripe-version" not in present:
            request.headers["Stripe-Version"] = self.options.stripe_version
        if request.method.upper() != "POST" or "idempotency-key" in present:
            return ""
        fingerprint = self.keys.fingerprint(request, step_id)
        request.headers["Idempotency-Key"] = self.keys.key(fingerprint)
        return fingerprint

    def _send_with_backoff(
        self,
        prepared: requests.PreparedRequest,
        request: OutgoingRequest,
        earlier: list[ReceivedResponse],
    ) -> requests.Response:
        """Send; a 429 is waited out and sent again (kept in ``earlier``), at most
        ``max_attempts`` times in all."""
        attempts = max(self.options.max_attempts, 1)
        for attempt in range(1, attempts + 1):
            if self.options.throttle is not None:
                self.options.throttle.wait()
            response = self._send_once(prepared, request)
            if response.status_code not in RETRY_STATUSES or attempt == attempts:
                return response
            if not self._worth_waiting(response.headers.get("Retry-After")):
                return response  # the workflow decides (its retry action names the wait)
            delay = backoff_delay(
                attempt, response.headers.get("Retry-After"), self.options.max_backoff
            )
            earlier.append(ReceivedResponse.from_requests(response))  # reads the body, then closes
            response.close()
            if delay > 0:
                self.options.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(
        self, prepared: requests.PreparedRequest, request: OutgoingRequest
    ) -> requests.Response:
        """One exchange, the body read within the item's deadline and the size cap."""
        what = f"{request.method} {request.url}"
        deadline = self.options.deadline
        connect, read = self.timeout
        if deadline is not None:
            left = deadline.check(f"before sending {what}")
            connect, read = min(connect, left), min(read, left)
        try:
            # the adapter, not Session.send: for a redirect, Session.send reads the whole body
            # (no size or time bound) and parses Location even with allow_redirects=False
            adapter = self.session.get_adapter(prepared.url or request.url)
            response = adapter.send(prepared, stream=True, timeout=(connect, read))
        except (requests.exceptions.RequestException, ValueError, HTTPException) as error:
            if deadline is not None and deadline.remaining() <= 0:
                raise deadline.expired(f"waiting for the answer to {what}") from None
            if not isinstance(error, requests.exceptions.RequestException):  # e.g. a Location
                raise TransportError(  # header that does not decode: its text is the server's
                    f"the answer to {what} could not be read: {type(error).__name__}",
                    "the server sent a malformed response (status line or headers)",
                ) from None
            raise describe_failure(error, request.url, self.timeout) from None
        # the body is read here, never by `requests`: `.content` then holds what was read
        response._content = read_body(response, what, self.options.max_response_bytes, deadline)
        return response

    def _worth_waiting(self, retry_after: str | None) -> bool:
        """False when the server asks for a longer wait than ``max_backoff`` or the time the item
        has left: waiting the cap would only be refused again."""
        asked = retry_after_seconds(retry_after.strip()) if retry_after else None
        if asked is None:
            return True
        deadline = self.options.deadline
        left = deadline.remaining() if deadline is not None else float("inf")
        return asked <= min(self.options.max_backoff, left)

    @property
    def deadline(self) -> Deadline | None:
        """The item's deadline: the runner fits its retry waits in it."""
        return self.options.deadline

    def close(self) -> None:
        self.session.close()


class _ScrubFilter(logging.Filter):
    """Rewrites log records of the HTTP libraries without the given secrets (and without the
    exception text, which may quote what the server sent)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__})"
        record.msg, record.args = scrub_literals(text, self.secrets), None
        record.exc_info, record.exc_text = None, None
        return True


HTTP_LOGGERS = ("urllib3.connection", "urllib3.connectionpool", "urllib3.response", "requests")


@cache
def _http_loggers() -> tuple[logging.Logger, ...]:
    """The loggers of :data:`HTTP_LOGGERS` (``logging`` keeps one object per name for the life of
    the process; ``getLogger`` takes the module lock on every call)."""
    return tuple(logging.getLogger(name) for name in HTTP_LOGGERS)


@contextmanager
def scrubbed_logs(secrets: list[str]) -> Iterator[None]:
    """While sending: what the HTTP libraries log is scrubbed of ``secrets``."""
    scrub = _ScrubFilter(secrets)
    loggers = _http_loggers()
    for logger in loggers:
        logger.addFilter(scrub)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(scrub)


def _added_values(
    headers: dict[str, str], query: list[tuple[str, str]], request: OutgoingRequest
) -> list[str]:
    """The values ``authorize`` added to ``request`` (credentials): masked in error messages."""
    added = [value for _, value in request.query[len(query) :]]
    for name, value in request.headers.items():
        if headers.get(name) != value:
            added += [str(value), *str(value).split(" ", 1)[1:]]
            added += [pair.partition("=")[2] for pair in str(value).split(";")]
    return [value.strip() for value in added if value.strip()]


def refused_key_in(
    request: OutgoingRequest, patterns: tuple[str, ...] = DEFAULT_REFUSED, url: str | None = None
) -> str:
    """Where a live-mode key (:func:`~pytest_arazzo.http.keys.find_live_key`) appears in
    ``request`` (URL, header values, body; encoded forms too), or ``''``. ``url``: the
    request's URL when the caller has it already."""
    places = [("the URL", request.url if url is None else url)]
    places += [(f"header '{name}'", str(value)) for name, value in request.headers.items()]
    if request.body:
        places.append(("the body", request.body.decode("utf-8", "replace")))
    for where, text in places:
        key = find_live_key(text, patterns)
        if key is not None:
            return f"{where} holds a live-mode key ({masked(key)})"
    return ""


def backoff_delay(attempt: int, retry_after: str | None, max_backoff: float) -> float:
    """Seconds to wait before attempt ``attempt + 1``: ``Retry-After`` if given, else 0.5·2ⁿ."""
    delay = 0.5 * 2.0 ** (attempt - 1)
    if retry_after:
        parsed = retry_after_seconds(retry_after.strip())
        if parsed is not None:
            delay = parsed
    return min(max(delay, 0.0), max_backoff)


def describe_failure(
    error: requests.exceptions.RequestException, url: str, timeout: tuple[float, float]
) -> TransportError:
    """DNS, TLS, refused, timeout...: one clear line each."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    where = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    reason = _root(error)
    server_hint = "check the server URL (--arazzo-server NAME=URL) and that it is running"
    if isinstance(error, requests.exceptions.SSLError):
        return TransportError(f"TLS error talking to {where}: {reason}")
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return TransportError(f"connect timeout ({timeout[0]:g}s) to {where}", server_hint)
    if isinstance(error, requests.exceptions.ReadTimeout):
        return TransportError(
            f"no answer within the read timeout ({timeout[1]:g}s) from {where}",
            "raise the read timeout (ini arazzo_timeout = CONNECT,READ) or check the server",
        )
    if isinstance(error, requests.exceptions.ConnectionError):
        if _is_dns_failure(error):
            return TransportError(f"DNS lookup failed for {host}: {reason}", server_hint)
        if _has_cause(error, ConnectionRefusedError):
            return TransportError(f"connection refused by {where}", server_hint)
        return TransportError(f"cannot connect to {where}: {reason}", server_hint)
    return TransportError(f"request to {where} failed: {reason}")


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        nested = current.args[0] if current.args else None
        following = current.__cause__ or current.__context__
        if following is None and isinstance(nested, BaseException):
            following = nested
        reason = getattr(current, "reason", None)
        if following is None and isinstance(reason, BaseException):
            following = reason
        current = following
    return seen


def _has_cause(error: BaseException, kind: type[BaseException]) -> bool:
    return any(isinstance(item, kind) for item in _chain(error))


def _is_dns_failure(error: BaseException) -> bool:
    chain = _chain(error)
    names = {type(item).__name__ for item in chain}
    return "NameResolutionError" in names or any(isinstance(i, socket.gaierror) for i in chain)


def _root(error: BaseException) -> str:
    """The innermost cause's message, without urllib3's nesting."""
    texts = [str(item) for item in reversed(_chain(error))]
    for pattern in (r"\[Errno -?\d+\] ([^')\]]+)", r"\[SSL[^\]]*\] ([^(')\]]+)"):
        for text in texts:
            match = re.search(pattern, text)
            if match:
                return match.group(1).strip()
    return texts[0].split(": ", 1)[-1][:200]
