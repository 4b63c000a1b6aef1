"""Form bodies and query parameters per the OpenAPI Encoding Object (3.0 and 3.1), end to end:
the exact bytes a workflow step puts on the wire.

OpenAPI § Encoding Object (``style``, ``explode``, ``allowReserved``, ``contentType``) and
§ Style Values. ``deepObject`` on an array is undefined in OpenAPI; Stripe's description uses it
(``style: deepObject, explode: true`` on ``expand``, ``items``) and Stripe expects indexed
brackets (``expand[0]=lines``, ``items[0][price]=p``), which is what the plugin sends. Without an
``encoding`` a form body uses the same bracket notation. ``null`` leaves a field out, an empty
string is sent as ``a=``, booleans as ``true``/``false``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Request

FORM = "application/x-www-form-urlencoded"
DEEP = {"style": "deepObject", "explode": True}
VERSIONS = ["3.0.3", "3.1.0"]


def _send_form(
    harness: Harness, version: str, encoding: dict[str, Any] | None, payload: dict[str, Any]
) -> Request:
    media: dict[str, Any] = {"schema": {"type": "object"}}
    if encoding is not None:
        media["encoding"] = encoding
    harness.openapi["openapi"] = version
    harness.openapi["paths"]["/form"] = {
        "post": {
            "operationId": "postForm",
            "requestBody": {"content": {FORM: media}},
            "responses": {"200": {"description": "ok"}},
        }
    }
    harness.server.route("*", ".*", {})
    step = {
        "stepId": "s",
        "operationId": "postForm",
        "requestBody": {"contentType": FORM, "payload": payload},
    }
    harness.run(arazzo(workflow("w", [step])))
    [request] = harness.server.requests
    assert request.header("content-type") == FORM
    return request


def _send_query(harness: Harness, version: str, parameter: dict[str, Any], value: Any) -> Request:
    harness.openapi["openapi"] = version
    harness.openapi["paths"]["/search"] = {
        "get": {
            "operationId": "search",
            "parameters": [{"name": "q", "in": "query", **parameter}],
            "responses": {"200": {"description": "ok"}},
        }
    }
    harness.server.route("*", ".*", {})
    step = {
        "stepId": "s",
        "operationId": "search",
        "parameters": [{"name": "q", "in": "query", "value": value}],
    }
    harness.run(arazzo(workflow("w", [step])))
    [request] = harness.server.requests
    return request


# Each rule: the payload, the field's Encoding Object, the exact body with it, the exact body
# without any `encoding` (the plugin's default: Stripe's bracket notation).
BODY_RULES = [
    pytest.param(
        {"metadata": {"order": "7", "tags": {"a": "b"}}},
        DEEP,
        "metadata%5Border%5D=7&metadata%5Btags%5D%5Ba%5D=b",
        "metadata%5Border%5D=7&metadata%5Btags%5D%5Ba%5D=b",
        id="deepObject-object-nested",
    ),
    pytest.param(
        {"expand": ["lines", "customer"]},
        DEEP,
        "expand%5B0%5D=lines&expand%5B1%5D=customer",
        "expand%5B0%5D=lines&expand%5B1%5D=customer",
        id="deepObject-array-of-strings",
    ),
    pytest.param(
        {"permissions": ["balances"]},
        DEEP,
        "permissions%5B0%5D=balances",
        "permissions%5B0%5D=balances",
        id="deepObject-array-of-one",
    ),
    pytest.param(
        {"items": [{"price": "price_123", "quantity": 1}, {"price": "price_456"}]},
        DEEP,
        "items%5B0%5D%5Bprice%5D=price_123&items%5B0%5D%5Bquantity%5D=1"
        "&items%5B1%5D%5Bprice%5D=price_456",
        "items%5B0%5D%5Bprice%5D=price_123&items%5B0%5D%5Bquantity%5D=1"
        "&items%5B1%5D%5Bprice%5D=price_456",
        id="deepObject-array-of-objects",
    ),
    pytest.param(
        {"a": {"b": [{"c": "v"}]}},
        DEEP,
        "a%5Bb%5D%5B0%5D%5Bc%5D=v",
        "a%5Bb%5D%5B0%5D%5Bc%5D=v",
        id="deepObject-array-inside-object",
    ),
    pytest.param(
        {"a": {"on": True, "off": False}},
        DEEP,
        "a%5Bon%5D=true&a%5Boff%5D=false",
        "a%5Bon%5D=true&a%5Boff%5D=false",
        id="booleans",
    ),
    pytest.param(
        {"a": {"gone": None, "kept": "x", "list": [None, "y"]}},
        DEEP,
        "a%5Bkept%5D=x&a%5Blist%5D%5B0%5D=y",
        "a%5Bkept%5D=x&a%5Blist%5D%5B0%5D=y",
        id="null-left-out",
    ),
    pytest.param(
        {"a": "", "b": None},
        DEEP,
        "a=",
        "a=",
        id="empty-string-sent",
    ),
    pytest.param(
        {"a": {"n": 2.0, "m": "x y&z=1"}},
        DEEP,
        "a%5Bn%5D=2&a%5Bm%5D=x+y%26z%3D1",
        "a%5Bn%5D=2&a%5Bm%5D=x+y%26z%3D1",
        id="numbers-and-escaping",
    ),
    pytest.param(
        {"a": {"k": 1, "l": [1, 2]}},
        {"contentType": "application/json"},
        "a=%7B%22k%22%3A1%2C%22l%22%3A%5B1%2C2%5D%7D",
        "a%5Bk%5D=1&a%5Bl%5D%5B0%5D=1&a%5Bl%5D%5B1%5D=2",
        id="contentType-json-text",
    ),
    pytest.param(
        {"a": "https://x.test/p?q=1"},
        {"allowReserved": True},
        "a=https://x.test/p?q=1",
        "a=https%3A%2F%2Fx.test%2Fp%3Fq%3D1",
        id="allowReserved",
    ),
    pytest.param(
        {"a": ["x", "y"]},
        {"style": "form", "explode": True},
        "a=x&a=y",
        "a%5B0%5D=x&a%5B1%5D=y",
        id="form-explode-array",
    ),
    pytest.param(
        {"a": ["x", "y"]},
        {"style": "form", "explode": False},
        "a=x%2Cy",
        "a%5B0%5D=x&a%5B1%5D=y",
        id="form-array",
    ),
    pytest.param(
        {"a": ["x", "y"]},
        {"style": "pipeDelimited", "explode": False},
        "a=x%7Cy",
        "a%5B0%5D=x&a%5B1%5D=y",
        id="pipeDelimited-array",
    ),
    pytest.param(
        {"a": {"k": "v", "l": "w"}},
        {"style": "form", "explode": True},
        "k=v&l=w",
        "a%5Bk%5D=v&a%5Bl%5D=w",
        id="form-explode-object",
    ),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("payload", "field", "with_encoding", "without"), BODY_RULES)
def test_form_body__per_encoding_object(
    harness: Harness,
    version: str,
    payload: dict[str, Any],
    field: dict[str, Any],
    with_encoding: str,
    without: str,
) -> None:
    """OpenAPI § Encoding Object: each property serialized per its own entry."""
    encoding = dict.fromkeys(payload, field)
    assert _send_form(harness, version, encoding, payload).body == with_encoding.encode()


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("payload", "field", "with_encoding", "without"), BODY_RULES)
def test_form_body__without_encoding_uses_brackets(
    harness: Harness,
    version: str,
    payload: dict[str, Any],
    field: dict[str, Any],
    with_encoding: str,
    without: str,
) -> None:
    """No ``encoding``: Stripe's bracket notation for every nested value."""
    assert _send_form(harness, version, None, payload).body == without.encode()


