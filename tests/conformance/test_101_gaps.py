"""The last Arazzo 1.0.1 gaps, end to end: where the specification text and the 1.0 JSON Schema
disagree, the text wins (§ Payload Replacement Object `value`, § Reusable Object added fields);
JSON text payloads keep their text (§ Request Body Object); a source without `url` is reported
once (§ Source Description Object). Each test runs a real workflow against the loopback server
and asserts the bytes sent, and the static checks of the same file.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_arazzo.checks import check_file
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance_1_1.harness11 import OK, arazzo11

INPUTS = {
    "type": "object",
    "properties": {
        "pet_id": {"type": "integer"},
        "name": {"type": "string"},
        "owner": {"type": "object"},
        "tags": {"type": "array"},
        "coupon": {"type": "string"},
    },
}


def _problems(harness: Harness, document: dict[str, Any]) -> list[str]:
    """The static checks of ``document`` (as ``--arazzo-check`` reports them), rendered."""
    return [found.render() for found in check_file(harness.file(document))]


def _one_request(harness: Harness, document: dict[str, Any], **inputs: Any) -> bytes:
    harness.server.route("*", ".*", {})
    harness.run(document, inputs=inputs)
    assert len(harness.server.requests) == 1
    return harness.server.requests[0].body


# -- § Payload Replacement Object: value is Any | {expression} -----------------------------------


@pytest.mark.parametrize("make", [arazzo, arazzo11], ids=["1.0.1", "1.1.0"])
def test_payload_replacement_object__value_may_be_any_json_value(
    harness: Harness, make: Any
) -> None:
    """Arazzo 1.0.1 § Payload Replacement Object `value`: "Any | {expression}" (its example is
    `value: 10`). The 1.0 JSON Schema says `type: string`; the text wins: numbers, booleans,
    null, lists and objects are no AZ103, and each is sent with its JSON type."""
    body = {
        "contentType": "application/json",
        "payload": {"quantity": 1, "complete": False, "tags": [], "owner": {}, "note": "x"},
        "replacements": [
            {"target": "/quantity", "value": 10},
            {"target": "/complete", "value": True},
            {"target": "/tags", "value": ["a", 2]},
            {"target": "/owner", "value": {"id": 7, "name": "$inputs.name"}},
            {"target": "/note", "value": None},
        ],
    }
    step = {"stepId": "s", "operationId": "createPet", "requestBody": body, "successCriteria": OK}
    document = make(workflow("w", [step], inputs=INPUTS))
    assert _problems(harness, document) == []
    sent = _one_request(harness, document, name="Rex")
    assert sent == (
        b'{"quantity":10,"complete":true,"tags":["a",2],"owner":{"id":7,"name":"Rex"},"note":null}'
    )


# -- § Request Body Object: a JSON text payload keeps its text --------------------------------


def test_request_body_object__json_text_quoted_placeholder_is_a_string(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object "JSON Templated Example" (`"petId":
    "{$inputs.pet_id}"`): the payload is text, so a placeholder inside a JSON string puts the
    value's text into that string: the number 42 is sent as the string "42", an object or a
    list as its JSON text, a string with quotes escaped; an absent optional input that is a
    whole string leaves its entry out."""
    payload = (
        '{"petId": "{$inputs.pet_id}", "name": "{$inputs.name}", "owner": "{$inputs.owner}", '
        '"tags": "{$inputs.tags}", "coupon": "{$inputs.coupon}", "label": "pet {$inputs.pet_id}"}'
    )
    body = {"contentType": "application/json", "payload": payload}
    step = {"stepId": "s", "operationId": "createPet", "requestBody": body, "successCriteria": OK}
    document = arazzo(workflow("w", [step], inputs=INPUTS))
    sent = _one_request(
        harness, document, pet_id=42, name='Rex "the" \\ dog', owner={"id": 1}, tags=["a"]
    )
    assert sent == (
        b'{"petId":"42","name":"Rex \\"the\\" \\\\ dog","owner":"{\\"id\\":1}",'
        b'"tags":"[\\"a\\"]","label":"pet 42"}'
    )


