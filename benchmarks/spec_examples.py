"""Developer check: run the Arazzo specification's own examples and print each workflow's outcome.

    python benchmarks/spec_examples.py PATH/TO/Arazzo-Specification/examples/1.0.0
    python benchmarks/spec_examples.py EXAMPLES --server http://127.0.0.1:8000 --inputs in.yaml

Not part of the test suite (which runs the project's own examples, under
``tests/conformance/examples/``, and never reads files outside the checkout): the specification
is a third-party checkout, and its examples are not copied into the project. The folder is only
read; every ``*.arazzo.y(a)ml``/``*-arazzo.y(a)ml`` file in it is loaded, and each of its
workflows is planned and run live, with the OpenAPI contract checked, against a loopback server
answering for the examples' APIs (or ``--server``). Inputs are built in below, by file stem
(``bnpl-arazzo`` for ``bnpl-arazzo.yaml``) and workflowId; ``--inputs`` (YAML, same shape)
adds or replaces them.

Several examples contain mistakes (a remote source, a missing description, an operationId in
the wrong case, ...): those workflows FAIL, and the first lines of the report say why.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_arazzo.engine import api  # noqa: E402
from pytest_arazzo.execute.failures import WorkflowFailure  # noqa: E402
from tests.conformance.server import LoopbackServer, Reply, Request  # noqa: E402

PATTERNS = ("*.arazzo.yaml", "*.arazzo.yml", "*-arazzo.yaml", "*-arazzo.yml")

PET = {"id": 1, "name": "Rex", "price": 120.5, "photoUrls": [], "status": "available"}
BNPL_CUSTOMER = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "dateOfBirth": "1815-12-10T00:00:00Z",
    "postalCode": "W1",
}
BNPL_PRODUCTS = [{"productCode": "p-1", "purchaseAmount": {"currency": "GBP", "amount": 120.5}}]

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


def _token(request: Request, match: re.Match[str]) -> Reply:
    grant = request.form().get("grant_type", "?")
    return Reply(200, {"access_token": f"at-{grant}", "refresh_token": "rt-1", "expires_in": 3600})


def _order(request: Request, match: re.Match[str]) -> Reply:
    return Reply(200, {"id": 99, **request.json()})


def serve_spec_examples(server: LoopbackServer) -> None:
    """Answers for the APIs of the specification's examples (their paths do not collide)."""
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


def example_files(folder: Path) -> list[Path]:
    return sorted({path for pattern in PATTERNS for path in folder.glob(pattern)})


def stem(path: Path) -> str:
    return path.name.rsplit(".", 1)[0].removesuffix(".arazzo")


def outline(text: str, lines: int) -> str:
    """The first ``lines`` non-blank lines of a report, indented."""
    kept = [line for line in text.splitlines() if line.strip()][:lines]
    return "\n".join(f"      {line}" for line in kept)


def run_file(path: Path, server_url: str, inputs: dict[str, Any], lines: int) -> list[bool]:
    """Run every workflow of ``path``; print one outcome each; True for each that passed."""
    try:
        document = api.load(path)
        document.display = path.name  # messages name the file, not its absolute path
    except Exception as error:  # a file that does not even load: one line, then move on
        print(f"ERROR {path.name}: {error}")
        return [False]
    workflow_ids = [
        str(workflow.get("workflowId"))
        for workflow in document.data.get("workflows") or []
        if isinstance(workflow, dict)
    ]
    outcomes = []
    for workflow_id in workflow_ids:
        label = f"{path.name}::{workflow_id}"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                plan = api.plan_workflow(document, workflow_id, root=path.parent)
                result = api.run(
                    plan,
                    inputs.get(stem(path), {}).get(workflow_id, {}),
                    servers={"*": server_url},
                )
            except WorkflowFailure as failure:
                print(f"FAIL  {label}\n{outline(failure.render(), lines)}")
                outcomes.append(False)
            except Exception as error:  # the plugin itself broke: say so, keep going
                print(f"ERROR {label}: {type(error).__name__}: {error}")
                outcomes.append(False)
            else:
                print(f"PASS  {label}  outputs: {sorted(result.outputs)}")
                outcomes.append(True)
        for warning in caught:
            print(f"      warning: {str(warning.message).splitlines()[0]}")
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("folder", type=Path, help="the examples folder (e.g. examples/1.0.0)")
    parser.add_argument("--server", help="base URL to send requests to (default: built-in)")
    parser.add_argument("--inputs", type=Path, help="YAML: {file stem: {workflowId: inputs}}")
    parser.add_argument("--lines", type=int, default=6, help="report lines shown per failure")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    files = example_files(args.folder)
    if not files:
        parser.error(f"no Arazzo files ({', '.join(PATTERNS)}) in {args.folder}")
    inputs = {name: dict(workflows) for name, workflows in INPUTS.items()}
    if args.inputs:
        for name, workflows in (yaml.safe_load(args.inputs.read_text()) or {}).items():
            inputs.setdefault(name, {}).update(workflows)

    outcomes: list[bool] = []
    if args.server:
        for path in files:
            outcomes += run_file(path, args.server, inputs, args.lines)
    else:
        with LoopbackServer() as server:
            serve_spec_examples(server)
            for path in files:
                outcomes += run_file(path, server.url, inputs, args.lines)
    print(f"\n{outcomes.count(True)} passed, {outcomes.count(False)} failed ({len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
