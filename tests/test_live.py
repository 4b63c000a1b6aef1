"""Live and recording runs: credentials per security scheme, live keys refused, idempotency keys,
Stripe-Version pin, throttle, backoff on 429 (never 5xx), and one clear line per network failure."""

from __future__ import annotations

import base64
import gzip
import socket
import uuid
from http.server import HTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from pytest_arazzo.http.auth import CredentialError, Credentials
from pytest_arazzo.http.messages import OutgoingRequest
from pytest_arazzo.transport.base import TransportError
from pytest_arazzo.transport.limits import Deadline
from pytest_arazzo.transport.live import (
    IDEMPOTENCY_NAMESPACE,
    LiveOptions,
    LiveTransport,
    backoff_delay,
    uuid5_text,
)
from pytest_arazzo.transport.recording import RecordingTransport
from pytest_arazzo.transport.throttle import Throttle
from tests.conftest import record_args
from tests.echo_api import CANARY, CASSETTE, SCHEMES, EchoServer, echo_project
from tests.loopback import QuietHandler, ServerThread
from tests.stripe_server import StripeServer

SEED_CASSETTE = (
    "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice/"
    "create-and-finalize-invoice.yaml"
)


def operation(scheme: dict[str, Any], security: list | None = None) -> Any:
    source = SimpleNamespace(name="api", security_schemes={"auth": scheme})
    return SimpleNamespace(source=source, security=security)


def request(url: str = "http://127.0.0.1:9", path: str = "/v1/x", method: str = "GET") -> Any:
    return OutgoingRequest(method, url, path)


# -- credentials -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "secret", "check"),
    [
        (
            {"type": "http", "scheme": "bearer"},
            "sk_test_1",
            lambda r: r.headers["Authorization"] == "Bearer sk_test_1",
        ),
        (
            {"type": "http", "scheme": "basic"},
            "user:pa:ss",
            lambda r: (
                r.headers["Authorization"] == "Basic " + base64.b64encode(b"user:pa:ss").decode()
            ),
        ),
        (  # Stripe style: the key as the user name, no password
            {"type": "http", "scheme": "basic"},
            "sk_test_1",
            lambda r: (
                r.headers["Authorization"] == "Basic " + base64.b64encode(b"sk_test_1:").decode()
            ),
        ),
        (
            {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "k1",
            lambda r: r.headers["X-Api-Key"] == "k1",
        ),
        (
            {"type": "apiKey", "in": "query", "name": "api_key"},
            "k1",
            lambda r: r.url.endswith("/v1/x?api_key=k1"),
        ),
        (
            {"type": "apiKey", "in": "cookie", "name": "session"},
            "k1",
            lambda r: r.headers["Cookie"] == "theme=dark; session=k1",
        ),
    ],
    ids=["bearer", "basic", "basic-key-only", "apikey-header", "apikey-query", "apikey-cookie"],
)
def test_credential_applied_per_security_scheme(scheme: dict, secret: str, check: Any) -> None:
    outgoing = request()
    if scheme.get("in") == "cookie":
        outgoing.headers["Cookie"] = "theme=dark"
    Credentials({"api": "KEY"}, {"KEY": secret}).apply(outgoing, operation(scheme))
    assert check(outgoing)


def test_operation_with_empty_security_gets_no_credential() -> None:
    """OpenAPI ``security: []`` on an operation means it takes no authentication."""
    outgoing = request()
    bearer = {"type": "http", "scheme": "bearer"}
    Credentials({"api": "KEY"}, {"KEY": "sk_test_1"}).apply(outgoing, operation(bearer, []))
    assert "Authorization" not in outgoing.headers
    Credentials({"api": "KEY"}, {"KEY": "sk_test_1"}).apply(outgoing, operation(bearer, None))
    assert outgoing.headers["Authorization"] == "Bearer sk_test_1"


@pytest.mark.parametrize("key", ["sk_live_abc123", "rk_live_abc123", "pk_live_abc123"])
def test_live_keys_refused_always(key: str) -> None:
    credentials = Credentials({"api": "STRIPE_API_KEY"}, {"STRIPE_API_KEY": key})
    with pytest.raises(CredentialError, match=r"STRIPE_API_KEY holds a live-mode key .* refuses"):
        credentials.for_source("api")


