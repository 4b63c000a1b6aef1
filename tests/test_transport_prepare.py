"""The request handed to ``requests``: the same as ``requests.Request(...).prepare()`` builds.

Arazzo 1.0.1 § Step Object: a step's request goes out as built; the transports prepare it with
a cheaper path (the URL's preparation remembered by its text), which must change nothing.
"""

from __future__ import annotations

import base64
import importlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_arazzo.http.keys import DEFAULT_REFUSED, find_live_key
from pytest_arazzo.http.messages import OutgoingRequest, TransportError
from pytest_arazzo.transport import base
from pytest_arazzo.transport.base import prepared

REQUESTS = [
    OutgoingRequest("GET", "https://api.example.com/v1", "/invoices/in_1"),
    OutgoingRequest("get", "https://api.example.com", "/a b/ü", query=[("q", "x y"), ("n", "1")]),
    OutgoingRequest(
        "POST",
        "https://api.example.com/v1",
        "/invoiceitems",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "k"},
        body=b"customer=cus_1&amount=2000&items%5B0%5D%5Bprice%5D=p",
    ),
    OutgoingRequest("POST", "https://api.example.com", "/empty"),  # Content-Length: 0
    OutgoingRequest("DELETE", "http://127.0.0.1:8080/base", "/x", body=b""),
    OutgoingRequest("HEAD", "https://user:secret@api.example.com", "/who"),  # basic auth
    OutgoingRequest("GET", "https://bücher.example", "/idna"),
    OutgoingRequest("PATCH", "https://api.example.com", "/j", body=b'{"a": 1}'),
    OutgoingRequest("GET", "https://api.example.com", "/", raw_query="a=%20b&c"),
]


def _shape(request: requests.PreparedRequest) -> dict[str, Any]:
    return {
        "method": request.method,
        "url": request.url,
        "headers": list(request.headers.items()),
        "body": request.body,
        "hooks": request.hooks,
        "cookies": dict(request._cookies or {}),  # type: ignore[attr-defined]
    }


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r.method} {r.path}")
def test_prepared__as_requests_prepares_it(request_: OutgoingRequest) -> None:
    """§ Step Object: method, URL, headers (Content-Length, basic auth from the URL), body."""
    expected = requests.Request(
        request_.method, request_.url, headers=request_.headers, data=request_.body or None
    ).prepare()
    for _ in range(2):  # the second time the URL's preparation is remembered
        assert _shape(prepared(request_)) == _shape(expected)


@pytest.mark.parametrize(
    ("request_", "said"),
    [
        (OutgoingRequest("GET", "notaurl/v1", "/x"), "No scheme supplied"),
        (OutgoingRequest("GET", "https://", "/x"), "No host supplied"),
        (OutgoingRequest("GET", "https://a.example", "/x", headers={"Bad\n": "v"}), "Invalid"),
        (OutgoingRequest("GET", "https://a.example", "/x", headers={"H": "v\r\nX: y"}), "Invalid"),
    ],
)
def test_prepared__a_request_that_cannot_be_sent_is_a_transport_error_every_time(
    request_: OutgoingRequest, said: str
) -> None:
    """§ Step Object: a bad server URL or header fails the step with words, never a traceback,
    and an error is never remembered as a prepared URL."""
    for _ in range(2):
        with pytest.raises(TransportError) as caught:
            prepared(request_)
        assert said in str(caught.value)
        assert "cannot send the request to" in str(caught.value)


def test_prepared__url_preparation_is_remembered_by_text_and_bounded() -> None:
    """The remembered URLs are keyed by the URL text only (no stale answer) and bounded."""
    base._prepared_url.cache_clear()
    request_ = REQUESTS[0]
    prepared(request_)
    prepared(request_)
    info = base._prepared_url.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    assert info.maxsize is not None and info.maxsize <= 1024


# -- replay: the recorded answer as requests would build it from responses ---------------------

REPLIES = [
    ("POST", {"status": 200, "headers": {"Content-Type": "application/json"}, "json": {"a": 1}}),
    ("GET", {"status": 404, "headers": {"X-A": "1", "x-a": "2"}, "text": "nope"}),  # merged
    ("GET", {"status": 299}),  # no reason phrase, no body
    ("DELETE", {"status": 500, "headers": {"Request-Id": "req_1"}, "text": "ü"}),
    ("GET", {"status": 200, "headers": {"Content-Length": "2"}, "text": "ok"}),  # via responses
    ("HEAD", {"status": 200, "headers": {"X-Total": "3"}}),  # via responses
    ("GET", {"status": 204}),  # via responses
]


def _replay_module() -> Any:
    """The replay module ``_replayed`` uses: pytester's in-process runs drop modules an inner run
    imported, and ``from pytest_arazzo.transport import replay`` could then still name the
    dropped one (patching it would change nothing ``_replayed`` calls)."""
    return importlib.import_module("pytest_arazzo.transport.replay")


def _replayed(method: str, record: dict[str, Any]) -> tuple[Any, bool]:
    from pytest_arazzo.cassette.format import Cassette, Interaction
    from pytest_arazzo.transport.replay import ByStep, ReplayTransport

    cassette = Cassette(
        Path("x.yaml"), interactions=[Interaction("s", {"method": method, "url": "/"}, record)]
    )
    transport = ReplayTransport(cassette, selector=ByStep(cassette))
    try:
        got = transport.send(OutgoingRequest(method, "https://api.example.com", "/p?q=1"), "s")
    finally:
        direct = not transport._started
        transport.close()
    shape = (got.status, dict(got.headers), got.content, got.reason, got.url)
    return shape, direct


