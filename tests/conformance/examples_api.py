"""Loopback answers for the APIs of the Arazzo specification's examples (examples/1.0.0).

One server serves them all (their paths do not collide): the Swagger petstore login, the
"animals" API, FAPI PAR/authorize/token, the OAuth service, the pet-coupons store and BNPL.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.server import LoopbackServer, Reply, Request

PETSTORE_OPENAPI = """\
openapi: 3.0.3
info: {title: Swagger Petstore (the operations LoginAndRetrievePets uses), version: 1.0.0}
servers: [{url: 'https://petstore3.swagger.io/api/v3'}]
paths:
  /user/login:
    get:
      operationId: loginUser
      parameters:
      - {name: username, in: query, schema: {type: string}}
      - {name: password, in: query, schema: {type: string}}
      responses: {'200': {description: ok}}
  /pet/findByStatus:
    get:
      operationId: findPetsByStatus
      parameters:
      - {name: status, in: query, explode: true, schema: {type: string}}
      responses: {'200': {description: ok}}
"""

ANIMALS_OPENAPI = """\
openapi: 3.1.0
info: {title: Public Zoo API (the operations ExtendedParametersExample uses), version: '1.0'}
servers: [{url: 'https://zoo.example.com'}]
paths:
  /animals:
    post:
      operationId: postAnimal
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {'201': {description: created}}
  /animals/random:
    get:
      operationId: getRandomAnimal
      responses: {'200': {description: ok}}
"""

PET = {"id": 1, "name": "Rex", "price": 120.5, "photoUrls": [], "status": "available"}
BNPL_CUSTOMER = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "dateOfBirth": "1815-12-10T00:00:00Z",
    "postalCode": "W1",
}
BNPL_PRODUCTS = [
    {"productCode": "p-1", "purchaseAmount": {"currency": "GBP", "amount": 120.5}},
]

INPUTS: dict[str, dict[str, dict[str, Any]]] = {
    "LoginAndRetrievePets": {"loginUserRetrievePet": {"username": "ada", "password": "pw"}},
    "FAPI-PAR": {
        "OIDC-PAR-AuthzCode": {
            "client_id": "tpp-1",
            "client_assertion": {"iss": "tpp-1", "sub": "tpp-1", "aud": "as", "jti": "j1"},
            "redirect_uri": "https://tpp.example/cb",
            "code_verifier": "verifier-1",
            "PARrequestBody": {"response_type": "code", "client_id": "tpp-1", "scope": "openid"},
            "TokenRequestBody": {
                "grant_type": "authorization_code",
                "code": "placeholder",
                "redirect_uri": "https://tpp.example/cb",
                "code_verifier": "verifier-1",
            },
        }
    },
    "oauth": {
        "refresh-token-flow": {
            "my_client_id": "client-1",
            "my_client_secret": "s3cret",
            "my_redirect_uri": "https://app.example/cb",
        },
        "client-credentials-flow": {"client_id": "client-1", "client_secret": "s3cret"},
        "authorization-code-flow": {
            "client_id": "client-1",
            "client_secret": "s3cret",
            "redirect_uri": "https://app.example/cb",
        },
    },
    "pet-coupons": {
        "apply-coupon": {"my_pet_tags": ["puppy", "dalmatian"], "store_id": "pets.example.com"},
        "buy-available-pet": {"store_id": "pets.example.com"},
        "place-order": {"pet_id": 10, "quantity": 1, "coupon_code": "SAVE10"},
    },
    "bnpl-arazzo": {
        "ApplyForLoanAtCheckout": {"customer": BNPL_CUSTOMER, "products": BNPL_PRODUCTS}
    },
}


def _token(request: Request, match: Any) -> Reply:
    form = request.form()
    grant = form.get("grant_type", "?")
    return Reply(200, {"access_token": f"at-{grant}", "refresh_token": "rt-1", "expires_in": 3600})


def _order(request: Request, match: Any) -> Reply:
    return Reply(200, {"id": 99, **request.json()})


def serve_examples(server: LoopbackServer) -> None:
    """Register every example API's routes on ``server``."""
    # LoginAndRetrievePets (petstore)
    server.route(
        "GET",
        "/user/login",
        Reply(200, "session-token-1", {"X-Expires-After": "2030-01-01", "X-Rate-Limit": "100"}),
    )
    server.route("GET", "/pet/findByStatus", [PET])
    # ExtendedParametersExample (animals)
    server.route("POST", "/animals", Reply(201, {"id": "a-1"}))
    server.route("GET", "/animals/random", {"id": "a-2", "kind": "otter"})
    # FAPI-PAR
    server.route("POST", "/as/par.oauth2", {"request_uri": "urn:par:1", "expires_in": 60})
    server.route(
        "GET",
        "/as/authorize.oauth2",
        Reply(302, {"code": "authz-1"}, {"Location": "https://tpp.example/cb?code=authz-1"}),
    )
    server.route("POST", "/as/token.oauth2", {"access_token": "fapi-at", "token_type": "Bearer"})
    # oauth
    server.route("GET", "/authorize", {"code": "code-1", "access_token": "pre-token"})
    server.route("POST", "/oauth/token", _token)
    # pet-coupons
    server.route("GET", "/pet/findByTags", [{**PET, "id": 10}])
    server.route("GET", r"/pet/(\d+)/coupons", {"couponCode": "SAVE10"})
    server.route("POST", "/store/order", _order)
    # BNPL (servers: [{url: /bnpl/v1}], relative to the override)
    server.route(
        "POST",
        "/bnpl/v1/products",
        {"products": BNPL_PRODUCTS, "eligibilityCheckRequired": True, "totalAmount": 120.5},
    )
    server.route("GET", "/bnpl/v1/terms-and-conditions", ["Be nice."])
    server.route("POST", "/bnpl/v1/customers", Reply(201, {"links": {"self": "/customers/c-1"}}))