@pytest.mark.parametrize("flag", ["--live", "--record"])
def test_live_key__run_refused_before_any_request(
    seed_project: pytest.Pytester,
    stripe_server: StripeServer,
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_live_0123456789abcdef")
    result = seed_project.runpytest(
        "specs/", flag, "--arazzo-server", f"invoiceApi={stripe_server.url}"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*STRIPE_API_KEY holds a live-mode key (sk_live_...)*test-mode*"])
    assert stripe_server.requests == []
    assert not (seed_project.path / "fixtures/cassettes").exists()


@pytest.mark.parametrize("flag", ["--live", "--record"])
def test_live_key_in_an_input__refused_before_any_request(
    seed_project: pytest.Pytester,
    stripe_server: StripeServer,
    test_key: str,
    flag: str,
) -> None:
    """A live key given as an input value (or in an input file) is never sent either."""
    result = seed_project.runpytest(
        "specs/", flag, "--arazzo-server", f"invoiceApi={stripe_server.url}",
        "--arazzo-input", "customer=sk_live_0123456789abcdef", "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*refusing to send: the body holds a live-mode key (sk_live_...)*"]
    )
    assert stripe_server.requests == []
    assert not (seed_project.path / "fixtures/cassettes").exists()


@pytest.mark.parametrize(
    ("where", "secret"),
    [("header", " sk_live_0123456789"), ("basic", "user:rk_live_0123456789")],
)
def test_live_key_in_credential_with_unusual_form__refused(where: str, secret: str) -> None:
    """Refused whatever the scheme puts around it (padding, Basic user:password): by the
    credential check, and by the transport when the value arrives unchecked."""
    scheme = {"type": "http", "scheme": "basic"} if where == "basic" else {
        "type": "apiKey", "in": "header", "name": "X-Api-Key"
    }  # fmt: skip
    with pytest.raises(CredentialError, match=r"KEY holds a live-mode key \((sk|rk)_live_\.\.\.\)"):
        Credentials({"api": "KEY"}, {"KEY": secret}).for_source("api")
    unchecked = Credentials({"api": "KEY"}, {"KEY": secret}, refused=())
    transport = LiveTransport(options=LiveOptions(max_attempts=1))
    with pytest.raises(TransportError, match=r"holds a live-mode key \((sk|rk)_live_\.\.\.\)"):
        transport.send(request(), "s", lambda r: unchecked.apply(r, operation(scheme)))


@pytest.mark.parametrize("scheme", ["query", "cookie", "basic"])
def test_recorded_credential__never_in_cassette(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    """Applied per scheme on the wire copy only; replay needs no key."""
    assert scheme in SCHEMES
    echo_project(pytester, scheme=scheme)
    monkeypatch.setenv("ECHO_KEY", CANARY)
    with EchoServer() as server:
        result = pytester.runpytest(
            "specs/", "--record", "--arazzo-server", f"echoApi={server.url}",
            "--arazzo-input", "key=k", "-p", "no:cacheprovider",
        )  # fmt: skip
        result.assert_outcomes(passed=1)
        wire = server.requests[0]
    basic = base64.b64encode(f"{CANARY}:".encode()).decode()
    assert CANARY in str(wire) or basic in str(wire)
    text = (pytester.path / CASSETTE).read_text()
    assert "CANARY" not in text and basic[:-4] not in text
    assert "api_key=" not in text.split("json:")[0]  # the query key was never recorded
    monkeypatch.delenv("ECHO_KEY")
    pytester.runpytest("specs/", "-p", "no:cacheprovider").assert_outcomes(passed=1)


# -- idempotency keys and the Stripe-Version pin -------------------------------------------------


def test_posts_get_idempotency_keys__not_recorded(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.runpytest("specs/", *record_args(stripe_server)).assert_outcomes(passed=1)
    keys = [r["headers"].get("Idempotency-Key") for r in stripe_server.requests]
    assert all(r["method"] == "POST" for r in stripe_server.requests)
    assert len(set(keys)) == 3 and all(uuid.UUID(key) for key in keys)
    assert "Idempotency-Key" not in (seed_project.path / SEED_CASSETTE).read_text()


def test_stripe_version_pin__sent_stored_and_checked(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    pyproject = (
        '[tool.pytest.ini_options]\narazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]\n'
        'arazzo_stripe_version = "{}"\n'
    )
    seed_project.makepyprojecttoml(pyproject.format("2024-06-20"))
    seed_project.runpytest("specs/", *record_args(stripe_server)).assert_outcomes(passed=1)
    assert {r["headers"]["Stripe-Version"] for r in stripe_server.requests} == {"2024-06-20"}
    text = (seed_project.path / SEED_CASSETTE).read_text()
    data = yaml.safe_load(text)
    assert data["stripe_version"] == "2024-06-20"
    assert all(
        "Stripe-Version" not in i["request"].get("headers", {}) for i in data["interactions"]
    )
    seed_project.runpytest("specs/").assert_outcomes(passed=1)

    seed_project.makepyprojecttoml(pyproject.format("2025-01-27"))
    stale = seed_project.runpytest("specs/")
    stale.assert_outcomes(failed=1)
    stale.stdout.fnmatch_lines([
        "*create-and-finalize-invoice.yaml was recorded with Stripe-Version 2024-06-20, but "
        "arazzo_stripe_version is 2025-01-27",
    ])  # fmt: skip
    stripe_server.reset()
    seed_project.runpytest("specs/", *record_args(stripe_server)).assert_outcomes(passed=1)
    assert yaml.safe_load((seed_project.path / SEED_CASSETTE).read_text())["stripe_version"] == (
        "2025-01-27"
    )


def test_stripe_version__contract_failure_names_the_pinned_and_the_answered_version(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    """The account answers another Stripe-Version than the pin and the response breaks the
    contract: the failure says which version was pinned and which one answered."""
    seed_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]\n'
        'arazzo_stripe_version = "2023-10-16"\n'
    )
    stripe_server.fail_next(
        200, {"id": 42, "object": "invoice"}, {"Stripe-Version": "2024-04-10"}, times=5
    )
    result = seed_project.runpytest(
        "specs/", "--live", "--arazzo-server", f"invoiceApi={stripe_server.url}"
    )
    result.assert_outcomes(failed=1)
    assert stripe_server.requests[0]["headers"]["Stripe-Version"] == "2023-10-16"
    result.stdout.fnmatch_lines([
        "*contract violations:*",
        "*requests pinned Stripe-Version 2023-10-16 (arazzo_stripe_version), but the account "
        "answered with Stripe-Version 2024-04-10*",
    ])  # fmt: skip


def test_stripe_version__same_version_adds_no_note(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    seed_project.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]\n'
        'arazzo_stripe_version = "2023-10-16"\n'
    )
    stripe_server.fail_next(200, {"id": 42, "object": "invoice"}, times=5)
    result = seed_project.runpytest(
        "specs/", "--live", "--arazzo-server", f"invoiceApi={stripe_server.url}"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*contract violations:*"])
    assert "answered with Stripe-Version" not in result.stdout.str()


def form_post(server: StripeServer, path: str, body: bytes) -> OutgoingRequest:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return OutgoingRequest("POST", server.url or "", path, headers, body)


def authorize(outgoing: OutgoingRequest) -> None:
    outgoing.headers["Authorization"] = "Bearer sk_test_abc"


def test_429__retried_with_retry_after_and_the_same_idempotency_key() -> None:
    waits: list[float] = []
    with StripeServer() as server:
        server.fail_next(429, headers={"Retry-After": "2"}, times=2)
        live = LiveTransport(options=LiveOptions(sleep=waits.append, item="t::x"))
        recording = RecordingTransport(live)
        body = b"customer=cus_PYTESTARAZZO01"
        response = recording.send(form_post(server, "/v1/invoices", body), "create", authorize)
        assert response.status == 200
        assert [r["status"] for r in server.requests] == [429, 429, 200]
        keys = {r["headers"]["Idempotency-Key"] for r in server.requests}
        assert len(keys) == 1  # stable across the transport's retries
        assert waits == [2.0, 2.0]
        # only the final exchange is recorded, without key or credential
        assert len(recording.interactions) == 1
        assert "Idempotency-Key" not in str(recording.interactions[0].request)
        # the same step sending the same request again after success: a new key
        live.send(form_post(server, "/v1/invoices", body), "create", authorize)
        assert server.requests[-1]["headers"]["Idempotency-Key"] not in keys


@pytest.mark.parametrize(
    "name", ["", "run\nt::x\ncreate\nab12\n0", "\u00e9\u4e2d\U0001f600", "x" * 300]
)
def test_idempotency_key__the_uuid5_of_the_request(name: str) -> None:
    """Stripe § Idempotent requests: the key is ``uuid5(namespace, fingerprint and count)``,
    built without the ``UUID`` object: the same text ``uuid.uuid5`` gives."""
    assert uuid5_text(name) == str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, name))
    assert uuid.UUID(uuid5_text(name)).version == 5


def test_429__bounded_attempts_then_the_answer_goes_to_the_workflow() -> None:
    waits: list[float] = []
    with StripeServer() as server:
        server.fail_next(429, times=10)
        options = LiveOptions(max_attempts=3, max_backoff=0.75, sleep=waits.append)
        response = LiveTransport(options=options).send(
            form_post(server, "/v1/invoices", b"customer=cus_PYTESTARAZZO01"), "create", authorize
        )
        assert response.status == 429 and len(server.requests) == 3
        assert waits == [0.5, 0.75]  # exponential, capped by max_backoff
        assert [earlier.status for earlier in response.earlier] == [429, 429]


def test_503__never_retried_by_the_transport() -> None:
    """A 5xx is the workflow's to retry (onFailure: retry), not the transport's."""
    waits: list[float] = []
    with StripeServer() as server:
        server.fail_next(503, times=10)
        response = LiveTransport(options=LiveOptions(sleep=waits.append)).send(
            form_post(server, "/v1/invoices", b"customer=cus_PYTESTARAZZO01"), "create", authorize
        )
        assert response.status == 503 and len(server.requests) == 1 and waits == []


@pytest.mark.parametrize(
    ("attempt", "header", "expected"),
    [(1, None, 0.5), (3, None, 2.0), (1, "7", 7.0), (1, "120", 30.0), (1, "soon", 0.5),
     (1, "Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)  # fmt: skip
def test_backoff_delay(attempt: int, header: str | None, expected: float) -> None:
    assert backoff_delay(attempt, header, 30.0) == expected


def test_throttle__under_the_rate_in_any_window() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(25, clock=lambda: now[0], sleep=sleep)
    starts = []
    for _ in range(60):
        throttle.wait()
        starts.append(now[0])
    assert starts[:25] == [0.0] * 25  # a burst under the limit is not delayed
    for i in range(len(starts) - 25):
        assert starts[i + 25] - starts[i] >= 1.0 - 1e-9  # never 26 starts within one second
    assert Throttle(0).wait() == 0.0
    half = Throttle(0.5, clock=lambda: now[0], sleep=sleep)
    half.wait()
    assert half.wait() == pytest.approx(2.0)


def test_throttle__used_by_live_requests() -> None:
    calls: list[str] = []

    class Counting(Throttle):
        def wait(self) -> float:
            calls.append("wait")
            return 0.0

    with EchoServer() as server:
        options = LiveOptions(throttle=Counting(25))
        LiveTransport(options=options).send(request(server.url, "/ping"), "s")
    assert calls == ["wait"]


# -- network failures: one clear line each --------------------------------------------------------


def one_line_failure(transport: LiveTransport, outgoing: OutgoingRequest) -> str:
    with pytest.raises(TransportError) as caught:
        transport.send(outgoing, "step")
    assert "\n" not in caught.value.message
    return caught.value.message


class _Bodies(QuietHandler):
    """Answers ``/plain`` (Content-Length), ``/gzip`` (Content-Encoding) and ``/none`` (204)."""

    def do_GET(self) -> None:
        self.server.clients.add(self.client_address)  # type: ignore[attr-defined]
        if self.path == "/gzip":
            self.send_reply(200, {"Content-Encoding": "gzip"}, gzip.compress(b"y" * 70_000))
        elif self.path == "/none":
            self.send_reply(204, {}, b"")
        else:
            self.send_reply(200, {"Content-Type": "text/plain"}, b"x" * 3000)


def test_bodies__read_whole_on_one_kept_alive_connection() -> None:
    """RFC 9112 § 6.3: a body ends at its Content-Length (an encoded one when decoding ends);
    every answer is read whole and the connection is reused for the next request."""
    httpd = HTTPServer(("127.0.0.1", 0), _Bodies)
    httpd.clients = set()  # type: ignore[attr-defined]
    serving = ServerThread(httpd)
    url = serving.start()
    transport = LiveTransport(options=LiveOptions(deadline=Deadline(30)))
    try:
        for path, body in [("/plain", b"x" * 3000), ("/gzip", b"y" * 70_000), ("/none", b"")]:
            for _ in range(2):
                assert transport.send(request(url, path), "s").content == body
    finally:
        transport.close()
        serving.stop()
    assert len(httpd.clients) == 1  # type: ignore[attr-defined]


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    message = one_line_failure(LiveTransport((1, 1)), request(f"http://127.0.0.1:{port}"))
    assert message == f"connection refused by 127.0.0.1:{port}"


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    message = one_line_failure(LiveTransport((1, 1)), request("https://api.example.invalid"))
    assert message == "DNS lookup failed for api.example.invalid: Name or service not known"


def test_tls_failure() -> None:
    with EchoServer() as server:
        url = server.url.replace("http://", "https://")
        message = one_line_failure(LiveTransport((1, 1)), request(url))
    assert message.startswith(f"TLS error talking to {url.removeprefix('https://')}: ")


def test_read_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        message = one_line_failure(LiveTransport((1, 0.2)), request(f"http://127.0.0.1:{port}"))
    assert message == f"no answer within the read timeout (0.2s) from 127.0.0.1:{port}"


def test_transport_failure__reported_at_the_step(
    seed_project: pytest.Pytester, test_key: str
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = seed_project.runpytest(
        "specs/", "--live", "--arazzo-server", f"http://127.0.0.1:{port}"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*at step 'createDraftInvoice'*",
        f"*POST http://127.0.0.1:{port}/v1/invoices: connection refused by 127.0.0.1:{port}",
        "*what to do: check the server URL (--arazzo-server NAME=URL) and that it is running",
    ])  # fmt: skip


@pytest.mark.parametrize("url", ["notaurl", "ftp://x", "http://127.0.0.1:99999", "http://[::1"])
def test_unsendable_url__one_clean_line_without_the_query_credential(url: str) -> None:
    """A server URL that cannot be used is a TransportError (no traceback); its text quotes the
    URL ``requests`` saw, so the apiKey credential added to the query is masked."""
    scheme = {"type": "apiKey", "in": "query", "name": "api_key"}
    credentials = Credentials({"api": "KEY"}, {"KEY": CANARY})
    with pytest.raises(TransportError) as caught:
        LiveTransport(options=LiveOptions(max_attempts=1)).send(
            request(url), "s", lambda r: credentials.apply(r, operation(scheme))
        )
    assert "\n" not in caught.value.message and "api_key=<scrubbed>" in caught.value.message
    assert "CANARY" not in caught.value.message


ECHO_FAILS = """\
    - condition: $statusCode == 200
    - condition: $response.body#/method == 'GET'
"""


def test_failure_report__never_shows_a_credential_the_api_echoes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure text (terminal and JUnit XML) prints the response body; a server that echoes
    the credential back must not put it on the screen or in CI logs."""
    echo_project(pytester, scheme="query")
    arazzo = pytester.path / "specs/arazzo/echo.arazzo.yml"
    arazzo.write_text(arazzo.read_text().replace("    - condition: $statusCode == 200\n",
                                                 ECHO_FAILS, 1))  # fmt: skip
    monkeypatch.setenv("ECHO_KEY", CANARY)
    with EchoServer() as server:
        result = pytester.runpytest(
            "specs/", "--live", "--arazzo-server", f"echoApi={server.url}",
            "--arazzo-input", "key=k", "--junitxml=report.xml", "-p", "no:cacheprovider",
        )  # fmt: skip
        assert server.requests[0]["query"]["api_key"] == CANARY  # it did travel, and came back
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["  response:", "*body (application/json):", '*"api_key": "<scrubbed>"*']
    )
    assert "CANARY" not in result.stdout.str()
    assert "CANARY" not in (pytester.path / "report.xml").read_text()
