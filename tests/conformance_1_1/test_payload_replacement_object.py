"""Arazzo 1.1.0 § Payload Replacement Object `targetSelectorType`: the `target` read as a JSON
Pointer, a JSONPath (every selected node replaced) or an XPath, by type or Expression Type Object;
the defaults by content type; invalid targets reported before any request."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_arazzo.checks import check_file
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Reply
from tests.conformance_1_1.harness11 import OK, arazzo11

ORDER = {
    "customer": "c0",
    "items": [{"sku": "ABC123", "quantity": 1}, {"sku": "XYZ", "quantity": 1}],
}
ENVELOPE = "<Envelope><Header><CustomerId>0</CustomerId></Header></Envelope>"
CUSTOMER = "<CustomerInfo><Id>C-42</Id></CustomerInfo>"


def _create(replacements: list[dict[str, Any]], payload: Any = None, **body: Any) -> dict[str, Any]:
    return {
        "stepId": "create",
        "operationId": "createPet",
        "successCriteria": OK,
        "requestBody": {
            "payload": ORDER if payload is None else payload,
            "replacements": replacements,
            **body,
        },
    }


def _inventory() -> dict[str, Any]:
    return {
        "stepId": "getInventory",
        "operationId": "listPets",
        "successCriteria": OK,
        "outputs": {"payload": "$response.body"},
    }


def _sent(harness: Harness, steps: list[dict[str, Any]]) -> Any:
    harness.server.route("GET", "/pets", {"newQuantity": 7})
    harness.server.route("POST", "/pets", {})
    harness.server.route("POST", "/xml/orders", {})
    harness.server.route(
        "GET", "/health", Reply(200, CUSTOMER.encode(), {"Content-Type": "application/xml"})
    )
    harness.run(arazzo11(workflow("w", steps)))
    return harness.server.requests[-1]


def test_payload_replacement__jsonpath_example(harness: Harness) -> None:
    """§ Payload Replacement Object "A JSONPath example using an Expression Type Object": target
    `$.items[?(@.sku=='ABC123')].quantity`, `targetSelectorType: jsonpath`, value from a Selector
    Object."""
    replacement = {
        "target": "$.items[?(@.sku=='ABC123')].quantity",
        "targetSelectorType": "jsonpath",
        "value": {
            "context": "$steps.getInventory.outputs.payload",
            "selector": "$.newQuantity",
            "type": "jsonpath",
        },
    }
    sent = _sent(harness, [_inventory(), _create([replacement])]).json()
    assert sent["items"] == [{"sku": "ABC123", "quantity": 7}, {"sku": "XYZ", "quantity": 1}]


def test_payload_replacement__a_jsonpath_target_replaces_every_match(harness: Harness) -> None:
    """§ Payload Replacement Object `target`: "Used to identify the location to inject the
    `value`" — a JSONPath selecting several nodes sets each of them (also through an Expression
    Type Object with the draft's syntax)."""
    replacements = [
        {"target": "$.items[*].quantity", "targetSelectorType": "jsonpath", "value": 3},
        {
            "target": "$..customer",
            "targetSelectorType": {
                "type": "jsonpath",
                "version": "draft-goessner-dispatch-jsonpath-00",
            },
            "value": "c9",
        },
    ]
    sent = _sent(harness, [_create(replacements)]).json()
    assert sent == {
        "customer": "c9",
        "items": [{"sku": "ABC123", "quantity": 3}, {"sku": "XYZ", "quantity": 3}],
    }


def test_payload_replacement__jsonpointer_type(harness: Harness) -> None:
    """§ Payload Replacement Object `targetSelectorType` `jsonpointer` (rfc6901), as a string or
    an Expression Type Object."""
    replacements = [
        {"target": "/customer", "targetSelectorType": "jsonpointer", "value": "c1"},
        {
            "target": "/items/1/quantity",
            "targetSelectorType": {"type": "jsonpointer", "version": "rfc6901"},
            "value": 5,
        },
    ]
    sent = _sent(harness, [_create(replacements)]).json()
    assert sent["customer"] == "c1"
    assert sent["items"][1]["quantity"] == 5


def test_payload_replacement__xpath_example(harness: Harness) -> None:
    """§ Payload Replacement Object "An XPath example using older XPATH 3.0": target
    `/Envelope/Header/CustomerId`, `targetSelectorType: {type: xpath, version: xpath-30}`, value
    a Selector Object on another step's XML."""
    fetch = {
        "stepId": "fetchCustomerData",
        "operationId": "health",
        "successCriteria": OK,
        "outputs": {"xml": "$response.body"},
    }
    xpath30 = {"type": "xpath", "version": "xpath-30"}
    step = {
        "stepId": "order",
        "operationId": "placeXmlOrder",
        "successCriteria": OK,
        "requestBody": {
            "contentType": "application/xml",
            "payload": ENVELOPE,
            "replacements": [
                {
                    "target": "/Envelope/Header/CustomerId",
                    "targetSelectorType": xpath30,
                    "value": {
                        "context": "$steps.fetchCustomerData.outputs.xml",
                        "selector": "/CustomerInfo/Id",
                        "type": xpath30,
                    },
                }
            ],
        },
    }
    sent = _sent(harness, [fetch, step])
    assert sent.text == "<Envelope><Header><CustomerId>C-42</CustomerId></Header></Envelope>"