@pytest.mark.parametrize(("method", "record"), REPLIES, ids=lambda v: str(v)[:30])
def test_replay__direct_answer_is_what_responses_gives(
    method: str, record: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """§ Step Object (replay): the recorded status, headers, body, reason and URL reach the
    step unchanged, whether built directly or through ``responses``."""
    replay = _replay_module()

    shown, direct = _replayed(method, record)
    headers = record.get("headers", {})
    reads_differently = method == "HEAD" or record["status"] == 204 or "Content-Length" in headers
    assert direct is not reads_differently
    monkeypatch.setattr(replay, "_served_directly", lambda method, reply: False)
    through_responses, direct = _replayed(method, record)
    assert not direct
    assert shown == through_responses


def test_replay__merged_headers_are_remembered_by_their_content() -> None:
    """§ Step Object (replay): a recorded answer's headers are merged once per distinct header
    list (keyed by every name and value, in order), so a changed value is never answered with
    the headers merged before."""
    replay = _replay_module()

    replay._merged_headers.cache_clear()
    first = {"status": 200, "headers": {"X-A": "1", "x-a": "2", "Request-Id": "req_1"}}
    assert dict(_replayed("GET", first)[0][1]) == {"X-A": "1, 2", "Request-Id": "req_1"}
    assert dict(_replayed("GET", first)[0][1]) == {"X-A": "1, 2", "Request-Id": "req_1"}
    changed = {"status": 200, "headers": {"X-A": "1", "x-a": "3", "Request-Id": "req_1"}}
    assert dict(_replayed("GET", changed)[0][1]) == {"X-A": "1, 3", "Request-Id": "req_1"}
    info = replay._merged_headers.cache_info()
    assert (info.hits, info.misses) == (1, 2)
    assert info.maxsize is not None and info.maxsize <= 1024


# -- the live-key scan remembers answers by content --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Bearer sk_test_abc",
        "Bearer sk_live_abc",
        "amount=1&key=sk%5Flive%5Fx",
        "Basic " + "c2tfbGl2ZV9hYmM6",  # base64 of "sk_live_abc:"
        "x" * 5000 + " sk_live_long",  # too long to remember: scanned every time
    ],
)
def test_find_live_key__remembered_answer_is_the_scan(text: str) -> None:
    """§ Security Considerations: a request or credential holding a live-mode key is refused
    every time; the remembered answer is the scan's own, keyed by text and patterns."""
    from pytest_arazzo.http import keys

    for patterns in (keys.DEFAULT_REFUSED, (r"^abc",)):
        scanned = keys._find(text, patterns)
        assert keys.find_live_key(text, patterns) == scanned
        assert keys.find_live_key(text, patterns) == scanned  # the second time: remembered
    info = keys._find_remembered.cache_info()
    assert info.maxsize is not None and info.maxsize <= 4096


# -- the live-key scan passes over readings and tokens that cannot hold a plain pattern --------

_PIECES = st.sampled_from(
    ["sk_live_", "rk_live_", "pk_live_", "sk_test_", "live_", "sk_", "abc123", "Bearer", "=", "&",
     "+", "%", "%5F", "%25", " ", ":", "-", "_", "/", "é", "\u00ff"]
)  # fmt: skip


@st.composite
def _carried(draw: st.DrawFn) -> str:
    """A text that may carry a key as written, percent-encoded, or in base64 at any offset."""
    inner = "".join(draw(st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=8)))
    form = draw(st.sampled_from(["plain", "quoted", "quoted twice", "base64", "urlsafe"]))
    if form == "quoted":
        inner = quote(inner, safe="")
    elif form == "quoted twice":
        inner = quote(quote(inner, safe=""), safe="")
    elif form in ("base64", "urlsafe"):
        encode = base64.b64encode if form == "base64" else base64.urlsafe_b64encode
        inner = encode(inner.encode()).decode()
    return draw(st.text(max_size=3)) + inner + draw(st.sampled_from(["", " ", "&x=1", "=="]))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(text=_carried(), patterns=st.sampled_from([DEFAULT_REFUSED, ("^prod_",), ("live_",)]))
def test_find_live_key__plain_patterns_find_what_the_full_scan_finds(
    text: str, patterns: tuple[str, ...]
) -> None:
    """§ Security Considerations: plain patterns (``^sk_live_``) skip readings and base64 tokens
    that cannot hold their text; the answer is the full scan's, which the same patterns written
    as regexes (``[_]``: not plain) still take."""
    from pytest_arazzo.http import keys

    assert keys.literals(patterns) is not None
    as_regexes = tuple(pattern.replace("_", "[_]") for pattern in patterns)
    assert keys.literals(as_regexes) is None
    assert keys._find(text, patterns) == keys._find(text, as_regexes)


@pytest.mark.parametrize("shift", [0, 1, 2])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_find_live_key__base64_at_every_offset(shift: int, encode: Any) -> None:
    """§ Security Considerations: a key in base64 is found whatever bytes come before it (each
    of the three alignments of base64 has its own marks)."""
    before = [b"", b":", b"u:"][shift]  # 0, 1 or 2 bytes before the key (user:key)
    token = encode(before + b"sk_live_abc123").decode()
    assert find_live_key(f"Basic {token}") == "sk_live_abc123"
    assert find_live_key(f"Basic {token}", ("^prod_",)) is None


def test_literals__only_plain_patterns() -> None:
    """Only ``^`` followed by letters, digits, ``_`` and ``-`` is plain text."""
    from pytest_arazzo.http import keys

    assert keys.literals(("^sk_live_", "pk-live")) == ("sk_live_", "pk-live")
    for pattern in ("^sk.live", "^a|b", "^", "", "(?i)^sk_live_", r"^sk\_live"):
        assert keys.literals(("^sk_live_", pattern)) is None
