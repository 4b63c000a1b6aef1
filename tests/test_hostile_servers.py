"""Hostile servers and hostile request values (issue 11, the server and request side).

A CI job must never hang, never be killed for memory and never leak a key. Each test runs two
live items against a loopback server that misbehaves on purpose (standard library sockets on
127.0.0.1): ``hostile`` hits the misbehaving path, ``normal`` a well-behaved one. The hostile
item fails with one clear line (no traceback from pytest-arazzo), within a bound measured here
with generous margins, and the normal item in the same run still passes.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TEST_KEY as CANARY

OPENAPI = """\
openapi: 3.0.3
info: {title: hostile, version: '1'}
servers: [{url: 'http://127.0.0.1:9'}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /ok:
    get:
      operationId: ok
      responses:
        '200': {description: fine}
  /h/{mode}:
    get:
      operationId: hostile
      parameters:
      - {name: mode, in: path, required: true, schema: {type: string}}
      - {name: q, in: query, schema: {type: string}}
      responses:
        default: {description: anything}
  /json:
    post:
      operationId: postJson
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        default: {description: anything}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {{title: hostile, version: 1.0.0}}
sourceDescriptions:
- {{name: hostileApi, url: ../openapi/hostile.yml, type: openapi}}
workflows:
- workflowId: normal
  steps:
  - stepId: ok
    operationId: ok
    successCriteria:
    - condition: $statusCode == 200
- workflowId: hostile
  inputs:
    type: object
    properties:
      mode: {{type: string}}
      q: {{type: string}}
      amount: {{}}
  steps:
  - stepId: poke
{step}
"""

GET_MODE = """\
    operationId: hostile
    parameters:
    - {name: mode, in: path, value: $inputs.mode}
    successCriteria:
    - condition: $statusCode == 200
"""


class HostileServer:
    """Misbehaves per request path; ``/ok`` answers 200 JSON. Records every request line."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.stop = threading.Event()
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = self.connection.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                line, _, rest = head.partition(b"\r\n")
                target = line.split(b" ")[1].decode("latin-1") if b" " in line else ""
                auth = ""
                for header in rest.split(b"\r\n"):
                    name, _, value = header.partition(b":")
                    if name.strip().lower() == b"authorization":
                        auth = value.strip().decode("latin-1")
                owner.paths.append(target)
                with contextlib.suppress(OSError):  # the client hung up: fine
                    owner.serve(self.connection, target, auth)

        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def serve(self, conn: socket.socket, target: str, auth: str) -> None:
        mode = target.split("?")[0].rsplit("/", 1)[-1]
        handler = getattr(self, f"mode_{mode.replace('-', '_')}", None)
        if target == "/ok" or handler is None:
            reply(conn, 200, {"Content-Type": "application/json"}, b'{"ok": true}')
            return
        handler(conn, auth)

    def mode_stall(self, conn: socket.socket, auth: str) -> None:
        """Headers, then nothing for a minute."""
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n")
        self.stop.wait(60)

    def mode_drip(self, conn: socket.socket, auth: str) -> None:
        """Headers, then one byte a second (never a gap long enough for a read timeout)."""
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            if self.stop.wait(1.0):
                return
            conn.sendall(b"x")

    def mode_bomb(self, conn: socket.socket, auth: str) -> None:
        """A 200 MB run of zeros, gzip-compressed to about 200 kB."""
        body = gzip_bomb(200 * 1024 * 1024)
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        reply(conn, 200, headers, body)

    def mode_surrogate(self, conn: socket.socket, auth: str) -> None:
        """A JSON error with a lone surrogate, echoing the credential."""
        body = '{"error": {"message": "bad key \\ud800 ' + auth + '"}, "broken": '
        reply(conn, 400, {"Content-Type": "application/json"}, body.encode())

    def mode_redirect(self, conn: socket.socket, auth: str) -> None:
        """A redirect whose Location is no URL, and holds the credential."""
        headers = {"Location": f"http://[::1 {auth}]:x/\udc80".encode("utf-8", "surrogateescape")}
        reply(conn, 302, headers, b"")

    def mode_reset(self, conn: socket.socket, auth: str) -> None:
        """A status line and a header line that echo the credential, then the connection
        closes."""
        conn.sendall(f"HTTP/1.1 400 {auth}\r\nX-Echo {auth}\r\n\r\n".encode())

    def mode_deep(self, conn: socket.socket, auth: str) -> None:
        """A JSON body nested 100,000 arrays deep (json.loads alone would raise RecursionError)."""
        body = b"[" * 100_000 + b"]" * 100_000
        reply(conn, 200, {"Content-Type": "application/json"}, body)

    def mode_deepish(self, conn: socket.socket, auth: str) -> None:
        """A JSON body nested 900 deep: parses, but every recursive walk of it is near the limit."""
        body = b"[" * 900 + b"]" * 900
        reply(conn, 200, {"Content-Type": "application/json"}, body)

    def mode_retry_after(self, conn: socket.socket, auth: str) -> None:
        reply(conn, 429, {"Retry-After": "1000000000", "Content-Type": "application/json"}, b"{}")

    def mode_retry_date(self, conn: socket.socket, auth: str) -> None:
        headers = {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}
        reply(conn, 503, {**headers, "Content-Type": "application/json"}, b"{}")


def reply(conn: socket.socket, status: int, headers: dict[str, Any], body: bytes) -> None:
    lines = [f"HTTP/1.1 {status} X".encode()]
    for name, value in {**headers, "Content-Length": str(len(body))}.items():
        value = value if isinstance(value, bytes) else str(value).encode("latin-1")
        lines.append(name.encode() + b": " + value)
    conn.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed, built in 1 MB pieces (never held inflated)."""
    if size not in _BOMBS:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        piece = bytes(1024 * 1024)
        parts = [packer.compress(piece) for _ in range(size // len(piece))]
        _BOMBS[size] = b"".join(parts) + packer.flush()
    return _BOMBS[size]


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


def project(pytester: pytest.Pytester, step: str = GET_MODE, ini: str = "") -> None:
    (pytester.path / "specs/arazzo").mkdir(parents=True)
    (pytester.path / "specs/openapi").mkdir(parents=True)
    (pytester.path / "specs/openapi/hostile.yml").write_text(OPENAPI)
    (pytester.path / "specs/arazzo/hostile.arazzo.yml").write_text(ARAZZO.format(step=step))
    pytester.makepyprojecttoml(
        f'[tool.pytest.ini_options]\narazzo_credentials = ["hostileApi=HOSTILE_KEY"]\n{ini}'
    )


def run(
    pytester: pytest.Pytester,
    server: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
) -> tuple[pytest.RunResult, str, float]:
    """Run both items live; the result, all output, and the seconds it took."""
    monkeypatch.setenv("HOSTILE_KEY", CANARY)
    started = time.monotonic()
    # a subprocess: its memory is measured apart from this process's
    result = pytester.runpytest_subprocess(
        "specs/",
        "--live",
        "--arazzo-server",
        f"hostileApi={server.url}",
        "-p",
        "no:cacheprovider",
        *args,
    )
    took = time.monotonic() - started
    output = result.stdout.str() + "\n" + result.stderr.str()
    return result, output, took


def assert_clean(result: pytest.RunResult, output: str, *expected: str) -> None:
    """The hostile item failed with the ``expected`` lines and the normal one passed; no key and
    no traceback anywhere in the output."""
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED *::hostile - *"])
    for pattern in expected:
        result.stdout.fnmatch_lines([pattern])
    assert "CANARYpytestarazzo" not in output
    assert "Traceback" not in output and "pytest_arazzo/" not in output


RETRY = """\
    onFailure:
    - {name: again, type: retry, retryAfter: RETRY_AFTER, retryLimit: 3}
"""


# -- time ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "reading"), [("stall", "reading the response"), ("drip", "reading the response")]
)
def test_time__a_stalling_or_dripping_server_ends_at_the_item_timeout(
    pytester: pytest.Pytester,
    hostile: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    reading: str,
) -> None:
    """Headers then nothing, or one byte a second (a read timeout never fires): the item's
    deadline (ini arazzo_item_timeout) bounds the whole response, not the gap between bytes."""
    project(pytester, ini='arazzo_item_timeout = "2"')
    result, output, took = run(pytester, hostile, monkeypatch, "--arazzo-input", f"mode={mode}")
    assert_clean(
        result,
        output,
        "*the item ran out of time (arazzo_item_timeout = 2s) after *s, "
        f"{reading} to GET http://127.0.0.1:*/h/{mode}*",
        "*what to do: the server is stalled or too slow*arazzo_item_timeout*",
    )
    assert took < 30  # the server would hold the response for 60 s (stall) or 100 s (drip)


@pytest.mark.parametrize(
    ("mode", "retry_after", "asked"),
    [
        ("retry-after", "0", "Retry-After: 1000000000"),  # header over retryAfter
        ("retry-date", "0", "Retry-After: Fri, 31 Dec 9999 23:59:59 GMT"),
        ("teapot", "1000000000", "retryAfter 1e+09"),
    ],
)
def test_time__a_retry_wait_over_the_cap_fails_the_step_at_once(
    pytester: pytest.Pytester,
    hostile: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    retry_after: str,
    asked: str,
) -> None:
    """Arazzo § Failure Action Object ``retryAfter`` and the ``Retry-After`` header: a wait over
    ini arazzo_max_backoff is not waited (not even the cap): the step fails, naming both."""
    step = GET_MODE.replace("$statusCode == 200", "$statusCode == 201") + RETRY.replace(
        "RETRY_AFTER", retry_after
    )
    project(pytester, step)
    result, output, took = run(pytester, hostile, monkeypatch, "--arazzo-input", f"mode={mode}")
    assert_clean(
        result,
        output,
        f"*the retry asks to wait *s [[]{asked}[]], more than arazzo_max_backoff (30s): "
        "not retrying*",
    )
    assert "still failing after" not in output  # no retry was made
    assert took < 30
    assert hostile.paths.count(f"/h/{mode}") == 1


# -- memory --------------------------------------------------------------------------------------


def test_memory__a_gzip_bomb_stops_at_the_size_cap_after_decompression(
    pytester: pytest.Pytester, hostile: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 MB of zeros gzip-compressed to ~200 kB: read through the decoder in chunks, the
    decoded size is capped (ini arazzo_max_response_bytes), so memory stays far below 200 MB."""
    gzip_bomb(200 * 1024 * 1024)  # built before the run, outside the measurement
    project(pytester, ini='arazzo_max_response_bytes = "1000000"')
    # the run's own peak of Python allocations (ru_maxrss is no use here: Linux carries it over
    # fork and exec, so a child of a big xdist worker starts with the worker's high-water mark)
    pytester.makeconftest(
        "import tracemalloc\n\n\ndef pytest_configure(config):\n    tracemalloc.start()\n\n\n"
        "def pytest_unconfigure(config):\n"
        "    open('peak.txt', 'w').write(str(tracemalloc.get_traced_memory()[1]))\n"
    )
    result, output, _ = run(pytester, hostile, monkeypatch, "--arazzo-input", "mode=bomb")
    peak = int((pytester.path / "peak.txt").read_text())
    assert_clean(
        result,
        output,
        "*the response to GET http://127.0.0.1:*/h/bomb is larger than "
        "arazzo_max_response_bytes = 1000000 (after decompression); stopped reading at * bytes*",
        "*what to do: raise ini arazzo_max_response_bytes*",
    )
    # reading the bomb whole would allocate 200 MB at least (400 MB joined)
    assert peak < 100 * 1024 * 1024, f"peak {peak} bytes"


# -- well-formed requests ------------------------------------------------------------------------

POST_JSON = """\
    operationId: postJson
    requestBody:
      contentType: application/json
      payload: {total: {amount: $inputs.amount}}
"""
GET_QUERY = GET_MODE.replace(
    "value: $inputs.mode}", "value: $inputs.mode}\n    - {name: q, in: query, value: $inputs.q}"
)


@pytest.mark.parametrize(
    ("step", "given", "expected"),
    [
        (POST_JSON, "amount=NaN", "*requestBody: /total/amount is nan, which JSON cannot carry*"),
        (POST_JSON, "amount=-Infinity", "*/total/amount is -inf, which JSON cannot carry*"),
        (GET_MODE, "mode=", "*parameter 'mode': the value is empty, so the request would go to*"),
        (GET_MODE, "mode=" + "a" * 3000, "*parameter 'mode': the value is 3000 characters long*"),
        (
            GET_QUERY,
            "q=" + "b" * 120_000,
            "*refusing to send: the URL is 1200* characters long, more than "
            "arazzo_max_url_length (8192)*",
        ),
    ],
    ids=["nan", "infinity", "empty-path", "long-path", "long-query"],
)
def test_requests__malformed_values_fail_the_step_before_sending(
    pytester: pytest.Pytester,
    hostile: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    given: str,
    expected: str,
) -> None:
    """NaN/Infinity in a JSON body (RFC 8259 § 6), an empty or over-long path parameter
    (Arazzo § Parameter Object, ``in: path``) and an over-long URL never reach the server."""
    project(pytester, step)
    args = ["--arazzo-input", given, "--arazzo-input", "mode=x"] if "q=" in given else []
    result, output, _ = run(pytester, hostile, monkeypatch, *(args or ["--arazzo-input", given]))
    assert_clean(result, output, expected)
    assert hostile.paths == ["/ok"]


# -- secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("surrogate", "*criterion failed*$statusCode = 400*"),
        ("redirect", "*302*"),  # the workflow sees the redirect (never followed)
        ("reset", "*unparsed data: 'X-Echo <scrubbed>*"),
    ],
)
def test_secrets__never_in_the_output_of_a_hostile_answer(
    pytester: pytest.Pytester,
    hostile: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    expected: str,
) -> None:
    """The server echoes the credential in a JSON error with a lone surrogate, in a redirect's
    undecodable Location, in its status line and a malformed header (which urllib3 logs)."""
    project(pytester)
    result, output, _ = run(pytester, hostile, monkeypatch, "--arazzo-input", f"mode={mode}")
    assert_clean(result, output, expected)


