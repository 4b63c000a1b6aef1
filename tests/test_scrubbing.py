"""Scrubbing: no credential, cookie or configured field reaches a cassette; replay still works."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from pytest_arazzo.cassette.fields import parse_rule
from pytest_arazzo.cassette.format import Cassette, CassetteError, Interaction, dump_cassette
from pytest_arazzo.cassette.scrub import SCRUBBED, Scrubber
from tests.echo_api import CANARY, CASSETTE, EchoServer, echo_project


def record(pytester: pytest.Pytester, server: EchoServer, *extra: str) -> pytest.RunResult:
    return pytester.runpytest(
        "specs/", "--record", "--arazzo-server", f"echoApi={server.url}",
        "-p", "no:cacheprovider", *extra,
    )  # fmt: skip


def test_canary_key__nowhere_in_cassette_and_replay_works(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credential sent in a header, a query parameter, a form field and the URL path, and
    echoed in the response body, is scrubbed everywhere; replay still matches."""
    echo_project(pytester, scheme="header")
    monkeypatch.setenv("ECHO_KEY", CANARY)
    with EchoServer() as server:
        record(pytester, server, "--arazzo-input", f"key={CANARY}").assert_outcomes(passed=1)
        sent = server.requests[0]
    # the canary really travelled in every place
    assert sent["path"] == f"/echo/{CANARY}" and sent["query"] == {"q": CANARY}
    assert sent["headers"]["X-Canary"] == CANARY == sent["headers"]["X-Api-Key"]
    assert sent["form"]["secret"] == CANARY

    text = (pytester.path / CASSETTE).read_text()
    for form in (CANARY, quote(CANARY), base64.b64encode(CANARY.encode()).decode()[:20]):
        assert form not in text
    assert "CANARY" not in text
    assert "sid=<scrubbed>; Path=/" in text and "s3cr3tcookie" not in text
    assert f"url: {server.url}/echo/<scrubbed>?q=<scrubbed>" in text
    assert "secret: <scrubbed>" in text and "X-Canary: <scrubbed>" in text

    monkeypatch.delenv("ECHO_KEY")
    pytester.runpytest("specs/", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    again = pytester.runpytest(
        "specs/", "--arazzo-input", f"key={CANARY}", "-p", "no:cacheprovider"
    )
    again.assert_outcomes(passed=1)


def test_configured_headers_and_fields__scrubbed_in_requests_and_responses(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = (
        'arazzo_scrub_headers = ["X-Canary"]\n'
        'arazzo_scrub_fields = ["query.q", "body.note", "body.form.note",\n'
        '                       "body.headers.X-Canary"]\n'
    )
    echo_project(pytester, scheme="header", ini=ini)
    monkeypatch.setenv("ECHO_KEY", CANARY)
    with EchoServer() as server:
        record(
            pytester, server, "--arazzo-input", "key=plainvalue", "--arazzo-input", "note=topsecret"
        ).assert_outcomes(passed=1)
    text = (pytester.path / CASSETTE).read_text()
    assert "topsecret" not in text
    assert "X-Canary: <scrubbed>" in text and "q=<scrubbed>" in text
    assert "note: <scrubbed>" in text
    # a value removed by a rule is removed wherever else it appears (here: the path, inputs)
    assert "plainvalue" not in text and "key: <scrubbed>" in text
    assert "path: /ping" in text  # what no rule names stays
    replay = pytester.runpytest(
        "specs/", "--arazzo-input", "key=plainvalue", "--arazzo-input", "note=other",
        "-p", "no:cacheprovider",
    )  # fmt: skip
    replay.assert_outcomes(passed=1)  # scrubbed fields match any value


def test_bad_scrub_rule__usage_error(pytester: pytest.Pytester) -> None:
    echo_project(pytester, ini='arazzo_scrub_fields = ["cookie.x"]\n')
    result = pytester.runpytest("specs/")
    result.stderr.fnmatch_lines(["*pytest-arazzo: field rule 'cookie.x' must look like KIND.NAME*"])


def test_sensitive_headers__placeholders_keep_their_shape() -> None:
    scrubber = Scrubber()
    request = scrubber.request(
        {
            "method": "GET",
            "url": "http://h/x",
            "headers": {"Authorization": "Basic dXNlcjpwYXNz", "Cookie": "a=1; b=two"},
        }
    )
    assert request["headers"] == {
        "Authorization": f"Basic {SCRUBBED}",
        "Cookie": f"a={SCRUBBED}; b={SCRUBBED}",
    }
    response = scrubber.response(
        {
            "status": 200,
            "headers": {
                "Set-Cookie": "sid=a; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/, t=x; HttpOnly"
            },
        }
    )
    assert response["headers"]["Set-Cookie"] == (
        f"sid={SCRUBBED}; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/, t={SCRUBBED}; HttpOnly"
    )


def test_literal_secret__encoded_forms_and_mapping_keys() -> None:
    secret = "sk_test_a/b+c=d"
    basic = base64.b64encode(f"{secret}:".encode()).decode()
    data = Cassette(
        __import__("pathlib").Path("x.yaml"),
        "item",
        "wf",
        {secret: "k"},
        [
            Interaction(
                "s",
                {"method": "GET", "url": f"http://h/p?k={quote(secret, safe='')}"},
                {"status": 200, "json": {"auth": f"Basic {basic}", "nested": [secret]}},
            )
        ],
    )
    text = dump_cassette(data, Scrubber([secret]))
    assert secret not in text and quote(secret, safe="") not in text and basic not in text
    assert text.count(SCRUBBED) == 4


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer sk_test_FROMINPUT0123", "sk_test_FROMINPUT0123"),
        ("Basic " + base64.b64encode(b"sk_test_FROMINPUT0123:").decode(), "sk_test_FROMINPUT0123"),
        ("Basic " + base64.b64encode(b"alice:s3cr3tpass").decode(), "s3cr3tpass"),
        ("tok_FROMINPUT0123", "tok_FROMINPUT0123"),
    ],
    ids=["bearer", "basic-key-as-user", "basic-password", "bare-token"],
)
def test_authorization_set_by_workflow__scrubbed_in_inputs_too(header: str, token: str) -> None:
    """A workflow that sends ``Authorization`` from an input (no arazzo_credentials): the
    value is scrubbed from the header and from the recorded inputs and bodies as well."""
    data = Cassette(
        __import__("pathlib").Path("x.yaml"),
        "i",
        "wf",
        {"token": token, "customer": "cus_1"},
        [
            Interaction(
                "s",
                {"method": "GET", "url": "http://h/p", "headers": {"Authorization": header}},
                {"status": 200, "json": {"echo": token}},
            )
        ],
    )
    text = dump_cassette(data, Scrubber())
    assert token not in text and header not in text
    assert "token: <scrubbed>" in text and "customer: cus_1" in text


