"""What every transport is: ``send(request, step_id, authorize)`` → a response, and ``close()``.

The executor only calls ``send``. A request that cannot reach an answer is a
:class:`~pytest_arazzo.http.messages.TransportError`; in replay, a request the cassette does not
hold is its subclass :class:`ReplayMismatch` (the cassette is stale).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import requests

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
    host, bad header) is a :class:`TransportError`, not a traceback."""
    try:
        return requests.Request(
            request.method, request.url, headers=request.headers, data=request.body or None
        ).prepare()
    except (requests.exceptions.RequestException, ValueError) as error:
        raise TransportError(
            f"cannot send the request to {request.url}: {error}",
            "check the server URL (the OpenAPI servers, or --arazzo-server NAME=URL: "
            "http(s)://host[:port][/base]) and the header names",
        ) from None