@pytest.mark.parametrize("version", VERSIONS)
def test_form_body__stripe_fields_each_by_their_own_encoding(
    harness: Harness, version: str
) -> None:
    """A Stripe-shaped operation: fields with and without an entry in one body, in order."""
    encoding = {
        "items": DEEP,
        "expand": DEEP,
        "metadata": DEEP,
        "note": {"contentType": "text/plain"},
    }
    payload = {
        "customer": "cus_1",
        "items": [{"price": "price_123", "quantity": 1}],
        "expand": ["latest_invoice"],
        "off_session": True,
        "metadata": {"run": "r 1"},
        "note": "n",
        "description": None,
        "pause_collection": "",
    }
    body = _send_form(harness, version, encoding, payload).body
    assert body == (
        b"customer=cus_1&items%5B0%5D%5Bprice%5D=price_123&items%5B0%5D%5Bquantity%5D=1"
        b"&expand%5B0%5D=latest_invoice&off_session=true&metadata%5Brun%5D=r+1&note=n"
        b"&pause_collection="
    )


QUERY_RULES = [
    pytest.param(
        DEEP, ["lines", "customer"], "q%5B0%5D=lines&q%5B1%5D=customer", id="deepObject-array"
    ),
    pytest.param(
        DEEP,
        {"a": {"b": [{"c": "v"}]}, "on": True, "gone": None},
        "q%5Ba%5D%5Bb%5D%5B0%5D%5Bc%5D=v&q%5Bon%5D=true",
        id="deepObject-nested-object",
    ),
    pytest.param({"style": "deepObject"}, ["x"], "q%5B0%5D=x", id="deepObject-without-explode"),
    pytest.param({}, ["lines", "customer"], "q=lines&q=customer", id="form-default-array"),
    pytest.param({"explode": False}, ["a", "b"], "q=a%2Cb", id="form-array"),
    pytest.param({}, "", "q=", id="empty-string-sent"),
    pytest.param({}, False, "q=false", id="boolean"),
    pytest.param({"allowReserved": True}, "a/b?c=d", "q=a/b?c=d", id="allowReserved"),
    pytest.param({}, "a/b?c=d", "q=a%2Fb%3Fc%3Dd", id="reserved-encoded-by-default"),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("parameter", "value", "query"), QUERY_RULES)
def test_query_parameter__per_style(
    harness: Harness, version: str, parameter: dict[str, Any], value: Any, query: str
) -> None:
    """OpenAPI § Parameter Object style/explode/allowReserved; deepObject as for form bodies."""
    request = _send_query(harness, version, {"schema": {}, **parameter}, value)
    assert request.raw_query == query


def test_query_parameter__null_leaves_it_out(harness: Harness) -> None:
    request = _send_query(harness, "3.1.0", DEEP, None)
    assert request.raw_query == ""
