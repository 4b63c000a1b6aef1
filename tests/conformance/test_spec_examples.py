"""Every example of the Arazzo specification (examples/1.0.0) collected and run end to end.

The examples are copied from the reference checkout into a temporary directory at test time
(never into the project) and run against a loopback server that answers for their APIs
(:mod:`tests.conformance.examples_api`). Where an example is itself wrong, the harness says so and
these tests assert the message; variants then fix one mistake at a time (in the temporary copy)
to reach the next one, down to a clean run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_arazzo.document.loader import load_document
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.execute.failures import WorkflowFailure
from pytest_arazzo.plan.planner import ArazzoFile
from tests.conformance.examples_api import (
    ANIMALS_OPENAPI,
    INPUTS,
    PET,
    PETSTORE_OPENAPI,
    serve_examples,
)
from tests.conformance.harness import Harness
from tests.conformance.server import LoopbackServer

EXAMPLES = Path(
    os.environ.get(
        "ARAZZO_EXAMPLES",
        Path(__file__).resolve().parents[3] / "shared/reference/arazzo/examples/1.0.0",
    )
)
pytestmark = pytest.mark.skipif(
    not EXAMPLES.is_dir(),
    reason=f"the Arazzo specification examples are not at {EXAMPLES} (set ARAZZO_EXAMPLES)",
)
EXAMPLE_FILES = [
    "ExtendedParametersExample.arazzo.yaml",
    "FAPI-PAR.arazzo.yaml",
    "LoginAndRetrievePets.arazzo.yaml",
    "bnpl-arazzo.yaml",
    "oauth.arazzo.yaml",
    "pet-coupons.arazzo.yaml",
]
PETSTORE_URL = (
    "https://raw.githubusercontent.com/swagger-api/swagger-petstore/master/src/main/resources/"
    "openapi.yaml"
)
BNPL_URL = "https://raw.githubusercontent.com/OAI/Arazzo-Specification/main/examples/1.0.0/bnpl-openapi.yaml"


@pytest.fixture
def examples(tmp_path: Path, server: LoopbackServer) -> Path:
    """A fresh copy of the examples directory, and the server answering for their APIs."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    serve_examples(server)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Fix one mistake in the temporary copy (fails loudly if the example changed)."""
    text = path.read_text()
    assert old in text, f"{path.name} no longer contains {old!r}"
    path.write_text(text.replace(old, new))


def run(harness: Harness, path: Path, workflow_id: str, *, fail: bool = False) -> Any:
    """Run one workflow of an example file through the Runner against the loopback server."""
    file = ArazzoFile(load_document(path, path.name), SourceCache(path.parent))
    plan = file.plan(workflow_id)
    runner = harness.runner()
    stem = path.name.removesuffix(".yaml").removesuffix(".arazzo")
    inputs = INPUTS.get(stem, {}).get(workflow_id, {})
    try:
        if fail:
            with pytest.raises(WorkflowFailure) as caught:
                runner.run(plan, inputs)
            return caught.value.render()
        try:
            return runner.run(plan, inputs)
        except WorkflowFailure as failure:
            pytest.fail(f"the workflow failed:\n{failure.render()}", pytrace=False)
    finally:
        runner.transport.close()


# -- every example through pytest -------------------------------------------------------------


