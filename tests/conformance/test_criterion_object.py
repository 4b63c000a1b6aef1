"""Arazzo 1.0.1 § Criterion Object: simple, regex, jsonpath and xpath criteria on real responses.

Decisions (docs/semantics.md): strings compare case-insensitively; a number and a numeric string
compare as numbers; a value that cannot be resolved is null; a JSONPath query passes when it
selects at least one node (RFC 9535, the context value is the root ``$``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Reply

BODY = {
    "status": "Available",
    "count": 2,
    "pets": [{"id": 1, "name": "Rex", "status": "available"}, {"id": 2, "name": "Tom"}],
    "owner": None,
    "meta": {"next": "/pets?page=2"},
}
XML = "<pets><pet id='1'><name>Rex</name></pet><pet id='2'><name>Tom</name></pet></pets>"


def _run(harness: Harness, criteria: list[dict[str, Any]], *, fail: bool = False) -> Any:
    harness.server.route("GET", "/pets", Reply(200, BODY, {"X-Total": "12"}))
    harness.server.route(
        "GET", "/health", Reply(200, XML.encode(), {"Content-Type": "application/xml"})
    )
    steps = [
        {"stepId": "list", "operationId": "listPets", "successCriteria": criteria},
    ]
    document = arazzo(workflow("w", steps))
    return harness.fail(document) if fail else harness.run(document)


@pytest.mark.parametrize(
    "condition",
    [
        "$statusCode == 200",
        "$statusCode >= 200 && $statusCode < 300",
        "$statusCode == 404 || $statusCode == 200",
        "!($statusCode != 200)",
        "$response.body#/status == 'available'",  # case-insensitive
        "$response.body#/status != 'sold'",
        "$response.header.x-total > 10",  # numeric string vs number
        "$response.header.X-Total == 12",
        "$response.body#/count == 2.0",
        "$response.body#/owner == null",
        "$response.body#/missing == null",  # missing is null
        "$response.body.pets[0].name == 'rex'",  # property and index access
        "$response.body.pets[1]['name'] == 'Tom'",
        "$response.body#/pets/0/id < $response.body#/pets/1/id",
        "$response.body#/meta/next == '/pets?page=2'",
        "'it''s' == 'IT''S'",  # '' escapes a quote
        "true",
    ],
)
def test_criterion_object__simple_conditions_that_hold(harness: Harness, condition: str) -> None:
    """Arazzo 1.0.1 § Criterion Object (simple): literals, operators, grouping, index and
    property access; "String comparisons MUST be case insensitive"."""
    _run(harness, [{"condition": condition}])


@pytest.mark.parametrize(
    ("condition", "shown"),
    [
        ("$statusCode == 201", "$statusCode == 201 with $statusCode = 200"),
        ("$response.body#/count > 5", "$response.body#/count = 2"),
        ("$response.body#/missing != null", "<missing: "),
        ("$response.body#/pets/0/name == 'Tom'", "$response.body#/pets/0/name = 'Rex'"),
        ("$response.body#/owner", "$response.body#/owner = null"),
    ],
)
def test_criterion_object__simple_conditions_that_fail_show_the_values(
    harness: Harness, condition: str, shown: str
) -> None:
    """Arazzo 1.0.1 § Criterion Object: a failed condition fails the step, and the report shows
    the condition with the value each expression had."""
    report = _run(harness, [{"condition": condition}], fail=True)
    assert "success criteria not met" in report
    assert f"criterion failed: {condition}" in report
    assert shown in report


def test_criterion_object__all_criteria_must_hold(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object: "All assertions MUST be satisfied for the step to be deemed
    successful"; only the failing one is reported."""
    report = _run(
        harness,
        [{"condition": "$statusCode == 200"}, {"condition": "$response.body#/count == 3"}],
        fail=True,
    )
    assert "criterion failed: $response.body#/count == 3" in report
    assert "criterion failed: $statusCode" not in report


