"""The seam for AsyncAPI steps (Arazzo 1.1.0 § Step Object ``channelPath``/``action``, § Defining
Success for Asynchronous Steps): a :class:`MessageTransport` per protocol.

pytest-arazzo ships no broker client. An AsyncAPI step runs only when a transport is registered
for the protocol of its AsyncAPI server (``kafka``, ``amqp``, ``mqtt``, ``ws``...); otherwise the
step fails with "AsyncAPI steps are not executed" (see :mod:`pytest_arazzo.execute.messages`).
To add one::

    from pytest_arazzo.transport.messaging import register_transport

    class KafkaTransport:
        def send(self, channel, message): ...        # publish; return when handed over
        def receive(self, channel, timeout): ...     # the next message, or None after timeout
        def close(self): ...

    register_transport("kafka", KafkaTransport())

The executor filters received messages by ``correlationId`` and judges them with the step's
``successCriteria``; a transport only moves messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "Channel",
    "MessageTransport",
    "OutgoingMessage",
    "ReceivedMessage",
    "register_transport",
    "registered",
    "transport_for",
    "unregister_transport",
]


@dataclass(frozen=True)
class Channel:
    """Where a message goes or comes from: the AsyncAPI channel and the server it is on."""

    source: str  # the Arazzo source description name
    name: str  # the channel's key in the AsyncAPI document
    address: str  # the channel address (3.x ``address``; 2.x the channel key)
    protocol: str
    server: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class OutgoingMessage:
    """A message an AsyncAPI ``send`` step publishes."""

    headers: dict[str, Any]
    payload: Any
    content_type: str = "application/json"


@dataclass
class ReceivedMessage:
    """A message a ``receive`` step got: what ``$message.header.*`` / ``$message.payload`` read."""

    headers: dict[str, Any]
    payload: Any


class MessageTransport(Protocol):
    """Moves messages for one protocol."""

    def send(self, channel: Channel, message: OutgoingMessage) -> None: ...

    def receive(self, channel: Channel, timeout: float) -> ReceivedMessage | None:
        """The next message on ``channel``; ``None`` when none came within ``timeout`` seconds."""
        ...

    def close(self) -> None:
        """Called when the transport is unregistered."""
        ...


_REGISTRY: dict[str, MessageTransport] = {}


def register_transport(protocol: str, transport: MessageTransport) -> None:
    """Use ``transport`` for AsyncAPI servers whose ``protocol`` is ``protocol`` (any case)."""
    _REGISTRY[protocol.lower()] = transport


def unregister_transport(protocol: str) -> None:
    """Stop using the transport registered for ``protocol``, and close it."""
    transport = _REGISTRY.pop(protocol.lower(), None)
    if transport is not None:
        transport.close()


def transport_for(protocol: str) -> MessageTransport | None:
    """The transport registered for ``protocol``; ``None`` when there is none."""
    return _REGISTRY.get(protocol.lower())


@contextmanager
def registered(protocol: str, transport: MessageTransport) -> Iterator[MessageTransport]:
    """``transport`` registered for ``protocol`` inside the ``with`` block only (tests)."""
    previous = _REGISTRY.pop(protocol.lower(), None)
    register_transport(protocol, transport)
    try:
        yield transport
    finally:
        unregister_transport(protocol)
        if previous is not None:
            register_transport(protocol, previous)
