"""AsyncAPI documents and an in-memory message transport for the Arazzo 1.1 AsyncAPI tests.

:class:`FakeBroker` is a :class:`~pytest_arazzo.transport.messaging.MessageTransport`: one queue
per channel address; ``replies`` lets a test play the service on the other side (a message sent
to one address makes it publish answers on others).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from pytest_arazzo.transport.messaging import Channel, OutgoingMessage, ReceivedMessage

Reply = Callable[[OutgoingMessage], list[tuple[str, ReceivedMessage]]]


def _message(header: str, field: str) -> dict[str, Any]:
    return {
        "contentType": "application/json",
        "correlationId": {"location": f"$message.header#/{header}"},
        "headers": {"type": "object", "properties": {header: {"type": "string"}}},
        "payload": {"type": "object", "properties": {field: {"type": "integer"}}},
    }


def orders_asyncapi_3() -> dict[str, Any]:
    """An AsyncAPI 3.0 description: an order is placed on one channel, confirmed on another."""
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "orders", "version": "1"},
        "servers": {"broker": {"host": "localhost:9092", "protocol": "kafka"}},
        "channels": {
            "place-order": {
                "address": "orders.place",
                "messages": {"order": {"$ref": "#/components/messages/OrderRequest"}},
            },
            "confirm-order": {
                "address": "orders.confirmed",
                "messages": {"confirmation": {"$ref": "#/components/messages/OrderResponse"}},
            },
        },
        "operations": {
            "placeOrder": {"action": "receive", "channel": {"$ref": "#/channels/place-order"}},
            "confirmOrder": {"action": "send", "channel": {"$ref": "#/channels/confirm-order"}},
        },
        "components": {
            "messages": {
                "OrderRequest": _message("orderRequestId", "petId"),
                "OrderResponse": _message("orderRequestId", "orderId"),
            }
        },
    }


def orders_asyncapi_2() -> dict[str, Any]:
    """The same in AsyncAPI 2.6: channels keyed by address, publish/subscribe operationIds."""
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "orders", "version": "1"},
        "servers": {"broker": {"url": "localhost:5672", "protocol": "amqp"}},
        "channels": {
            "orders/place": {"publish": {"operationId": "placeOrder", "message": {}}},
            "orders/confirmed": {
                "subscribe": {
                    "operationId": "confirmOrder",
                    "message": _message("orderRequestId", "orderId"),
                }
            },
        },
    }


class FakeBroker:
    """An in-memory broker for one protocol: what was sent, and queues to receive from."""

    def __init__(self, reply: Reply | None = None) -> None:
        self.sent: list[tuple[Channel, OutgoingMessage]] = []
        self.queues: dict[str, deque[ReceivedMessage]] = {}
        self.reply = reply
        self.waits: list[float] = []
        self.closed = False

    def publish(self, address: str, message: ReceivedMessage) -> None:
        self.queues.setdefault(address, deque()).append(message)

    def send(self, channel: Channel, message: OutgoingMessage) -> None:
        self.sent.append((channel, message))
        for address, answer in self.reply(message) if self.reply else []:
            self.publish(address, answer)

    def receive(self, channel: Channel, timeout: float) -> ReceivedMessage | None:
        self.waits.append(timeout)
        queue = self.queues.get(channel.address)
        return queue.popleft() if queue else None

    def close(self) -> None:
        self.closed = True


def confirming(status: str = "confirmed", address: str = "orders.confirmed") -> Reply:
    """A service that answers each order: first a confirmation for another order, then its own
    (same ``orderRequestId`` header, ``orderId`` = 10 x ``petId``)."""

    def reply(message: OutgoingMessage) -> list[tuple[str, ReceivedMessage]]:
        request_id = message.headers.get("orderRequestId")
        pet = (message.payload or {}).get("petId", 0)
        other = ReceivedMessage({"orderRequestId": "someone-else"}, {"orderId": 1, "status": "x"})
        mine = ReceivedMessage(
            {"orderRequestId": request_id}, {"orderId": pet * 10, "status": status}
        )
        return [(address, other), (address, mine)]

    return reply