def test_request_body_object__json_text_unquoted_placeholder_is_json(harness: Harness) -> None:
    """Arazzo 1.0.1 § Request Body Object "JSON Templated Example": a placeholder outside a JSON
    string puts the value's text in as JSON (`{$inputs.pet_id}` is the number 42, a list is a
    list), while a quoted one in the same text stays a string, escaped; the text is JSON only
    after substitution, and is sent as it reads."""
    payload = (
        '{"petId": {$inputs.pet_id}, "ref": "{$inputs.pet_id}", "tags": {$inputs.tags}, '
        '"name": "{$inputs.name}", "literal": "{not a placeholder}"}'
    )
    body = {"contentType": "application/json", "payload": payload}
    step = {"stepId": "s", "operationId": "createPet", "requestBody": body, "successCriteria": OK}
    document = arazzo(workflow("w", [step], inputs=INPUTS))
    sent = _one_request(harness, document, pet_id=42, tags=["a", 1], name='say "hi"')
    assert sent == (
        b'{"petId": 42, "ref": "42", "tags": ["a",1], "name": "say \\"hi\\"", '
        b'"literal": "{not a placeholder}"}'
    )
    assert harness.server.requests[0].header("content-type") == "application/json"


# -- § Reusable Object: added properties MUST be ignored --------------------------------------

COMPONENTS = {
    "parameters": {"page": {"name": "limit", "in": "query", "value": 1}},
    "successActions": {"done": {"name": "done", "type": "end"}},
}


def _reusable_document(make: Any, parameter: dict[str, Any]) -> dict[str, Any]:
    steps = [
        {
            "stepId": "list",
            "operationId": "listPets",
            "parameters": [parameter],
            "successCriteria": OK,
            "onSuccess": [{"reference": "$components.successActions.done", "x-why": "enough"}],
        },
        {"stepId": "never", "operationId": "health", "successCriteria": OK},
    ]
    return make(workflow("w", steps), components=COMPONENTS)


@pytest.mark.parametrize("make", [arazzo, arazzo11], ids=["1.0.1", "1.1.0"])
def test_reusable_object__added_fields_are_ignored(harness: Harness, make: Any) -> None:
    """Arazzo 1.0.1 § Reusable Object: "This object cannot be extended with additional
    properties and any properties added MUST be ignored". `in: header` and `x-note` next to
    `reference` are no AZ102: the parameter is sent where its component says (the query), with
    the Reusable Object's `value`, and the action's `x-why` changes nothing (the workflow ends
    after the first step). The check only says that `in` is ignored (info AZ217)."""
    parameter = {
        "reference": "$components.parameters.page",
        "in": "header",
        "x-note": "hi",
        "value": 2,
    }
    document = _reusable_document(make, parameter)
    assert _problems(harness, document) == [
        "main.arazzo.yaml:16:7: info AZ217: 'in' in parameter #1 of step 'list' is ignored: a "
        "Reusable Object has only 'reference' and 'value' (Arazzo 1.0.1 § Reusable Object: added "
        "properties MUST be ignored)\n"
        "    hint: drop it: the location comes from the component the reference names",
    ]
    harness.server.route("*", ".*", {})
    harness.run(document)
    [request] = harness.server.requests
    assert (request.method, request.path, request.raw_query) == ("GET", "/pets", "limit=2")
    assert request.header("limit") is None


def test_reusable_object__misspelled_value_is_a_warning(harness: Harness) -> None:
    """Arazzo 1.0.1 § Reusable Object: a misspelled `value` is ignored like any added field, so
    the component's own value is sent; the check warns with a did-you-mean (AZ217)."""
    parameter = {"reference": "$components.parameters.page", "valeu": 2}
    document = _reusable_document(arazzo, parameter)
    assert _problems(harness, document) == [
        "main.arazzo.yaml:16:7: warning AZ217: 'valeu' in parameter #1 of step 'list' is "
        "ignored: a Reusable Object has only 'reference' and 'value' (Arazzo 1.0.1 § Reusable "
        "Object: added properties MUST be ignored)\n    hint: did you mean 'value'?",
    ]
    harness.server.route("*", ".*", {})
    harness.run(document)
    assert [request.raw_query for request in harness.server.requests] == ["limit=1"]


# -- § Source Description Object: url is REQUIRED ---------------------------------------------


