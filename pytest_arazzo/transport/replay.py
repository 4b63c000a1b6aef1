"""Replay: answers requests from a cassette, never from the network.

The request is prepared by ``requests`` as usual; the recorded answer is built as ``requests``
would build it from ``responses`` (which intercepts at the adapter when the answer's reading
matters, see :class:`ReplayTransport`), so no socket is opened. Which recording answers a
request is the job of a :class:`Selector`, passed in the way ``responses`` composes registries:

- :class:`InOrder` (replay): the cassette's interactions in recorded order, each matching the
  request field by field (:class:`~pytest_arazzo.cassette.matching.RequestMatcher`); anything
  else is a :class:`ReplayMismatch`, and leftovers are reported by :meth:`ReplayTransport.unused`;
- :class:`ByStep` (fuzzing): the recording of the same step, whatever the request holds (the
  n-th run of a step gets its n-th recording, or its last); :meth:`ReplayTransport.restart`
  starts counting again for a new workflow run.
"""

from __future__ import annotations

import http.client
import re
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPHeaderDict

from pytest_arazzo.cassette.format import Cassette, Interaction, request_record
from pytest_arazzo.cassette.matching import RequestMatcher
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse
from pytest_arazzo.transport.base import Authorize, ReplayMismatch, prepared

__all__ = ["ByStep", "InOrder", "ReplayMismatch", "ReplayTransport", "Selector"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")
_DEFAULT_MATCHER = RequestMatcher()


class Selector(Protocol):
    """Picks the recording that answers a request; raises :class:`ReplayMismatch` if none."""

    def select(self, request: OutgoingRequest, step_id: str) -> Interaction: ...

    def unused(self) -> list[Interaction]: ...

    def restart(self) -> None: ...


class InOrder:
    """Strict replay: the next recorded interaction, which must match the request."""

    def __init__(self, cassette: Cassette, matcher: RequestMatcher | None = None) -> None:
        self.cassette = cassette
        self.matcher = matcher or _DEFAULT_MATCHER
        self.position = 0

    def select(self, request: OutgoingRequest, step_id: str) -> Interaction:
        interactions = self.cassette.interactions
        if self.position >= len(interactions):
            raise ReplayMismatch(
                f"step '{step_id}' sent {request.method} {request.url}, but the cassette has no "
                f"more interactions (it holds {len(interactions)})",
                "the workflow now makes more requests than were recorded: re-record with --record",
            )
        interaction = interactions[self.position]
        diffs = self.matcher.diff(interaction.request, request_record(request))
        if interaction.step and interaction.step != step_id:
            diffs.insert(0, f"step: recorded '{interaction.step}', running '{step_id}'")
        if diffs:
            raise ReplayMismatch(
                f"step '{step_id}' sent {request.method} {request.url}, which does not match "
                f"interaction {self.position + 1} of {self.cassette.shown}:\n"
                + "\n".join(f"  {line}" for line in diffs),
                "if the workflow or its inputs changed on purpose, re-record with --record; "
                "ignore volatile fields with ini arazzo_match_ignore",
            )
        self.position += 1
        return interaction

    def unused(self) -> list[Interaction]:
        return self.cassette.interactions[self.position :]

    def restart(self) -> None:
        self.position = 0


class ByStep:
    """Fuzzing replay: each step gets its own recordings in turn (by method and path when the
    step was not recorded under its id), whatever the request's values."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette
        self.by_step: dict[str, list[Interaction]] = {}
        self.by_route: dict[tuple[str, str], list[Interaction]] = {}
        for interaction in cassette.interactions:
            self.by_step.setdefault(interaction.step, []).append(interaction)
            method = str(interaction.request.get("method", "")).upper()
            path = urlsplit(str(interaction.request.get("url", ""))).path
            self.by_route.setdefault((method, path), []).append(interaction)
        self.counts: dict[str, int] = {}

    def select(self, request: OutgoingRequest, step_id: str) -> Interaction:
        recorded = self.by_step.get(step_id) or self.by_route.get(
            (request.method.upper(), request.path)
        )
        if not recorded:
            raise ReplayMismatch(
                f"the cassette {self.cassette.shown} has no interaction for step '{step_id}' "
                f"({request.method} {request.path})",
                "replay fuzzing answers each step with its recorded response: re-record the "
                "cassette so it covers this step",
            )
        count = self.counts.get(step_id, 0)
        self.counts[step_id] = count + 1
        return recorded[min(count, len(recorded) - 1)]

    def unused(self) -> list[Interaction]:
        return []  # any recording may answer any number of requests

    def restart(self) -> None:
        self.counts.clear()


class ReplayTransport:
    """Serves a cassette's interactions, as ``selector`` picks them (default: :class:`InOrder`
    with ``matcher``).

    An answer is built directly as ``requests`` would build it from ``responses``' reply
    (:func:`_served_directly`: status, headers merged as urllib3 merges them, the body bytes,
    the reason phrase, the prepared URL); an answer whose reading urllib3 would change (a
    ``Content-Encoding``, ``Content-Length`` or ``Transfer-Encoding`` header, a ``HEAD``
    request, a status without a body) goes through ``requests`` and ``responses`` as before.

    ``mismatch`` holds the first :class:`ReplayMismatch` (the flag for "stale cassette");
    ``current`` describes the request being served (for the network guard's messages).
    """

    def __init__(
        self,
        cassette: Cassette,
        matcher: RequestMatcher | None = None,
        selector: Selector | None = None,
    ) -> None:
        self.cassette = cassette
        self.selector: Selector = selector or InOrder(cassette, matcher)
        self.mismatch: ReplayMismatch | None = None
        self.session: requests.Session | None = None  # made for the first indirect answer
        self.mock: Any = None
        self._pending: tuple[OutgoingRequest, str] | None = None
        self._reply: tuple[int, dict[str, str], bytes] | None = None
        self._started = False

    def send(
        self, request: OutgoingRequest, step_id: str, authorize: Authorize | None = None
    ) -> ReceivedResponse:
        self._pending = (request, step_id)
        outgoing = prepared(request)
        try:
            reply = self.selector.select(request, step_id).reply
        except ReplayMismatch as mismatch:
            if self.mismatch is None:
                self.mismatch = mismatch
            raise
        if _served_directly(str(outgoing.method), reply):
            status, headers, body = reply
            return ReceivedResponse(
                status=status,
                headers=CaseInsensitiveDict(_merged_headers(tuple(headers.items()))),
                content=body,
                reason=http.client.responses.get(status, ""),
                url=str(outgoing.url),
            )
        self._start()
        assert self.session is not None
        self._reply = reply
        response = self.session.send(outgoing, allow_redirects=False)
        return ReceivedResponse.from_requests(response)

    def _start(self) -> None:
        """``requests`` with ``responses`` answering (imported only when first needed)."""
        if self._started:
            return
        import responses

        self.session = requests.Session()
        self.session.trust_env = False
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in METHODS:
            self.mock.add_callback(
                method, re.compile(r".*"), callback=self._serve, content_type=None
            )
        self.mock.start()
        self._started = True

    @property
    def current(self) -> str:
        if self._pending is None:
            return ""
        request, step_id = self._pending
        return f"while step '{step_id}' sent {request.method} {request.url}"

    def _serve(self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        assert self._reply is not None
        reply, self._reply = self._reply, None
        return reply

    def unused(self) -> list[Interaction]:
        """Recorded interactions no request asked for (strict replay: the cassette is stale)."""
        return self.selector.unused()

    def restart(self) -> None:
        """A new workflow run over the same cassette starts."""
        self.selector.restart()

    def close(self) -> None:
        if self._started:
            self.mock.stop()
            self.mock.reset()
            self._started = False
        if self.session is not None:
            self.session.close()


@lru_cache(maxsize=512)
def _merged_headers(items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Recorded response headers as urllib3 hands them to ``requests`` (a name given twice, in
    any letter case, becomes one ``a, b``); a pure function of the headers, so worked out once
    per recorded answer however often it is replayed."""
    merged = HTTPHeaderDict(items)
    return tuple((name, merged[name]) for name in merged)


# Response headers that make urllib3 read the body differently (decode, cut or de-chunk it).
_READ_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _served_directly(method: str, reply: tuple[int, dict[str, str], bytes]) -> bool:
    """Whether urllib3 would hand the recorded body over unchanged: a method ``responses``
    answers, not ``HEAD``, a status with a body (not 1xx, 204 or 304) and no header that
    changes how the body is read."""
    status, headers, _ = reply
    return (
        method in METHODS
        and method != "HEAD"
        and isinstance(status, int)
        and status >= 200
        and status not in (204, 304)
        and not any(name.lower() in _READ_HEADERS for name in headers)
    )
