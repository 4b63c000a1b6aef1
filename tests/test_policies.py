"""One home per policy: live-key refusal, form-key parsing, cassette names, replay selection.

Also the bugs that once slipped through: ``<scrubbed>`` matching an empty value, and recorded vs
sent JSON arrays of different lengths.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from pytest_arazzo.cassette.format import (
    Cassette,
    CassetteError,
    Interaction,
    request_record,
    save_cassette,
)
from pytest_arazzo.cassette.matching import RequestMatcher
from pytest_arazzo.cassette.naming import CassetteNameError, cassette_path, source_key
from pytest_arazzo.cassette.scrub import SCRUBBED, Scrubber
from pytest_arazzo.http.auth import CredentialError, Credentials
from pytest_arazzo.http.encoding import flatten_form
from pytest_arazzo.http.formkeys import join_key, split_key
from pytest_arazzo.http.keys import find_live_key, is_live_key
from pytest_arazzo.http.messages import OutgoingRequest, TransportError
from pytest_arazzo.transport.base import ReplayMismatch
from pytest_arazzo.transport.live import LiveOptions, LiveTransport
from pytest_arazzo.transport.recording import RecordingTransport
from pytest_arazzo.transport.replay import ByStep, InOrder, ReplayTransport
from tests.echo_api import EchoServer

KEY = "sk_live_abc123DEF456"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# -- live keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"description=key+{KEY}",  # '+'-encoded space before the key
        f"description=key%20{quote(KEY, safe='')}",
        "description=key%20%73k%5Flive%5Fabc123",  # every character that can be, encoded
        f"description={quote(quote(KEY, safe=''), safe='')}",  # encoded twice
        "Basic " + base64.b64encode(f"{KEY}:".encode()).decode(),
        "Basic " + base64.b64encode(f"user:{KEY}".encode()).decode(),
        '{"note": "pk_live_0123456789"}',
        "https://api.example.com/v1/x?key=rk_live_0123456789",
    ],
)
def test_find_live_key__in_any_form_a_text_can_carry_it(text: str) -> None:
    found = find_live_key(text)
    assert found is not None and found[:8] in ("sk_live_", "rk_live_", "pk_live_")


@pytest.mark.parametrize(
    "text", ["description=sk_test_abc123", "mask_live_abc", "Basic dXNlcjpwYXNz", ""]
)
def test_find_live_key__test_keys_and_lookalikes_pass(text: str) -> None:
    assert find_live_key(text) is None


def test_find_live_key__configured_patterns_too() -> None:
    assert find_live_key("token=prod_123", ("^prod_",)) == "prod_123"
    assert find_live_key("token=prod_123") is None


@pytest.mark.parametrize("key", ["sk_live_abc123", "rk_live_abc123", "pk_live_abc123"])
def test_is_live_key__every_stripe_live_prefix(key: str) -> None:
    assert is_live_key(key) and not is_live_key(key.replace("_live_", "_test_"))


def test_pk_live_credential__refused() -> None:
    credentials = Credentials({"api": "STRIPE_KEY"}, {"STRIPE_KEY": "pk_live_0123456789"})
    with pytest.raises(
        CredentialError, match=r"STRIPE_KEY holds a live-mode key \(pk_live_\.\.\.\)"
    ):
        credentials.for_source("api")


@pytest.mark.parametrize("body", [f"description=key+{KEY}", f"description=key%20{quote(KEY)}"])
def test_encoded_live_key_in_form_body__refused_before_sending(body: str) -> None:
    with EchoServer() as server:
        outgoing = OutgoingRequest("POST", server.url, "/echo/x", dict(FORM), body.encode())
        transport = LiveTransport(options=LiveOptions(max_attempts=1))
        with pytest.raises(TransportError, match=r"the body holds a live-mode key \(sk_live_"):
            transport.send(outgoing, "step")
        transport.close()
        assert server.requests == []


def test_encoded_live_key__never_written_to_a_cassette(tmp_path: Path) -> None:
    """A request that reached the recording with an encoded key (e.g. in the URL) and a response
    echoing it: the cassette is refused, nothing is written."""
    path = tmp_path / "wf.yaml"
    sent = OutgoingRequest("GET", "https://api.example.com", f"/v1/x?q=key%20{quote(KEY)}")
    response = {"status": 200, "text": "ok"}
    cassette = Cassette(path, interactions=[Interaction("s", request_record(sent), response)])
    with pytest.raises(CassetteError, match=r"live-mode key \(sk_live_\.\.\.\); nothing was"):
        save_cassette(cassette, Scrubber())
    assert not path.exists()


def test_recording_transport__refuses_the_key_before_keeping_anything() -> None:
    with EchoServer() as server:
        body = f"description=key+{KEY}".encode()
        outgoing = OutgoingRequest("POST", server.url, "/echo/x", dict(FORM), body)
        recording = RecordingTransport(LiveTransport(options=LiveOptions(max_attempts=1)))
        with pytest.raises(TransportError, match="live-mode key"):
            recording.send(outgoing, "step")
        recording.close()
        assert server.requests == [] and recording.interactions == []


# -- form keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("metadata[order.id]", ["metadata", "order.id"]),
        ("items[0][price]", ["items", "0", "price"]),
        ("expand[]", ["expand", ""]),
        ("plain", ["plain"]),
        ("a.b", ["a.b"]),
        ("broken[x", ["broken[x"]),
        ("[x]", ["[x]"]),
    ],
)
def test_split_key(key: str, parts: list[str]) -> None:
    assert split_key(key) == parts


@pytest.mark.parametrize(
    "key", ["metadata[order.id]", "items[0][price]", "a[b][0][c]", "expand[]", "plain"]
)
def test_join_key__inverse_of_split_key(key: str) -> None:
    assert join_key(split_key(key)) == key


def test_form_keys__round_trip_through_the_encoder() -> None:
    """What the encoder writes, the parser reads back as the payload's nested path."""
    payload = {"metadata": {"order.id": "7"}, "items": [{"price": "p_1"}, {"price": "p_2"}]}
    pairs = flatten_form(payload["metadata"], "metadata") + flatten_form(payload["items"], "items")
    assert [split_key(key) for key, _ in pairs] == [
        ["metadata", "order.id"],
        ["items", "0", "price"],
        ["items", "1", "price"],
    ]
    assert [join_key(split_key(key)) for key, _ in pairs] == [key for key, _ in pairs]


