"""A loopback echo API for recording/replay/scrubbing tests, with its OpenAPI and Arazzo files.

``EchoServer`` answers every request with JSON echoing method, path, query, headers and body (and
sets a cookie), so a value sent anywhere comes back in the response body too. ``echo_project``
lays out a pytester project whose one workflow sends ``$inputs.key`` in the URL path, a query
parameter, a header and a form field, authenticated per the chosen security scheme.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.loopback import QuietHandler, ServerThread

CANARY = "sk_test_CANARYechoApi0123456789"
ECHO_NODE = "specs/arazzo/echo.arazzo.yml::echo-canary"
CASSETTE = "fixtures/cassettes/specs/arazzo/echo/echo-canary.yaml"

SCHEMES = {
    "bearer": "{type: http, scheme: bearer}",
    "basic": "{type: http, scheme: basic}",
    "header": "{type: apiKey, in: header, name: X-Api-Key}",
    "query": "{type: apiKey, in: query, name: api_key}",
    "cookie": "{type: apiKey, in: cookie, name: session_key}",
}

OPENAPI = """\
openapi: 3.0.3
info: {{title: echo, version: '1'}}
servers: [{{url: 'http://127.0.0.1:9'}}]
components:
  securitySchemes:
    auth: {scheme}
security: [{{auth: []}}]
paths:
  /echo/{{token}}:
    post:
      operationId: echo
      parameters:
      - {{name: token, in: path, required: true, schema: {{type: string}}}}
      - {{name: q, in: query, schema: {{type: string}}}}
      - {{name: X-Canary, in: header, schema: {{type: string}}}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {{type: object}}
      responses:
        '200': {{description: echo}}
  /ping:
    get:
      operationId: ping
      responses:
        '200': {{description: pong}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: echo, version: 1.0.0}
sourceDescriptions:
- {name: echoApi, url: ../openapi/echo.yml, type: openapi}
workflows:
- workflowId: echo-canary
  inputs:
    type: object
    properties:
      key: {type: string}
      note: {type: string}
  steps:
  - stepId: echo
    operationId: echo
    parameters:
    - {name: token, in: path, value: $inputs.key}
    - {name: q, in: query, value: $inputs.key}
    - {name: X-Canary, in: header, value: $inputs.key}
    requestBody:
      contentType: application/x-www-form-urlencoded
      payload:
        secret: $inputs.key
        note: $inputs.note
    successCriteria:
    - condition: $statusCode == 200
    outputs:
      echoed: $response.body#/form/secret
  - stepId: ping
    operationId: ping
    successCriteria:
    - condition: $statusCode == 200
"""

INPUTS = """\
echo-canary:
  default:
    note: hello
"""


class EchoServer:
    """Echoes every request as JSON; ``script`` may override a response (status, headers, body)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, str], bytes]] = []
        self.on_request: Callable[[dict[str, Any]], None] | None = None
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        httpd.daemon_threads = True
        self.serving = ServerThread(httpd, "echo")
        self.url = self.serving.url

    def __enter__(self) -> EchoServer:
        self.serving.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.serving.stop()

    def answer(self, record: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        self.requests.append(record)
        if self.on_request is not None:
            self.on_request(record)
        if self.script:
            return self.script.pop(0)
        headers = {"Content-Type": "application/json", "Set-Cookie": "sid=s3cr3tcookie; Path=/"}
        return 200, headers, json.dumps(record).encode()


def _handler(server: EchoServer) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def _serve(self) -> None:
            body = self.read_body().decode()
            split = urlsplit(self.path)
            record = {
                "method": self.command,
                "path": split.path,
                "query": dict(parse_qsl(split.query)),
                "headers": dict(self.headers.items()),
                "form": dict(parse_qsl(body)),
            }
            self.send_reply(*server.answer(record))

        do_GET = do_POST = _serve

    return Handler


def echo_project(pytester: pytest.Pytester, scheme: str = "header", ini: str = "") -> None:
    """Lay out the echo workflow project in ``pytester.path`` (credential: ``ECHO_KEY``)."""
    (pytester.path / "specs/arazzo").mkdir(parents=True)
    (pytester.path / "specs/openapi").mkdir(parents=True)
    (pytester.path / "fixtures/inputs").mkdir(parents=True)
    (pytester.path / "specs/openapi/echo.yml").write_text(OPENAPI.format(scheme=SCHEMES[scheme]))
    (pytester.path / "specs/arazzo/echo.arazzo.yml").write_text(ARAZZO)
    (pytester.path / "fixtures/inputs/echo.yaml").write_text(INPUTS)
    pytester.makepyprojecttoml(
        f'[tool.pytest.ini_options]\narazzo_credentials = ["echoApi=ECHO_KEY"]\n{ini}'
    )
