"""Fetch a remote source description (or ``$ref`` target) for the sources folder.

Used when recording and with ``--arazzo-fetch-sources`` only: replay, ``--live`` and
``--arazzo-check`` read the stored copies (:mod:`pytest_arazzo.document.stored_sources`). A fetch
is bounded like a live request: connect/read timeouts and the item's time (ini ``arazzo_timeout``,
``arazzo_item_timeout``), the body read in chunks up to ini ``arazzo_max_response_bytes``, at most
:data:`MAX_REDIRECTS` redirects and never from https down to http. Nothing but ``Accept`` and
``User-Agent`` is sent: no cookie or ``.netrc`` entry, and none of the API credentials
(``arazzo_credentials``) ever reach a source URL; a URL holding a user or password is refused.
The one exception is explicit: ini ``arazzo_source_credentials`` ``HOST=VARIABLE`` sends
``Authorization`` with that variable's value to that host only (not to a redirect elsewhere), over
https or to a loopback host.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.client import HTTPException
from urllib.parse import urljoin, urlsplit

import requests

from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.document.stored_sources import (
    CREDENTIALS,
    FETCH_FAILED,
    REFUSED,
    Fetched,
    StoreError,
)
from pytest_arazzo.http.keys import DEFAULT_REFUSED, find_live_key
from pytest_arazzo.http.messages import TransportError
from pytest_arazzo.transport.limits import DEFAULT_MAX_RESPONSE_BYTES, Deadline, read_body
from pytest_arazzo.transport.live import DEFAULT_TIMEOUT, describe_failure

MAX_REDIRECTS = 5
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
SCHEMES = frozenset({"Bearer", "Basic", "token", "Token"})  # a value that names its own scheme
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "application/vnd.oai.workflows+yaml, application/vnd.oai.workflows+json, "
    "application/openapi+yaml, application/openapi+json, application/yaml, application/json;q=0.9, "
    "text/yaml;q=0.8, text/plain;q=0.5"
)


@dataclass
class SourceFetcher:
    """Fetches one URL per call (a :data:`~pytest_arazzo.document.stored_sources.Fetch`)."""

    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    seconds: float = 120.0  # all of one fetch, redirects included (ini arazzo_item_timeout)
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_redirects: int = MAX_REDIRECTS
    credentials: Mapping[str, str] = field(default_factory=dict)  # host[:port] -> variable
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    refused: tuple[str, ...] = DEFAULT_REFUSED  # live-mode keys are never sent

    def __call__(self, url: str) -> Fetched:
        _refuse_credentials(url, "the source url")
        deadline = Deadline(self.seconds)
        session = requests.Session()
        session.trust_env = False  # no proxy credentials, no .netrc
        try:
            current = url
            for _ in range(self.max_redirects + 1):
                response = self._get(session, current, url, deadline)
                if response.status_code not in REDIRECTS:
                    return self._body(response, current, url, deadline)
                current = self._follow(response, current, url)
            raise StoreError(
                f"fetching {url} was redirected more than {self.max_redirects} times (last to "
                f"{clip(current, 100)}); nothing was stored",
                "point the url at the document's final location",
                REFUSED,
            )
        finally:
            session.close()

    def _get(
        self, session: requests.Session, current: str, url: str, deadline: Deadline
    ) -> requests.Response:
        headers = {"Accept": ACCEPT, "User-Agent": "pytest-arazzo (source fetch)"}
        authorization = self._authorization(current, url)
        if authorization:
            headers["Authorization"] = authorization
        try:
            prepared = requests.Request("GET", current, headers=headers).prepare()
            left = deadline.check(f"before fetching {current}")
            connect, read = min(self.timeout[0], left), min(self.timeout[1], left)
            adapter = session.get_adapter(current)
            return adapter.send(prepared, stream=True, timeout=(connect, read))
        except TransportError as error:  # the deadline
            raise _failed(url, error.message, error.hint) from None
        except requests.exceptions.RequestException as error:
            failure = describe_failure(error, current, self.timeout)
            raise _failed(url, failure.message, "check the url and that the server is up") from None
        except (ValueError, HTTPException) as error:
            raise _failed(url, f"the answer could not be read: {type(error).__name__}") from None

    def _authorization(self, current: str, url: str) -> str:
        """The ``Authorization`` value ini ``arazzo_source_credentials`` gives ``current``'s
        host (``''``: none configured); refused over plain http to a host not on loopback."""
        parts = urlsplit(current)
        host = (parts.hostname or "").lower()
        netloc = f"{host}:{parts.port}" if parts.port else host
        configured = {name.strip().lower(): var for name, var in self.credentials.items()}
        variable = configured.get(netloc) or configured.get(host)
        if not variable:
            return ""
        if parts.scheme.lower() != "https" and host not in LOOPBACK:
            raise StoreError(
                f"fetching {url}: arazzo_source_credentials has a credential for {netloc}, "
                f"which would go over plain http ({clip(current, 100)}); nothing was fetched",
                "use the https url of the source (credentials go over http to loopback only)",
                CREDENTIALS,
            )
        value = self.environ.get(variable, "").strip()
        if not value:
            raise StoreError(
                f"fetching {url}: arazzo_source_credentials names the environment variable "
                f"{variable} for {netloc}, but it is not set",
                f"set {variable}, or remove the line for {netloc}",
                CREDENTIALS,
            )
        if find_live_key(value, self.refused):
            raise StoreError(
                f"fetching {url}: the credential in {variable} is a live-mode key; refused",
                "give the source host its own read-only token",
                CREDENTIALS,
            )
        return value if value.split(" ", 1)[0] in SCHEMES else f"Bearer {value}"

    def _follow(self, response: requests.Response, current: str, url: str) -> str:
        """The redirect's target, refused when it leaves http(s), drops https or holds
        credentials."""
        location = response.headers.get("Location", "")
        status = response.status_code
        response.close()
        if not location:
            raise _failed(url, f"{current} answered {status} without a Location header")
        target = urljoin(current, location)
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            raise StoreError(
                f"fetching {url}: {current} redirects to {clip(target, 100)}, which is no "
                "http(s) URL; nothing was stored",
                "point the url at the document itself",
                REFUSED,
            )
        if urlsplit(current).scheme.lower() == "https" and scheme == "http":
            raise StoreError(
                f"fetching {url}: {current} redirects from https down to http "
                f"({clip(target, 100)}); refused, nothing was stored",
                "point the url at an https location that stays https",
                REFUSED,
            )
        _refuse_credentials(target, f"{current} redirects to")
        return target

    def _body(
        self, response: requests.Response, current: str, url: str, deadline: Deadline
    ) -> Fetched:
        if not 200 <= response.status_code < 300:
            reason = response.reason or ""
            response.close()
            raise _failed(
                url,
                f"{current} answered {response.status_code} {reason}".rstrip(),
                "check the url (a 401/403 source needs a public url: credentials are never "
                "sent to source urls)",
            )
        try:
            content = read_body(response, f"GET {current}", self.max_bytes, deadline)
        except TransportError as error:  # too large, out of time, broken off
            raise StoreError(
                f"fetching {url}: {error.message}; nothing was stored", error.hint, REFUSED
            ) from None
        return Fetched(content, response.headers.get("Content-Type", ""))


def _failed(url: str, reason: str, hint: str = "") -> StoreError:
    return StoreError(f"fetching {url} failed: {reason}; nothing was stored", hint, FETCH_FAILED)


def _refuse_credentials(target: str, what: str) -> None:
    """Refuse a URL with a user or password (``requests`` would send them as Basic auth)."""
    parts = urlsplit(target)
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        raise StoreError(
            f"{what} {shown} holds a user name or password; credentials are never sent to "
            "source urls, nothing was fetched",
            "use a url without credentials (a public or pre-signed link)",
            CREDENTIALS,
        )
