"""Tests of the Stripe-shaped test server in ``tests/stripe_server.py``."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
import yaml

from tests.stripe_server import (
    DECLINE_CUSTOMER_ID,
    DEFAULT_CUSTOMER_ID,
    EUR_CUSTOMER_ID,
    FINALIZE_PARAMS,
    INVOICE_PARAMS,
    INVOICEITEM_PARAMS,
    StripeServer,
    mask_key,
    parse_form,
)

KEY = "sk_test_pytestarazzo123456"
AUTH = {"Authorization": f"Bearer {KEY}"}
ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "openapi" / "stripe-invoice-api-openapi.yml"


@pytest.fixture(scope="module")
def module_server() -> Iterator[StripeServer]:
    with StripeServer() as server:
        yield server


@pytest.fixture
def server(module_server: StripeServer) -> StripeServer:
    module_server.reset()
    return module_server


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def post(server: StripeServer, http: requests.Session) -> Any:
    def _post(path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        return http.post(server.url + path, data=data, headers={**AUTH, **(headers or {})})

    return _post


def _error(response: requests.Response) -> dict[str, Any]:
    return response.json()["error"]


def _draft(post: Any, customer: str = DEFAULT_CUSTOMER_ID) -> dict[str, Any]:
    response = post("/v1/invoices", {"customer": customer, "auto_advance": "false"})
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------- auth


def test_missing_api_key_is_refused(server: StripeServer, http: requests.Session) -> None:
    response = http.post(server.url + "/v1/invoices", data={"customer": DEFAULT_CUSTOMER_ID})
    assert response.status_code == 401
    error = _error(response)
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("You did not provide an API key.")
    assert server.invoices == {}


def test_live_key_is_refused_without_echoing_it(post: Any) -> None:
    live = "sk_live_51abcdefghijklmnopqrstuvwxyz9876"
    response = post(
        "/v1/invoices",
        {"customer": DEFAULT_CUSTOMER_ID},
        headers={"Authorization": f"Bearer {live}"},
    )
    assert response.status_code == 401
    message = _error(response)["message"]
    assert message.startswith("Invalid API Key provided: sk_live_****")
    assert message.endswith("9876")
    assert live not in response.text


def test_mask_key_hides_short_keys_entirely() -> None:
    assert mask_key("sk_live_abc") == "sk_live_****"
    assert "secret" not in mask_key("secret")


def test_basic_auth_and_restricted_test_keys_are_accepted(
    server: StripeServer, http: requests.Session
) -> None:
    url = server.url + f"/v1/customers/{DEFAULT_CUSTOMER_ID}"
    assert http.get(url, auth=(KEY, "")).status_code == 200
    token = base64.b64encode(b"rk_test_restricted1:").decode()
    assert http.get(url, headers={"Authorization": f"Basic {token}"}).status_code == 200


# --------------------------------------------------------------------------- form parsing


def test_parse_form_builds_nested_structures() -> None:
    text = "metadata[order]=7&items[0][price]=p&items[1][price]=q&expand[]=a&expand[]=b&x=true"
    assert parse_form(text) == {
        "metadata": {"order": "7"},
        "items": [{"price": "p"}, {"price": "q"}],
        "expand": ["a", "b"],
        "x": "true",
    }


def test_request_log_keeps_raw_body_parsed_form_and_headers(
    server: StripeServer, post: Any
) -> None:
    post(
        "/v1/customers",
        "metadata[order]=7&email=a%40example.com",
        headers={"Content-Type": "application/x-www-form-urlencoded", "idempotency-key": "k1"},
    )
    record = server.requests[-1]
    assert record["method"] == "POST"
    assert record["path"] == "/v1/customers"
    assert record["body"] == "metadata[order]=7&email=a%40example.com"
    assert record["form"] == {"metadata": {"order": "7"}, "email": "a@example.com"}
    assert record["headers"]["Authorization"] == f"Bearer {KEY}"
    assert record["headers"]["Idempotency-Key"] == "k1"
    assert record["status"] == 200


def test_json_body_is_refused_as_not_form_encoded(post: Any) -> None:
    response = post("/v1/invoices", '{"customer": "x"}', {"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in _error(response)["message"]


# --------------------------------------------------------------------------- happy paths


def test_create_add_item_finalize_gives_open_invoice(server: StripeServer, post: Any) -> None:
    draft = _draft(post, EUR_CUSTOMER_ID)
    assert draft["id"].startswith("in_")
    assert (draft["status"], draft["total"], draft["number"]) == ("draft", 0, None)
    assert draft["lines"] == {
        "object": "list",
        "data": [],
        "has_more": False,
        "total_count": 0,
        "url": f"/v1/invoices/{draft['id']}/lines",
    }

    item = post(
        "/v1/invoiceitems",
        {
            "customer": EUR_CUSTOMER_ID,
            "invoice": draft["id"],
            "amount": "2500",
            "currency": "EUR",
            "description": "Consulting",
            "metadata[job]": "42",
        },
    )
    assert item.status_code == 200, item.text
    item = item.json()
    assert item["id"].startswith("ii_")
    assert (item["amount"], item["currency"], item["invoice"]) == (2500, "eur", draft["id"])
    assert item["metadata"] == {"job": "42"}

    response = post(f"/v1/invoices/{draft['id']}/finalize")
    assert response.status_code == 200, response.text
    invoice = response.json()
    assert invoice["status"] == "open"
    assert invoice["total"] == invoice["amount_due"] == invoice["subtotal"] == 2500
    assert invoice["currency"] == "eur"
    assert invoice["number"].endswith("-0001")
    assert invoice["status_transitions"]["finalized_at"] > draft["created"]
    assert [line["invoice_item"] for line in invoice["lines"]["data"]] == [item["id"]]
    assert server.customers[EUR_CUSTOMER_ID]["next_invoice_sequence"] == 2


def test_zero_total_invoice_is_marked_paid_on_finalize(post: Any) -> None:
    draft = _draft(post)
    invoice = post(f"/v1/invoices/{draft['id']}/finalize").json()
    assert invoice["status"] == "paid"
    assert invoice["paid"] is True


def test_created_customer_can_be_retrieved(
    post: Any, http: requests.Session, server: StripeServer
) -> None:
    created = post("/v1/customers", {"email": "x@example.com", "name": "X"}).json()
    assert created["id"].startswith("cus_")
    fetched = http.get(f"{server.url}/v1/customers/{created['id']}", headers=AUTH)
    assert fetched.json() == created


# --------------------------------------------------------------------------- errors


def test_unknown_customer_retrieval_is_404(server: StripeServer, http: requests.Session) -> None:
    response = http.get(f"{server.url}/v1/customers/cus_x", headers=AUTH)
    assert response.status_code == 404
    assert _error(response) == {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "param": "id",
        "message": "No such customer: 'cus_x'",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
    }


@pytest.mark.parametrize(
    ("data", "status", "code", "param", "message"),
    [
        ({}, 400, "parameter_missing", "customer", "Missing required param: customer."),
        ({"customer": "cus_x"}, 400, "resource_missing", "customer", "No such customer: 'cus_x'"),
        (
            {"customer": DEFAULT_CUSTOMER_ID, "foo": "1"},
            400,
            "parameter_unknown",
            "foo",
            "Received unknown parameter: foo",
        ),
        (
            {"customer": DEFAULT_CUSTOMER_ID, "auto_advance": "yes"},
            400,
            None,
            "auto_advance",
            "Invalid boolean: yes",
        ),
        (
            {"customer": DEFAULT_CUSTOMER_ID, "collection_method": "cash"},
            400,
            None,
            "collection_method",
            "Invalid collection_method: must be one of",
        ),
    ],
    ids=["missing-customer", "unknown-customer", "unknown-param", "bad-boolean", "bad-enum"],
)
def test_create_invoice_errors(
    post: Any, data: dict[str, str], status: int, code: str | None, param: str, message: str
) -> None:
    response = post("/v1/invoices", data)
    assert response.status_code == status
    error = _error(response)
    assert error.get("code") == code
    assert error["param"] == param
    assert error["message"].startswith(message)


@pytest.mark.parametrize(
    ("fields", "param", "message"),
    [
        ({"amount": "12.5"}, "amount", "Invalid integer: 12.5"),
        ({"amount": "100000000"}, "amount", "This value must be less than or equal to 99999999"),
        ({"currency": "xyz"}, "currency", "Invalid currency: xyz. Stripe currently supports"),
        ({"currency": None}, "currency", "Missing required param: currency."),
        ({"description": "d" * 5001}, "description", "Invalid string: "),
        ({"bogus": "1"}, "bogus", "Received unknown parameter: bogus"),
        ({"invoice": "in_missing"}, "invoice", "No such invoice: 'in_missing'"),
    ],
    ids=[
        "non-integer",
        "too-large",
        "bad-currency",
        "no-currency",
        "long-description",
        "unknown-param",
        "unknown-invoice",
    ],
)
def test_create_invoiceitem_errors(
    post: Any, fields: dict[str, str | None], param: str, message: str
) -> None:
    data = {"customer": DEFAULT_CUSTOMER_ID, "amount": "100", "currency": "usd", **fields}
    response = post("/v1/invoiceitems", {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 400
    error = _error(response)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["message"].startswith(message)


def test_invoiceitem_accepts_empty_description(post: Any) -> None:
    draft = _draft(post)
    response = post(
        "/v1/invoiceitems",
        {
            "customer": DEFAULT_CUSTOMER_ID,
            "invoice": draft["id"],
            "amount": "5",
            "currency": "usd",
            "description": "",
        },
    )
    assert response.status_code == 200
    assert response.json()["description"] is None


def test_invoiceitem_target_invoice_must_match_draft_and_currency(post: Any) -> None:
    draft = _draft(post)
    base = {"customer": DEFAULT_CUSTOMER_ID, "invoice": draft["id"], "amount": "5"}
    assert post("/v1/invoiceitems", {**base, "currency": "usd"}).status_code == 200

    mismatch = post("/v1/invoiceitems", {**base, "currency": "gbp"})
    assert (mismatch.status_code, _error(mismatch)["param"]) == (400, "currency")

    other = post("/v1/invoiceitems", {**base, "customer": DECLINE_CUSTOMER_ID, "currency": "usd"})
    assert (other.status_code, _error(other)["param"]) == (400, "invoice")

    post(f"/v1/invoices/{draft['id']}/finalize")
    closed = post("/v1/invoiceitems", {**base, "currency": "usd"})
    assert closed.status_code == 400
    assert "draft" in _error(closed)["message"]


def test_finalize_errors(post: Any, server: StripeServer) -> None:
    missing = post("/v1/invoices/in_x/finalize")
    assert missing.status_code == 404
    assert _error(missing)["message"] == "No such invoice: 'in_x'"

    draft = _draft(post)
    assert post(f"/v1/invoices/{draft['id']}/finalize").status_code == 200
    again = post(f"/v1/invoices/{draft['id']}/finalize")
    assert again.status_code == 400
    assert "can't re-finalize a non-draft invoice" in _error(again)["message"]


def test_finalize_for_decline_customer_is_card_declined(post: Any, server: StripeServer) -> None:
    draft = _draft(post, DECLINE_CUSTOMER_ID)
    response = post(f"/v1/invoices/{draft['id']}/finalize")
    assert response.status_code == 402
    error = _error(response)
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "card_declined",
        "generic_decline",
    )
    assert error["message"] == "Your card was declined."
    assert server.invoices[draft["id"]]["status"] == "draft"


def test_unrecognized_url_is_404(post: Any) -> None:
    response = post("/v1/foo")
    assert response.status_code == 404
    assert _error(response)["message"].startswith("Unrecognized request URL (POST: /v1/foo).")


# --------------------------------------------------------------------------- determinism


def _ids(seed: int) -> list[str]:
    with StripeServer(seed=seed) as server, requests.Session() as http:
        invoice = http.post(
            server.url + "/v1/invoices", headers=AUTH, data={"customer": DEFAULT_CUSTOMER_ID}
        ).json()
        item = http.post(
            server.url + "/v1/invoiceitems",
            headers=AUTH,
            data={
                "customer": DEFAULT_CUSTOMER_ID,
                "invoice": invoice["id"],
                "amount": "1",
                "currency": "usd",
            },
        ).json()
        request_id = server.requests[0]["request_id"]
        return [invoice["id"], item["id"], str(invoice["created"]), request_id]


def test_same_seed_gives_same_ids_and_timestamps() -> None:
    first, second = _ids(7), _ids(7)
    assert first == second
    assert first != _ids(8)
    assert len(first[0]) == len("in_") + 24


def test_reset_restarts_ids(server: StripeServer, post: Any) -> None:
    first = _draft(post)["id"]
    server.reset()
    assert _draft(post)["id"] == first


# --------------------------------------------------------------------------- headers, replay


def test_response_headers(server: StripeServer, http: requests.Session) -> None:
    response = http.get(
        f"{server.url}/v1/customers/{DEFAULT_CUSTOMER_ID}",
        headers={**AUTH, "Stripe-Version": "2024-01-01"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Request-Id"].startswith("req_")
    assert response.headers["Stripe-Version"] == "2024-01-01"


def test_idempotency_key_replays_the_first_response(server: StripeServer, post: Any) -> None:
    data = {"customer": DEFAULT_CUSTOMER_ID}
    first = post("/v1/invoices", data, {"Idempotency-Key": "abc"})
    second = post("/v1/invoices", data, {"Idempotency-Key": "abc"})
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(server.invoices) == 1

    other = post("/v1/invoices", {"customer": DECLINE_CUSTOMER_ID}, {"Idempotency-Key": "abc"})
    assert other.status_code == 400
    assert _error(other)["type"] == "idempotency_error"


def test_fault_queue_answers_before_the_real_response(server: StripeServer, post: Any) -> None:
    server.fail_next(429, headers={"Retry-After": "0"})
    server.fail_next(503, times=2, path="/v1/invoices")
    limited = post("/v1/invoices", {"customer": DEFAULT_CUSTOMER_ID})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "0")
    assert _error(limited)["code"] == "rate_limit"
    assert post("/v1/customers", {}).status_code == 200  # path filter skips the 503s
    assert [post("/v1/invoices", {}).status_code for _ in range(2)] == [503, 503]
    assert post("/v1/invoices", {"customer": DEFAULT_CUSTOMER_ID}).status_code == 200
    assert len(server.invoices) == 1


# --------------------------------------------------------------------------- the OpenAPI file


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_spec_matches_server_and_seed_workflow() -> None:
    spec = yaml.safe_load(SPEC.read_text())
    for ref in _refs(spec):
        assert ref.startswith("#/")
        _resolve(spec, ref)
    operations = {op["operationId"]: op for item in spec["paths"].values() for op in item.values()}
    for workflow in (ROOT / "specs" / "arazzo").glob("*.yml"):
        document = yaml.safe_load(workflow.read_text())
        (source,) = document["sourceDescriptions"]
        described = yaml.safe_load((workflow.parent / source["url"]).read_text())
        known = {op["operationId"] for item in described["paths"].values() for op in item.values()}
        for step in document["workflows"][0]["steps"]:
            assert step["operationId"] in known, (workflow.name, step["operationId"])
    expected = {
        "postInvoices": INVOICE_PARAMS,
        "postInvoice Items": INVOICEITEM_PARAMS,
        "postInvoicesInvoiceFinalize": FINALIZE_PARAMS,
    }
    for operation_id, params in expected.items():
        body = operations[operation_id]["requestBody"]["content"]
        schema = _resolve(spec, body["application/x-www-form-urlencoded"]["schema"]["$ref"])
        assert sorted(schema["properties"]) == sorted(params)


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable: true`` becomes a ``null`` type."""
    if isinstance(node, list):
        return [_json_schema(value) for value in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and isinstance(node.get("type"), str):
        converted["type"] = [node["type"], "null"]
    return converted


def test_server_responses_match_openapi_schemas(
    post: Any, server: StripeServer, http: requests.Session
) -> None:
    components = _json_schema(yaml.safe_load(SPEC.read_text())["components"])

    def check(name: str, instance: Any) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": components}
        jsonschema.Draft4Validator(schema).validate(instance)

    draft = _draft(post)
    check("invoice", draft)
    check(
        "invoiceitem",
        post(
            "/v1/invoiceitems",
            {
                "customer": DEFAULT_CUSTOMER_ID,
                "invoice": draft["id"],
                "amount": "9",
                "currency": "usd",
            },
        ).json(),
    )
    check("invoice", post(f"/v1/invoices/{draft['id']}/finalize").json())
    check("customer", post("/v1/customers", {"email": "a@example.com"}).json())
    check("error", post("/v1/invoices", {}).json())
    check("error", post(f"/v1/invoices/{_draft(post, DECLINE_CUSTOMER_ID)['id']}/finalize").json())


# --------------------------------------------------------------------------- invoice currency


def test_invoice_currency_is_given_else_the_customers_else_usd(post: Any) -> None:
    assert _draft(post)["currency"] == "usd"
    assert _draft(post, EUR_CUSTOMER_ID)["currency"] == "eur"
    given = post("/v1/invoices", {"customer": EUR_CUSTOMER_ID, "currency": "gbp"})
    assert given.json()["currency"] == "gbp"


def test_invoiceitem_in_another_currency_is_rejected_even_on_an_empty_invoice(
    post: Any, server: StripeServer
) -> None:
    draft = _draft(post)
    base = {"customer": DEFAULT_CUSTOMER_ID, "invoice": draft["id"], "amount": "1250"}
    response = post("/v1/invoiceitems", {**base, "currency": "eur"})
    assert response.status_code == 400
    error = _error(response)
    assert (error["type"], error["param"]) == ("invalid_request_error", "currency")
    assert error["message"].startswith(
        "The currency of an invoice item must match the currency of the invoice: "
    )
    assert server.invoices[draft["id"]]["currency"] == "usd"
    assert server.invoiceitems == {}


def test_eur_customer_invoice_takes_a_eur_item(post: Any) -> None:
    draft = _draft(post, EUR_CUSTOMER_ID)
    item = {"customer": EUR_CUSTOMER_ID, "invoice": draft["id"], "amount": "1250"}
    assert post("/v1/invoiceitems", {**item, "currency": "eur"}).status_code == 200
    assert post("/v1/invoiceitems", {**item, "currency": "usd"}).status_code == 400


# --------------------------------------------------------------------------- bracket arrays


@pytest.mark.parametrize(
    ("path", "data", "param", "message"),
    [
        ("/v1/invoices", {"expand": "lines"}, "expand", "Invalid array"),
        ("/v1/invoices", {"expand[0]": "bogus"}, None, "This property cannot be expanded (bogus)."),
        ("/v1/subscriptions", {"items": '[{"price": "price_x"}]'}, "items", "Invalid array"),
        ("/v1/subscriptions", {"items[price]": "price_x"}, "items", "Invalid array"),
        ("/v1/subscriptions", {"items[0]": "price_x"}, "items[0]", "Invalid hash"),
        ("/v1/subscriptions", {"items[0][bogus]": "1"}, "items[0][bogus]", "Received unknown"),
        (
            "/v1/payment_intents",
            {"payment_method_types": "card"},
            "payment_method_types",
            "Invalid array",
        ),
        ("/v1/customers", {"metadata": '{"a": "b"}'}, "metadata", "Invalid hash"),
    ],
    ids=[
        "expand-unindexed",
        "expand-unknown",
        "items-json",
        "items-no-index",
        "items-scalar",
        "items-unknown-key",
        "types-unindexed",
        "metadata-json",
    ],
)
def test_wrong_array_and_hash_encodings_are_rejected(
    post: Any, path: str, data: dict[str, str], param: str | None, message: str
) -> None:
    fields = {"customer": DEFAULT_CUSTOMER_ID, "amount": "2000", "currency": "usd"}
    if path == "/v1/customers":
        fields = {}
    elif path == "/v1/invoices" or path == "/v1/subscriptions":
        fields = {"customer": DEFAULT_CUSTOMER_ID}
    else:
        fields.pop("customer")
    response = post(path, {**fields, **data})
    assert response.status_code == 400, response.text
    error = _error(response)
    assert error["type"] == "invalid_request_error"
    assert error.get("param") == param
    assert error["message"].startswith(message)


def test_indexed_and_empty_bracket_arrays_are_both_accepted(post: Any) -> None:
    for key in ("expand[0]", "expand[]"):
        response = post("/v1/invoices", {"customer": DEFAULT_CUSTOMER_ID, key: "customer"})
        assert response.status_code == 200, response.text
        assert response.json()["customer"]["id"] == DEFAULT_CUSTOMER_ID


# --------------------------------------------------------------------------- payments


def _intent(post: Any, **fields: str) -> Any:
    data = {
        "amount": "2000",
        "currency": "usd",
        "payment_method": "pm_card_visa",
        "payment_method_types[0]": "card",
        "confirm": "true",
        **fields,
    }
    return post("/v1/payment_intents", data)


def test_manual_capture_partial_capture_and_partial_refund(post: Any, server: StripeServer) -> None:
    intent = _intent(post, capture_method="manual").json()
    assert (intent["status"], intent["amount_capturable"]) == ("requires_capture", 2000)
    assert intent["payment_method"].startswith("pm_") and intent["payment_method"] != "pm_card_visa"

    over = post(f"/v1/payment_intents/{intent['id']}/capture", {"amount_to_capture": "2001"})
    assert (over.status_code, _error(over)["param"]) == (400, "amount_to_capture")
    captured = post(f"/v1/payment_intents/{intent['id']}/capture", {"amount_to_capture": "1500"})
    assert captured.status_code == 200, captured.text
    body = captured.json()
    assert (body["status"], body["amount_received"], body["amount_capturable"]) == (
        "succeeded",
        1500,
        0,
    )
    again = post(f"/v1/payment_intents/{intent['id']}/capture")
    assert _error(again)["code"] == "payment_intent_unexpected_state"

    refund = post("/v1/refunds", {"payment_intent": intent["id"], "amount": "500"})
    assert refund.status_code == 200, refund.text
    assert (refund.json()["status"], refund.json()["amount"]) == ("succeeded", 500)
    too_much = post("/v1/refunds", {"payment_intent": intent["id"], "amount": "1001"})
    assert (too_much.status_code, _error(too_much)["code"]) == (400, "amount_too_large")
    charge = server.charges[body["latest_charge"]]
    assert (charge["amount_captured"], charge["amount_refunded"]) == (1500, 500)


def test_cancel_uncaptured_payment_intent(post: Any) -> None:
    intent = _intent(post, capture_method="manual").json()
    canceled = post(
        f"/v1/payment_intents/{intent['id']}/cancel",
        {"cancellation_reason": "requested_by_customer"},
    )
    assert canceled.status_code == 200, canceled.text
    assert (canceled.json()["status"], canceled.json()["cancellation_reason"]) == (
        "canceled",
        "requested_by_customer",
    )
    twice = post(f"/v1/payment_intents/{intent['id']}/cancel")
    assert _error(twice)["code"] == "payment_intent_unexpected_state"
    succeeded = _intent(post).json()
    assert succeeded["status"] == "succeeded"
    assert post(f"/v1/payment_intents/{succeeded['id']}/cancel").status_code == 400


def test_intent_confirmed_later_and_declines(post: Any) -> None:
    created = post("/v1/payment_intents", {"amount": "900", "currency": "usd"}).json()
    assert created["status"] == "requires_payment_method"
    confirmed = post(
        f"/v1/payment_intents/{created['id']}/confirm", {"payment_method": "pm_card_visa"}
    )
    assert confirmed.json()["status"] == "succeeded"
    declined = _intent(post, payment_method="pm_card_chargeDeclined")
    assert (declined.status_code, _error(declined)["code"]) == (402, "card_declined")
    assert _error(declined)["payment_intent"]["status"] == "requires_payment_method"
    small = _intent(post, amount="10")
    assert _error(small)["code"] == "amount_too_small"


def test_attach_payment_method_and_charge_off_session(
    post: Any, http: requests.Session, server: StripeServer
) -> None:
    customer = post("/v1/customers", {"email": "o@example.com"}).json()
    attached = post("/v1/payment_methods/pm_card_visa/attach", {"customer": customer["id"]})
    assert attached.status_code == 200, attached.text
    method = attached.json()
    assert (method["customer"], method["card"]["last4"]) == (customer["id"], "4242")
    fetched = http.get(f"{server.url}/v1/payment_methods/{method['id']}", headers=AUTH)
    assert fetched.json() == method

    charge = _intent(post, customer=customer["id"], payment_method=method["id"], off_session="true")
    assert charge.status_code == 200, charge.text
    assert (charge.json()["status"], charge.json()["off_session"]) == ("succeeded", True)
    foreign = _intent(post, payment_method=method["id"])
    assert (foreign.status_code, _error(foreign)["param"]) == (400, "payment_method")
    unconfirmed = post(
        "/v1/payment_intents", {"amount": "900", "currency": "usd", "off_session": "true"}
    )
    assert _error(unconfirmed)["param"] == "off_session"
    missing = post("/v1/payment_methods/pm_nope/attach", {"customer": customer["id"]})
    assert _error(missing)["code"] == "resource_missing"


# --------------------------------------------------------------------------- billing


def _subscriber(post: Any) -> str:
    data = {
        "email": "s@example.com",
        "payment_method": "pm_card_visa",
        "invoice_settings[default_payment_method]": "pm_card_visa",
    }
    return str(post("/v1/customers", data).json()["id"])


def _monthly_price(post: Any, amount: str = "1200", currency: str = "usd") -> dict[str, Any]:
    product = post("/v1/products", {"name": "Team plan"}).json()
    assert product["id"].startswith("prod_")
    price = post(
        "/v1/prices",
        {
            "product": product["id"],
            "unit_amount": amount,
            "currency": currency,
            "recurring[interval]": "month",
        },
    )
    assert price.status_code == 200, price.text
    return dict(price.json())


def test_products_and_prices(post: Any) -> None:
    price = _monthly_price(post)
    assert (price["type"], price["recurring"]["interval"]) == ("recurring", "month")
    inline = post(
        "/v1/prices", {"currency": "eur", "unit_amount": "500", "product_data[name]": "Box"}
    ).json()
    assert (inline["type"], inline["product"][:5]) == ("one_time", "prod_")
    assert post("/v1/prices", {"currency": "usd", "unit_amount": "5"}).status_code == 400
    assert _error(post("/v1/products", {}))["param"] == "name"


def test_subscription_create_update_quantity_cancel(
    post: Any, http: requests.Session, server: StripeServer
) -> None:
    price = _monthly_price(post)
    customer = _subscriber(post)
    created = post(
        "/v1/subscriptions",
        {
            "customer": customer,
            "items[0][price]": price["id"],
            "items[0][quantity]": "2",
            "expand[0]": "latest_invoice",
        },
    )
    assert created.status_code == 200, created.text
    sub = created.json()
    assert sub["status"] == "active"
    assert (sub["latest_invoice"]["status"], sub["latest_invoice"]["amount_paid"]) == ("paid", 2400)
    item = sub["items"]["data"][0]
    updated = post(
        f"/v1/subscriptions/{sub['id']}", {"items[0][id]": item["id"], "items[0][quantity]": "3"}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["items"]["data"][0]["quantity"] == 3
    assert isinstance(updated.json()["latest_invoice"], str)

    canceled = http.delete(f"{server.url}/v1/subscriptions/{sub['id']}", headers=AUTH)
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    late = post(
        f"/v1/subscriptions/{sub['id']}", {"items[0][id]": item["id"], "items[0][quantity]": "4"}
    )
    assert late.status_code == 400


def test_subscription_errors(post: Any) -> None:
    price = _monthly_price(post)
    one_time = post(
        "/v1/prices", {"currency": "usd", "unit_amount": "5", "product_data[name]": "x"}
    ).json()
    customer = _subscriber(post)
    assert _error(post("/v1/subscriptions", {"customer": customer}))["param"] == "items"
    wrong = post("/v1/subscriptions", {"customer": customer, "items[0][price]": one_time["id"]})
    assert "type=recurring" in _error(wrong)["message"]
    no_card = post(
        "/v1/subscriptions",
        {"customer": post("/v1/customers", {}).json()["id"], "items[0][price]": price["id"]},
    )
    assert no_card.json()["status"] == "incomplete"
    eur = _monthly_price(post, currency="eur")
    post("/v1/subscriptions", {"customer": customer, "items[0][price]": price["id"]})
    mixed = post("/v1/subscriptions", {"customer": customer, "items[0][price]": eur["id"]})
    assert "combine currencies" in _error(mixed)["message"]


def test_subscription_pause_collection_and_resume(post: Any) -> None:
    price = _monthly_price(post)
    sub = post(
        "/v1/subscriptions", {"customer": _subscriber(post), "items[0][price]": price["id"]}
    ).json()
    paused = post(f"/v1/subscriptions/{sub['id']}", {"pause_collection[behavior]": "void"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["pause_collection"] == {"behavior": "void", "resumes_at": None}
    bad = post(f"/v1/subscriptions/{sub['id']}", {"pause_collection[behavior]": "sleep"})
    assert _error(bad)["param"] == "pause_collection[behavior]"
    as_text = post(f"/v1/subscriptions/{sub['id']}", {"pause_collection": "void"})
    assert _error(as_text)["message"] == "Invalid hash"
    resumed = post(f"/v1/subscriptions/{sub['id']}", {"pause_collection": ""})
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["pause_collection"], resumed.json()["status"]) == (None, "active")


def test_checkout_session_create_and_expire(
    post: Any, http: requests.Session, server: StripeServer
) -> None:
    data = {
        "mode": "payment",
        "success_url": "https://example.com/ok",
        "payment_method_types[0]": "card",
        "line_items[0][quantity]": "2",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "2000",
        "line_items[0][price_data][product_data][name]": "T-shirt",
    }
    created = post("/v1/checkout/sessions", data)
    assert created.status_code == 200, created.text
    session = created.json()
    assert (session["status"], session["amount_total"], session["currency"]) == (
        "open",
        4000,
        "usd",
    )
    assert session["id"].startswith("cs_test_")
    expanded = http.get(
        f"{server.url}/v1/checkout/sessions/{session['id']}",
        params={"expand[0]": "line_items"},
        headers=AUTH,
    ).json()
    assert expanded["line_items"]["data"][0]["description"] == "T-shirt"
    expired = post(f"/v1/checkout/sessions/{session['id']}/expire")
    assert expired.status_code == 200, expired.text
    assert (expired.json()["status"], expired.json()["url"]) == ("expired", None)
    assert post(f"/v1/checkout/sessions/{session['id']}/expire").status_code == 400
    no_url = post("/v1/checkout/sessions", {k: v for k, v in data.items() if k != "success_url"})
    assert _error(no_url)["param"] == "success_url"
    no_lines = post("/v1/checkout/sessions", {"mode": "payment", "success_url": "https://e.x"})
    assert _error(no_lines)["param"] == "line_items"


def _open_invoice(post: Any, customer: str, amount: str = "4200", **fields: str) -> str:
    draft = post("/v1/invoices", {"customer": customer, "auto_advance": "false", **fields}).json()
    item = post(
        "/v1/invoiceitems",
        {
            "customer": customer,
            "invoice": draft["id"],
            "amount": amount,
            "currency": draft["currency"],
        },
    )
    assert item.status_code == 200, item.text
    assert post(f"/v1/invoices/{draft['id']}/finalize").json()["status"] == "open"
    return str(draft["id"])


def test_invoice_pay(post: Any, server: StripeServer) -> None:
    invoice_id = _open_invoice(post, _subscriber(post))
    paid = post(f"/v1/invoices/{invoice_id}/pay", {"expand[0]": "payment_intent"})
    assert paid.status_code == 200, paid.text
    body = paid.json()
    assert (body["status"], body["paid"], body["amount_paid"], body["amount_remaining"]) == (
        "paid",
        True,
        4200,
        0,
    )
    assert body["payment_intent"]["status"] == "succeeded"
    assert _error(post(f"/v1/invoices/{invoice_id}/pay"))["message"] == "Invoice is already paid"
    declined = _open_invoice(post, _subscriber(post))
    failed = post(f"/v1/invoices/{declined}/pay", {"payment_method": "pm_card_chargeDeclined"})
    assert (failed.status_code, _error(failed)["code"]) == (402, "card_declined")
    out_of_band = post(f"/v1/invoices/{declined}/pay", {"paid_out_of_band": "true"}).json()
    assert (out_of_band["status"], out_of_band["paid_out_of_band"]) == ("paid", True)
    draft = _draft(post)
    assert post(f"/v1/invoices/{draft['id']}/pay").status_code == 400


def test_invoice_void(post: Any) -> None:
    invoice_id = _open_invoice(
        post, DEFAULT_CUSTOMER_ID, collection_method="send_invoice", days_until_due="30"
    )
    voided = post(f"/v1/invoices/{invoice_id}/void")
    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "void"
    assert voided.json()["status_transitions"]["voided_at"] is not None
    assert post(f"/v1/invoices/{invoice_id}/void").status_code == 400
    assert post(f"/v1/invoices/{invoice_id}/pay").status_code == 400
    assert post(f"/v1/invoices/{_draft(post)['id']}/void").status_code == 400


@pytest.mark.parametrize(
    ("spec", "schema", "make"),
    [
        (
            "stripe-payments-api-openapi.yml",
            "payment_intent",
            lambda post: _intent(post, capture_method="manual").json(),
        ),
        (
            "stripe-payments-api-openapi.yml",
            "checkout_session",
            lambda post: post(
                "/v1/checkout/sessions",
                {
                    "mode": "payment",
                    "success_url": "https://e.x",
                    "line_items[0][quantity]": "1",
                    "line_items[0][price_data][currency]": "usd",
                    "line_items[0][price_data][unit_amount]": "100",
                    "line_items[0][price_data][product_data][name]": "n",
                },
            ).json(),
        ),
        (
            "stripe-billing-api-openapi.yml",
            "subscription",
            lambda post: post(
                "/v1/subscriptions",
                {
                    "customer": _subscriber(post),
                    "items[0][price]": _monthly_price(post)["id"],
                    "expand[0]": "latest_invoice",
                },
            ).json(),
        ),
        (
            "stripe-billing-api-openapi.yml",
            "invoice",
            lambda post: post(f"/v1/invoices/{_open_invoice(post, _subscriber(post))}/pay").json(),
        ),
        (
            "stripe-payments-api-openapi.yml",
            "error",
            lambda post: post("/v1/payment_intents", {"amount": "1"}).json(),
        ),
    ],
    ids=["payment-intent", "checkout-session", "subscription", "paid-invoice", "error"],
)
def test_new_responses_match_their_openapi_schemas(
    post: Any, spec: str, schema: str, make: Any
) -> None:
    document = yaml.safe_load((ROOT / "specs" / "openapi" / spec).read_text())
    components = _json_schema(document["components"])
    validator = {"$ref": f"#/components/schemas/{schema}", "components": components}
    jsonschema.Draft4Validator(validator).validate(make(post))
