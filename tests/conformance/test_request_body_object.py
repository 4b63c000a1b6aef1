"""Arazzo 1.0.1 § Request Body Object and § Payload Replacement Object, end to end: content
types from the step or the operation, object/string/template payloads, replacements, JSON, form,
multipart, text and XML bodies, and a Content-Type on every POST/PUT/PATCH.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Request

INPUTS = {
    "type": "object",
    "properties": {
        "pet_id": {"type": "integer"},
        "coupon": {"type": "string"},
        "quantity": {"type": "integer"},
        "owner": {"type": "object"},
        "order": {"type": "object"},
        "note": {"type": "string"},
    },
}


def _send(harness: Harness, operation: str, body: dict[str, Any] | None, **inputs: Any) -> Request:
    harness.server.route("*", ".*", {})
    step: dict[str, Any] = {"stepId": "s", "operationId": operation}
    if body is not None:
        step["requestBody"] = body
    harness.run(arazzo(workflow("w", [step], inputs=INPUTS)), inputs=inputs)
    assert len(harness.server.requests) == 1
    return harness.server.requests[0]


def test_request_body_object__json_object_payload_with_content_type_from_operation(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Request Body Object contentType: "If omitted then refer to Content-Type
    specified at the targeted operation"; "JSON Object Example" (absent inputs left out)."""
    body = {
        "payload": {
            "petOrder": {
                "petId": "$inputs.pet_id",
                "couponCode": "$inputs.coupon",
                "quantity": "$inputs.quantity",
                "status": "placed",
                "complete": False,
            }
        }
    }
    request = _send(harness, "createPet", body, pet_id=7, quantity=2)
    assert request.header("content-type") == "application/json"
    assert request.json() == {
        "petOrder": {"petId": 7, "quantity": 2, "status": "placed", "complete": False}
    }