def test_scrub_rule__dotted_key_inside_brackets(tmp_path: Path) -> None:
    """``body.metadata[order.id]`` scrubs the form field ``metadata[order.id]`` (one field)."""
    scrubber = Scrubber(fields=["body.metadata[order.id]"])
    record = {"method": "POST", "url": "https://x/v1", "form": {"metadata[order.id]": "o_1"}}
    record["form"]["metadata[order]"] = "kept"
    assert scrubber.request(record)["form"] == {
        "metadata[order.id]": SCRUBBED,
        "metadata[order]": "kept",
    }


def test_match_ignore__form_field_with_a_dot_in_brackets() -> None:
    matcher = RequestMatcher(["form.metadata[order.id]"])
    recorded = {"method": "POST", "url": "https://x/v1", "form": {"metadata[order.id]": "1"}}
    sent = {"method": "POST", "url": "https://x/v1", "form": {"metadata[order.id]": "2"}}
    assert matcher.diff(recorded, sent) == []
    assert RequestMatcher().diff(recorded, sent) == [
        "form.metadata[order.id]: recorded '1', sent '2'"
    ]


# -- cassette names ------------------------------------------------------------------------------


def test_cassette_path__plain_names(tmp_path: Path) -> None:
    assert cassette_path(tmp_path, "billing", "wf") == tmp_path / "billing/wf.yaml"
    assert cassette_path(tmp_path, "billing", "wf", "eur") == tmp_path / "billing/wf[eur].yaml"


@pytest.mark.parametrize(
    ("workflow_id", "input_set"),
    [
        ("../../escape", None),
        ("wf", "../../../escape"),
        ("a/b", None),
        ("wf", "eu/west"),
        ("a\\b", None),
        ("wf", "..\\..\\x"),
        ("/etc/passwd", None),
    ],
)
def test_cassette_path__refuses_names_leaving_the_folder(
    tmp_path: Path, workflow_id: str, input_set: str | None
) -> None:
    with pytest.raises(CassetteNameError, match="would be written outside its folder"):
        cassette_path(tmp_path, "billing", workflow_id, input_set)


def test_cassette_path__keyed_by_the_arazzo_file_path(tmp_path: Path) -> None:
    key = "specs/a/billing"
    assert cassette_path(tmp_path, key, "wf") == tmp_path / "specs/a/billing/wf.yaml"
    assert cassette_path(tmp_path, "specs/b/billing", "wf") != cassette_path(tmp_path, key, "wf")


@pytest.mark.parametrize(
    "key", ["..", ".", "", "a/../b", "a/./b", "a//b", "/etc/x", "a\\b", "a/..\\b", "a/"]
)
def test_cassette_path__refuses_a_key_leaving_the_folder(tmp_path: Path, key: str) -> None:
    with pytest.raises(CassetteNameError):
        cassette_path(tmp_path, key, "wf")


def test_source_key__the_file_path_under_the_rootdir_without_suffix(tmp_path: Path) -> None:
    arazzo = tmp_path / "specs" / "a" / "billing.arazzo.yml"
    assert source_key(arazzo, tmp_path, "billing") == "specs/a/billing"
    assert source_key(tmp_path / "billing.arazzo.json", tmp_path, "billing") == "billing"


def test_source_key__a_file_outside_the_rootdir_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    for outside in (tmp_path / "billing.arazzo.yml", root / ".." / "x" / "billing.arazzo.yml"):
        with pytest.raises(CassetteNameError, match="is outside the rootdir") as caught:
            source_key(outside, root, "billing")
        assert "move the Arazzo file under the rootdir" in caught.value.hint


