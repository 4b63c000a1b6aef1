"""Form bodies and parameter values as they go on the wire.

Arazzo 1.0.1 § Request Body Object ("Form Data Example") and § Parameter Object; Stripe's form
convention: nested objects ``a[b]=``, arrays ``a[0][c]=``, booleans ``true``/``false``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, unquote

import pytest

from pytest_arazzo.document.loader import parse_text
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.http.encoding import (
    EncodingError,
    encode_form,
    encode_path_value,
    flatten_form,
    header_value,
    query_pairs,
)
from pytest_arazzo.http.request import BuildError, build_request
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.plan.planner import ArazzoFile

OPENAPI = """
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://api.example.test'}]
paths:
  /v1/things/{thing}:
    post:
      operationId: postThing
      parameters:
      - {name: thing, in: path, required: true, schema: {type: string}}
      - {name: expand, in: query, schema: {type: array, items: {type: string}}}
      - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object}}
      - {name: X-Trace, in: header, schema: {type: string}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object}
      responses: {'200': {description: ok}}
"""

ARAZZO = """
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: ./openapi.yaml, type: openapi}]
workflows:
- workflowId: w
  inputs:
    type: object
    properties:
      thing: {type: string}
      note: {type: string}
      trace: {type: string}
  steps:
  - stepId: s
    operationId: postThing
    parameters:
    - {name: thing, in: path, value: $inputs.thing}
    - {name: expand, in: query, value: [lines, customer]}
    - {name: filter, in: query, value: {status: open}}
    - {name: X-Trace, in: header, value: $inputs.trace}
    requestBody:
      contentType: application/x-www-form-urlencoded
      payload:
        customer: cus_1
        auto_advance: false
        paid: true
        amount: 2000
        note: $inputs.note
        metadata: {order: '7', 'a b': 'x&y=z'}
        items: [{price: price_1, quantity: 2}, {price: price_2}]
"""


def test_flatten_form__nested_objects_arrays_and_booleans() -> None:
    """Stripe bracket notation: ``metadata[order]``, ``items[0][price]``, ``true``/``false``."""
    pairs = flatten_form(
        {
            "auto_advance": False,
            "paid": True,
            "metadata": {"order": 7, "tags": {"a": "b"}},
            "items": [{"price": "p1", "quantity": 2}, {"price": "p2"}],
            "expand": ["lines", "customer"],
            "ratio": 2.0,
        }
    )
    assert pairs == [
        ("auto_advance", "false"),
        ("paid", "true"),
        ("metadata[order]", "7"),
        ("metadata[tags][a]", "b"),
        ("items[0][price]", "p1"),
        ("items[0][quantity]", "2"),
        ("items[1][price]", "p2"),
        ("expand[0]", "lines"),
        ("expand[1]", "customer"),
        ("ratio", "2"),
    ]


def test_encode_form__characters_that_need_escaping_round_trip() -> None:
    value = "Consulting: 2.5 h @ 5€ & co (50% off) / #7 + a=b"
    body = encode_form({"description": value, "metadata": {"k&=": "v?"}})
    assert "&" not in body.replace("&metadata", "")  # only the separator is a raw '&'
    assert dict(parse_qsl(body)) == {"description": value, "metadata[k&=]": "v?"}


def test_encode_form__a_string_payload_is_sent_as_written() -> None:
    """§ Request Body Object "Form Data String Example": a string payload is the body."""
    assert encode_form("a=1&b=2") == "a=1&b=2"


def test_encode_form__non_object_payload_is_refused() -> None:
    with pytest.raises(EncodingError, match="a form body needs an object payload, got list"):
        encode_form([1, 2])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("in_123", "in_123"),
        ("a/b", "a%2Fb"),
        ("../admin", "..%2Fadmin"),
        ("x y?z#", "x%20y%3Fz%23"),
    ],
)
def test_path_values_are_percent_encoded(value: str, expected: str) -> None:
    """A path value can never add path segments, a query or a fragment."""
    assert encode_path_value(value) == expected


def test_query_pairs__form_explode_and_deep_object() -> None:
    assert query_pairs("expand", ["a", "b"]) == [("expand", "a"), ("expand", "b")]
    assert query_pairs("expand", ["a", "b"], explode=False) == [("expand", "a,b")]
    assert query_pairs("filter", {"status": "open"}, "deepObject") == [("filter[status]", "open")]
    assert query_pairs("flag", True) == [("flag", "true")]


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\nb", "nul\x00"])
def test_header_values_cannot_inject_lines(bad: str) -> None:
    with pytest.raises(EncodingError, match="line break or NUL"):
        header_value("X-Trace", bad)


@pytest.fixture
def step_plan(tmp_path: Path):
    (tmp_path / "openapi.yaml").write_text(OPENAPI)
    document = parse_text(ARAZZO, tmp_path / "w.arazzo.yaml")
    plan = ArazzoFile(document, SourceCache()).plan("w")
    assert not plan.errors, plan.errors
    return plan.steps[0]


def test_build_request__form_body_params_and_omitted_optional_input(step_plan) -> None:
    """An optional input that was not given is left out: never ``None``, ``undefined`` or ``''``."""
    ctx = EvalContext(inputs={"thing": "a/b c", "trace": "t-1"})
    request = build_request(step_plan, ctx, "https://api.example.test")
    assert request.method == "POST"
    assert request.url == (
        "https://api.example.test/v1/things/a%2Fb%20c"
        "?expand=lines&expand=customer&filter%5Bstatus%5D=open"
    )
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["X-Trace"] == "t-1"
    body = request.body.decode()
    fields = dict(parse_qsl(body, keep_blank_values=True))
    assert "note" not in fields
    assert "None" not in body and "undefined" not in body
    assert fields == {
        "customer": "cus_1",
        "auto_advance": "false",
        "paid": "true",
        "amount": "2000",
        "metadata[order]": "7",
        "metadata[a b]": "x&y=z",
        "items[0][price]": "price_1",
        "items[0][quantity]": "2",
        "items[1][price]": "price_2",
    }
    assert "metadata%5Ba+b%5D=x%26y%3Dz" in body
    assert unquote(request.path) == "/v1/things/a/b c"


def test_build_request__given_optional_input_is_sent(step_plan) -> None:
    ctx = EvalContext(inputs={"thing": "t", "note": "", "trace": "x"})
    request = build_request(step_plan, ctx, "https://api.example.test")
    assert ("note", "") in parse_qsl(request.body.decode(), keep_blank_values=True)


def test_build_request__absent_header_input_is_omitted_and_bad_header_refused(step_plan) -> None:
    request = build_request(step_plan, EvalContext(inputs={"thing": "t"}), "https://h")
    assert "X-Trace" not in request.headers
    with pytest.raises(BuildError, match=r"parameter 'X-Trace'.*line break"):
        build_request(
            step_plan, EvalContext(inputs={"thing": "t", "trace": "a\r\nb: c"}), "https://h"
        )


def test_build_request__missing_path_parameter_is_named(step_plan) -> None:
    with pytest.raises(BuildError, match=r"/v1/things/\{thing\} needs path parameter 'thing'"):
        build_request(step_plan, EvalContext(inputs={}), "https://h")