def _sourced(source: dict[str, Any], make: Any = arazzo) -> dict[str, Any]:
    step = {"stepId": "s", "operationId": "listPets", "successCriteria": OK}
    document: dict[str, Any] = make(workflow("w", [step]), sources=[source])
    return document


@pytest.mark.parametrize("make", [arazzo, arazzo11], ids=["1.0.1", "1.1.0"])
def test_source_description_object__missing_url_is_reported_once(
    harness: Harness, make: Any
) -> None:
    """Arazzo 1.0.1 § Source Description Object `url` (REQUIRED): a source without it is
    reported once, at its line (AZ101), by the checks and by the run; nothing tries to read the
    Arazzo file's folder as the source ("a directory, not a regular file"), nothing is sent."""
    document = _sourced({"name": "pets", "type": "openapi"}, make)
    expected = "main.arazzo.yaml:6:3: error AZ101: missing required field 'url' in source "
    expected += "description 'pets'"
    assert _problems(harness, document) == [expected]
    report = harness.fail(document)
    assert report.count("AZ101") == 1 and expected in report
    assert "directory" not in report
    assert harness.server.requests == []


def test_source_description_object__misspelled_or_empty_url(harness: Harness) -> None:
    """Arazzo 1.0.1 § Source Description Object `url`: a misspelled key says so (AZ101 with a
    hint); an empty url (or one that is not a string) is one problem at the url's line, never
    a read of the folder."""
    misspelled = _sourced({"name": "pets", "URL": "./pets.openapi.yaml"})
    assert _problems(harness, misspelled) == [
        "main.arazzo.yaml:6:3: error AZ101: missing required field 'url' in source description "
        "'pets'\n    hint: is it misspelled as 'URL'? (differs only in letter case)",
        "main.arazzo.yaml:7:3: error AZ102: 'URL' is not an allowed field in source description "
        "'pets' (allowed: name, url, type)\n    hint: did you mean 'url'? (differs only in letter "
        "case)",
    ]
    empty = _sourced({"name": "pets", "url": ""})
    assert _problems(harness, empty) == [
        "main.arazzo.yaml:7:3: error AZ201: source description 'pets' has an empty url, so "
        "there is nothing to load\n    hint: set url to the OpenAPI (or Arazzo) file, relative "
        "to the Arazzo file",
    ]
    number = _sourced({"name": "pets", "url": 5})
    assert _problems(harness, number) == [
        "main.arazzo.yaml:7:3: error AZ103: 'url' in source description 'pets' must be a "
        "string, got an integer (5)\n    hint: quote the value in YAML so that it stays text, "
        "e.g. '1.0'",
    ]


def test_reusable_object__in_action_parameters_of_arazzo_11(harness: Harness) -> None:
    """Arazzo 1.1.0 § Reusable Object (unchanged: "any properties added MUST be ignored") in
    the `parameters` of a Success Action Object (new in 1.1): `in` and `x-a` are no AZ102, the
    goto passes the component's value as the target workflow's input."""
    go = {
        "name": "go",
        "type": "goto",
        "workflowId": "other",
        "parameters": [{"reference": "$components.parameters.page", "in": "query", "x-a": 1}],
    }
    steps = [{"stepId": "a", "operationId": "health", "successCriteria": OK, "onSuccess": [go]}]
    target_step = {
        "stepId": "b",
        "operationId": "listPets",
        "parameters": [{"name": "limit", "in": "query", "value": "$inputs.limit"}],
        "successCriteria": OK,
    }
    limit = {"type": "object", "properties": {"limit": {"type": "integer"}}}
    document = arazzo11(
        [workflow("w", steps), workflow("other", [target_step], inputs=limit)],
        components={"parameters": {"page": {"name": "limit", "value": 3}}},
    )
    assert _problems(harness, document) == [
        "main.arazzo.yaml:22:9: info AZ217: 'in' in parameter #1 of success action 'go' is "
        "ignored: a Reusable Object has only 'reference' and 'value' (Arazzo 1.0.1 § Reusable "
        "Object: added properties MUST be ignored)\n"
        "    hint: drop it: the location comes from the component the reference names",
    ]
    harness.server.route("*", ".*", {})
    harness.run(document)
    sent = [(r.method, r.path, r.raw_query) for r in harness.server.requests]
    assert sent == [("GET", "/health", ""), ("GET", "/pets", "limit=3")]