def test_cookie_set_by_workflow__scrubbed_in_inputs_too() -> None:
    data = Cassette(
        __import__("pathlib").Path("x.yaml"),
        "i",
        "wf",
        {"session": "sess_FROMINPUT0123"},
        [
            Interaction(
                "s",
                {"method": "GET", "url": "http://h/p",
                 "headers": {"Cookie": "theme=x; sid=sess_FROMINPUT0123"}},
                {"status": 200},
            )
        ],
    )  # fmt: skip
    text = dump_cassette(data, Scrubber())
    assert "FROMINPUT" not in text and "session: <scrubbed>" in text


def test_secret_left_in_text__refused() -> None:
    """Belt and braces: text that still holds a configured secret is never written."""

    class Leaky(Scrubber):
        def cassette_data(self, data: dict) -> dict:  # type: ignore[type-arg]
            return data

    data = Cassette(__import__("pathlib").Path("x.yaml"), "i", "wf", {"k": "sk_test_secret123"})
    with pytest.raises(CassetteError, match="would contain a configured credential"):
        dump_cassette(data, Leaky(["sk_test_secret123"]))


@pytest.mark.parametrize(
    ("rule", "kind", "parts", "hit"),
    [
        ("body.metadata.run_id", "form", ("metadata", "run_id"), True),
        ("body.metadata.run_id", "json", ("metadata", "run_id"), True),
        ("body.metadata", "json", ("metadata", "run_id"), True),
        ("body.metadata[run_id]", "form", ("metadata", "run_id"), True),
        ("json.items.*.id", "json", ("items", "3", "id"), True),
        ("query.ts", "query", ("ts",), True),
        ("query.ts", "form", ("ts",), False),
        ("header.X-Request-Time", "header", ("x-request-time",), True),
        ("path", "path", (), True),
    ],
)
def test_field_rules(rule: str, kind: str, parts: tuple[str, ...], hit: bool) -> None:
    assert parse_rule(rule).matches(kind, parts) is hit
