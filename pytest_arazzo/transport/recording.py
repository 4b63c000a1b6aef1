"""Recording: a live transport that keeps every exchange for the cassette.

What is kept is the request as the workflow built it, so it never held the credential, the
idempotency key or the version pin (those are added to a copy by :class:`LiveTransport`).
"""

from __future__ import annotations

from pytest_arazzo.cassette.format import Interaction, request_record, response_record
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse
from pytest_arazzo.transport.base import Authorize
from pytest_arazzo.transport.limits import Deadline
from pytest_arazzo.transport.live import LiveTransport


class RecordingTransport:
    """A live transport that keeps each exchange (as the workflow built it) for the cassette."""

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

    @property
    def deadline(self) -> Deadline | None:
        return self.live.deadline

    def close(self) -> None:
        self.live.close()