def test_spec_examples__all_collected_and_run(
    pytester: pytest.Pytester, server: LoopbackServer
) -> None:
    """Arazzo 1.0.1 examples/1.0.0: every file is collected (one item per workflow) and run live
    against the loopback server; the sound ones pass, the wrong ones fail saying why."""
    shutil.copytree(EXAMPLES, pytester.path / "examples")
    serve_examples(server)
    inputs_dir = pytester.path / "fixtures" / "inputs"
    inputs_dir.mkdir(parents=True)
    for stem, workflows in INPUTS.items():
        sets = {workflow_id: {"default": values} for workflow_id, values in workflows.items()}
        (inputs_dir / f"{stem}.yaml").write_text(yaml.safe_dump(sets))
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_patterns = ["*.arazzo.yaml", "*-arazzo.yaml"]\n'
    )
    result = pytester.runpytest(
        "examples", "--arazzo-live", "--arazzo-server", server.url, "-v", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=4, failed=6)
    result.stdout.fnmatch_lines_random(
        [
            "examples/ExtendedParametersExample.arazzo.yaml::animal-workflow FAILED*",
            "examples/FAPI-PAR.arazzo.yaml::OIDC-PAR-AuthzCode FAILED*",
            "examples/LoginAndRetrievePets.arazzo.yaml::loginUserRetrievePet FAILED*",
            "examples/bnpl-arazzo.yaml::ApplyForLoanAtCheckout FAILED*",
            "examples/oauth.arazzo.yaml::refresh-token-flow FAILED*",
            "examples/oauth.arazzo.yaml::client-credentials-flow PASSED*",
            "examples/oauth.arazzo.yaml::authorization-code-flow PASSED*",
            "examples/pet-coupons.arazzo.yaml::apply-coupon FAILED*",
            "examples/pet-coupons.arazzo.yaml::buy-available-pet PASSED*",
            "examples/pet-coupons.arazzo.yaml::place-order PASSED*",
            # ExtendedParametersExample: its OpenAPI description is not among the examples
            "*source 'animals' points at ./animals.yaml, but examples/animals.yaml does not exist",
            # FAPI-PAR: the operationId is 'Par' in FAPI-PAR.openapi.yaml
            "*operationId 'PAR' is not in source 'auth-api'*",
            "*did you mean 'Par'? (differs only in letter case)",
            # LoginAndRetrievePets, bnpl: sources on the web (files are read, not downloaded)
            f"*source 'petStoreDescription' is remote ({PETSTORE_URL})*",
            f"*source 'BnplApi' is remote ({BNPL_URL})*",
            # oauth refresh-token-flow: its refresh request omits client_id, which the
            # operation's request body schema requires (the OpenAPI contract check says so)
            "*at step 'do-the-refresh'*",
            "*request body at $: 'client_id' is a required property",
            # pet-coupons apply-coupon: path parameter 'pet_id' for /pet/{petId}/coupons
            "*needs path parameter 'petId', which step 'find-coupons' does not give*",
        ]
    )


# -- LoginAndRetrievePets -----------------------------------------------------------------------


def test_spec_examples__login_and_retrieve_pets(examples: Path, harness: Harness) -> None:
    """LoginAndRetrievePets: (1) its source is a remote URL; (2) with the description downloaded
    next to it, its operationPath names a Path Item, not an operation (no `/get`); (3) with the
    method added, it runs: the login's token is sent as the Authorization header."""
    path = examples / "LoginAndRetrievePets.arazzo.yaml"
    report = run(harness, path, "loginUserRetrievePet", fail=True)
    assert f"source 'petStoreDescription' is remote ({PETSTORE_URL})" in report
    assert "download it next to the workflow and use a relative url" in report

    (examples / "petstore.openapi.yaml").write_text(PETSTORE_OPENAPI)
    edit(path, PETSTORE_URL, "./petstore.openapi.yaml")
    report = run(harness, path, "loginUserRetrievePet", fail=True)
    assert (
        "operationPath '{$sourceDescriptions.petStoreDescription.url}#/paths/~1pet~1findByStatus'"
        in report
    )
    assert "no operation at #/paths/~1pet~1findByStatus" in report
    assert (
        "is a Path Item, not an operation: add the method, e.g. #/paths/~1pet~1findByStatus/get"
        in report
    )

    edit(path, "#/paths/~1pet~1findByStatus'", "#/paths/~1pet~1findByStatus/get'")
    result = run(harness, path, "loginUserRetrievePet")
    assert result.outputs == {"available": [PET]}
    fetch = harness.server.received("GET", "/pet/findByStatus")[-1]
    assert fetch.header("authorization") == "session-token-1"
    assert fetch.args == {"status": "available"}
    assert harness.server.received("GET", "/user/login")[-1].args == {
        "username": "ada",
        "password": "pw",
    }


