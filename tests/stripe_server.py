"""A small Stripe-shaped HTTP server for pytest-arazzo's tests and cassette recording.

It speaks enough of Stripe's API (customers, invoices and invoice items, payment intents and
refunds, payment methods, products, prices, subscriptions, Checkout Sessions) with Stripe's
conventions: secret-key auth, form bodies in bracket notation, Stripe's
error envelope, ``Idempotency-Key`` replay, ``Request-Id`` and ``Stripe-Version`` headers.
Everything is deterministic for a given ``seed``: ids, request ids and timestamps.

Run ``python tests/stripe_server.py --port 12111`` to serve in the foreground.
Standard library only (plus the shared handler in ``tests/loopback.py``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import json
import random
import re
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

try:
    from tests.loopback import QuietHandler, ServerThread
except ModuleNotFoundError:  # run as a script: python tests/stripe_server.py
    from loopback import QuietHandler, ServerThread  # type: ignore[no-redef]

Json = dict[str, Any]

API_VERSION = "2023-10-16"
EPOCH = 1_700_000_000
ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 24
MAX_AMOUNT = 99_999_999
MAX_IDEMPOTENCY_KEY = 255
DEFAULT_CUSTOMER_ID = "cus_PYTESTARAZZO01"
DECLINE_CUSTOMER_ID = "cus_DECLINECARD01"
EUR_CUSTOMER_ID = "cus_PYTESTARAZZOEU"
DECLINING_PAYMENT_METHOD = "pm_card_chargeDeclined"
# Stripe's test-mode PaymentMethod tokens: (brand, last4); using one makes a new PaymentMethod.
TEST_PAYMENT_METHODS = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_mastercard": ("mastercard", "4444"),
    "pm_card_amex": ("amex", "8431"),
    DECLINING_PAYMENT_METHOD: ("visa", "0002"),
}
DEFAULT_CURRENCY = "usd"
DEFAULT_CUSTOMERS: dict[str, Json] = {
    DEFAULT_CUSTOMER_ID: {
        "name": "pytest-arazzo test customer",
        "email": "billing@example.com",
        "description": "Default customer of the pytest-arazzo Stripe test server",
        "invoice_settings": {"default_payment_method": "pm_card_visa"},
    },
    DECLINE_CUSTOMER_ID: {
        "name": "Declined card customer",
        "email": "declined@example.com",
        "description": "Finalizing any of this customer's invoices fails with card_declined",
        "invoice_settings": {"default_payment_method": DECLINING_PAYMENT_METHOD},
    },
    EUR_CUSTOMER_ID: {
        "name": "pytest-arazzo euro customer",
        "email": "billing-eu@example.com",
        "description": "A customer billed in eur: invoices without a currency are in eur",
        "currency": "eur",
        "invoice_settings": {"default_payment_method": "pm_card_visa"},
    },
}
CURRENCIES = [
    "aed",
    "aud",
    "bgn",
    "brl",
    "cad",
    "chf",
    "cny",
    "czk",
    "dkk",
    "eur",
    "gbp",
    "hkd",
    "huf",
    "idr",
    "ils",
    "inr",
    "isk",
    "jpy",
    "krw",
    "mxn",
    "myr",
    "nok",
    "nzd",
    "php",
    "pln",
    "ron",
    "sek",
    "sgd",
    "thb",
    "try",
    "twd",
    "usd",
    "zar",
]
UNRECOGNIZED_URL = (
    "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
    "or we can help at https://support.stripe.com/."
)
NO_API_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
NOT_FORM_ENCODED = (
    "Invalid request (check that your POST content type is application/x-www-form-urlencoded). "
    "If you have any questions, we can help at https://support.stripe.com/."
)

CUSTOMER_PARAMS = [
    "description",
    "email",
    "expand",
    "invoice_settings",
    "metadata",
    "name",
    "payment_method",
    "phone",
    "preferred_locales",
]
INVOICE_PARAMS = [
    "application_fee_amount",
    "auto_advance",
    "automatic_tax",
    "collection_method",
    "currency",
    "customer",
    "days_until_due",
    "default_payment_method",
    "default_source",
    "default_tax_rates",
    "description",
    "due_date",
    "effective_at",
    "expand",
    "footer",
    "metadata",
    "on_behalf_of",
    "pending_invoice_items_behavior",
    "statement_descriptor",
    "subscription",
]
INVOICEITEM_PARAMS = [
    "amount",
    "currency",
    "customer",
    "description",
    "discountable",
    "expand",
    "invoice",
    "metadata",
    "period",
    "quantity",
    "subscription",
    "tax_rates",
    "unit_amount",
]
FINALIZE_PARAMS = ["auto_advance", "expand"]
PAY_PARAMS = ["expand", "forgive", "off_session", "paid_out_of_band", "payment_method", "source"]
VOID_PARAMS = ["expand"]
PAYMENT_INTENT_PARAMS = [
    "amount",
    "automatic_payment_methods",
    "capture_method",
    "confirm",
    "currency",
    "customer",
    "description",
    "expand",
    "metadata",
    "off_session",
    "payment_method",
    "payment_method_types",
    "receipt_email",
    "return_url",
    "setup_future_usage",
    "statement_descriptor",
    "statement_descriptor_suffix",
]
CONFIRM_PARAMS = ["capture_method", "expand", "off_session", "payment_method", "return_url"]
CAPTURE_PARAMS = ["amount_to_capture", "expand", "metadata", "statement_descriptor"]
CANCEL_PARAMS = ["cancellation_reason", "expand"]
CANCELLATION_REASONS = ["abandoned", "duplicate", "fraudulent", "requested_by_customer"]
REFUND_PARAMS = ["amount", "charge", "expand", "metadata", "payment_intent", "reason"]
ATTACH_PARAMS = ["customer", "expand"]
PRODUCT_PARAMS = [
    "active",
    "description",
    "expand",
    "id",
    "metadata",
    "name",
    "statement_descriptor",
    "unit_label",
    "url",
]
PRICE_PARAMS = [
    "active",
    "currency",
    "expand",
    "lookup_key",
    "metadata",
    "nickname",
    "product",
    "product_data",
    "recurring",
    "tax_behavior",
    "unit_amount",
]
SUBSCRIPTION_PARAMS = [
    "cancel_at_period_end",
    "collection_method",
    "customer",
    "days_until_due",
    "default_payment_method",
    "description",
    "expand",
    "items",
    "metadata",
    "payment_behavior",
    "proration_behavior",
]
SUBSCRIPTION_UPDATE_PARAMS = [
    "cancel_at_period_end",
    "collection_method",
    "days_until_due",
    "default_payment_method",
    "description",
    "expand",
    "items",
    "metadata",
    "pause_collection",
    "payment_behavior",
    "proration_behavior",
]
SUBSCRIPTION_CANCEL_PARAMS = ["cancellation_details", "expand", "invoice_now", "prorate"]
SUBSCRIPTION_ITEM_PARAMS = ["deleted", "id", "metadata", "price", "quantity"]
CHECKOUT_PARAMS = [
    "cancel_url",
    "client_reference_id",
    "currency",
    "customer",
    "customer_email",
    "expand",
    "expires_at",
    "line_items",
    "metadata",
    "mode",
    "payment_method_types",
    "success_url",
]
CHECKOUT_LINE_ITEM_PARAMS = ["price", "price_data", "quantity"]
PRICE_DATA_PARAMS = ["currency", "product", "product_data", "recurring", "unit_amount"]
INTERVAL_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
# Fields each object type can expand, and the store (attribute of StripeServer) holding them.
EXPANDABLE: dict[str, dict[str, str]] = {
    "payment_intent": {
        "customer": "customers",
        "latest_charge": "charges",
        "payment_method": "payment_methods",
        "invoice": "invoices",
    },
    "refund": {"charge": "charges", "payment_intent": "payment_intents"},
    "payment_method": {"customer": "customers"},
    "price": {"product": "products"},
    "subscription": {
        "customer": "customers",
        "latest_invoice": "invoices",
        "default_payment_method": "payment_methods",
    },
    "invoice": {
        "customer": "customers",
        "subscription": "subscriptions",
        "payment_intent": "payment_intents",
        "charge": "charges",
    },
    "invoiceitem": {"customer": "customers", "invoice": "invoices"},
    "checkout.session": {
        "customer": "customers",
        "payment_intent": "payment_intents",
        "line_items": "checkout_line_items",
    },
    "customer": {},
    "product": {},
    "charge": {"customer": "customers", "payment_intent": "payment_intents"},
}


# --------------------------------------------------------------------------- errors


class StripeError(Exception):
    """An API failure, answered with Stripe's ``{"error": {...}}`` envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error: Json = {"type": error_type, "message": message}
        if code:
            self.error["code"] = code
            self.error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param:
            self.error["param"] = param
        self.error.update(extra)

    def body(self) -> Json:
        """The JSON body Stripe would send."""
        return {"error": dict(self.error)}


def missing_param(name: str) -> StripeError:
    """400 ``parameter_missing``."""
    message = f"Missing required param: {name}."
    return StripeError(400, message, code="parameter_missing", param=name)


def no_such(kind: str, ident: str, param: str, status: int = 400) -> StripeError:
    """``resource_missing`` for an id that does not exist."""
    return StripeError(status, f"No such {kind}: '{ident}'", code="resource_missing", param=param)


def mask_key(key: str) -> str:
    """Mask an API key the way Stripe does: keep the prefix and at most the last 4 characters."""
    match = re.match(r"^([a-z]{2,4}_(?:test|live)_)?(.*)$", key, re.DOTALL)
    prefix, rest = (match.group(1) or "", match.group(2)) if match else ("", key)
    if len(rest) >= 12:
        return prefix + "*" * (len(rest) - 4) + rest[-4:]
    return prefix + "*" * max(len(rest), 4)


# --------------------------------------------------------------------------- form bodies


class FormError(ValueError):
    """A form body that cannot be read as Stripe bracket notation."""


_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def _split_key(key: str) -> list[str]:
    match = _KEY_RE.match(key)
    if not match:
        raise FormError(f"Invalid parameter name: {key}")
    return [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]


