"""A small Stripe-shaped HTTP server for pytest-arazzo's tests and cassette recording.

It speaks enough of Stripe's API (customers, draft invoices, invoice items, finalization)
with Stripe's conventions: secret-key auth, form bodies in bracket notation, Stripe's
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
DECLINING_PAYMENT_METHOD = "pm_card_chargeDeclined"
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
}
CURRENCIES = [
    "aed", "aud", "bgn", "brl", "cad", "chf", "cny", "czk", "dkk", "eur", "gbp", "hkd",
    "huf", "idr", "ils", "inr", "isk", "jpy", "krw", "mxn", "myr", "nok", "nzd", "php",
    "pln", "ron", "sek", "sgd", "thb", "try", "twd", "usd", "zar",
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
    "description", "email", "expand", "invoice_settings", "metadata", "name",
    "payment_method", "phone", "preferred_locales",
]
INVOICE_PARAMS = [
    "application_fee_amount", "auto_advance", "automatic_tax", "collection_method",
    "currency", "customer", "days_until_due", "default_payment_method", "default_source",
    "default_tax_rates", "description", "due_date", "effective_at", "expand", "footer",
    "metadata", "on_behalf_of", "pending_invoice_items_behavior", "statement_descriptor",
    "subscription",
]
INVOICEITEM_PARAMS = [
    "amount", "currency", "customer", "description", "discountable", "expand", "invoice",
    "metadata", "period", "quantity", "subscription", "tax_rates", "unit_amount",
]
FINALIZE_PARAMS = ["auto_advance", "expand"]


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
            400, f"Invalid {kind}: {self.name(key)} must be a {kind}, not {shape}",
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
                400, f"Invalid integer: {value}", code="parameter_invalid_integer",
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
    ("POST", re.compile(r"/v1/invoiceitems"), "create_invoiceitem"),
    ("GET", re.compile(r"/v1/invoiceitems/(?P<ident>[^/]+)"), "retrieve_invoiceitem"),
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
                return 200, handler(Form(form), **match.groupdict())
        raise StripeError(404, UNRECOGNIZED_URL.format(method=method, path=path))

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
                400, f"`{param}` can only be set when `collection_method=send_invoice`.",
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
                if item["customer"] == customer_id and item["invoice"] is None:
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
        return invoice

    @staticmethod
    def _declines(customer: Json, invoice: Json) -> bool:
        method = invoice["default_payment_method"] or (
            customer["invoice_settings"]["default_payment_method"]
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
        if invoice["lines"]["data"] and invoice["currency"] != currency:
            raise StripeError(
                400,
                f"The currency of this invoice item ({currency}) does not match the currency "
                f"of invoice {invoice['id']} ({invoice['currency']}).",
                param="currency",
            )

    def _attach(self, item: Json, invoice: Json) -> None:
        item["invoice"] = invoice["id"]
        invoice["currency"] = item["currency"]
        invoice["lines"]["data"].append(build_line_item(self._new_id("il"), item))
        recompute_totals(invoice)

    def _retrieve_invoiceitem(self, form: Form, ident: str) -> Json:
        form.reject_unknown(["expand"])
        item = self.invoiceitems.get(ident)
        if item is None:
            raise no_such("invoiceitem", ident, "id", status=404)
        return item


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
