"""Loopback answers for the APIs of the project's example workflows (``examples/``).

One server serves them all (their paths do not collide): the greenhouse, the identity
provider (pushed authorization requests), the kennel club, the instalments provider, the
single sign-on token service and the pet shop with vouchers. ``INPUTS`` holds the inputs of
every workflow, keyed by file stem (``instalments`` for ``instalments.arazzo.yaml``) then by
workflowId.
"""

from __future__ import annotations

import re
from typing import Any

from tests.conformance.server import LoopbackServer, Reply, Request

DOG = {"id": 1, "name": "Biscuit", "status": "available", "tags": ["terrier"]}
SHOPPER = {"givenName": "Grace", "familyName": "Hopper", "postcode": "NY10"}
ITEMS = [{"sku": "lamp-3", "price": {"currency": "EUR", "amount": 120.5}}]
ASSERTION = {"iss": "app-7", "aud": "https://id.example.org", "jti": "n-1"}

INPUTS: dict[str, dict[str, dict[str, Any]]] = {
    "kennel-login": {"log-in-and-list-pets": {"handle": "grace", "secret": "hunter2"}},
    "pushed-authorization": {
        "push-authorize-token": {
            "client_id": "app-7",
            "client_assertion": ASSERTION,
            "redirect_uri": "https://app.example.org/back",
            "code_verifier": "pkce-verifier-7",
            "authorization_form": {
                "response_type": "code",
                "scope": "openid profile",
                "code_challenge": "pkce-challenge-7",
            },
        }
    },
    "token-service": {
        "renew-access": {
            "app_id": "app-1",
            "app_secret": "s3cret",
            "app_callback": "https://app.example.org/back",
        },
        "machine-grant": {"client_id": "app-1", "client_secret": "s3cret"},
        "code-grant": {
            "client_id": "app-1",
            "client_secret": "s3cret",
            "redirect_uri": "https://app.example.org/back",
        },
    },
    "treat-vouchers": {
        "redeem-voucher": {"wanted_tags": ["terrier", "small"], "shop_domain": "shop.example.org"},
        "buy-any-available": {"shop_domain": "shop.example.org"},
        "order-pet": {"pet_id": 10, "quantity": 1, "voucher_code": "TREAT10"},
    },
    "instalments": {
        "checkout-with-instalments": {"shopper": SHOPPER, "items": ITEMS},
        "enrol-shopper": {"shopper": SHOPPER},
    },
}


def _token(request: Request, match: re.Match[str]) -> Reply:
    """Every grant answers tokens named after it (``at-refresh_token`` for a refresh)."""
    grant = request.form().get("grant_type", "?")
    return Reply(200, {"access_token": f"at-{grant}", "refresh_token": "rt-1", "expires_in": 900})


def _order(request: Request, match: re.Match[str]) -> Reply:
    return Reply(200, {"id": 77, **request.json()})


def serve_examples(server: LoopbackServer) -> None:
    """Register every example API's routes on ``server``."""
    # greenhouse (workflow-level parameters)
    server.route("POST", "/greenhouse/beds", Reply(201, {"bed": 7}))
    server.route("GET", "/greenhouse/beds/random", {"bed": 3, "species": "fern"})
    # identity provider (pushed authorization request, authorize, token)
    server.route("POST", "/oidc/par", Reply(201, {"request_uri": "urn:id:par:7", "expires_in": 90}))
    server.route(
        "GET",
        "/oidc/authorize",
        Reply(302, {"code": "code-7"}, {"Location": "https://app.example.org/back?code=code-7"}),
    )
    server.route("POST", "/oidc/token", {"access_token": "id-at-7", "token_type": "Bearer"})
    # kennel club (the session token comes back in a header)
    server.route(
        "GET",
        "/kennel/session",
        Reply(200, "welcome", {"X-Session-Token": "kennel-s-1", "X-Session-Expires": "2031-06"}),
    )
    server.route("GET", "/kennel/pets", [DOG])
    # instalments (servers: [{url: /instalments/v2}], relative to the override)
    server.route("GET", "/instalments/v2/terms", {"version": "terms-2024-05"})
    server.route("POST", "/instalments/v2/basket-checks", {"eligible": ITEMS, "total": 120.5})
    server.route(
        "POST", "/instalments/v2/shoppers", Reply(201, {"links": {"self": "/shoppers/s-1"}})
    )
    server.route(
        "POST", "/instalments/v2/plans", Reply(202, {"planId": "p-1", "approvalToken": "ok-1"})
    )
    server.route(
        "GET", "/instalments/v2/approvals", Reply(302, None, {"Location": "https://pay.example/ok"})
    )
    server.route("GET", "/instalments/v2/plans/p-1", {"planId": "p-1", "instalments": 3})
    # single sign-on token service
    server.route("GET", "/sso/authorize", {"code": "code-1"})
    server.route("POST", "/sso/token", _token)
    # pet shop with vouchers
    server.route("GET", "/shop/pets/by-tags", [{**DOG, "id": 10}])
    server.route("GET", "/shop/pets/by-status", [DOG])
    server.route("GET", r"/shop/pets/(\d+)/vouchers", {"voucherCode": "TREAT10"})
    server.route("POST", "/shop/orders", _order)