def _insert(root: Json, parts: list[str], value: str, key: str) -> None:
    node: Any = root
    for i, part in enumerate(parts):
        if part == "":  # ``expand[]=a`` appends
            part = str(len(node))
        last = i == len(parts) - 1
        if last:
            if isinstance(node.get(part), dict):
                raise FormError(f"Invalid parameter: {key} mixes a value and nested fields")
            node[part] = value
        else:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise FormError(f"Invalid parameter: {key} mixes a value and nested fields")
            node = child


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {k: _listify(v) for k, v in node.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def parse_form(text: str) -> Json:
    """Parse ``a[b][0]=x`` form text into nested dicts and lists; leaf values stay strings."""
    root: Json = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        _insert(root, _split_key(key), value, key)
    return {k: _listify(v) for k, v in root.items()}


class Form:
    """Typed reads from a parsed form, raising Stripe's validation errors."""

    def __init__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        self.data = data
        self.prefix = prefix

    def name(self, key: str) -> str:
        """The parameter's full bracket name, as Stripe reports it in ``param``."""
        return f"{self.prefix}[{key}]" if self.prefix else key

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        """400 ``parameter_unknown`` for the first parameter not in ``allowed``."""
        known = set(allowed)
        for key in self.data:
            if key not in known:
                raise StripeError(
                    400,
                    f"Received unknown parameter: {self.name(key)}",
                    code="parameter_unknown",
                    param=self.name(key),
                )

    def _scalar(self, key: str, kind: str) -> str | None:
        value = self.data.get(key)
        if value is None or isinstance(value, str):
            return value
        shape = "an object" if isinstance(value, dict) else "an array"
        raise StripeError(
            400,
            f"Invalid {kind}: {self.name(key)} must be a {kind}, not {shape}",
            param=self.name(key),
        )

    def string(self, key: str, *, required: bool = False, max_length: int = 5000) -> str | None:
        """A string; an empty string means "not set" unless the field is required."""
        value = self._scalar(key, "string")
        if value is None and required:
            raise missing_param(self.name(key))
        if value == "":
            if required:
                raise StripeError(
                    400,
                    f"You passed an empty string for '{self.name(key)}'. We assume empty values "
                    f"are an attempt to unset a parameter; however '{self.name(key)}' cannot be "
                    "unset. You should remove it from your request or supply a non-empty value.",
                    code="parameter_invalid_empty",
                    param=self.name(key),
                )
            return None
        if value is not None and len(value) > max_length:
            raise StripeError(
                400,
                f"Invalid string: {value[:20]}...; must be at most {max_length} characters",
                param=self.name(key),
            )
        return value

    def required(self, key: str, *, max_length: int = 5000) -> str:
        """A string that must be present and non-empty."""
        value = self.string(key, required=True, max_length=max_length)
        assert value is not None
        return value

    def integer(self, key: str, *, required: bool = False) -> int | None:
        """An integer written in decimal digits."""
        value = self._scalar(key, "integer")
        if value is None or value == "":
            if required:
                raise missing_param(self.name(key))
            return None
        if not re.fullmatch(r"-?\d+", value):
            raise StripeError(
                400,
                f"Invalid integer: {value}",
                code="parameter_invalid_integer",
                param=self.name(key),
            )
        return int(value)

    def boolean(self, key: str) -> bool | None:
        """``true`` or ``false``."""
        value = self._scalar(key, "boolean")
        if value is None or value == "":
            return None
        if value not in ("true", "false"):
            raise StripeError(400, f"Invalid boolean: {value}", param=self.name(key))
        return value == "true"

    def enum(self, key: str, choices: list[str]) -> str | None:
        """One of ``choices``."""
        value = self.string(key)
        if value is not None and value not in choices:
            options = ", ".join(choices[:-1]) + f" or {choices[-1]}"
            raise StripeError(
                400, f"Invalid {self.name(key)}: must be one of {options}", param=self.name(key)
            )
        return value

    def strings(self, key: str) -> list[str] | None:
        """An array of strings (``key[]=a&key[]=b`` or ``key[0]=a``)."""
        value = self.data.get(key)
        if value is None or value == "":
            return None if value is None else []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise StripeError(400, "Invalid array", param=self.name(key))
        return value

    def nested(self, key: str, allowed: Iterable[str]) -> Form | None:
        """A nested hash, checked for unknown keys."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise StripeError(400, "Invalid hash", param=self.name(key))
        form = Form(value, self.name(key))
        form.reject_unknown(allowed)
        return form

    def hashes(self, key: str, allowed: Iterable[str]) -> list[Form] | None:
        """An array of hashes, Stripe's indexed form ``items[0][price]=p&items[0][quantity]=2``.

        Anything else (``items={"price": ...}`` as JSON text, ``items[price]=p`` with no index)
        is answered like Stripe does: ``Invalid array``.
        """
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise StripeError(400, "Invalid array", param=self.name(key))
        forms: list[Form] = []
        for index, entry in enumerate(value):
            name = f"{self.name(key)}[{index}]"
            if not isinstance(entry, dict):
                raise StripeError(400, "Invalid hash", param=name)
            form = Form(entry, name)
            form.reject_unknown(allowed)
            forms.append(form)
        return forms

    def unsettable(self, key: str, allowed: Iterable[str]) -> Form | str | None:
        """A hash that an empty string unsets: returns the form, ``""`` (unset) or ``None``."""
        if self.data.get(key) == "":
            return ""
        return self.nested(key, allowed)

    def metadata(self, key: str = "metadata") -> dict[str, str]:
        """Stripe metadata: string keys (<= 40 chars) to string values (<= 500 chars)."""
        value = self.data.get(key)
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            raise StripeError(400, "Invalid hash", param=self.name(key))
        result: dict[str, str] = {}
        for meta_key, meta_value in value.items():
            param = f"{self.name(key)}[{meta_key}]"
            if not isinstance(meta_value, str):
                raise StripeError(400, f"Invalid value for {param}: must be a string", param=param)
            if len(meta_key) > 40:
                raise StripeError(400, "Metadata keys can be at most 40 characters", param=param)
            if len(meta_value) > 500:
                raise StripeError(400, "Metadata values can be at most 500 characters", param=param)
            if meta_value:
                result[meta_key] = meta_value
        return result

    def currency(self, key: str = "currency", *, required: bool = False) -> str | None:
        """A supported three-letter ISO 4217 code, returned in lower case."""
        value = self.string(key, required=required)
        if value is None:
            return None
        if value.lower() not in CURRENCIES:
            raise StripeError(
                400,
                f"Invalid currency: {value.lower()}. Stripe currently supports these "
                f"currencies: {', '.join(CURRENCIES)}",
                param=self.name(key),
            )
        return value.lower()


def check_amount(value: int, param: str) -> None:
    """Stripe's limit on amounts: at most 8 digits either side of zero."""
    if abs(value) > MAX_AMOUNT:
        raise StripeError(
            400,
            f"This value must be {'less' if value > 0 else 'greater'} than or equal to "
            f"{MAX_AMOUNT if value > 0 else -MAX_AMOUNT} (it currently is '{value}').",
            code="amount_too_large" if value > 0 else "amount_too_small",
            param=param,
        )


# --------------------------------------------------------------------------- Stripe objects


def build_customer(customer_id: str, created: int, invoice_prefix: str, fields: Json) -> Json:
    """A ``customer`` object; ``fields`` override the defaults (``invoice_settings`` merges)."""
    customer: Json = {
        "id": customer_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": created,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": invoice_prefix,
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    fields = copy.deepcopy(fields)
    customer["invoice_settings"].update(fields.pop("invoice_settings", None) or {})
    customer.update(fields)
    return customer


def build_invoice(invoice_id: str, created: int, customer: Json, fields: Json) -> Json:
    """A draft ``invoice`` object with no lines; ``fields`` override the defaults."""
    invoice: Json = {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "pytest-arazzo",
        "amount_due": 0,
        "amount_paid": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "application": None,
        "application_fee_amount": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": False,
        "automatic_tax": {"enabled": False, "status": None},
        "billing_reason": "manual",
        "charge": None,
        "collection_method": "charge_automatically",
        "created": created,
        "currency": customer.get("currency") or "usd",
        "custom_fields": None,
        "customer": customer["id"],
        "customer_address": customer.get("address"),
        "customer_email": customer.get("email"),
        "customer_name": customer.get("name"),
        "customer_phone": customer.get("phone"),
        "customer_shipping": customer.get("shipping"),
        "customer_tax_exempt": customer.get("tax_exempt", "none"),
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discount": None,
        "discounts": [],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "last_finalization_error": None,
        "lines": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "paid": False,
        "paid_out_of_band": False,
        "payment_intent": None,
        "period_end": created,
        "period_start": created,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subscription": None,
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "tax": None,
        "test_clock": None,
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_tax_amounts": [],
        "webhooks_delivered_at": None,
    }
    invoice.update(fields)
    return invoice


def build_invoiceitem(item_id: str, created: int, fields: Json) -> Json:
    """An ``invoiceitem`` object; ``fields`` must give amount, currency and customer."""
    item: Json = {
        "id": item_id,
        "object": "invoiceitem",
        "amount": 0,
        "currency": "usd",
        "customer": None,
        "date": created,
        "description": None,
        "discountable": True,
        "discounts": [],
        "invoice": None,
        "livemode": False,
        "metadata": {},
        "period": {"start": created, "end": created},
        "price": None,
        "proration": False,
        "quantity": 1,
        "subscription": None,
        "tax_rates": [],
        "test_clock": None,
        "unit_amount": None,
        "unit_amount_decimal": None,
    }
    item.update(fields)
    if item["unit_amount"] is not None:
        item["unit_amount_decimal"] = str(item["unit_amount"])
    return item


def build_line_item(line_id: str, item: Json) -> Json:
    """The invoice ``line_item`` that shows an invoice item on its invoice."""
    return {
        "id": line_id,
        "object": "line_item",
        "amount": item["amount"],
        "amount_excluding_tax": item["amount"],
        "currency": item["currency"],
        "description": item["description"],
        "discount_amounts": [],
        "discountable": item["discountable"],
        "discounts": [],
        "invoice": item["invoice"],
        "invoice_item": item["id"],
        "livemode": False,
        "metadata": dict(item["metadata"]),
        "period": dict(item["period"]),
        "price": None,
        "proration": False,
        "quantity": item["quantity"],
        "subscription": None,
        "tax_amounts": [],
        "tax_rates": [],
        "type": "invoiceitem",
    }


def recompute_totals(invoice: Json) -> None:
    """Refresh subtotal, total and amounts due from the invoice's lines."""
    total = sum(line["amount"] for line in invoice["lines"]["data"])
    invoice["lines"]["total_count"] = len(invoice["lines"]["data"])
    for field in ("subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax"):
        invoice[field] = total
    invoice["amount_due"] = max(total, 0)
    invoice["amount_remaining"] = invoice["amount_due"] - invoice["amount_paid"]


def build_payment_method(pm_id: str, created: int, token: str, customer: str | None) -> Json:
    """A card ``payment_method`` made from one of Stripe's test tokens (``pm_card_visa``...)."""
    brand, last4 = TEST_PAYMENT_METHODS[token]
    return {
        "id": pm_id,
        "object": "payment_method",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "card": {
            "brand": brand,
            "country": "US",
            "exp_month": 12,
            "exp_year": 2034,
            "funding": "credit",
            "last4": last4,
        },
        "created": created,
        "customer": customer,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def build_payment_intent(pi_id: str, created: int, fields: Json) -> Json:
    """A ``payment_intent`` in ``requires_payment_method``; ``fields`` override the defaults."""
    intent: Json = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": 0,
        "amount_capturable": 0,
        "amount_received": 0,
        "application": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{pi_id}_secret_pytestarazzo",
        "confirmation_method": "automatic",
        "created": created,
        "currency": DEFAULT_CURRENCY,
        "customer": None,
        "description": None,
        "invoice": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "off_session": None,
        "payment_method": None,
        "payment_method_types": ["card"],
        "receipt_email": None,
        "setup_future_usage": None,
        "statement_descriptor": None,
        "status": "requires_payment_method",
    }
    intent.update(fields)
    return intent


def build_charge(charge_id: str, created: int, intent: Json, captured: bool) -> Json:
    """The ``charge`` a confirmed payment intent made (authorized only unless ``captured``)."""
    return {
        "id": charge_id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if captured else 0,
        "amount_refunded": 0,
        "captured": captured,
        "created": created,
        "currency": intent["currency"],
        "customer": intent["customer"],
        "livemode": False,
        "metadata": {},
        "outcome": {"network_status": "approved_by_network", "type": "authorized"},
        "paid": True,
        "payment_intent": intent["id"],
        "payment_method": intent["payment_method"],
        "refunded": False,
        "status": "succeeded",
    }


def build_refund(refund_id: str, created: int, charge: Json, amount: int, fields: Json) -> Json:
    """A succeeded ``refund`` of ``amount`` from ``charge``."""
    refund: Json = {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "reason": None,
        "receipt_number": None,
        "status": "succeeded",
    }
    refund.update(fields)
    return refund


def build_product(product_id: str, created: int, fields: Json) -> Json:
    """A ``product``; ``fields`` override the defaults."""
    product: Json = {
        "id": product_id,
        "object": "product",
        "active": True,
        "created": created,
        "default_price": None,
        "description": None,
        "images": [],
        "livemode": False,
        "metadata": {},
        "name": "",
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": created,
        "url": None,
    }
    product.update(fields)
    return product


def build_price(price_id: str, created: int, fields: Json) -> Json:
    """A ``price``: ``recurring`` decides ``type``."""
    price: Json = {
        "id": price_id,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": DEFAULT_CURRENCY,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": None,
        "recurring": None,
        "tax_behavior": "unspecified",
        "type": "one_time",
        "unit_amount": 0,
        "unit_amount_decimal": "0",
    }
    price.update(fields)
    price["unit_amount_decimal"] = str(price["unit_amount"])
    price["type"] = "recurring" if price["recurring"] else "one_time"
    return price


def build_subscription_item(
    item_id: str, created: int, sub_id: str, price: Json, quantity: int, metadata: dict[str, str]
) -> Json:
    """A ``subscription_item`` of ``price`` (embedded in full, as Stripe does)."""
    return {
        "id": item_id,
        "object": "subscription_item",
        "created": created,
        "metadata": metadata,
        "price": copy.deepcopy(price),
        "quantity": quantity,
        "subscription": sub_id,
        "tax_rates": [],
    }


def build_subscription(sub_id: str, created: int, fields: Json) -> Json:
    """A ``subscription``; ``fields`` must give customer, currency and the items."""
    subscription: Json = {
        "id": sub_id,
        "object": "subscription",
        "billing_cycle_anchor": created,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": created,
        "currency": DEFAULT_CURRENCY,
        "current_period_end": created,
        "current_period_start": created,
        "customer": None,
        "days_until_due": None,
        "default_payment_method": None,
        "description": None,
        "ended_at": None,
        "items": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "latest_invoice": None,
        "livemode": False,
        "metadata": {},
        "pause_collection": None,
        "start_date": created,
        "status": "incomplete",
        "test_clock": None,
        "trial_end": None,
        "trial_start": None,
    }
    subscription.update(fields)
    return subscription


def build_checkout_session(session_id: str, created: int, fields: Json) -> Json:
    """An open ``checkout.session``; ``fields`` override the defaults."""
    session: Json = {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": 0,
        "amount_total": 0,
        "cancel_url": None,
        "client_reference_id": None,
        "created": created,
        "currency": None,
        "customer": None,
        "customer_email": None,
        "expires_at": created + 86400,
        "livemode": False,
        "metadata": {},
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "status": "open",
        "success_url": None,
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
    }
    session.update(fields)
    return session


# --------------------------------------------------------------------------- request headers


class HeaderDict(dict[str, str]):
    """Request headers as sent; lookups ignore case."""

    def _find(self, name: object) -> str | None:
        if not isinstance(name, str):
            return None
        wanted = name.lower()
        return next((k for k in self.keys() if k.lower() == wanted), None)

    def __getitem__(self, name: str) -> str:
        key = self._find(name)
        if key is None:
            raise KeyError(name)
        return super().__getitem__(key)

    def __contains__(self, name: object) -> bool:
        return self._find(name) is not None

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """Case-insensitive ``dict.get``."""
        key = self._find(name)
        return default if key is None else super().__getitem__(key)


def api_key_from(headers: HeaderDict) -> str | None:
    """The API key of a Bearer or Basic (key as username) Authorization header."""
    auth = (headers.get("Authorization") or "").strip()
    if not auth:
        return None
    scheme, _, credentials = auth.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return auth
        return decoded.partition(":")[0] or None
    return auth


# --------------------------------------------------------------------------- the server


Route = tuple[str, re.Pattern[str], str]
ROUTES: list[Route] = [
    ("POST", re.compile(r"/v1/customers"), "create_customer"),
    ("GET", re.compile(r"/v1/customers/(?P<ident>[^/]+)"), "retrieve_customer"),
    ("POST", re.compile(r"/v1/invoices"), "create_invoice"),
    ("GET", re.compile(r"/v1/invoices/(?P<ident>[^/]+)"), "retrieve_invoice"),
    ("POST", re.compile(r"/v1/invoices/(?P<ident>[^/]+)/finalize"), "finalize_invoice"),
    ("POST", re.compile(r"/v1/invoices/(?P<ident>[^/]+)/pay"), "pay_invoice"),
    ("POST", re.compile(r"/v1/invoices/(?P<ident>[^/]+)/void"), "void_invoice"),
    ("POST", re.compile(r"/v1/invoiceitems"), "create_invoiceitem"),
    ("GET", re.compile(r"/v1/invoiceitems/(?P<ident>[^/]+)"), "retrieve_invoiceitem"),
    ("POST", re.compile(r"/v1/payment_intents"), "create_payment_intent"),
    ("GET", re.compile(r"/v1/payment_intents/(?P<ident>[^/]+)"), "retrieve_payment_intent"),
    ("POST", re.compile(r"/v1/payment_intents/(?P<ident>[^/]+)/confirm"), "confirm_payment_intent"),
    ("POST", re.compile(r"/v1/payment_intents/(?P<ident>[^/]+)/capture"), "capture_payment_intent"),
    ("POST", re.compile(r"/v1/payment_intents/(?P<ident>[^/]+)/cancel"), "cancel_payment_intent"),
    ("POST", re.compile(r"/v1/refunds"), "create_refund"),
    ("GET", re.compile(r"/v1/refunds/(?P<ident>[^/]+)"), "retrieve_refund"),
    ("GET", re.compile(r"/v1/payment_methods/(?P<ident>[^/]+)"), "retrieve_payment_method"),
    ("POST", re.compile(r"/v1/payment_methods/(?P<ident>[^/]+)/attach"), "attach_payment_method"),
    ("POST", re.compile(r"/v1/products"), "create_product"),
    ("GET", re.compile(r"/v1/products/(?P<ident>[^/]+)"), "retrieve_product"),
    ("POST", re.compile(r"/v1/prices"), "create_price"),
    ("GET", re.compile(r"/v1/prices/(?P<ident>[^/]+)"), "retrieve_price"),
    ("POST", re.compile(r"/v1/subscriptions"), "create_subscription"),
    ("GET", re.compile(r"/v1/subscriptions/(?P<ident>[^/]+)"), "retrieve_subscription"),
    ("POST", re.compile(r"/v1/subscriptions/(?P<ident>[^/]+)"), "update_subscription"),
    ("DELETE", re.compile(r"/v1/subscriptions/(?P<ident>[^/]+)"), "cancel_subscription"),
    ("POST", re.compile(r"/v1/checkout/sessions"), "create_checkout_session"),
    ("GET", re.compile(r"/v1/checkout/sessions/(?P<ident>[^/]+)"), "retrieve_checkout_session"),
    (
        "POST",
        re.compile(r"/v1/checkout/sessions/(?P<ident>[^/]+)/expire"),
        "expire_checkout_session",
    ),
]

Response = tuple[int, dict[str, str], bytes]


def _default_fault_body(status: int) -> Json:
    if status == 429:
        return StripeError(
            429,
            "Request rate limit exceeded. Learn more about rate limits here "
            "https://stripe.com/docs/rate-limits.",
            code="rate_limit",
        ).body()
    if status >= 500:
        return StripeError(
            status,
            "Sorry, something went wrong. We've already been notified of the problem, but if "
            "you need any help, you can reach us at https://support.stripe.com/contact.",
            error_type="api_error",
        ).body()
    return StripeError(status, f"Simulated failure (HTTP {status}).").body()


class StripeServer:
    """A deterministic, in-memory Stripe look-alike served on 127.0.0.1.

    ``customers`` maps customer ids to fields of the customer objects created at start
    (default: :data:`DEFAULT_CUSTOMERS`). Every request is appended to :attr:`requests`.
    """

    def __init__(
        self,
        *,
        api_key_prefix: str = "sk_test_",
        seed: int = 0,
        customers: dict[str, Json] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key_prefix = api_key_prefix
        self.seed = seed
        self.host = host
        self.port = port
        self.url: str | None = None
        self.requests: list[Json] = []
        self._initial_customers = copy.deepcopy(
            DEFAULT_CUSTOMERS if customers is None else customers
        )
        self._lock = threading.RLock()
        self._serving: ServerThread | None = None
        self.reset()

    # ---- lifecycle

    def start(self) -> str:
        """Serve in a daemon thread; return the base URL (``http://127.0.0.1:PORT``)."""
        if self._serving is not None and self.url is not None:
            return self.url
        self._serving = ServerThread(_HTTPServer((self.host, self.port), self), "stripe-server")
        self.url = self._serving.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        serving, self._serving = self._serving, None
        if serving is not None:
            serving.stop()

    def __enter__(self) -> StripeServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget all requests and objects; ids and clock restart from the seed."""
        with self._lock:
            self.requests.clear()
            self._ids = random.Random(self.seed)
            self._request_ids = random.Random(f"request-ids:{self.seed}")
            self._clock = 0
            self._faults: list[Json] = []
            self._idempotent: dict[str, Json] = {}
            self.customers: dict[str, Json] = {}
            self.invoices: dict[str, Json] = {}
            self.invoiceitems: dict[str, Json] = {}
            self.payment_intents: dict[str, Json] = {}
            self.charges: dict[str, Json] = {}
            self.refunds: dict[str, Json] = {}
            self.payment_methods: dict[str, Json] = {}
            self.products: dict[str, Json] = {}
            self.prices: dict[str, Json] = {}
            self.subscriptions: dict[str, Json] = {}
            self.checkout_sessions: dict[str, Json] = {}
            self.checkout_line_items: dict[str, Json] = {}
            for customer_id, fields in self._initial_customers.items():
                self._add_customer(customer_id, fields)

    def fail_next(
        self,
        status: int,
        body: Json | str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        *,
        path: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests (to ``path`` if given) with this response."""
        with self._lock:
            self._faults.append(
                {
                    "status": status,
                    "body": _default_fault_body(status) if body is None else body,
                    "headers": dict(headers or {}),
                    "times": times,
                    "path": path,
                }
            )

    @property
    def last_request(self) -> Json | None:
        """The most recent request record, if any."""
        return self.requests[-1] if self.requests else None

    # ---- deterministic ids and time

    @property
    def clock(self) -> int:
        """Seconds elapsed on the deterministic clock (timestamps are ``EPOCH + clock``)."""
        return self._clock

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_" + "".join(self._ids.choice(ID_ALPHABET) for _ in range(ID_LENGTH))

    def _now(self) -> int:
        self._clock += 1
        return EPOCH + self._clock

    def _add_customer(self, customer_id: str, fields: Json) -> Json:
        prefix = "".join(self._ids.choice("0123456789ABCDEF") for _ in range(8))
        customer = build_customer(customer_id, self._now(), prefix, fields)
        self.customers[customer_id] = customer
        return customer

    # ---- request handling

    def handle_request(
        self, method: str, target: str, headers: Mapping[str, str], body: str
    ) -> Response:
        """Answer one HTTP request; usable without a socket (e.g. from a mock transport)."""
        with self._lock:
            split = urlsplit(target)
            path = unquote(split.path)
            header_dict = HeaderDict(headers)
            record: Json = {
                "method": method.upper(),
                "path": path,
                "query": self._safe_parse(split.query),
                "headers": header_dict,
                "body": body,
                "form": self._safe_parse(body) if self._is_form(header_dict, body) else {},
            }
            request_id = "req_" + "".join(self._request_ids.choice(ID_ALPHABET) for _ in range(14))
            record["request_id"] = request_id
            self.requests.append(record)
            status, extra_headers, payload = self._respond(record)
            record["status"] = status
            response_headers = {
                "Content-Type": "application/json",
                "Request-Id": request_id,
                "Stripe-Version": header_dict.get("Stripe-Version") or API_VERSION,
            }
            key = header_dict.get("Idempotency-Key")
            if key and record["method"] == "POST":
                response_headers["Idempotency-Key"] = key
            response_headers.update(extra_headers)
            return status, response_headers, payload

    @staticmethod
    def _is_form(headers: HeaderDict, body: str) -> bool:
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        return bool(body) and content_type in ("", "application/x-www-form-urlencoded")

    @staticmethod
    def _safe_parse(text: str) -> Json:
        try:
            return parse_form(text)
        except FormError:
            return {}

    def _respond(self, record: Json) -> Response:
        fault = self._take_fault(record["path"])
        if fault is not None:
            payload = fault["body"]
            if isinstance(payload, dict):
                payload = json.dumps(payload)
            data = payload if isinstance(payload, bytes) else payload.encode("utf-8")
            return fault["status"], dict(fault["headers"]), data
        form: Json | None = None
        try:
            self._authenticate(record["headers"])
            form = self._read_form(record)
            replay = self._replay(record, form)
            if replay is not None:
                return replay
            status, obj = self._route(record, form)
        except StripeError as error:
            status, obj = error.status, error.body()
        payload = json.dumps(obj, indent=2).encode("utf-8")
        if form is not None:
            self._remember(record, form, status, payload)
        return status, {}, payload

    def _take_fault(self, path: str) -> Json | None:
        for fault in self._faults:
            if fault["path"] in (None, path):
                fault["times"] -= 1
                if fault["times"] <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _authenticate(self, headers: HeaderDict) -> None:
        key = api_key_from(headers)
        if key is None:
            raise StripeError(401, NO_API_KEY)
        prefixes = [self.api_key_prefix]
        if self.api_key_prefix.startswith("sk_"):
            prefixes.append("rk_" + self.api_key_prefix[3:])
        if not any(key.startswith(p) and len(key) > len(p) for p in prefixes):
            raise StripeError(401, f"Invalid API Key provided: {mask_key(key)}")

    def _read_form(self, record: Json) -> Json:
        if record["method"] != "POST":
            return record["query"]
        body, headers = record["body"], record["headers"]
        if not body:
            return {}
        if not self._is_form(headers, body):
            raise StripeError(400, NOT_FORM_ENCODED)
        try:
            return parse_form(body)
        except FormError as error:
            raise StripeError(400, str(error)) from None

    # ---- idempotency

    def _replay(self, record: Json, form: Json) -> Response | None:
        key = record["headers"].get("Idempotency-Key")
        if record["method"] != "POST" or not key:
            return None
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise StripeError(
                400,
                f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters long.",
                param="Idempotency-Key",
            )
        stored = self._idempotent.get(key)
        if stored is None:
            return None
        if (stored["path"], stored["form"]) != (record["path"], form):
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                error_type="idempotency_error",
            )
        headers = {"Idempotent-Replayed": "true", "Original-Request": stored["request_id"]}
        return stored["status"], headers, stored["payload"]

    def _remember(self, record: Json, form: Json, status: int, payload: bytes) -> None:
        key = record["headers"].get("Idempotency-Key")
        # Stripe saves a result once the endpoint ran; failed validation is not saved.
        if record["method"] != "POST" or not key or status not in (200, 402):
            return
        self._idempotent.setdefault(
            key,
            {
                "path": record["path"],
                "form": form,
                "status": status,
                "payload": payload,
                "request_id": record["request_id"],
            },
        )

    # ---- routing

    def _route(self, record: Json, form: Json) -> tuple[int, Json]:
        method, path = record["method"], record["path"]
        for route_method, pattern, handler_name in ROUTES:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                handler: Callable[..., Json] = getattr(self, f"_{handler_name}")
                obj = handler(Form(form), **match.groupdict())
                return 200, self._expand(obj, Form(form).strings("expand") or [])
        raise StripeError(404, UNRECOGNIZED_URL.format(method=method, path=path))

    def _expand(self, obj: Json, paths: list[str]) -> Json:
        """A copy of ``obj`` with the ``expand[]`` fields replaced by the objects they name."""
        if not paths:
            return obj
        expanded = copy.deepcopy(obj)
        fields = EXPANDABLE.get(obj.get("object", ""), {})
        for path in paths:
            head, _, rest = path.partition(".")
            if head not in fields or rest:
                raise StripeError(400, f"This property cannot be expanded ({path}).")
            ident = expanded.get(head)
            if head == "line_items":
                ident = expanded["id"]
            if isinstance(ident, str):
                found = getattr(self, fields[head]).get(ident)
                expanded[head] = copy.deepcopy(found) if found is not None else ident
        return expanded

    def _customer(self, customer_id: str, param: str, status: int = 400) -> Json:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise no_such("customer", customer_id, param, status)
        return customer

    def _invoice(self, invoice_id: str, param: str, status: int = 400) -> Json:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise no_such("invoice", invoice_id, param, status)
        return invoice

    @staticmethod
    def _reject_ids(form: Form, key: str, kind: str) -> None:
        """This server keeps no objects of ``kind``: any id given for ``key`` is unknown."""
        values = form.strings(key) or []
        if values:
            raise no_such(kind, values[0], f"{key}[0]")

    # ---- customers

    def _create_customer(self, form: Form) -> Json:
        form.reject_unknown(CUSTOMER_PARAMS)
        form.strings("expand")
        email = form.string("email", max_length=512)
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise StripeError(
                400, f"Invalid email address: {email}", code="email_invalid", param="email"
            )
        settings = form.nested("invoice_settings", ["default_payment_method", "footer"]) or Form({})
        payment_method = form.string("payment_method")
        fields: Json = {
            "description": form.string("description"),
            "email": email,
            "metadata": form.metadata(),
            "name": form.string("name", max_length=256),
            "phone": form.string("phone", max_length=20),
            "preferred_locales": form.strings("preferred_locales") or [],
            "invoice_settings": {
                "default_payment_method": settings.string("default_payment_method")
                or payment_method,
                "footer": settings.string("footer"),
            },
        }
        return self._add_customer(self._new_id("cus"), fields)

    def _retrieve_customer(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        return self._customer(ident, "id", status=404)

    # ---- invoices

    def _create_invoice(self, form: Form) -> Json:
        form.reject_unknown(INVOICE_PARAMS)
        customer_id = form.required("customer")
        method = form.enum("collection_method", ["charge_automatically", "send_invoice"])
        method = method or "charge_automatically"
        days_until_due = form.integer("days_until_due")
        due_date = form.integer("due_date")
        if method == "send_invoice" and days_until_due is None and due_date is None:
            raise StripeError(
                400,
                "Invoices with `collection_method=send_invoice` must have either a `due_date` "
                "or `days_until_due`.",
                param="days_until_due",
            )
        if method == "charge_automatically" and (days_until_due, due_date) != (None, None):
            param = "days_until_due" if days_until_due is not None else "due_date"
            raise StripeError(
                400,
                f"`{param}` can only be set when `collection_method=send_invoice`.",
                param=param,
            )
        tax = form.nested("automatic_tax", ["enabled"])
        fields: Json = {
            "application_fee_amount": form.integer("application_fee_amount"),
            "auto_advance": bool(form.boolean("auto_advance")),
            "automatic_tax": {"enabled": bool(tax and tax.boolean("enabled")), "status": None},
            "collection_method": method,
            "default_payment_method": form.string("default_payment_method"),
            "default_source": form.string("default_source"),
            "description": form.string("description", max_length=1500),
            "effective_at": form.integer("effective_at"),
            "footer": form.string("footer"),
            "metadata": form.metadata(),
            "on_behalf_of": form.string("on_behalf_of"),
            "statement_descriptor": form.string("statement_descriptor", max_length=22),
        }
        currency = form.currency()
        behavior = form.enum("pending_invoice_items_behavior", ["exclude", "include"])
        form.strings("expand")
        customer = self._customer(customer_id, "customer")
        self._reject_ids(form, "default_tax_rates", "tax rate")
        subscription = form.string("subscription")
        if subscription is not None:
            raise no_such("subscription", subscription, "subscription")
        # Stripe's rule: the invoice's currency if given, else the customer's, else the
        # account default (build_invoice falls back to the customer's currency, then usd).
        if currency:
            fields["currency"] = currency
        created = self._now()
        if days_until_due is not None:
            fields["due_date"] = created + 86400 * days_until_due
        elif due_date is not None:
            fields["due_date"] = due_date
        invoice = build_invoice(self._new_id("in"), created, customer, fields)
        self.invoices[invoice["id"]] = invoice
        if behavior == "include":
            for item in self.invoiceitems.values():
                pending = item["customer"] == customer_id and item["invoice"] is None
                if pending and item["currency"] == invoice["currency"]:
                    self._attach(item, invoice)
        return invoice

    def _retrieve_invoice(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        return self._invoice(ident, "id", status=404)

    def _finalize_invoice(self, form: Form, ident: str) -> Json:
        form.reject_unknown(FINALIZE_PARAMS)
        auto_advance = form.boolean("auto_advance")
        form.strings("expand")
        invoice = self._invoice(ident, "id", status=404)
        if invoice["status"] != "draft":
            raise StripeError(
                400,
                "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
            )
        if auto_advance is not None:
            invoice["auto_advance"] = auto_advance
        customer = self.customers[invoice["customer"]]
        if self._declines(customer, invoice):
            error = StripeError(
                402,
                "Your card was declined.",
                error_type="card_error",
                code="card_declined",
                decline_code="generic_decline",
            )
            invoice["last_finalization_error"] = dict(error.error)
            raise error
        self._finalize(invoice, customer)
        return invoice

    def _finalize(self, invoice: Json, customer: Json) -> None:
        """Number the draft invoice and open it (mark it paid if nothing is due)."""
        now = self._now()
        sequence = customer["next_invoice_sequence"]
        customer["next_invoice_sequence"] = sequence + 1
        customer["currency"] = customer["currency"] or invoice["currency"]
        secret = self._new_id("test")
        invoice.update(
            number=f"{customer['invoice_prefix']}-{sequence:04d}",
            status="open",
            effective_at=invoice["effective_at"] or now,
            last_finalization_error=None,
            hosted_invoice_url=f"https://invoice.stripe.com/i/acct_pytestarazzo/{secret}",
            invoice_pdf=f"https://pay.stripe.com/invoice/acct_pytestarazzo/{secret}/pdf",
        )
        invoice["status_transitions"]["finalized_at"] = now
        if invoice["amount_due"] == 0:
            invoice.update(status="paid", paid=True)
            invoice["status_transitions"]["paid_at"] = now
        elif invoice["auto_advance"] and invoice["collection_method"] == "charge_automatically":
            invoice["next_payment_attempt"] = now + 3600

    @staticmethod
    def _declines(customer: Json, invoice: Json) -> bool:
        method = (
            invoice["default_payment_method"]
            or (customer["invoice_settings"]["default_payment_method"])
        )
        return customer["id"] == DECLINE_CUSTOMER_ID or method == DECLINING_PAYMENT_METHOD

    # ---- invoice items

    def _item_amounts(self, form: Form) -> tuple[int, int | None, int]:
        """(amount, unit_amount, quantity) after Stripe's checks."""
        amount = form.integer("amount")
        unit_amount = form.integer("unit_amount")
        quantity = form.integer("quantity")
        if amount is not None and unit_amount is not None:
            raise StripeError(
                400,
                "You may only specify one of these parameters: amount, unit_amount.",
                code="parameters_exclusive",
                param="amount",
            )
        if amount is None and unit_amount is None:
            raise StripeError(
                400,
                "You must specify either `amount` or `unit_amount` for an invoice item.",
                code="parameter_missing",
                param="amount",
            )
        if quantity is not None and quantity < 0:
            raise StripeError(
                400, "This value must be greater than or equal to 0.", param="quantity"
            )
        if amount is not None:
            check_amount(amount, "amount")
            if quantity not in (None, 1):
                raise StripeError(
                    400,
                    "You cannot specify `quantity` together with `amount`; use `unit_amount`.",
                    param="quantity",
                )
            return amount, amount, 1
        assert unit_amount is not None
        check_amount(unit_amount, "unit_amount")
        quantity = 1 if quantity is None else quantity
        check_amount(unit_amount * quantity, "unit_amount")
        return unit_amount * quantity, unit_amount, quantity

    def _create_invoiceitem(self, form: Form) -> Json:
        form.reject_unknown(INVOICEITEM_PARAMS)
        customer_id = form.required("customer")
        amount, unit_amount, quantity = self._item_amounts(form)
        currency = form.currency(required=True)
        period = form.nested("period", ["start", "end"])
        created = self._now()
        fields: Json = {
            "amount": amount,
            "currency": currency,
            "customer": customer_id,
            "description": form.string("description"),
            "discountable": form.boolean("discountable"),
            "metadata": form.metadata(),
            "quantity": quantity,
            "unit_amount": unit_amount,
            "period": {
                "start": period.integer("start", required=True) if period else created,
                "end": period.integer("end", required=True) if period else created,
            },
        }
        if fields["discountable"] is None:
            fields["discountable"] = amount >= 0
        form.strings("expand")
        invoice_id = form.string("invoice")
        self._customer(customer_id, "customer")
        invoice = None if invoice_id is None else self._invoice(invoice_id, "invoice")
        self._reject_ids(form, "tax_rates", "tax rate")
        subscription = form.string("subscription")
        if subscription is not None:
            raise no_such("subscription", subscription, "subscription")
        if invoice is not None:
            self._check_target(invoice, customer_id, fields["currency"])
        item = build_invoiceitem(self._new_id("ii"), created, fields)
        self.invoiceitems[item["id"]] = item
        if invoice is not None:
            self._attach(item, invoice)
        return item

    @staticmethod
    def _check_target(invoice: Json, customer_id: str, currency: str) -> None:
        if invoice["customer"] != customer_id:
            raise StripeError(
                400,
                f"The invoice {invoice['id']} belongs to customer {invoice['customer']}, "
                f"but this invoice item is for customer {customer_id}.",
                param="invoice",
            )
        if invoice["status"] != "draft":
            raise StripeError(
                400,
                f"You can only add invoice items to draft invoices; invoice {invoice['id']} "
                f"is {invoice['status']}.",
                code="invoice_not_editable",
                param="invoice",
            )
        if invoice["currency"] != currency:
            raise StripeError(
                400,
                "The currency of an invoice item must match the currency of the invoice: "
                f"invoice {invoice['id']} is in {invoice['currency']}, but this invoice item "
                f"is in {currency}.",
                param="currency",
            )

    def _attach(self, item: Json, invoice: Json) -> None:
        item["invoice"] = invoice["id"]
        invoice["lines"]["data"].append(build_line_item(self._new_id("il"), item))
        recompute_totals(invoice)

    def _retrieve_invoiceitem(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        item = self.invoiceitems.get(ident)
        if item is None:
            raise no_such("invoiceitem", ident, "id", status=404)
        return item

    # ---- lookups shared by the payment and billing endpoints

    @staticmethod
    def _lookup(
        store: dict[str, Json], kind: str, ident: str, param: str, status: int = 400
    ) -> Json:
        found = store.get(ident)
        if found is None:
            raise no_such(kind, ident, param, status)
        return found

    def _payment_method(self, ident: str, param: str) -> Json:
        """A stored PaymentMethod, or a new one made from a test token such as ``pm_card_visa``."""
        if ident in TEST_PAYMENT_METHODS:
            method = build_payment_method(self._new_id("pm"), self._now(), ident, None)
            method["_token"] = ident
            self.payment_methods[method["id"]] = method
            return method
        return self._lookup(self.payment_methods, "PaymentMethod", ident, param)

    @staticmethod
    def _public(obj: Json) -> Json:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    # ---- payment methods

    def _retrieve_payment_method(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        method = self._lookup(self.payment_methods, "PaymentMethod", ident, "id", 404)
        return self._public(method)

    def _attach_payment_method(self, form: Form, ident: str) -> Json:
        form.reject_unknown(ATTACH_PARAMS)
        customer_id = form.required("customer")
        form.strings("expand")
        customer = self._customer(customer_id, "customer")
        method = self._payment_method(ident, "payment_method")
        if method["customer"] not in (None, customer_id):
            raise StripeError(
                400,
                f"The payment method you provided has already been attached to a customer "
                f"({method['customer']}).",
                code="payment_method_unexpected_state",
            )
        method["customer"] = customer["id"]
        return self._public(method)

    # ---- payment intents and refunds

    def _create_payment_intent(self, form: Form) -> Json:
        form.reject_unknown(PAYMENT_INTENT_PARAMS)
        amount = form.integer("amount", required=True)
        assert amount is not None
        currency = form.currency(required=True)
        assert currency is not None
        if amount < 50 and currency in ("usd", "eur", "gbp", "cad", "aud", "chf"):
            raise StripeError(
                400,
                f"Amount must be at least 50 cents ({currency}).",
                code="amount_too_small",
                param="amount",
            )
        check_amount(amount, "amount")
        capture = form.enum("capture_method", ["automatic", "automatic_async", "manual"])
        confirm = bool(form.boolean("confirm"))
        off_session = self._off_session(form)
        if off_session is not None and not confirm:
            raise StripeError(
                400, "You can only pass `off_session` when `confirm=true`.", param="off_session"
            )
        types = form.strings("payment_method_types")
        automatic = form.nested("automatic_payment_methods", ["allow_redirects", "enabled"])
        if types is not None and automatic is not None:
            raise StripeError(
                400,
                "You may only specify one of these parameters: automatic_payment_methods, "
                "payment_method_types.",
                code="parameters_exclusive",
                param="payment_method_types",
            )
        for index, kind in enumerate(types or []):
            if kind not in ("card", "link", "us_bank_account", "sepa_debit"):
                raise StripeError(
                    400,
                    f"The payment method type {kind!r} is invalid.",
                    param=f"payment_method_types[{index}]",
                )
        form.strings("expand")
        customer_id = form.string("customer")
        if customer_id is not None:
            self._customer(customer_id, "customer")
        fields: Json = {
            "amount": amount,
            "currency": currency,
            "capture_method": capture or "automatic",
            "customer": customer_id,
            "description": form.string("description", max_length=1000),
            "metadata": form.metadata(),
            "payment_method_types": types or ["card"],
            "receipt_email": form.string("receipt_email"),
            "setup_future_usage": form.enum("setup_future_usage", ["off_session", "on_session"]),
            "statement_descriptor": form.string("statement_descriptor", max_length=22),
        }
        method_id = form.string("payment_method")
        intent = build_payment_intent(self._new_id("pi"), self._now(), fields)
        if method_id is not None:
            intent["payment_method"] = self._usable_method(method_id, customer_id)
            intent["status"] = "requires_confirmation"
        self.payment_intents[intent["id"]] = intent
        if confirm:
            self._confirm(intent, off_session)
        return intent

    @staticmethod
    def _off_session(form: Form) -> str | bool | None:
        value = form.string("off_session")
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        if value in ("one_off", "recurring"):
            return value
        raise StripeError(400, f"Invalid boolean: {value}", param=form.name("off_session"))

    def _usable_method(self, method_id: str, customer_id: str | None) -> str:
        method = self._payment_method(method_id, "payment_method")
        owner = method["customer"]
        if owner is not None and owner != customer_id:
            raise StripeError(
                400,
                f"The PaymentMethod {method['id']} belongs to the Customer {owner}. Please "
                "include the Customer in the `customer` parameter on the PaymentIntent.",
                param="payment_method",
            )
        return str(method["id"])

    def _confirm(self, intent: Json, off_session: str | bool | None) -> None:
        if intent["payment_method"] is None:
            raise StripeError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method. "
                "To confirm the PaymentIntent with "
                f"{intent['customer'] or 'a customer'}, specify a payment method.",
                code="payment_intent_unexpected_state",
            )
        intent["off_session"] = off_session if off_session is not None else None
        method = self.payment_methods[intent["payment_method"]]
        if method.get("_token") == DECLINING_PAYMENT_METHOD:
            error = StripeError(
                402,
                "Your card was declined.",
                error_type="card_error",
                code="card_declined",
                decline_code="generic_decline",
            )
            intent.update(status="requires_payment_method", payment_method=None)
            intent["last_payment_error"] = dict(error.error)
            error.error["payment_intent"] = copy.deepcopy(intent)
            raise error
        manual = intent["capture_method"] == "manual"
        charge = build_charge(self._new_id("ch"), self._now(), intent, captured=not manual)
        self.charges[charge["id"]] = charge
        intent.update(latest_charge=charge["id"], last_payment_error=None)
        if manual:
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])

    def _retrieve_payment_intent(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["client_secret", "expand"])
        return self._lookup(self.payment_intents, "payment_intent", ident, "intent", 404)

    def _confirm_payment_intent(self, form: Form, ident: str) -> Json:
        form.reject_unknown(CONFIRM_PARAMS)
        intent = self._lookup(self.payment_intents, "payment_intent", ident, "intent", 404)
        off_session = self._off_session(form)
        capture = form.enum("capture_method", ["automatic", "automatic_async", "manual"])
        method_id = form.string("payment_method")
        form.strings("expand")
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            raise self._unexpected_state(
                intent, "confirm", ["requires_payment_method", "requires_confirmation"]
            )
        if method_id is not None:
            intent["payment_method"] = self._usable_method(method_id, intent["customer"])
        if capture is not None:
            intent["capture_method"] = capture
        self._confirm(intent, off_session)
        return intent

    @staticmethod
    def _unexpected_state(intent: Json, action: str, allowed: list[str]) -> StripeError:
        verb = {"confirm": "confirmed", "capture": "captured", "cancel": "canceled"}[action]
        return StripeError(
            400,
            f"This PaymentIntent could not be {verb} because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            f"be {verb}: {', '.join(allowed)}.",
            code="payment_intent_unexpected_state",
            payment_intent=copy.deepcopy(intent),
        )

    def _capture_payment_intent(self, form: Form, ident: str) -> Json:
        form.reject_unknown(CAPTURE_PARAMS)
        intent = self._lookup(self.payment_intents, "payment_intent", ident, "intent", 404)
        amount = form.integer("amount_to_capture")
        metadata = form.metadata()
        form.string("statement_descriptor", max_length=22)
        form.strings("expand")
        if intent["status"] != "requires_capture":
            raise self._unexpected_state(intent, "capture", ["requires_capture"])
        capturable = intent["amount_capturable"]
        amount = capturable if amount is None else amount
        if amount <= 0 or amount > capturable:
            raise StripeError(
                400,
                f"The amount to capture ({amount}) must be greater than 0 and less than or "
                f"equal to the amount capturable ({capturable}).",
                code="amount_too_large" if amount > 0 else "amount_too_small",
                param="amount_to_capture",
            )
        charge = self.charges[intent["latest_charge"]]
        charge.update(captured=True, amount_captured=amount)
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        intent["metadata"].update(metadata)
        return intent

    def _cancel_payment_intent(self, form: Form, ident: str) -> Json:
        form.reject_unknown(CANCEL_PARAMS)
        intent = self._lookup(self.payment_intents, "payment_intent", ident, "intent", 404)
        reason = form.enum("cancellation_reason", CANCELLATION_REASONS)
        form.strings("expand")
        cancelable = [
            "requires_payment_method",
            "requires_capture",
            "requires_confirmation",
            "requires_action",
            "processing",
        ]
        if intent["status"] not in cancelable:
            raise self._unexpected_state(intent, "cancel", cancelable)
        if intent["latest_charge"]:  # the authorization is released
            charge = self.charges[intent["latest_charge"]]
            charge.update(refunded=True, amount_refunded=charge["amount"])
        intent.update(
            status="canceled",
            canceled_at=self._now(),
            cancellation_reason=reason,
            amount_capturable=0,
        )
        return intent

    def _create_refund(self, form: Form) -> Json:
        form.reject_unknown(REFUND_PARAMS)
        amount = form.integer("amount")
        reason = form.enum("reason", ["duplicate", "fraudulent", "requested_by_customer"])
        metadata = form.metadata()
        form.strings("expand")
        intent_id, charge_id = form.string("payment_intent"), form.string("charge")
        if intent_id is None and charge_id is None:
            raise StripeError(
                400,
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                param="payment_intent",
            )
        if intent_id is not None:
            intent = self._lookup(
                self.payment_intents, "payment_intent", intent_id, "payment_intent"
            )
            if intent["status"] != "succeeded":
                raise StripeError(
                    400,
                    f"This PaymentIntent ({intent_id}) does not have a successful charge to "
                    "refund.",
                    code="charge_not_refundable" if intent["latest_charge"] else None,
                    param="payment_intent",
                )
            charge_id = intent["latest_charge"]
        assert charge_id is not None
        charge = self._lookup(self.charges, "charge", charge_id, "charge")
        refundable = charge["amount_captured"] - charge["amount_refunded"]
        amount = refundable if amount is None else amount
        if amount <= 0:
            raise StripeError(400, "Refund amount must be positive.", param="amount")
        if amount > refundable:
            raise StripeError(
                400,
                f"Refund amount ({amount} {charge['currency']}) is greater than unrefunded "
                f"amount on charge ({refundable} {charge['currency']})",
                code="amount_too_large",
                param="amount",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
        fields = {"reason": reason, "metadata": metadata}
        refund = build_refund(self._new_id("re"), self._now(), charge, amount, fields)
        self.refunds[refund["id"]] = refund
        return refund

    def _retrieve_refund(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        return self._lookup(self.refunds, "refund", ident, "id", 404)

    # ---- products and prices

    def _create_product(self, form: Form) -> Json:
        form.reject_unknown(PRODUCT_PARAMS)
        name = form.required("name", max_length=250)
        ident = form.string("id")
        if ident is not None and ident in self.products:
            raise StripeError(
                400, "Product already exists.", code="resource_already_exists", param="id"
            )
        fields: Json = {
            "active": form.boolean("active") is not False,
            "description": form.string("description", max_length=40000),
            "metadata": form.metadata(),
            "name": name,
            "statement_descriptor": form.string("statement_descriptor", max_length=22),
            "unit_label": form.string("unit_label", max_length=12),
            "url": form.string("url"),
        }
        form.strings("expand")
        product = build_product(ident or self._new_id("prod"), self._now(), fields)
        self.products[product["id"]] = product
        return product

    def _retrieve_product(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        return self._lookup(self.products, "product", ident, "id", 404)

    def _recurring(self, form: Form) -> Json | None:
        recurring = form.nested("recurring", ["interval", "interval_count", "usage_type"])
        if recurring is None:
            return None
        interval = recurring.enum("interval", list(INTERVAL_DAYS))
        if interval is None:
            raise missing_param(recurring.name("interval"))
        count = recurring.integer("interval_count") or 1
        usage = recurring.enum("usage_type", ["licensed", "metered"]) or "licensed"
        return {
            "aggregate_usage": None,
            "interval": interval,
            "interval_count": count,
            "trial_period_days": None,
            "usage_type": usage,
        }

    def _price_fields(self, form: Form, *, inline: bool) -> Json:
        """Fields of a price from ``form`` (a price create body or a ``price_data`` hash)."""
        currency = form.currency(required=True)
        unit_amount = form.integer("unit_amount")
        if unit_amount is None:
            raise missing_param(form.name("unit_amount"))
        if unit_amount < 0:
            raise StripeError(
                400,
                "This value must be greater than or equal to 0.",
                param=form.name("unit_amount"),
            )
        check_amount(unit_amount, form.name("unit_amount"))
        recurring = self._recurring(form)
        product_id = form.string("product")
        product_data = form.nested("product_data", ["description", "metadata", "name"])
        if (product_id is None) == (product_data is None):
            raise StripeError(
                400,
                "You must specify either `product` or `product_data` when creating a price."
                if product_id is None
                else "You may only specify one of these parameters: product, product_data.",
                param=form.name("product"),
            )
        if product_data is not None:
            product = build_product(
                self._new_id("prod"),
                self._now(),
                {
                    "name": product_data.required("name", max_length=250),
                    "description": product_data.string("description"),
                    "metadata": product_data.metadata(),
                },
            )
            self.products[product["id"]] = product
            product_id = product["id"]
        else:
            assert product_id is not None
            self._lookup(self.products, "product", product_id, form.name("product"))
        return {
            "currency": currency,
            "unit_amount": unit_amount,
            "recurring": recurring,
            "product": product_id,
            "active": not inline,
        }

    def _create_price(self, form: Form) -> Json:
        form.reject_unknown(PRICE_PARAMS)
        fields = self._price_fields(form, inline=False)
        fields.update(
            active=form.boolean("active") is not False,
            lookup_key=form.string("lookup_key", max_length=200),
            metadata=form.metadata(),
            nickname=form.string("nickname"),
            tax_behavior=form.enum("tax_behavior", ["exclusive", "inclusive", "unspecified"])
            or "unspecified",
        )
        form.strings("expand")
        price = build_price(self._new_id("price"), self._now(), fields)
        self.prices[price["id"]] = price
        return price

    def _retrieve_price(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        return self._lookup(self.prices, "price", ident, "price", 404)

    # ---- subscriptions

    def _subscription(self, ident: str, status: int = 404) -> Json:
        return self._lookup(
            self.subscriptions, "subscription", ident, "subscription_exposed_id", status
        )

    def _recurring_price(self, item: Form) -> Json:
        price_id = item.string("price")
        if price_id is None:
            raise missing_param(item.name("price"))
        price = self._lookup(self.prices, "price", price_id, item.name("price"))
        if price["type"] != "recurring":
            raise StripeError(
                400,
                "The price specified is set to `type=one_time` but this field only accepts "
                "prices with `type=recurring`.",
                param=item.name("price"),
            )
        return price

    @staticmethod
    def _quantity(item: Form) -> int | None:
        quantity = item.integer("quantity")
        if quantity is not None and quantity < 0:
            raise StripeError(
                400, "This value must be greater than or equal to 0.", param=item.name("quantity")
            )
        return quantity

    def _create_subscription(self, form: Form) -> Json:
        form.reject_unknown(SUBSCRIPTION_PARAMS)
        customer_id = form.required("customer")
        items = form.hashes("items", SUBSCRIPTION_ITEM_PARAMS)
        if not items:
            raise missing_param("items")
        method = form.enum("collection_method", ["charge_automatically", "send_invoice"])
        behavior = (
            form.enum(
                "payment_behavior",
                [
                    "allow_incomplete",
                    "default_incomplete",
                    "error_if_incomplete",
                    "pending_if_incomplete",
                ],
            )
            or "allow_incomplete"
        )
        form.enum("proration_behavior", ["always_invoice", "create_prorations", "none"])
        days_until_due = form.integer("days_until_due")
        default_pm = form.string("default_payment_method")
        fields: Json = {
            "cancel_at_period_end": bool(form.boolean("cancel_at_period_end")),
            "collection_method": method or "charge_automatically",
            "days_until_due": days_until_due,
            "description": form.string("description", max_length=500),
            "metadata": form.metadata(),
        }
        form.strings("expand")
        customer = self._customer(customer_id, "customer")
        prices = [(self._recurring_price(item), self._quantity(item), item) for item in items]
        currencies = {price["currency"] for price, _, _ in prices}
        intervals = {
            (p["recurring"]["interval"], p["recurring"]["interval_count"]) for p, _, _ in prices
        }
        if len(currencies) > 1 or len(intervals) > 1:
            raise StripeError(
                400,
                "All prices on a subscription must have the same `currency` and "
                "`recurring[interval]`.",
                param="items",
            )
        currency = currencies.pop()
        if customer["currency"] not in (None, currency):
            raise StripeError(
                400,
                f"You cannot combine currencies on a single customer. This customer has an "
                f"active subscription, subscription schedule, discount, quote, or invoice item "
                f"with currency {customer['currency']}.",
                param="currency",
            )
        if default_pm is not None:
            default_pm = self._usable_method(default_pm, customer_id)
        created = self._now()
        interval, count = intervals.pop()
        fields.update(
            customer=customer_id,
            currency=currency,
            default_payment_method=default_pm,
            current_period_start=created,
            current_period_end=created + 86400 * INTERVAL_DAYS[interval] * count,
        )
        sub = build_subscription(self._new_id("sub"), created, fields)
        for price, quantity, item in prices:
            sub["items"]["data"].append(
                build_subscription_item(
                    self._new_id("si"),
                    created,
                    sub["id"],
                    price,
                    1 if quantity is None else quantity,
                    item.metadata(),
                )
            )
        sub["items"]["total_count"] = len(sub["items"]["data"])
        customer["currency"] = currency
        self.subscriptions[sub["id"]] = sub
        invoice = self._first_invoice(sub, customer)
        sub["latest_invoice"] = invoice["id"]
        if invoice["status"] == "paid":
            sub["status"] = "active"
        elif behavior == "error_if_incomplete" and invoice["last_finalization_error"]:
            del self.subscriptions[sub["id"]]
            raise StripeError(
                402,
                "Your card was declined.",
                error_type="card_error",
                code="card_declined",
                decline_code="generic_decline",
            )
        else:
            sub["status"] = "incomplete"
        return sub

    def _first_invoice(self, sub: Json, customer: Json) -> Json:
        """The subscription's first invoice, finalized and (if it can be) paid."""
        created = self._now()
        fields: Json = {
            "billing_reason": "subscription_create",
            "collection_method": sub["collection_method"],
            "currency": sub["currency"],
            "subscription": sub["id"],
            "default_payment_method": sub["default_payment_method"],
            "period_start": sub["current_period_start"],
            "period_end": sub["current_period_start"],
        }
        invoice = build_invoice(self._new_id("in"), created, customer, fields)
        for item in sub["items"]["data"]:
            amount = item["price"]["unit_amount"] * item["quantity"]
            invoice["lines"]["data"].append(
                {
                    "id": self._new_id("il"),
                    "object": "line_item",
                    "amount": amount,
                    "amount_excluding_tax": amount,
                    "currency": sub["currency"],
                    "description": f"{item['quantity']} x (at {item['price']['unit_amount']} / "
                    f"{item['price']['recurring']['interval']})",
                    "discountable": True,
                    "invoice": invoice["id"],
                    "livemode": False,
                    "metadata": {},
                    "period": {
                        "start": sub["current_period_start"],
                        "end": sub["current_period_end"],
                    },
                    "price": copy.deepcopy(item["price"]),
                    "proration": False,
                    "quantity": item["quantity"],
                    "subscription": sub["id"],
                    "subscription_item": item["id"],
                    "type": "subscription",
                }
            )
        recompute_totals(invoice)
        self.invoices[invoice["id"]] = invoice
        self._finalize(invoice, customer)
        if invoice["status"] == "open" and sub["collection_method"] == "charge_automatically":
            try:
                self._collect(invoice, customer, None)
            except StripeError as error:
                invoice["last_finalization_error"] = dict(error.error)
        return invoice

    def _retrieve_subscription(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        return self._subscription(ident)

    def _update_subscription(self, form: Form, ident: str) -> Json:
        form.reject_unknown(SUBSCRIPTION_UPDATE_PARAMS)
        sub = self._subscription(ident)
        items = form.hashes("items", SUBSCRIPTION_ITEM_PARAMS) or []
        pause = form.unsettable("pause_collection", ["behavior", "resumes_at"])
        form.enum("proration_behavior", ["always_invoice", "create_prorations", "none"])
        form.enum(
            "payment_behavior",
            [
                "allow_incomplete",
                "default_incomplete",
                "error_if_incomplete",
                "pending_if_incomplete",
            ],
        )
        metadata = form.metadata()
        cancel_at_period_end = form.boolean("cancel_at_period_end")
        description = form.string("description", max_length=500)
        form.strings("expand")
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise StripeError(
                400,
                f"A canceled subscription can only update its cancellation_details and "
                f"metadata; subscription {sub['id']} is {sub['status']}.",
            )
        pause_value: Json | str | None = None
        if isinstance(pause, Form):
            behavior = pause.enum("behavior", ["keep_as_draft", "mark_uncollectible", "void"])
            if behavior is None:
                raise missing_param(pause.name("behavior"))
            pause_value = {"behavior": behavior, "resumes_at": pause.integer("resumes_at")}
        updates: list[tuple[Json | None, Json | None, int | None, Form]] = []
        for item in items:
            item_id = item.string("id")
            existing = None
            if item_id is not None:
                existing = next((i for i in sub["items"]["data"] if i["id"] == item_id), None)
                if existing is None:
                    raise no_such("subscription item", item_id, item.name("id"))
            price = self._recurring_price(item) if item.string("price") else None
            if existing is None and price is None:
                raise missing_param(item.name("price"))
            if price is not None and price["currency"] != sub["currency"]:
                raise StripeError(
                    400,
                    "All prices on a subscription must have the same `currency`.",
                    param=item.name("price"),
                )
            if item.boolean("deleted") and existing is None:
                raise missing_param(item.name("id"))
            updates.append((existing, price, self._quantity(item), item))
        now = self._now()
        for existing, price, quantity, item in updates:
            if existing is None:
                assert price is not None
                sub["items"]["data"].append(
                    build_subscription_item(
                        self._new_id("si"),
                        now,
                        sub["id"],
                        price,
                        1 if quantity is None else quantity,
                        item.metadata(),
                    )
                )
                continue
            if item.boolean("deleted"):
                sub["items"]["data"].remove(existing)
                continue
            if price is not None:
                existing["price"] = copy.deepcopy(price)
            if quantity is not None:
                existing["quantity"] = quantity
            existing["metadata"].update(item.metadata())
        if not sub["items"]["data"]:
            raise StripeError(
                400, "A subscription must have at least one active plan.", param="items"
            )
        sub["items"]["total_count"] = len(sub["items"]["data"])
        if pause == "":
            sub["pause_collection"] = None
        elif pause_value is not None:
            sub["pause_collection"] = pause_value
        if cancel_at_period_end is not None:
            sub["cancel_at_period_end"] = cancel_at_period_end
            sub["cancel_at"] = sub["current_period_end"] if cancel_at_period_end else None
        if description is not None:
            sub["description"] = description
        sub["metadata"].update(metadata)
        return sub

    def _cancel_subscription(self, form: Form, ident: str) -> Json:
        form.reject_unknown(SUBSCRIPTION_CANCEL_PARAMS)
        sub = self._subscription(ident)
        details = form.nested("cancellation_details", ["comment", "feedback"])
        form.boolean("invoice_now")
        form.boolean("prorate")
        form.strings("expand")
        if sub["status"] == "canceled":
            raise no_such("subscription", ident, "subscription_exposed_id", 404)
        now = self._now()
        sub.update(status="canceled", canceled_at=now, ended_at=now, pause_collection=None)
        sub["cancellation_details"] = {
            "comment": details.string("comment") if details else None,
            "feedback": details.string("feedback") if details else None,
            "reason": "cancellation_requested",
        }
        return sub

    # ---- checkout sessions

    def _create_checkout_session(self, form: Form) -> Json:
        form.reject_unknown(CHECKOUT_PARAMS)
        mode = form.enum("mode", ["payment", "setup", "subscription"])
        if mode is None:
            raise missing_param("mode")
        success_url = form.required("success_url")
        line_items = form.hashes("line_items", CHECKOUT_LINE_ITEM_PARAMS) or []
        types = form.strings("payment_method_types")
        customer_id = form.string("customer")
        customer_email = form.string("customer_email", max_length=800)
        if customer_id is not None and customer_email is not None:
            raise StripeError(
                400,
                "You may only specify one of these parameters: customer, customer_email.",
                code="parameters_exclusive",
                param="customer",
            )
        if customer_id is not None:
            self._customer(customer_id, "customer")
        fields: Json = {
            "cancel_url": form.string("cancel_url"),
            "client_reference_id": form.string("client_reference_id", max_length=200),
            "customer": customer_id,
            "customer_email": customer_email,
            "metadata": form.metadata(),
            "mode": mode,
            "payment_method_types": types or ["card"],
            "success_url": success_url,
        }
        expires_at = form.integer("expires_at")
        form.strings("expand")
        if mode in ("payment", "subscription") and not line_items:
            raise StripeError(
                400, f"`line_items` is required in `{mode}` mode.", param="line_items"
            )
        lines: list[Json] = []
        for item in line_items:
            quantity = self._quantity(item)
            if quantity is None:
                raise missing_param(item.name("quantity"))
            data = item.nested("price_data", PRICE_DATA_PARAMS)
            if (item.string("price") is None) == (data is None):
                raise StripeError(
                    400,
                    "You must specify either `price` or `price_data` for each line item."
                    if data is None
                    else "You may only specify one of these parameters: price, price_data.",
                    param=item.name("price"),
                )
            if data is not None:
                price = build_price(
                    self._new_id("price"), self._now(), self._price_fields(data, inline=True)
                )
                self.prices[price["id"]] = price
            else:
                price = self._lookup(
                    self.prices, "price", str(item.string("price")), item.name("price")
                )
            if (price["type"] == "recurring") != (mode == "subscription"):
                raise StripeError(
                    400,
                    "You must provide at least one recurring price in `subscription` mode "
                    "when using prices."
                    if mode == "subscription"
                    else "You specified `payment` mode but passed a recurring price. Either switch "
                    "to `subscription` mode or use only one-time prices.",
                    param=item.name("price"),
                )
            lines.append({"price": price, "quantity": quantity})
        currencies = {line["price"]["currency"] for line in lines}
        if len(currencies) > 1:
            raise StripeError(400, "All line items must use the same currency.", param="line_items")
        created = self._now()
        total = sum(line["price"]["unit_amount"] * line["quantity"] for line in lines)
        fields.update(
            amount_subtotal=total,
            amount_total=total,
            currency=currencies.pop() if currencies else None,
        )
        if expires_at is not None:
            if not created + 1800 <= expires_at <= created + 86400:
                raise StripeError(
                    400,
                    "The `expires_at` timestamp must be between 30 minutes and 24 hours "
                    "from Checkout Session creation.",
                    param="expires_at",
                )
            fields["expires_at"] = expires_at
        session = build_checkout_session(self._new_id("cs_test"), created, fields)
        self.checkout_sessions[session["id"]] = session
        self.checkout_line_items[session["id"]] = {
            "object": "list",
            "data": [
                {
                    "id": self._new_id("li"),
                    "object": "item",
                    "amount_subtotal": line["price"]["unit_amount"] * line["quantity"],
                    "amount_total": line["price"]["unit_amount"] * line["quantity"],
                    "currency": line["price"]["currency"],
                    "description": self.products[line["price"]["product"]]["name"],
                    "price": copy.deepcopy(line["price"]),
                    "quantity": line["quantity"],
                }
                for line in lines
            ],
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session['id']}/line_items",
        }
        return session

    def _retrieve_checkout_session(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        return self._lookup(self.checkout_sessions, "checkout.session", ident, "session", 404)

    def _expire_checkout_session(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        form.strings("expand")
        session = self._lookup(self.checkout_sessions, "checkout.session", ident, "session", 404)
        if session["status"] != "open":
            raise StripeError(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f'Checkout Session has a status of "{session["status"]}".',
                code="checkout_session_expired" if session["status"] == "expired" else None,
            )
        session.update(status="expired", url=None)
        return session

    # ---- paying and voiding invoices

    def _collect(self, invoice: Json, customer: Json, method_id: str | None) -> None:
        """Charge an open invoice's amount due; 402 ``card_declined`` when the card declines."""
        method_id = (
            method_id
            or invoice["default_payment_method"]
            or (customer["invoice_settings"]["default_payment_method"])
        )
        invoice["attempted"] = True
        invoice["attempt_count"] += 1
        if method_id is None:
            raise StripeError(
                400,
                "This customer has no attached payment source or default payment method. "
                "Please consider adding a default payment method.",
            )
        token = self.payment_methods.get(method_id, {}).get("_token", method_id)
        if token == DECLINING_PAYMENT_METHOD or customer["id"] == DECLINE_CUSTOMER_ID:
            raise StripeError(
                402,
                "Your card was declined.",
                error_type="card_error",
                code="card_declined",
                decline_code="generic_decline",
            )
        intent = build_payment_intent(
            self._new_id("pi"),
            self._now(),
            {
                "amount": invoice["amount_due"],
                "currency": invoice["currency"],
                "customer": customer["id"],
                "invoice": invoice["id"],
                "payment_method": method_id if method_id not in TEST_PAYMENT_METHODS else None,
            },
        )
        charge = build_charge(self._new_id("ch"), self._now(), intent, captured=True)
        self.charges[charge["id"]] = charge
        intent.update(
            status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"]
        )
        self.payment_intents[intent["id"]] = intent
        self._mark_paid(invoice, charge=charge["id"], payment_intent=intent["id"])

    def _mark_paid(self, invoice: Json, **fields: Any) -> None:
        now = self._now()
        invoice.update(
            status="paid",
            paid=True,
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            next_payment_attempt=None,
            **fields,
        )
        invoice["status_transitions"]["paid_at"] = now

    def _pay_invoice(self, form: Form, ident: str) -> Json:
        form.reject_unknown(PAY_PARAMS)
        form.boolean("forgive")
        form.boolean("off_session")
        out_of_band = form.boolean("paid_out_of_band")
        method_id = form.string("payment_method")
        form.string("source")
        form.strings("expand")
        invoice = self._invoice(ident, "invoice", status=404)
        if invoice["status"] == "paid":
            raise StripeError(400, "Invoice is already paid", code="invoice_already_paid")
        if invoice["status"] != "open":
            raise StripeError(
                400,
                f"You can only pay an open invoice; invoice {invoice['id']} is "
                f"{invoice['status']}.",
                code="invoice_not_editable" if invoice["status"] == "draft" else None,
            )
        customer = self.customers[invoice["customer"]]
        if out_of_band:
            self._mark_paid(invoice, paid_out_of_band=True)
            return invoice
        if method_id is not None:
            method_id = self._usable_method(method_id, customer["id"])
        self._collect(invoice, customer, method_id)
        return invoice

    def _void_invoice(self, form: Form, ident: str) -> Json:
        form.reject_unknown(VOID_PARAMS)
        form.strings("expand")
        invoice = self._invoice(ident, "invoice", status=404)
        if invoice["status"] != "open":
            raise StripeError(
                400,
                f"You can only void an open invoice; invoice {invoice['id']} is "
                f"{invoice['status']}.",
            )
        now = self._now()
        invoice.update(status="void", next_payment_attempt=None, amount_remaining=0)
        invoice["status_transitions"]["voided_at"] = now
        return invoice


# --------------------------------------------------------------------------- HTTP plumbing


class _Handler(QuietHandler):
    """Hands every request to the owning :class:`StripeServer`."""

    server_version = "pytest-arazzo-stripe/1.0"
    timeout = 30
    server: _HTTPServer

    def _serve(self) -> None:
        body = self.read_body().decode("utf-8", "replace")
        self.send_reply(
            *self.server.app.handle_request(
                self.command, self.path, dict(self.headers.items()), body
            )
        )

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def version_string(self) -> str:
        """A fixed ``Server`` header, so recordings do not depend on the Python version."""
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        """A ``Date`` header from the server's deterministic clock, not the wall clock."""
        return super().date_time_string(EPOCH + self.server.app.clock)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: StripeServer) -> None:
        self.app = app
        super().__init__(address, _Handler)


def main(argv: list[str] | None = None) -> int:
    """Serve in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--api-key-prefix", default="sk_test_")
    args = parser.parse_args(argv)
    server = StripeServer(
        seed=args.seed, host=args.host, port=args.port, api_key_prefix=args.api_key_prefix
    )
    url = server.start()
    print(f"Stripe test server listening on {url} (seed {args.seed})", flush=True)
    print(f"Customers: {', '.join(server.customers)}; Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
