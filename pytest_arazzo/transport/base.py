"""What every transport is: ``send(request, step_id, authorize)`` → a response, and ``close()``.

The executor only calls ``send``. A request that cannot reach an answer is a
:class:`~pytest_arazzo.http.messages.TransportError`; in replay, a request the cassette does not
hold is its subclass :class:`ReplayMismatch` (the cassette is stale).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

import requests
from requests.cookies import RequestsCookieJar

from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse, TransportError

__all__ = ["Authorize", "ReplayMismatch", "Transport", "TransportError", "prepared"]

Authorize = Callable[[OutgoingRequest], None]


class Transport(Protocol):
    """Answers built requests: live, recording or replay."""

    def send(
        self, request: OutgoingRequest, step_id: str, authorize: Authorize | None = None
    ) -> ReceivedResponse: ...

    def close(self) -> None: ...


class ReplayMismatch(TransportError):
    """A request the cassette does not have (or not in this order): the cassette is stale."""


def prepared(request: OutgoingRequest) -> requests.PreparedRequest:
    """The request for ``requests``; one that cannot be sent (``notaurl/v1/x``: no scheme, bad
    host, bad header) is a :class:`TransportError`, not a traceback.

    The same steps as ``requests.Request(...).prepare()``, with the URL's preparation (parse,
    IDNA, requoting: a third of the cost) remembered by URL text (:func:`_prepared_url`),
    without the empty cookie jar's header pass (no cookies are given, so it adds nothing) and
    without looking for credentials in a URL that has no ``@`` (there can be none)."""
    url = request.url
    try:
        outgoing = requests.PreparedRequest()
        outgoing.prepare_method(request.method)
        outgoing.url = _prepared_url(url)
        outgoing.prepare_headers(request.headers)
        outgoing.prepare_body(request.body or None, None)
        if "@" in outgoing.url:  # credentials in the URL (user:pass@host) become Basic auth
            outgoing.prepare_auth(None, url)
        outgoing._cookies = RequestsCookieJar()  # type: ignore[attr-defined]  # as prepare_cookies(None)
        outgoing.prepare_hooks(None)
        return outgoing
    except (requests.exceptions.RequestException, ValueError) as error:
        raise TransportError(
            f"cannot send the request to {url}: {error}",
            "check the server URL (the OpenAPI servers, or --arazzo-server NAME=URL: "
            "http(s)://host[:port][/base]) and the header names",
        ) from None


@lru_cache(maxsize=512)
def _prepared_url(url: str) -> str:
    """``url`` as ``requests`` prepares it (a pure function of the text; errors are raised
    each time, never remembered)."""
    outgoing = requests.PreparedRequest()
    outgoing.prepare_url(url, None)
    return str(outgoing.url)