# -- ExtendedParametersExample ------------------------------------------------------------------


def test_spec_examples__extended_parameters(examples: Path, harness: Harness) -> None:
    """ExtendedParametersExample: (1) its source `./animals.yaml` is not part of the examples;
    (2) given one, workflow-level cookie and header parameters reach every step, merged with the
    step's own cookie, and the POST carries a Content-Type although it has no body."""
    path = examples / "ExtendedParametersExample.arazzo.yaml"
    report = run(harness, path, "animal-workflow", fail=True)
    assert "source 'animals' points at ./animals.yaml, but animals.yaml does not exist" in report

    (examples / "animals.yaml").write_text(ANIMALS_OPENAPI)
    run(harness, path, "animal-workflow")
    post, get = harness.server.requests
    assert (post.method, post.path, get.path) == ("POST", "/animals", "/animals/random")
    assert post.cookies == {"workflowLevelParamOne": "someValue", "authentication": "SUPER_SECRET"}
    assert get.cookies == {"workflowLevelParamOne": "someValue"}
    assert (
        post.header("workflowLevelParamTwo") == get.header("workflowLevelParamTwo") == "someValue"
    )
    assert post.header("content-type") == "application/json" and post.body == b""


# -- FAPI-PAR -------------------------------------------------------------------------------------


def test_spec_examples__fapi_par(examples: Path, harness: Harness) -> None:
    """FAPI-PAR: (1) `$sourceDescriptions.auth-api.PAR` differs in case from the OpenAPI's
    `Par`; (2) with that fixed it runs: the `content`-described query parameter is sent as JSON,
    the JSON text payload is sent as JSON, the 302 is the expected status."""
    path = examples / "FAPI-PAR.arazzo.yaml"
    report = run(harness, path, "OIDC-PAR-AuthzCode", fail=True)
    assert "operationId 'PAR' is not in source 'auth-api'" in report
    assert "did you mean 'Par'? (differs only in letter case)" in report
    assert harness.server.requests == []

    edit(path, "$sourceDescriptions.auth-api.PAR\n", "$sourceDescriptions.auth-api.Par\n")
    result = run(harness, path, "OIDC-PAR-AuthzCode")
    assert result.outputs == {"access_token": {"access_token": "fapi-at", "token_type": "Bearer"}}
    par, authorize, token = harness.server.requests
    assert par.args["client_assertion"] == '{"iss":"tpp-1","sub":"tpp-1","aud":"as","jti":"j1"}'
    assert par.json() == {"response_type": "code", "client_id": "tpp-1", "scope": "openid"}
    assert authorize.args == {"request_uri": "urn:par:1", "client_id": "tpp-1"}
    assert token.json() == {
        "grant_type": "authorization_code",
        "code": "authz-1",
        "redirect_uri": "https://tpp.example/cb",
        "code_verifier": "verifier-1",
    }


# -- oauth ----------------------------------------------------------------------------------------


def test_spec_examples__oauth_refresh_uses_callee_outputs(examples: Path, harness: Harness) -> None:
    """oauth: `refresh-token-flow` calls `authorization-code-flow` as a step and maps
    `$outputs.refresh_token` (the callee's output) into its own step output."""
    result = run(harness, examples / "oauth.arazzo.yaml", "refresh-token-flow")
    assert result.outputs == {
        "access_token": "at-refresh_token",
        "refresh_token": "rt-1",
        "expires_in": 3600,
    }
    grants = [request.form() for request in harness.server.received("POST", "/oauth/token")]
    assert grants[0]["grant_type"] == "authorization_code" and grants[0]["code"] == "code-1"
    assert grants[1] == {"grant_type": "refresh_token", "refresh_token": "rt-1"}


# -- pet-coupons ----------------------------------------------------------------------------------