def test_cassette_path__unsafe_characters_sanitized(tmp_path: Path) -> None:
    path = cassette_path(tmp_path, "billing", "wf\x00x", 'a:b*c?"<>|\n')
    assert path == tmp_path / "billing" / "wf-x[a-b-c------].yaml"
    assert path.parent == tmp_path / "billing"
    assert cassette_path(tmp_path, "billing", "..") == tmp_path / "billing" / "...yaml"


# -- replay selectors ----------------------------------------------------------------------------


def _interaction(step: str, path: str, body: str) -> Interaction:
    request = {"method": "GET", "url": f"https://api.example.com{path}"}
    return Interaction(step, request, {"status": 200, "text": body})


def _cassette(tmp_path: Path) -> Cassette:
    interactions = [
        _interaction("a", "/v1/a", "a1"),
        _interaction("b", "/v1/b", "b1"),
        _interaction("a", "/v1/a", "a2"),
    ]
    return Cassette(tmp_path / "wf.yaml", interactions=interactions)


def _get(path: str, **query: str) -> OutgoingRequest:
    return OutgoingRequest("GET", "https://api.example.com", path, query=list(query.items()))


def test_replay_in_order__strict_order_and_leftovers(tmp_path: Path) -> None:
    transport = ReplayTransport(_cassette(tmp_path))
    try:
        assert transport.send(_get("/v1/a"), "a").content == b"a1"
        with pytest.raises(ReplayMismatch, match="does not match interaction 2"):
            transport.send(_get("/v1/a"), "a")
        assert transport.mismatch is not None
        assert [i.response["text"] for i in transport.unused()] == ["b1", "a2"]
    finally:
        transport.close()


def test_replay_by_step__each_step_its_recordings_in_turn(tmp_path: Path) -> None:
    cassette = _cassette(tmp_path)
    transport = ReplayTransport(cassette, selector=ByStep(cassette))
    try:
        answers = [transport.send(_get(f"/v1/{s}", any="value"), s).content for s in "aaab"]
        assert answers == [b"a1", b"a2", b"a2", b"b1"]  # after the last recording, the last
        transport.restart()
        assert transport.send(_get("/v1/a"), "a").content == b"a1"
        assert transport.send(_get("/v1/b"), "renamed").content == b"b1"  # by method + path
        with pytest.raises(ReplayMismatch, match="no interaction for step 'c'"):
            transport.send(_get("/v1/c"), "c")
        assert transport.unused() == []
    finally:
        transport.close()


def test_replay__selector_is_pluggable(tmp_path: Path) -> None:
    class Always:
        def __init__(self, interaction: Interaction) -> None:
            self.interaction = interaction

        def select(self, request: OutgoingRequest, step_id: str) -> Interaction:
            return self.interaction

        def unused(self) -> list[Interaction]:
            return []

        def restart(self) -> None:
            pass

    cassette = _cassette(tmp_path)
    transport = ReplayTransport(cassette, selector=Always(cassette.interactions[1]))
    try:
        assert transport.send(_get("/v1/zzz"), "z").content == b"b1"
    finally:
        transport.close()
    assert isinstance(InOrder(cassette), InOrder)


# -- bugs that once slipped through ---------------------------------------------------------------


def _form_request(value: str) -> dict[str, Any]:
    sent = OutgoingRequest("POST", "https://x", "/v1/a", dict(FORM), b"")
    sent.body = urlencode({"token": value}).encode()
    return request_record(sent)


def test_scrubbed_placeholder__never_matches_an_empty_value() -> None:
    recorded = {"method": "POST", "url": "https://x/v1/a", "form": {"token": SCRUBBED}}
    recorded["headers"] = dict(FORM)
    assert RequestMatcher().diff(recorded, _form_request("tok_123")) == []
    assert RequestMatcher().diff(recorded, _form_request("")) == [
        "form.token: recorded '<scrubbed>', sent ''"
    ]
    prefixed = {**recorded, "form": {"token": f"Bearer {SCRUBBED}"}}
    assert RequestMatcher().diff(prefixed, _form_request("Bearer ")) != []


def test_json_arrays_of_different_lengths__a_per_field_diff() -> None:
    recorded = {"method": "POST", "url": "https://x/v1", "json": {"items": [1, 2, 3]}}
    sent = {"method": "POST", "url": "https://x/v1", "json": {"items": [1, 5]}}
    assert RequestMatcher().diff(recorded, sent) == [
        "json.items.1: recorded 2, sent 5",
        "json.items.2: recorded 3, sent (absent)",
    ]
    longer = {"method": "POST", "url": "https://x/v1", "json": {"items": [1, 2, 3, {"a": 1}]}}
    assert RequestMatcher().diff(recorded, longer) == [
        'json.items.3: recorded (absent), sent {"a": 1}'
    ]
    assert RequestMatcher(["json.items"]).diff(recorded, sent) == []
