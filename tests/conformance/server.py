"""A programmable loopback HTTP server for the conformance suite (standard library only).

Routes are registered per test as ``(method, path regex) → handler``; the handler receives the
recorded :class:`Request` (and the regex match) and returns a :class:`Reply`, a dict/list (JSON,
status 200) or a ``(status, body)`` / ``(status, headers, body)`` tuple. Every request is
recorded, matched or not; an unmatched request gets ``404 {"error": "no route ..."}``.

    with LoopbackServer() as server:
        server.route("GET", r"/pets/(?P<id>\\d+)", lambda request, match: {"id": match["id"]})
        server.replies("POST", "/orders", [Reply(503), Reply(201, body={"id": 1})])
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.loopback import QuietHandler, ServerThread


@dataclass
class Request:
    """One request as the server received it."""

    method: str
    path: str  # percent-decoded
    raw_path: str  # as sent, without the query
    query: list[tuple[str, str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    raw_query: str = ""  # as sent, without the '?'

    @property
    def args(self) -> dict[str, str]:
        return dict(self.query)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body.decode())

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def cookies(self) -> dict[str, str]:
        raw = self.header("cookie") or ""
        pairs = [part.strip().partition("=") for part in raw.split(";") if part.strip()]
        return {name: unquote(value) for name, _, value in pairs}


@dataclass
class Reply:
    """What a route answers; ``body`` dict/list → JSON, str → text, bytes as is."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if self.body is None:
            return b"", headers
        if isinstance(self.body, bytes):
            return self.body, headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return self.body.encode(), headers
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(self.body).encode(), headers


Handler = Callable[[Request, "re.Match[str]"], Any]


def as_reply(value: Any) -> Reply:
    """Normalize what a handler returned."""
    if isinstance(value, Reply):
        return value
    if isinstance(value, tuple):
        if len(value) == 2:
            return Reply(value[0], value[1])
        return Reply(value[0], value[2], dict(value[1]))
    return Reply(200, value)


class LoopbackServer:
    """``ThreadingHTTPServer`` on 127.0.0.1, port 0, in a daemon thread."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._serving = ServerThread(httpd, "conformance")

    @property
    def url(self) -> str:
        return self._serving.url

    def __enter__(self) -> LoopbackServer:
        self._serving.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._serving.stop()

    # -- routes ---------------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler | Any) -> LoopbackServer:
        """Answer ``method`` on a path matching ``pattern`` (full match) with ``handler``."""
        if not callable(handler):
            fixed = handler
            handler = lambda request, match: fixed  # noqa: E731
        self.routes.insert(0, (method.upper(), re.compile(pattern), handler))
        return self

    def replies(self, method: str, pattern: str, replies: Iterable[Any]) -> LoopbackServer:
        """Answer successive requests with successive replies; the last one repeats."""
        queue = list(replies)

        def next_reply(request: Request, match: re.Match[str]) -> Any:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        return self.route(method, pattern, next_reply)

    def received(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """Recorded requests, optionally filtered by method and exact decoded path."""
        return [
            request
            for request in self.requests
            if (method is None or request.method == method.upper())
            and (path is None or request.path == path)
        ]

    def _answer(self, request: Request) -> Reply:
        for method, pattern, handler in self.routes:
            if method in (request.method, "*"):
                match = pattern.fullmatch(request.path)
                if match:
                    return as_reply(handler(request, match))
        return Reply(404, {"error": f"no route for {request.method} {request.path}"})

    def _handler_class(self) -> type[QuietHandler]:
        server = self

        class _Handler(QuietHandler):
            def _handle(self) -> None:
                body = self.read_body()
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=unquote(parts.path),
                    raw_path=parts.path,
                    query=parse_qsl(parts.query, keep_blank_values=True),
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                    raw_query=parts.query,
                )
                with server._lock:
                    server.requests.append(request)
                try:
                    reply = server._answer(request)
                except Exception as error:  # a bug in a test handler: answer, don't hang
                    reply = Reply(599, {"error": f"handler raised {error!r}"})
                data, headers = reply.encode()
                self.send_reply(reply.status, headers, data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

        return _Handler