def test_spec_examples__pet_coupons(examples: Path, harness: Harness) -> None:
    """pet-coupons: `apply-coupon` passes path parameter `pet_id` to `/pet/{petId}/coupons`, so
    the request cannot be built; `buy-available-pet` runs (a reusable parameter with a value
    override, a workflowId step whose `$statusCode` is the callee's last response)."""
    path = examples / "pet-coupons.arazzo.yaml"
    report = run(harness, path, "apply-coupon", fail=True)
    assert "at step 'find-coupons'" in report
    assert (
        "cannot build the request: path: /pet/{petId}/coupons needs path parameter 'petId', "
        "which the step does not give (it gives path parameter 'pet_id')"
    ) in report

    result = run(harness, path, "buy-available-pet")
    assert result.outputs == {"buy_pet_order_id": 99}
    find = harness.server.received("GET", "/pet/findByStatus")[-1]
    assert find.query == [("status", "available"), ("page", "1"), ("pageSize", "10")]
    assert harness.server.received("POST", "/store/order")[-1].json() == {
        "petId": 1,
        "status": "placed",
        "complete": False,
    }

    edit(path, "- name: pet_id\n            in: path", "- name: petId\n            in: path")
    result = run(harness, path, "apply-coupon")
    assert result.outputs == {"apply_coupon_pet_order_id": 99}
    assert harness.server.received("POST", "/store/order")[-1].json()["couponCode"] == "SAVE10"


# -- bnpl -----------------------------------------------------------------------------------------


def test_spec_examples__bnpl(examples: Path, harness: Harness) -> None:
    """bnpl: (1) its source is a remote URL; (2) pointed at the local copy, the workflow output
    `$steps.retrieveFinalizedPaymentPlan.finalizedPaymentPlan` lacks `.outputs`; (3) with that
    fixed, `$[?count(@.products) > 0]` selects nothing on the object body (RFC 9535), so the run
    silently takes `qualifyingProductsNotFound`: a warning says why; (4) with the queries fixed,
    the flow reaches `initiateBnplTransaction`, whose payload reads `$inputs.customer#/uri`,
    which a new customer does not have."""
    path = examples / "bnpl-arazzo.yaml"
    report = run(harness, path, "ApplyForLoanAtCheckout", fail=True)
    assert f"source 'BnplApi' is remote ({BNPL_URL})" in report

    edit(path, BNPL_URL, "./bnpl-openapi.yaml")
    report = run(harness, path, "ApplyForLoanAtCheckout", fail=True)
    assert (
        "workflow 'ApplyForLoanAtCheckout' outputs/finalizedPaymentPlan: invalid runtime "
        "expression '$steps.retrieveFinalizedPaymentPlan.finalizedPaymentPlan'"
    ) in report
    assert (
        "did you mean '$steps.retrieveFinalizedPaymentPlan.outputs.finalizedPaymentPlan'?" in report
    )
    assert harness.server.requests == []

    edit(
        path,
        "retrieveFinalizedPaymentPlan.finalizedPaymentPlan",
        "retrieveFinalizedPaymentPlan.outputs.finalizedPaymentPlan",
    )
    with pytest.warns(UserWarning, match="action 'qualifyingProductsFound' did not apply"):
        result = run(harness, path, "ApplyForLoanAtCheckout")
    assert [record.render() for record in result.trace] == [
        "checkLoanCanBeProvided 200 ok (onSuccess 'qualifyingProductsNotFound': end)"
    ]
    assert (
        "a filter `$[?...]` selects children of the root, not the root itself" in result.warnings[0]
    )
    assert harness.server.received("POST", "/bnpl/v1/products")[0].json() == {
        "customer": INPUTS["bnpl-arazzo"]["ApplyForLoanAtCheckout"]["customer"],
        "products": INPUTS["bnpl-arazzo"]["ApplyForLoanAtCheckout"]["products"],
    }

    edit(path, "$[?count(@.products) > 0]", "$.products[*]")
    edit(path, "$[?count(@.products) == 0]", "$[?length(@.products) == 0]")
    report = run(harness, path, "ApplyForLoanAtCheckout", fail=True)
    assert "at step 'initiateBnplTransaction'" in report
    assert "cannot build the request: requestBody.payload: $inputs.customer#/uri" in report
    assert "no key 'uri'" in report