# -- deep nesting --------------------------------------------------------------------------------

READ_BODY = GET_MODE.replace(
    "    - condition: $statusCode == 200\n",
    "    - condition: $statusCode == 200\n    - condition: $response.body#/0 == 1\n",
)


@pytest.mark.parametrize("mode", ["deep", "deepish"])
def test_nesting__a_deeply_nested_json_response_fails_cleanly(
    pytester: pytest.Pytester, hostile: HostileServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """A response nested past what Python can walk is a clean step failure, never a
    RecursionError traceback or an INTERNALERROR, and the other item still runs."""
    project(pytester, READ_BODY)
    result, output, took = run(pytester, hostile, monkeypatch, "--arazzo-input", f"mode={mode}")
    assert "RecursionError" not in output and "INTERNALERROR" not in output
    assert "Traceback" not in output
    result.assert_outcomes(passed=1, failed=1)  # the normal item passed
    assert "criterion failed" in output and "$response.body#/0 == 1" in output
    assert took < 60


@pytest.mark.parametrize("name", ["X Bad", "X:Bad", "X\u00e9"])
def test_requests__header_names_must_be_tokens(
    pytester: pytest.Pytester, hostile: HostileServer, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A header name that is no RFC 9110 token fails the step before sending."""
    step = GET_MODE.replace(
        "    - {name: mode, in: path, value: $inputs.mode}\n",
        "    - {name: mode, in: path, value: $inputs.mode}\n"
        f"    - {{name: '{name}', in: header, value: x}}\n",
    )
    project(pytester, step)
    result, output, _ = run(pytester, hostile, monkeypatch, "--arazzo-input", "mode=x")
    assert "Traceback" not in output
    result.assert_outcomes(passed=1, failed=1)
    assert "is not a valid header name (RFC 9110 § 5.1" in output
    assert "/h/x" not in hostile.paths