def test_criterion_object__regex_on_context(harness: Harness) -> None:
    """Arazzo 1.0.1 § Criterion Object (regex): the pattern is applied to the context value."""
    _run(
        harness,
        [
            {"context": "$statusCode", "condition": "^200$", "type": "regex"},
            {"context": "$response.body#/meta/next", "condition": r"page=\d+", "type": "regex"},
        ],
    )
    report = _run(
        harness,
        [{"context": "$response.body#/status", "condition": "^sold$", "type": "regex"}],
        fail=True,
    )
    assert "regex '^sold$' on $response.body#/status = 'Available': no match" in report


def test_criterion_object__jsonpath_rfc9535_nonempty_result_passes(harness: Harness) -> None:
    """Arazzo 1.0.1 § Criterion Object (jsonpath, RFC 9535): the context is the root `$`; a
    query that selects at least one node passes."""
    _run(
        harness,
        [
            {
                "context": "$response.body",
                "condition": "$.pets[?@.status == 'available']",
                "type": "jsonpath",
            },
            {
                "context": "$response.body",
                "condition": "$.pets[?length(@.name) == 3]",
                "type": "jsonpath",
            },
            {"context": "$response.body#/pets", "condition": "$[?@.id == 2]", "type": "jsonpath"},
            {
                "context": "$response.body",
                "condition": "$.pets[?(@.id > 1)]",
                "type": {"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"},
            },
        ],
    )


def test_criterion_object__jsonpath_empty_result_fails(harness: Harness) -> None:
    """Arazzo 1.0.1 § Criterion Object (jsonpath): an empty result fails the criterion."""
    report = _run(
        harness,
        [{"context": "$response.body", "condition": "$.pets[?@.id == 9]", "type": "jsonpath"}],
        fail=True,
    )
    assert "query returned no nodes" in report


def test_criterion_object__jsonpath_spec_example_on_object_fails_with_hint(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Criterion Object "JSONPath Condition Example" `$[?count(@.pets) > 0]`:
    on an object body RFC 9535 filters the root's members, so it selects nothing; the rule is
    kept and the report says what was probably meant."""
    report = _run(
        harness,
        [{"context": "$response.body", "condition": "$[?count(@.pets) > 0]", "type": "jsonpath"}],
        fail=True,
    )
    assert "query returned no nodes" in report
    assert "a filter `$[?...]` selects children of the root, not the root itself" in report
    assert "$.pets[*]" in report


def test_criterion_object__invalid_jsonpath_is_a_plan_error(harness: Harness) -> None:
    """Arazzo 1.0.1 § Criterion Object: "the expression MUST conform to JSONPath (RFC 9535)";
    an invalid query fails before any request."""
    report = _run(
        harness,
        [{"context": "$response.body", "condition": "$.pets[?@.id ==]", "type": "jsonpath"}],
        fail=True,
    )
    assert "AZ302" in report and "step 'list' successCriteria/0/condition" in report
    assert "invalid JSONPath (RFC 9535)" in report
    assert harness.server.requests == []


def _xml_step(criteria: list[dict[str, Any]]) -> dict[str, Any]:
    return {"stepId": "xml", "operationId": "health", "successCriteria": criteria}


def test_criterion_object__xpath_on_xml_body(harness: Harness) -> None:
    """Arazzo 1.0.1 § Criterion Object (xpath): XPath 3.1 by default, or a declared version."""
    harness.server.route(
        "GET", "/health", Reply(200, XML.encode(), {"Content-Type": "application/xml"})
    )
    criteria = [
        {"context": "$response.body", "condition": "/pets/pet[@id='2']/name", "type": "xpath"},
        {"context": "$response.body", "condition": "count(//pet) = 2", "type": "xpath"},
        {
            "context": "$response.body",
            "condition": "//pet[name='Rex']",
            "type": {"type": "xpath", "version": "xpath-10"},
        },
    ]
    harness.run(arazzo(workflow("w", [_xml_step(criteria)])))
    failing = [{"context": "$response.body", "condition": "count(//pet) > 2", "type": "xpath"}]
    report = harness.fail(arazzo(workflow("w", [_xml_step(failing)])))
    assert "criterion failed: xpath 'count(//pet) > 2'" in report
