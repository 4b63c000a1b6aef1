"""AsyncAPI source descriptions (Arazzo 1.1.0 § Source Description Object ``type: asyncapi``):
what an Arazzo step can name in an AsyncAPI 2.x or 3.x document.

- **Channels** by JSON Pointer (``channelPath``): ``/channels/<key>``. The address is 3.x
  ``address`` (the key when absent or null) or, in 2.x, the key itself.
- **Operations** by id (``operationId``): 3.x ``operations`` keys (with ``action`` and ``channel``
  ``$ref``); 2.x ``publish``/``subscribe`` ``operationId`` under each channel.
- **Servers**: the channel's ``servers`` (3.x ``$ref``\\ s, 2.x names) or else every server of the
  document, each with its ``protocol``.
- **Correlation**: a channel's (or operation's) messages' ``correlationId.location``
  (``$message.header#/id``, ``$message.payload#/id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pytest_arazzo.document.pointer import PointerError, escape_token, parse_pointer
from pytest_arazzo.document.sources import Source, SourceError

__all__ = ["AsyncApi", "AsyncChannel", "AsyncOperation"]


@dataclass
class AsyncChannel:
    key: str
    pointer: str
    address: str
    servers: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def correlation_location(self) -> str | None:
        """The first ``correlationId.location`` of the channel's messages."""
        for message in self.messages:
            correlation = message.get("correlationId")
            if isinstance(correlation, dict) and isinstance(correlation.get("location"), str):
                return str(correlation["location"])
        return None


@dataclass
class AsyncOperation:
    operation_id: str
    action: str  # the AsyncAPI action (3.x send/receive; 2.x publish/subscribe)
    channel: AsyncChannel


class AsyncApi:
    """An AsyncAPI document loaded as a :class:`Source`."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.data = source.data

    @property
    def version(self) -> str:
        return str(self.data.get("asyncapi", ""))

    @property
    def major(self) -> str:
        return self.version.split(".", 1)[0]

    def version_problem(self) -> str:
        """Why the document is no AsyncAPI 2.x/3.x document (``""``: it is one)."""
        if self.major in ("2", "3"):
            return ""
        return (
            f"source '{self.source.name}' ({self.source.url}) has asyncapi: "
            f"{self.version or '(empty)'!s}; pytest-arazzo reads AsyncAPI 2.x and 3.x documents"
        )

    def _deref(self, value: Any) -> Any:
        try:
            return self.source.refs.deref(value)[0]
        except SourceError:
            return None

    def _mapping(self, value: Any) -> dict[str, Any]:
        value = self._deref(value)
        return value if isinstance(value, dict) else {}

    @property
    def channel_keys(self) -> list[str]:
        return [str(key) for key in self._mapping(self.data.get("channels"))]

    def channel(self, key: str) -> AsyncChannel | None:
        channels = self._mapping(self.data.get("channels"))
        if key not in channels:
            return None
        raw = self._mapping(channels[key])
        address = raw.get("address") if self.major == "3" else key
        messages: list[dict[str, Any]] = []
        if self.major == "3":
            messages = [self._mapping(m) for m in self._mapping(raw.get("messages")).values()]
        else:
            for kind in ("publish", "subscribe"):
                message = self._mapping(self._mapping(raw.get(kind)).get("message"))
                messages += [self._mapping(m) for m in message.get("oneOf", [message])]
        return AsyncChannel(
            key=key,
            pointer=f"/channels/{escape_token(key)}",
            address=str(address) if isinstance(address, str) else key,
            servers=self._servers(raw.get("servers")),
            messages=[message for message in messages if message],
        )

    def channel_at(self, pointer: str) -> AsyncChannel | None:
        """The channel at ``/channels/<key>`` (``None``: no channel there)."""
        try:
            tokens = parse_pointer(pointer)
        except PointerError:
            return None
        if len(tokens) != 2 or tokens[0] != "channels":
            return None
        return self.channel(tokens[1])

    def _servers(self, listed: Any) -> list[dict[str, Any]]:
        servers = self._mapping(self.data.get("servers"))
        if not isinstance(listed, list) or not listed:
            return [self._mapping(server) for server in servers.values()]
        chosen = []
        for item in listed:
            if isinstance(item, str):  # 2.x: a server name
                chosen.append(self._mapping(servers.get(item)))
            else:  # 3.x: a $ref to a Server Object
                chosen.append(self._mapping(item))
        return [server for server in chosen if server]

    @cached_property
    def operations(self) -> dict[str, AsyncOperation]:
        """The operations by id, each with its channel (built once: planners read it per step)."""
        found: dict[str, AsyncOperation] = {}
        if self.major == "3":
            for operation_id, raw in self._mapping(self.data.get("operations")).items():
                operation = self._mapping(raw)
                ref = operation.get("channel")
                key = _channel_key(ref.get("$ref") if isinstance(ref, dict) else None)
                channel = self.channel(key) if key else None
                if channel is not None:
                    action = str(operation.get("action", ""))
                    found[str(operation_id)] = AsyncOperation(str(operation_id), action, channel)
            return found
        for key in self.channel_keys:
            raw = self._mapping(self._mapping(self.data.get("channels")).get(key))
            for kind in ("publish", "subscribe"):
                operation = self._mapping(raw.get(kind))
                named = operation.get("operationId")
                channel = self.channel(key)
                if isinstance(named, str) and channel is not None:
                    found[named] = AsyncOperation(named, kind, channel)
        return found


def _channel_key(ref: Any) -> str | None:
    """``#/channels/<key>`` → the key (``None`` for anything else)."""
    if not isinstance(ref, str) or not ref.startswith("#/channels/"):
        return None
    try:
        tokens = parse_pointer(ref[1:])
    except PointerError:
        return None
    return tokens[1] if len(tokens) == 2 else None
