"""Network guard: replay must never open a socket.

While a :class:`NetworkGuard` is active, ``socket.socket.connect``/``connect_ex`` and
``socket.create_connection`` refuse every Internet connection (Unix sockets stay allowed) and the
guard remembers each attempt, so the item fails even when the caller swallows the error. Patches
are installed only while at least one guard is active (e.g. for one replay item) and restored
after; they are never left in place.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

_LOCK = threading.Lock()
_ACTIVE: list[NetworkGuard] = []
_ORIGINALS: dict[str, Any] = {}


class NetworkBlocked(ConnectionRefusedError):
    """A connection attempted while replaying (an ``OSError``, so libraries handle it as such)."""


class NetworkGuard:
    """Blocks outgoing connections while entered; ``attempts`` lists what was tried."""

    def __init__(self, describe: Callable[[], str] | None = None) -> None:
        self.describe = describe
        self.attempts: list[str] = []

    def __enter__(self) -> NetworkGuard:
        with _LOCK:
            if not _ACTIVE:
                _install()
            _ACTIVE.append(self)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with _LOCK:
            if self in _ACTIVE:
                _ACTIVE.remove(self)
            if not _ACTIVE:
                _uninstall()

    def note(self, address: Any) -> str:
        """Remember an attempt; returns its description."""
        context = self.describe() if self.describe else ""
        text = f"connect to {_address(address)}" + (f" {context}" if context else "")
        self.attempts.append(text)
        return text


def _address(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return repr(address)


def _refuse(address: Any) -> NetworkBlocked:
    with _LOCK:
        guards = list(_ACTIVE)
    texts = [guard.note(address) for guard in guards] or [f"connect to {_address(address)}"]
    return NetworkBlocked(f"pytest-arazzo replay blocks network access: {texts[0]}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if self.family == getattr(socket, "AF_UNIX", None):
        _ORIGINALS["connect"](self, address)
        return None
    raise _refuse(address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if self.family == getattr(socket, "AF_UNIX", None):
        code: int = _ORIGINALS["connect_ex"](self, address)
        return code
    raise _refuse(address)


def _guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    raise _refuse(address)


def _install() -> None:
    _ORIGINALS.update(
        connect=socket.socket.connect,
        connect_ex=socket.socket.connect_ex,
        create_connection=socket.create_connection,
    )
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.create_connection = _guarded_create_connection


def _uninstall() -> None:
    if not _ORIGINALS:
        return
    socket.socket.connect = _ORIGINALS["connect"]  # type: ignore[method-assign]
    socket.socket.connect_ex = _ORIGINALS["connect_ex"]  # type: ignore[method-assign]
    socket.create_connection = _ORIGINALS["create_connection"]
    _ORIGINALS.clear()
