"""The features the Arazzo specification's examples exercise, on the project's own examples.

``tests/conformance/examples/`` holds sound example workflows written for this project (in our
own domains, after the features of the specification's ``examples/1.0.0``): workflow-level
parameters, a pushed authorization request, a login whose token is sent as a header, a buy
now, pay later checkout, OAuth grants, pet-shop vouchers. Each test copies the folder into a
temporary directory (the originals are never edited) and runs it against a loopback server
that answers for their APIs (:mod:`tests.conformance.examples_api`).

The specification's examples also contain mistakes; each one is made here, on the temporary
copy, and the test asserts the message that explains it: an operationId differing only in
letter case, a wrong path parameter name, a body field the operation requires left out, a
source that is missing or remote, an operationPath naming a Path Item, a step output read
without ``.outputs``, an RFC 9535 filter on the root, an input key that is not given.

Running the specification's own examples is a developer check, not part of the suite:
``benchmarks/spec_examples.py <examples folder>``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_arazzo.contract.checker import ContractChecker
from pytest_arazzo.document.loader import load_document
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.execute.failures import WorkflowFailure
from pytest_arazzo.plan.planner import ArazzoFile
from tests.conformance.examples_api import (
    ASSERTION,
    DOG,
    INPUTS,
    ITEMS,
    SHOPPER,
    serve_examples,
)
from tests.conformance.harness import Harness
from tests.conformance.server import LoopbackServer

EXAMPLES = Path(__file__).resolve().parent / "examples"
# examples/conftest.py keeps the suite from collecting the originals; copies must not carry it
NOT_COPIED = shutil.ignore_patterns("conftest.py", "__pycache__")
REMOTE_KENNEL = "https://kennel.example.org/openapi/kennel.yaml"
REMOTE_INSTALMENTS = "https://instalments.example.net/v2/openapi.yaml"

# The mistakes of the specification's examples, made on copies of ours: (sound text, mistake).
CASE_MISTAKE = ("$sourceDescriptions.identity.Par\n", "$sourceDescriptions.identity.PAR\n")
PATH_PARAMETER_MISTAKE = (
    "- name: petId\n            in: path",
    "- name: pet_id\n            in: path",
)
MISSING_CLIENT_ID = ("            client_id: $inputs.app_id\n", "")
KENNEL_REMOTE = ("url: ./kennel.openapi.yaml", f"url: {REMOTE_KENNEL}")
INSTALMENTS_REMOTE = ("url: ./instalments.openapi.yaml", f"url: {REMOTE_INSTALMENTS}")


@pytest.fixture
def examples(tmp_path: Path, server: LoopbackServer) -> Path:
    """A fresh copy of the examples folder, and the server answering for their APIs."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target, ignore=NOT_COPIED)
    serve_examples(server)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Make (or undo) one mistake in the temporary copy; fails loudly if the text is gone."""
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name} should contain {old!r} exactly once"
    path.write_text(text.replace(old, new))


@contextmanager
def mistaken(path: Path, old: str, new: str) -> Iterator[Path]:
    """``path`` with one mistake made, restored afterwards."""
    sound = path.read_text()
    edit(path, old, new)
    try:
        yield path
    finally:
        path.write_text(sound)


def run(
    harness: Harness, path: Path, workflow_id: str, *, fail: bool = False, contract: bool = False
) -> Any:
    """Run one workflow of an example file through the Runner against the loopback server
    (with ``contract``, exchanges are checked against the OpenAPI description, as live runs of
    the plugin do); returns the result, or the failure report when ``fail``."""
    file = ArazzoFile(load_document(path, path.name), SourceCache(path.parent))
    plan = file.plan(workflow_id)
    runner = harness.runner()
    if contract:
        runner.exchange_checks = ContractChecker("error").checks()
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
    """Arazzo 1.0.1 § Arazzo Specification (documents and their source descriptions): every
    example file is collected (one item per workflow) and run live against the loopback server;
    with the mistakes of the specification's examples made in some of them, the sound
    workflows pass and the wrong ones fail saying why."""
    folder = pytester.path / "examples"
    shutil.copytree(EXAMPLES, folder, ignore=NOT_COPIED)
    (folder / "greenhouse.openapi.yaml").unlink()
    edit(folder / "pushed-authorization.arazzo.yaml", *CASE_MISTAKE)
    edit(folder / "kennel-login.arazzo.yaml", *KENNEL_REMOTE)
    edit(folder / "instalments.arazzo.yaml", *INSTALMENTS_REMOTE)
    edit(folder / "token-service.arazzo.yaml", *MISSING_CLIENT_ID)
    edit(folder / "treat-vouchers.arazzo.yaml", *PATH_PARAMETER_MISTAKE)
    serve_examples(server)
    inputs_dir = pytester.path / "fixtures" / "inputs"
    inputs_dir.mkdir(parents=True)
    for stem, workflows in INPUTS.items():
        sets = {workflow_id: {"default": values} for workflow_id, values in workflows.items()}
        (inputs_dir / f"{stem}.yaml").write_text(yaml.safe_dump(sets))
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\narazzo_patterns = ["*.arazzo.yaml"]\n')
    result = pytester.runpytest(
        "examples", "--arazzo-live", "--arazzo-server", server.url, "-v", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=4, failed=8)
    result.stdout.fnmatch_lines_random(
        [
            "examples/greenhouse.arazzo.yaml::sow-and-sample FAILED*",
            "examples/pushed-authorization.arazzo.yaml::push-authorize-token FAILED*",
            "examples/kennel-login.arazzo.yaml::log-in-and-list-pets FAILED*",
            "examples/instalments.arazzo.yaml::read-terms FAILED*",
            "examples/instalments.arazzo.yaml::enrol-shopper FAILED*",
            "examples/instalments.arazzo.yaml::checkout-with-instalments FAILED*",
            "examples/token-service.arazzo.yaml::renew-access FAILED*",
            "examples/token-service.arazzo.yaml::machine-grant PASSED*",
            "examples/token-service.arazzo.yaml::code-grant PASSED*",
            "examples/treat-vouchers.arazzo.yaml::redeem-voucher FAILED*",
            "examples/treat-vouchers.arazzo.yaml::buy-any-available PASSED*",
            "examples/treat-vouchers.arazzo.yaml::order-pet PASSED*",
            # a source description pointing at a file that is not there
            "*source 'greenhouse' points at ./greenhouse.openapi.yaml, but "
            "examples/greenhouse.openapi.yaml does not exist",
            # an operationId differing from the OpenAPI's only in letter case
            "*operationId 'PAR' is not in source 'identity'*",
            "*did you mean 'Par'? (differs only in letter case)",
            # sources on the web without a stored copy (replay never downloads them)
            f"*source 'kennel' is remote ({REMOTE_KENNEL})*",
            f"*source 'instalments' is remote ({REMOTE_INSTALMENTS})*",
            # the refresh request leaves out client_id, which the operation's request body
            # schema requires (the OpenAPI contract check says so)
            "*at step 'renew'*",
            "*request body at $: 'client_id' is a required property",
            # path parameter 'pet_id' for /shop/pets/{petId}/vouchers
            "*needs path parameter 'petId', which step 'find-vouchers' does not give*",
        ]
    )


# -- Parameter Object: workflow-level (extended) parameters ----------------------------------


def test_spec_examples__extended_parameters(examples: Path, harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object `parameters`, § Parameter Object `in`, § Reusable Object:
    (1) a Source Description Object whose `url` names a missing file fails the run, saying so;
    (2) with the file there, workflow-level cookie and header parameters reach every step,
    merged with the step's own cookie; the reusable query parameter is sent with the step's
    value override; the POST carries a Content-Type although it has no body."""
    path = examples / "greenhouse.arazzo.yaml"
    description = examples / "greenhouse.openapi.yaml"
    kept = description.read_text()
    description.unlink()
    report = run(harness, path, "sow-and-sample", fail=True)
    assert (
        "source 'greenhouse' points at ./greenhouse.openapi.yaml, but greenhouse.openapi.yaml "
        "does not exist"
    ) in report
    assert harness.server.requests == []

    description.write_text(kept)
    result = run(harness, path, "sow-and-sample")
    assert result.outputs == {"bed": {"bed": 3, "species": "fern"}}
    post, get = harness.server.requests
    assert (post.method, post.path, get.path) == (
        "POST",
        "/greenhouse/beds",
        "/greenhouse/beds/random",
    )
    assert post.cookies == {"visitorPass": "day-ticket", "keeperBadge": "GREEN-THUMB"}
    assert get.cookies == {"visitorPass": "day-ticket"}
    assert post.header("X-Greenhouse-Zone") == get.header("X-Greenhouse-Zone") == "tropical"
    assert get.args == {"season": "spring"}
    assert post.header("content-type") == "application/json" and post.body == b""


