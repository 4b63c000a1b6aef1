"""What the tests' HTTP servers share (standard library only): a quiet HTTP/1.1 request handler
that answers in one write, and a daemon thread serving on 127.0.0.1.

Used by ``tests/echo_api.py``, ``tests/stripe_server.py`` and ``tests/conformance/server.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no request log, headers and body in one write (no delayed-ACK
    stalls)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_reply(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
        """Status, headers, ``Content-Length`` and the payload (none for HEAD)."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet during tests."""


class ServerThread:
    """Serves ``httpd`` in a daemon thread until :meth:`stop` (which releases the port)."""

    def __init__(self, httpd: HTTPServer, name: str = "loopback") -> None:
        self.httpd = httpd
        host, port = httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self.thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"{name}-{port}",
            daemon=True,
        )

    def start(self) -> str:
        self.thread.start()
        return self.url

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
