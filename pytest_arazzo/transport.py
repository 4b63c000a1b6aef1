"""Transports: how a built request reaches an answer.

- :class:`LiveTransport` sends it with ``requests`` (live runs and recording);
- :class:`RecordingTransport` wraps a live one and keeps every exchange for the cassette;
- :class:`ReplayTransport` answers from a cassette through ``responses``: the request goes through
  ``requests`` as usual and ``responses`` intercepts it at the adapter, so no socket is opened.

The executor only calls ``send(request, step_id, authorize)``. ``authorize`` adds credentials to a
copy of the request just before it leaves, so what is recorded never held them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Protocol

import requests
import responses
from requests.structures import CaseInsensitiveDict

from .cassette import (
    Cassette,
    Interaction,
    request_diff,
    request_record,
    response_body_bytes,
    response_record,
)
from .http import OutgoingRequest, ReceivedResponse

Authorize = Callable[[OutgoingRequest], None]
DEFAULT_TIMEOUT = (10.0, 60.0)


class TransportError(Exception):
    """The request got no usable answer: one clear line, plus what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message, self.hint = message, hint
        super().__init__(message)


class Transport(Protocol):
    def send(
        self, request: OutgoingRequest, step_id: str, authorize: Authorize | None = None
    ) -> ReceivedResponse: ...

    def close(self) -> None: ...


def _prepared(request: OutgoingRequest) -> requests.PreparedRequest:
    return requests.Request(
        request.method, request.url, headers=request.headers, data=request.body or None
    ).prepare()


def _received(response: requests.Response) -> ReceivedResponse:
    return ReceivedResponse(
        status=response.status_code,
        headers=CaseInsensitiveDict(response.headers),
        content=response.content,
        reason=response.reason or "",
        url=response.url,
    )


class LiveTransport:
    """Real HTTP through one ``requests.Session`` per item."""

    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        self.timeout = timeout

    def send(
        self, request: OutgoingRequest, step_id: str, authorize: Authorize | None = None
    ) -> ReceivedResponse:
        if authorize is not None:
            request = copy.deepcopy(request)
            authorize(request)
        try:
            response = self.session.send(
                _prepared(request), timeout=self.timeout, allow_redirects=False
            )
        except requests.exceptions.SSLError as error:
            raise TransportError(f"TLS error talking to {request.url}: {_root(error)}") from None
        except requests.exceptions.ConnectTimeout:
            raise TransportError(
                f"connect timeout ({self.timeout[0]}s) for {request.url}"
            ) from None
        except requests.exceptions.ReadTimeout:
            raise TransportError(
                f"no answer within {self.timeout[1]}s from {request.url}"
            ) from None
        except requests.exceptions.ConnectionError as error:
            raise TransportError(
                f"cannot connect to {request.url}: {_root(error)}",
                "check the server URL (--arazzo-server NAME=URL) and that it is running",
            ) from None
        return _received(response)

    def close(self) -> None:
        self.session.close()


def _root(error: BaseException) -> str:
    """The innermost cause's message, without urllib3's nesting."""
    while error.__context__ is not None and error.__context__ is not error:
        error = error.__context__
    text = str(error)
    match = re.search(r"\[Errno -?\d+\] ([^')]+)", text)
    return match.group(1) if match else text.split(": ", 1)[-1][:200]


class RecordingTransport:
    """A live transport that keeps each exchange (without credentials) for the cassette."""

    def __init__(self, live: LiveTransport) -> None:
        self.live = live
        self.interactions: list[Interaction] = []

    def send(
        self, request: OutgoingRequest, step_id: str, authorize: Authorize | None = None
    ) -> ReceivedResponse:
        response = self.live.send(request, step_id, authorize)
        self.interactions.append(
            Interaction(step_id, request_record(request), response_record(response))
        )
        return response

    def close(self) -> None:
        self.live.close()


class ReplayMismatch(TransportError):
    """A request the cassette does not have (or not in this order)."""


class ReplayTransport:
    """Serves the cassette's interactions, in order, through ``responses``."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette
        self.position = 0
        self.session = requests.Session()
        self.session.trust_env = False
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"):
            self.mock.add_callback(
                method, re.compile(r".*"), callback=self._serve, content_type=None
            )
        self._pending: tuple[OutgoingRequest, str] | None = None
        self._started = False

    def send(
        self, request: OutgoingRequest, step_id: str, authorize: Authorize | None = None
    ) -> ReceivedResponse:
        if not self._started:
            self.mock.start()
            self._started = True
        self._pending = (request, step_id)
        return _received(self.session.send(_prepared(request), allow_redirects=False))

    def _serve(self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        assert self._pending is not None
        request, step_id = self._pending
        interactions = self.cassette.interactions
        if self.position >= len(interactions):
            raise ReplayMismatch(
                f"step '{step_id}' sent {request.method} {request.url}, but the cassette has no "
                f"more interactions (it holds {len(interactions)})",
                "the workflow now makes more requests than were recorded: re-record with --record",
            )
        interaction = interactions[self.position]
        sent = request_record(request)
        diffs = request_diff(interaction.request, sent)
        if interaction.step and interaction.step != step_id:
            diffs.insert(0, f"step: recorded '{interaction.step}', running '{step_id}'")
        if diffs:
            raise ReplayMismatch(
                f"step '{step_id}' sent {request.method} {request.url}, which does not match "
                f"interaction {self.position + 1} of {self.cassette.path.name}:\n"
                + "\n".join(f"  {line}" for line in diffs),
                "if the workflow or its inputs changed on purpose, re-record with --record",
            )
        self.position += 1
        record = interaction.response
        headers = {str(k): str(v) for k, v in (record.get("headers") or {}).items()}
        return record["status"], headers, response_body_bytes(record)

    def unused(self) -> list[Interaction]:
        return self.cassette.interactions[self.position :]

    def close(self) -> None:
        if self._started:
            self.mock.stop()
            self.mock.reset()
            self._started = False
        self.session.close()