# -- pushed authorization request --------------------------------------------------------------


def test_spec_examples__pushed_authorization(examples: Path, harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object `operationId`, § Request Body Object, § Parameter Object:
    (1) `$sourceDescriptions.identity.PAR` differs in case from the OpenAPI's `Par`: nothing is
    sent, and the message suggests the right spelling; (2) as written, it runs: the
    `content`-described query parameter is sent as JSON, the input object is sent as a form
    body, the JSON text payload is sent as JSON, the 302 is the expected status."""
    path = examples / "pushed-authorization.arazzo.yaml"
    with mistaken(path, *CASE_MISTAKE):
        report = run(harness, path, "push-authorize-token", fail=True)
    assert "operationId 'PAR' is not in source 'identity'" in report
    assert "did you mean 'Par'? (differs only in letter case)" in report
    assert harness.server.requests == []

    result = run(harness, path, "push-authorize-token")
    assert result.outputs == {"tokens": {"access_token": "id-at-7", "token_type": "Bearer"}}
    push, authorize, token = harness.server.requests
    assert push.args["client_id"] == "app-7"
    assert push.args["client_assertion"] == json.dumps(ASSERTION, separators=(",", ":"))
    assert push.header("content-type") == "application/x-www-form-urlencoded"
    assert (
        push.form() == INPUTS["pushed-authorization"]["push-authorize-token"]["authorization_form"]
    )
    assert authorize.args == {"request_uri": "urn:id:par:7", "client_id": "app-7"}
    assert token.json() == {
        "grant_type": "authorization_code",
        "code": "code-7",
        "redirect_uri": "https://app.example.org/back",
        "code_verifier": "pkce-verifier-7",
    }


# -- log in, then list pets ----------------------------------------------------------------------


def test_spec_examples__login_and_list_pets(examples: Path, harness: Harness) -> None:
    """Arazzo 1.0.1 § Source Description Object `url`, § Step Object `operationPath`:
    (1) a remote source without a stored copy fails the run with the command that fetches
    it; (2) an
    operationPath naming a Path Item (no `/get`) is refused, naming the method to add; (3) as
    written, it runs: the token the login answered in a response header is sent as the
    Authorization header of the next request."""
    path = examples / "kennel-login.arazzo.yaml"
    with mistaken(path, *KENNEL_REMOTE):
        report = run(harness, path, "log-in-and-list-pets", fail=True)
    assert f"source 'kennel' is remote ({REMOTE_KENNEL})" in report
    assert "has no stored copy" in report
    assert "pytest kennel-login.arazzo.yaml --arazzo-check --arazzo-fetch-sources" in report

    with mistaken(path, "#/paths/~1kennel~1pets/get'", "#/paths/~1kennel~1pets'"):
        report = run(harness, path, "log-in-and-list-pets", fail=True)
    assert "operationPath '{$sourceDescriptions.kennel.url}#/paths/~1kennel~1pets'" in report
    assert "no operation at #/paths/~1kennel~1pets" in report
    assert "is a Path Item, not an operation: add the method, e.g. #/paths/~1kennel~1pets/get" in (
        report
    )
    assert harness.server.requests == []

    result = run(harness, path, "log-in-and-list-pets")
    assert result.outputs == {"pets": [DOG], "expires": "2031-06"}
    listing = harness.server.received("GET", "/kennel/pets")[-1]
    assert listing.header("authorization") == "kennel-s-1"
    assert listing.args == {"status": "available"}
    assert harness.server.received("GET", "/kennel/session")[-1].args == {
        "handle": "grace",
        "secret": "hunter2",
    }


# -- OAuth grants ---------------------------------------------------------------------------------


def test_spec_examples__oauth_refresh_uses_callee_outputs(examples: Path, harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object `workflowId` and `outputs` ("$outputs" of the called
    workflow): `renew-access` runs `code-grant` as a step, maps its `$outputs.refresh_token`
    into its own step output, and sends it in the refresh form body."""
    result = run(harness, examples / "token-service.arazzo.yaml", "renew-access")
    assert result.outputs == {
        "access_token": "at-refresh_token",
        "refresh_token": "rt-1",
        "expires_in": 900,
    }
    assert harness.server.received("GET", "/sso/authorize")[0].args["state"] == "xyz-42"
    grants = [request.form() for request in harness.server.received("POST", "/sso/token")]
    assert grants[0]["grant_type"] == "authorization_code" and grants[0]["code"] == "code-1"
    assert grants[1] == {
        "grant_type": "refresh_token",
        "client_id": "app-1",
        "refresh_token": "rt-1",
    }


def test_spec_examples__oauth_refresh_without_required_field(
    examples: Path, harness: Harness
) -> None:
    """Arazzo 1.0.1 § Request Body Object `payload` against the OpenAPI request body: the
    refresh leaves out `client_id`, which the operation's schema requires; with the contract
    checked (as live runs do), the step fails saying which property is missing."""
    path = examples / "token-service.arazzo.yaml"
    with mistaken(path, *MISSING_CLIENT_ID):
        report = run(harness, path, "renew-access", fail=True, contract=True)
    assert "at step 'renew'" in report
    assert "request body at $: 'client_id' is a required property" in report


# -- pet-shop vouchers ----------------------------------------------------------------------------


def test_spec_examples__pet_vouchers(examples: Path, harness: Harness) -> None:
    """Arazzo 1.0.1 § Parameter Object `name` (must match the operation's), § Criterion Object
    (jsonpath, regex), § Reusable Object: (1) path parameter `pet_id` for
    `/shop/pets/{petId}/vouchers` means the request cannot be built; (2) `buy-any-available`
    runs: reusable parameters with value overrides, a workflowId step whose `$statusCode` is
    the callee's last response, absent optional inputs left out of the payload; (3) as
    written, `redeem-voucher` runs with the voucher checked by a regex criterion."""
    path = examples / "treat-vouchers.arazzo.yaml"
    with mistaken(path, *PATH_PARAMETER_MISTAKE):
        report = run(harness, path, "redeem-voucher", fail=True)
    assert "at step 'find-vouchers'" in report
    assert (
        "cannot build the request: path: /shop/pets/{petId}/vouchers needs path parameter "
        "'petId', which the step does not give (it gives path parameter 'pet_id')"
    ) in report

    result = run(harness, path, "buy-any-available")
    assert result.outputs == {"bought_order_id": 77}
    find = harness.server.received("GET", "/shop/pets/by-status")[-1]
    assert find.query == [("status", "available"), ("page", "1"), ("pageSize", "10")]
    assert harness.server.received("POST", "/shop/orders")[-1].json() == {
        "petId": 1,
        "status": "placed",
        "complete": False,
    }

    result = run(harness, path, "redeem-voucher")
    assert result.outputs == {"redeemed_order_id": 77}
    assert harness.server.received("GET", "/shop/pets/by-tags")[-1].query == [
        ("tags", "terrier"),
        ("tags", "small"),
    ]
    assert harness.server.received("GET", "/shop/pets/10/vouchers")
    assert harness.server.received("POST", "/shop/orders")[-1].json()["voucherCode"] == "TREAT10"


# -- buy now, pay later ---------------------------------------------------------------------------


def test_spec_examples__instalments(examples: Path, harness: Harness) -> None:
    """Arazzo 1.0.1 § Workflow Object `dependsOn`, § Step Object `workflowId`, § Success
    Action Object (goto, end), § Runtime Expressions: (1) a remote source; (2) a workflow
    output `$steps.read-plan.plan` lacking `.outputs` is refused before any request; (3)
    `$[?count(@.eligible) > 0]` selects nothing on the object body (RFC 9535), so the run
    silently takes `nothing-qualifies`: a warning says why; (4) a payload reading
    `$inputs.shopper#/uri`, which a new shopper does not have, fails saying so; (5) as written,
    the terms are read first, the shopper is enrolled by the other workflow, and the plan is
    approved then read."""
    path = examples / "instalments.arazzo.yaml"
    workflow = "checkout-with-instalments"
    with mistaken(path, *INSTALMENTS_REMOTE):
        report = run(harness, path, workflow, fail=True)
    assert f"source 'instalments' is remote ({REMOTE_INSTALMENTS})" in report

    with mistaken(path, "plan: $steps.read-plan.outputs.plan", "plan: $steps.read-plan.plan"):
        report = run(harness, path, workflow, fail=True)
    assert (
        f"workflow '{workflow}' outputs/plan: invalid runtime expression '$steps.read-plan.plan'"
    ) in report
    assert "did you mean '$steps.read-plan.outputs.plan'?" in report
    assert harness.server.requests == []

    with (
        mistaken(path, "condition: $.eligible[*]", "condition: $[?count(@.eligible) > 0]"),
        pytest.warns(UserWarning, match="action 'items-qualify' did not apply"),
    ):
        result = run(harness, path, workflow)
    assert [record.render() for record in result.trace] == [
        "workflow:read-terms ok",
        "check-basket 200 ok (onSuccess 'nothing-qualifies': end)",
    ]
    assert (
        "a filter `$[?...]` selects children of the root, not the root itself"
        in (result.warnings[0])
    )
    assert harness.server.received("POST", "/instalments/v2/basket-checks")[0].json() == {
        "shopper": SHOPPER,
        "items": ITEMS,
    }
    assert harness.server.received("POST", "/instalments/v2/shoppers") == []

    with mistaken(
        path, '"shopper": "{$steps.enrol.outputs.link}"', '"shopper": "{$inputs.shopper#/uri}"'
    ):
        report = run(harness, path, workflow, fail=True)
    assert "at step 'open-plan'" in report
    assert "cannot build the request: requestBody.payload: $inputs.shopper#/uri" in report
    assert "no key 'uri'" in report

    harness.server.requests.clear()
    result = run(harness, path, workflow)
    assert result.outputs == {
        "plan": {"planId": "p-1", "instalments": 3},
        "approvalPage": "https://pay.example/ok",
    }
    assert [record.render() for record in result.trace] == [
        "workflow:read-terms ok",
        "check-basket 200 ok (onSuccess 'items-qualify': goto)",
        "workflow:enrol-shopper ok",
        "enrol 201 ok (workflow enrol-shopper)",
        "open-plan 202 ok (onSuccess 'approval-needed': goto)",
        "approve 302 ok",
        "read-plan 200 ok",
    ]
    assert [(request.method, request.path) for request in harness.server.requests] == [
        ("GET", "/instalments/v2/terms"),
        ("POST", "/instalments/v2/basket-checks"),
        ("POST", "/instalments/v2/shoppers"),
        ("POST", "/instalments/v2/plans"),
        ("GET", "/instalments/v2/approvals"),
        ("GET", "/instalments/v2/plans/p-1"),
    ]
    enrol, plan = harness.server.requests[2], harness.server.requests[3]
    assert enrol.json() == {**SHOPPER, "termsAccepted": True}
    assert plan.json() == {
        "shopper": "/shoppers/s-1",
        "items": ITEMS,
        "termsVersion": "terms-2024-05",
    }
    assert harness.server.requests[4].args == {"token": "ok-1"}


def test_spec_examples__originals_untouched() -> None:
    """The tests edit copies only: every example in the checkout is the sound version."""
    assert CASE_MISTAKE[0] in (EXAMPLES / "pushed-authorization.arazzo.yaml").read_text()
    assert KENNEL_REMOTE[0] in (EXAMPLES / "kennel-login.arazzo.yaml").read_text()
    assert INSTALMENTS_REMOTE[0] in (EXAMPLES / "instalments.arazzo.yaml").read_text()
    assert MISSING_CLIENT_ID[0] in (EXAMPLES / "token-service.arazzo.yaml").read_text()
    assert PATH_PARAMETER_MISTAKE[0] in (EXAMPLES / "treat-vouchers.arazzo.yaml").read_text()
    assert (EXAMPLES / "greenhouse.openapi.yaml").is_file()