def test_payload_replacement__omitted_type_is_a_json_pointer_for_json(harness: Harness) -> None:
    """§ Payload Replacement Object: "If `targetSelectorType` is omitted, then: `target` MUST be
    interpreted as JSON Pointer if the payload is `application/json`." A JSONPath-looking target
    is therefore reported (AZ324) with the fix; a pointer works as before."""
    jsonpath = [{"target": "$.items[*].quantity", "value": 2}]
    plan = harness.plan(arazzo11(workflow("w", [_create(jsonpath)])))
    assert [p.code for p in plan.errors] == ["AZ324"]
    assert "targetSelectorType: jsonpath" in plan.errors[0].hint
    sent = _sent(harness, [_create([{"target": "/items/0/quantity", "value": 2}])]).json()
    assert sent["items"][0]["quantity"] == 2


def test_payload_replacement__omitted_type_is_xpath_for_xml(harness: Harness) -> None:
    """§ Payload Replacement Object: "`target` MUST be interpreted as XPath Expression if the
    payload is `application/xml` or another XML-based media type."."""
    step = {
        "stepId": "order",
        "operationId": "placeXmlOrder",
        "successCriteria": OK,
        "requestBody": {
            "contentType": "application/xml",
            "payload": ENVELOPE,
            "replacements": [{"target": "//CustomerId", "value": "C-1"}],
        },
    }
    assert "<CustomerId>C-1</CustomerId>" in _sent(harness, [step]).text


def test_payload_replacement__invalid_targets_are_reported_with_their_line(
    harness: Harness,
) -> None:
    """§ Payload Replacement Object: a target that does not conform to its type ("If `jsonpath`,
    then the `target` expression MUST conform to JSONPath") or an unknown type is found before
    any request, at its line (AZ324, AZ323)."""
    replacements = [
        {"target": "$.items[", "targetSelectorType": "jsonpath", "value": 1},
        {"target": "customer", "targetSelectorType": "jsonpointer", "value": 1},
        {"target": "//a[", "targetSelectorType": "xpath", "value": 1},
        {"target": "/a", "targetSelectorType": "jsonpatch", "value": 1},
        {"target": "/a", "targetSelectorType": {"type": "xpath", "version": "3.1"}, "value": 1},
    ]
    document = arazzo11(workflow("w", [_create(replacements)]))
    plan = harness.plan(document)
    base = "/workflows/0/steps/0/requestBody/replacements"
    assert sorted((p.code, p.where.pointer) for p in plan.errors) == [
        ("AZ323", f"{base}/3/targetSelectorType"),
        ("AZ323", f"{base}/4/targetSelectorType"),
        ("AZ324", f"{base}/0/target"),
        ("AZ324", f"{base}/1/target"),
        ("AZ324", f"{base}/2/target"),
    ]
    problems = [p for p in check_file(harness.file(document)) if p.code in ("AZ323", "AZ324")]
    lines = (harness.dir / "main.arazzo.yaml").read_text().splitlines()
    assert len(problems) == 5
    for problem in problems:
        assert problem.where.line > 0
        assert ("target" in lines[problem.where.line - 1]) or (
            "type" in lines[problem.where.line - 1]
        )
    assert harness.server.requests == []


def test_payload_replacement__a_jsonpath_target_that_selects_nothing_fails(
    harness: Harness,
) -> None:
    """§ Payload Replacement Object: the target "MUST be resolved against the request body": one
    that selects nothing fails the step before sending, naming it and showing the payload."""
    harness.server.route("POST", "/pets", {})
    missing = [
        {
            "target": "$.items[?@.sku == 'NONE'].quantity",
            "targetSelectorType": "jsonpath",
            "value": 1,
        }
    ]
    report = harness.fail(arazzo11(workflow("w", [_create(missing)])))
    assert "$.items[?@.sku == 'NONE'].quantity" in report
    assert "selects nothing in the payload" in report
    assert harness.server.received("POST") == []


def test_payload_replacement__1_0_documents_keep_json_pointer_targets(harness: Harness) -> None:
    """Arazzo 1.0.1 § Payload Replacement Object has no targetSelectorType: a 1.0 document is
    planned as before (no 1.1 target checks), its targets JSON Pointers."""
    plan = harness.plan(arazzo(workflow("w", [_create([{"target": "$.x", "value": 2}])])))
    assert [p.code for p in plan.errors] == []
    harness.server.route("POST", "/pets", {})
    harness.run(arazzo(workflow("w", [_create([{"target": "/customer", "value": "c2"}])])))
    assert harness.server.received("POST")[-1].json()["customer"] == "c2"


def test_payload_replacement__the_xpath_version_is_the_one_applied() -> None:
    """§ Payload Replacement Object `targetSelectorType` with an XPath version: the target is
    evaluated by that version's parser when the payload is built (not only checked when
    planning). `/Envelope/(Header)/CustomerId` is XPath 2.0 or later: XPath 1.0 refuses it."""
    from pytest_arazzo.http.request import BuildError, _replace_xml

    target = "/Envelope/(Header)/CustomerId"
    sent = _replace_xml(ENVELOPE, [(target, "C-7")], "xpath-31")
    assert sent == "<Envelope><Header><CustomerId>C-7</CustomerId></Header></Envelope>"
    with pytest.raises(BuildError, match="invalid XPath"):
        _replace_xml(ENVELOPE, [(target, "C-7")], "xpath-10")