def test_request_body_object__json_templated_string_keeps_its_text(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object "JSON Templated Example": the payload is text, so a
    JSON string value that is exactly one `{$...}` is the value's text, a string ("7"), and an
    object its JSON text (more in test_101_gaps.py)."""
    payload = """
    {
      "petOrder": {
        "petId": "{$inputs.pet_id}",
        "couponCode": "{$inputs.coupon}",
        "quantity": "{$inputs.quantity}",
        "owner": "{$inputs.owner}",
        "label": "order of {$inputs.quantity}",
        "status": "placed",
        "complete": false
      }
    }
    """
    body = {"contentType": "application/json", "payload": payload}
    request = _send(
        harness, "createPet", body, pet_id=7, coupon="SAVE", quantity=2, owner={"id": 1}
    )
    assert request.json() == {
        "petOrder": {
            "petId": "7",
            "couponCode": "SAVE",
            "quantity": "2",
            "owner": '{"id":1}',
            "label": "order of 2",
            "status": "placed",
            "complete": False,
        }
    }


def test_request_body_object__non_json_template_must_give_json(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object: a JSON text template that is not JSON until its
    expressions are substituted works when the result is JSON, and fails clearly otherwise."""
    body = {"contentType": "application/json", "payload": '{"quantity": {$inputs.quantity}}'}
    assert _send(harness, "createPet", body, quantity=3).json() == {"quantity": 3}
    harness.server.requests.clear()
    broken = {"contentType": "application/json", "payload": '{"note": {$inputs.note}}'}
    step = {"stepId": "s", "operationId": "createPet", "requestBody": broken}
    report = harness.fail(arazzo(workflow("w", [step], inputs=INPUTS)), inputs={"note": "hi"})
    assert "the JSON text payload is not valid JSON" in report
    assert "'{\"note\": hi}'" in report
    assert harness.server.requests == []


def test_request_body_object__complete_runtime_expression_payload(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object "Complete Runtime Expression": `payload:
    $inputs.petOrderRequest`."""
    order = {"petId": 1, "items": [1, 2]}
    request = _send(harness, "createPet", {"payload": "$inputs.order"}, order=order)
    assert request.json() == order


def test_payload_replacement_object__json_pointer_targets(harness: Harness) -> None:
    """Arazzo 1.0.1 § Payload Replacement Object: "target: A JSON Pointer ... value: a constant
    or a Runtime Expression" (also into a JSON text payload, and with ~1 escapes)."""
    body = {
        "payload": {"petId": 0, "quantity": 1, "tags": ["a"], "meta": {"a/b": None}},
        "replacements": [
            {"target": "/petId", "value": "$inputs.pet_id"},
            {"target": "/quantity", "value": 10},
            {"target": "/tags/-", "value": "b"},
            {"target": "/meta/a~1b", "value": "$inputs.owner"},
        ],
    }
    request = _send(harness, "createPet", body, pet_id=9, owner={"id": 2})
    assert request.json() == {
        "petId": 9,
        "quantity": 10,
        "tags": ["a", "b"],
        "meta": {"a/b": {"id": 2}},
    }
    harness.server.requests.clear()
    text = {"payload": '{"petId": 0}', "replacements": [{"target": "/petId", "value": 5}]}
    assert _send(harness, "createPet", text).json() == {"petId": 5}


def test_payload_replacement_object__bad_target_is_named(harness: Harness) -> None:
    """Arazzo 1.0.1 § Payload Replacement Object: a target that does not resolve against the
    body fails the step before sending, naming the target."""
    body = {"payload": {"pet": {}}, "replacements": [{"target": "/owner/id", "value": 1}]}
    step = {"stepId": "s", "operationId": "createPet", "requestBody": body}
    report = harness.fail(arazzo(workflow("w", [step])))
    assert "requestBody.replacements '/owner/id'" in report and "no key 'owner'" in report
    assert harness.server.requests == []


def test_request_body_object__form_urlencoded_nested_and_per_field_encoding(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Request Body Object "Form Data Example": objects become form fields;
    nested values use brackets unless the OpenAPI `encoding` gives a field a style."""
    harness.openapi["paths"]["/login"]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"
    ]["encoding"] = {"scope": {"style": "form", "explode": False}, "ids": {"explode": True}}
    payload = {
        "client_id": "$inputs.coupon",
        "scope": ["read", "write"],
        "ids": [1, 2],
        "metadata": {"order": 7, "a b": "x&y"},
        "flag": True,
    }
    request = _send(harness, "login", {"payload": payload}, coupon="c&1")
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    assert parse_qsl(request.text) == [
        ("client_id", "c&1"),
        ("scope", "read,write"),
        ("ids", "1"),
        ("ids", "2"),
        ("metadata[order]", "7"),
        ("metadata[a b]", "x&y"),
        ("flag", "true"),
    ]


def test_request_body_object__form_string_values_are_percent_encoded(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object "Form Data String Example": values embedded in a form
    string are percent-encoded, so they cannot add fields (decision)."""
    body = {
        "contentType": "application/x-www-form-urlencoded",
        "payload": "grant_type=client_credentials&client_secret={$inputs.note}&scope=a%20b",
    }
    request = _send(harness, "login", body, note="s3cr&t=1")
    assert request.form() == {
        "grant_type": "client_credentials",
        "client_secret": "s3cr&t=1",
        "scope": "a b",
    }


def test_request_body_object__form_string_with_repeated_keys_still_encodes_values(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Request Body Object "Form Data String Example": with a repeated key
    (Stripe's `expand[]=a&expand[]=b`) the string cannot be split into distinct fields, and the
    embedded values are still percent-encoded, so they cannot add fields (decision)."""
    body = {
        "contentType": "application/x-www-form-urlencoded",
        "payload": "expand[]=customer&expand[]={$inputs.note}",
    }
    request = _send(harness, "login", body, note="lines&admin=true")
    assert request.text == "expand[]=customer&expand[]=lines%26admin%3Dtrue"
    assert parse_qsl(request.text) == [("expand[]", "customer"), ("expand[]", "lines&admin=true")]


def test_request_body_object__form_string_without_expressions_is_readable_by_pointer(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Runtime Expressions `$request.body#/user/uuid` ("references may be made to
    portions of the requestBody"): a form string payload with no embedded expression is read
    field by field too, like a templated one."""
    harness.server.route("POST", "/login", {"ok": True})
    step = {
        "stepId": "s",
        "operationId": "login",
        "requestBody": {"payload": "grant_type=client_credentials&scope=a%20b"},
        "outputs": {"grant": "$request.body#/grant_type", "scope": "$request.body#/scope"},
    }
    document = arazzo(
        workflow(
            "w",
            [step],
            outputs={"grant": "$steps.s.outputs.grant", "scope": "$steps.s.outputs.scope"},
        )
    )
    result = harness.run(document)
    assert result.outputs == {"grant": "client_credentials", "scope": "a b"}
    assert harness.server.requests[0].text == "grant_type=client_credentials&scope=a%20b"


def test_request_body_object__multipart_form_data(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object: multipart/form-data fields and a file part."""
    payload = {
        "title": "$inputs.note",
        "file": {"filename": "pet.json", "contentType": "application/json", "content": {"id": 1}},
    }
    request = _send(harness, "upload", {"payload": payload}, note="hello")
    content_type = request.header("content-type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'name="title"\r\n\r\nhello' in request.body
    assert b'filename="pet.json"' in request.body and b'{"id": 1}' in request.body


def test_request_body_object__text_plain_template(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object: a string payload with embedded expressions."""
    request = _send(
        harness, "addNote", {"payload": "pet {$inputs.pet_id}: {$inputs.note}"}, pet_id=3, note="ok"
    )
    assert request.header("content-type") == "text/plain"
    assert request.text == "pet 3: ok"


def test_request_body_object__xml_template_and_xpath_replacement(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object "XML Templated Example" and § Payload Replacement
    Object (an XPath target for an XML payload)."""
    payload = (
        "<petOrder><petId>{$inputs.pet_id}</petId><couponCode>{$inputs.coupon}</couponCode>"
        "<quantity>1</quantity><status>placed</status></petOrder>"
    )
    body = {
        "contentType": "application/xml",
        "payload": payload,
        "replacements": [
            {"target": "/petOrder/quantity", "value": "$inputs.quantity"},
            {"target": "/petOrder/@id", "value": "o-1"},
        ],
    }
    request = _send(harness, "placeXmlOrder", body, pet_id=4, coupon="C", quantity=5)
    assert request.header("content-type") == "application/xml"
    assert request.text == (
        '<petOrder id="o-1"><petId>4</petId><couponCode>C</couponCode>'
        "<quantity>5</quantity><status>placed</status></petOrder>"
    )


@pytest.mark.parametrize("operation", ["ping", "putPing", "patchPing"])
def test_request_body_object__post_put_patch_always_carry_a_content_type(
    harness: Harness, operation: str
) -> None:
    """Arazzo 1.0.1 § Step Object requestBody ("fully supported in ... POST, PUT, and PATCH"):
    decision: those methods always send a Content-Type, even with no payload."""
    request = _send(harness, operation, None)
    assert request.header("content-type") == "application/json"
    assert request.body == b""


def test_request_body_object__get_without_body_has_no_content_type(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object requestBody: GET without a request body sends none."""
    request = _send(harness, "health", None)
    assert request.header("content-type") is None


def test_request_body_object__explicit_content_type_wins(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object contentType given on the step."""
    body = {"contentType": "application/vnd.pet+json; charset=utf-8", "payload": {"a": 1}}
    request = _send(harness, "createPet", body)
    assert request.header("content-type") == "application/vnd.pet+json; charset=utf-8"
    assert json.loads(request.body) == {"a": 1}
