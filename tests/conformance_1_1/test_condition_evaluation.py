"""Arazzo 1.1.0 § Criterion Object, § Condition Evaluation (normative in 1.1): Simple, Regex,
JSONPath and XPath Conditions, § Evaluation Errors, § Multiple Criteria and § Runtime Expressions
in Conditions, each rule quoted by the test that checks it on a real exchange. Where 1.1 differs
from what pytest-arazzo does for 1.0, a 1.0 document is run too and keeps its meaning."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_arazzo.checks import check_file
from pytest_arazzo.execute.failures import WorkflowFailure
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Reply
from tests.conformance_1_1.harness11 import arazzo11

BODY = {
    "status": "Available",
    "count": 2,
    "total": "10",
    "limit": "9",
    "flag": True,
    "off": False,
    "owner": None,
    "empty": "",
    "data": {"id": 1},
    "pets": [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}],
}
XML = "<root><pets><pet id='1'>Rex</pet><pet id='2'>Tom</pet></pets><none/></root>"
INPUTS = {"type": "object", "properties": {"status": {"type": "string"}, "min": {}}}


def _outcome(
    harness: Harness,
    criteria: list[dict[str, Any]],
    *,
    version: str = "1.1",
    xml: bool = False,
    inputs: dict[str, Any] | None = None,
) -> tuple[bool, str]:
    """Run one step whose response is BODY (or XML) under ``criteria``: passed, and the report."""
    harness.server.route("GET", "/pets", Reply(200, BODY, {"X-Total": "12"}))
    harness.server.route(
        "GET", "/health", Reply(200, XML.encode(), {"Content-Type": "application/xml"})
    )
    step = {
        "stepId": "check",
        "operationId": "health" if xml else "listPets",
        "successCriteria": criteria,
    }
    flow = workflow("w", [step], inputs=INPUTS)
    document = arazzo11(flow) if version == "1.1" else arazzo(flow)
    plan = harness.plan(document)
    assert plan.errors == [], plan.errors
    runner = harness.runner()
    try:
        runner.run(plan, inputs or {})
    except WorkflowFailure as failure:
        return False, failure.render()
    finally:
        runner.transport.close()
    return True, ""


def _passes(harness: Harness, condition: str, **kw: Any) -> bool:
    return _outcome(harness, [{"condition": condition}], **kw)[0]


def _typed(kind: Any, condition: str, context: str = "$response.body") -> dict[str, Any]:
    return {"context": context, "condition": condition, "type": kind}


# --------------------------------------------------------------------------------------------
# § Simple Conditions


@pytest.mark.parametrize("condition", ["true", "$response.body#/flag", "$response.body.flag"])
def test_simple__passes_when_the_expression_evaluates_to_true(
    harness: Harness, condition: str
) -> None:
    """§ Simple Conditions: "A condition passes (truthy) when: The expression evaluates to
    `true`."."""
    assert _passes(harness, condition)


@pytest.mark.parametrize(
    "condition",
    [
        "$statusCode == 200",
        "$statusCode != 404",
        "$response.body#/count < 3",
        "$response.body#/count <= 2",
        "$response.body#/count > 1",
        "$response.body#/count >= 2",
    ],
)
def test_simple__passes_when_a_comparison_is_true(harness: Harness, condition: str) -> None:
    """§ Simple Conditions: "A comparison operator (`==`, `!=`, `<`, `>`, `<=`, `>=`) evaluates
    to true."."""
    assert _passes(harness, condition)


@pytest.mark.parametrize(
    "condition",
    [
        "$statusCode == 200 && $response.body#/count == 2",
        "$statusCode == 500 || $statusCode == 200",
    ],
)
def test_simple__passes_when_a_logical_operator_is_true(harness: Harness, condition: str) -> None:
    """§ Simple Conditions: "A logical operator (`&&`, `||`) evaluates to true."."""
    assert _passes(harness, condition)


@pytest.mark.parametrize(
    "condition",
    [
        "false",
        "$response.body#/off",
        "$statusCode == 201",
        "$response.body#/count > 2",
        "$statusCode == 200 && $response.body#/count == 3",
        "$statusCode == 500 || $statusCode == 201",
    ],
)
def test_simple__fails_when_false(harness: Harness, condition: str) -> None:
    """§ Simple Conditions: "A condition fails (falsy) when: The expression evaluates to `false`.
    Any comparison or logical operator evaluates to false."."""
    passed, report = _outcome(harness, [{"condition": condition}])
    assert not passed
    assert condition in report


@pytest.mark.parametrize("condition", ["$response.body#/owner", "$response.body#/nothing"])
def test_simple__fails_when_null(harness: Harness, condition: str) -> None:
    """§ Simple Conditions: "A condition fails (falsy) when: ... The expression evaluates to
    `null`." (an unresolvable value is null too)."""
    assert not _passes(harness, condition)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("$response.body#/status == 'AVAILABLE'", True),
        ("$response.body#/status != 'available'", False),
        ("$response.body#/status > 'AB'", True),  # 'available' > 'ab'
        ("'abc' < 'ABD'", True),
    ],
)
def test_simple__string_comparisons_are_case_insensitive(
    harness: Harness, condition: str, expected: bool
) -> None:
    """§ Simple Conditions: "String comparisons MUST be case-insensitive." (also § Operators)."""
    assert _passes(harness, condition) is expected


@pytest.mark.parametrize(
    "condition",
    [
        "$response.body#/total > $response.body#/limit",  # '10' > '9'
        "$response.body#/total >= '9.5'",
        "$response.header.X-Total > 9",
        "'100' > '20'",
    ],
)
def test_simple__numeric_strings_are_numbers_for_numeric_operators(
    harness: Harness, condition: str
) -> None:
    """§ Simple Conditions: "Numeric strings SHOULD be coerced to numbers when compared with
    numeric operators." In 1.1 two numeric strings are ordered as numbers; a 1.0 document keeps
    ordering two strings as text (docs/semantics.md), where '10' < '9'."""
    assert _passes(harness, condition)
    if "X-Total" not in condition:
        assert not _passes(harness, condition, version="1.0")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("$response.body#/owner == null", True),
        ("null == null", True),
        ("$response.body#/owner == 0", False),
        ("$response.body#/owner == ''", False),
        ("$response.body#/owner == false", False),
        ("$response.body#/owner == 'null'", False),
        ("$response.body#/owner < 1", False),
        ("$response.body#/owner >= 0", False),
        ("$response.body#/empty == null", False),
        ("$response.body#/data != null", True),
    ],
)
def test_simple__null_only_equals_itself(harness: Harness, condition: str, expected: bool) -> None:
    """§ Simple Conditions: "`null` only equals itself (`null == null` is `true`). Comparing
    `null` with any other value evaluates to `false`." (`!=` is the negation of `==`, as the
    section's own example `$response.body.data != null` needs)."""
    assert _passes(harness, condition) is expected


def test_simple__the_section_examples(harness: Harness) -> None:
    """§ Simple Conditions examples: "Pass if status code is 200" and "Pass if status code is
    200 AND body contains data"."""
    criteria = [
        {"condition": "$statusCode == 200"},
        {"condition": "$statusCode == 200 && $response.body.data != null"},
    ]
    assert _outcome(harness, criteria)[0]


# --------------------------------------------------------------------------------------------
# § Regex Conditions


def test_regex__passes_when_the_pattern_matches_the_context(harness: Harness) -> None:
    """§ Regex Conditions: "A condition passes (truthy) when the regex pattern matches the
    `context` value." (the section's example: any 2xx status code)."""
    assert _outcome(harness, [_typed("regex", r"^2\d{2}$", "$statusCode")])[0]


def test_regex__fails_when_the_pattern_does_not_match(harness: Harness) -> None:
    """§ Regex Conditions: "A condition fails (falsy) when the regex pattern does not match the
    `context` value."."""
    passed, report = _outcome(harness, [_typed("regex", r"^4\d{2}$", "$statusCode")])
    assert not passed
    assert "no match" in report


def test_regex__a_null_or_undefined_context_fails(harness: Harness) -> None:
    """§ Regex Conditions: "If the `context` evaluates to `null` or `undefined`, the condition
    MUST evaluate to _fail_." A JSON null is not the text 'null' in 1.1; 1.0 documents keep
    rendering it as `null`."""
    null = [_typed("regex", "^null$", "$response.body#/owner")]
    passed, report = _outcome(harness, null)
    assert not passed
    assert "the context is null" in report
    assert _outcome(harness, null, version="1.0")[0]
    undefined = [_typed("regex", ".*", "$response.body#/nothing")]
    passed, report = _outcome(harness, undefined)
    assert not passed
    assert "the context has no value" in report


# --------------------------------------------------------------------------------------------
# § JSONPath Conditions


def test_jsonpath__passes_on_a_non_empty_nodelist(harness: Harness) -> None:
    """§ JSONPath Conditions: "A condition passes (truthy) when the JSONPath expression returns
    a non-empty nodelist (one or more nodes)." (example "Pass if any pets array has
    elements")."""
    assert _outcome(harness, [_typed("jsonpath", "$.pets[*]")])[0]


def test_jsonpath__fails_on_an_empty_nodelist(harness: Harness) -> None:
    """§ JSONPath Conditions: "A condition fails (falsy) when the JSONPath expression returns an
    empty nodelist (zero nodes)."."""
    passed, report = _outcome(harness, [_typed("jsonpath", "$.pets[?@.id > 5]")])
    assert not passed
    assert "query returned no nodes" in report


def test_jsonpath__a_null_or_undefined_context_fails(harness: Harness) -> None:
    """§ JSONPath Conditions: "If the `context` evaluates to `null` or `undefined` ... the
    condition MUST evaluate to _fail_." `$` on a null context selects the null root in RFC 9535;
    1.1 fails it (1.0 documents keep passing it)."""
    null = [_typed("jsonpath", "$", "$response.body#/owner")]
    passed, report = _outcome(harness, null)
    assert not passed
    assert "the context is null" in report
    assert _outcome(harness, null, version="1.0")[0]
    assert not _outcome(harness, [_typed("jsonpath", "$", "$response.body#/nothing")])[0]


def test_jsonpath__a_syntactically_invalid_expression_fails(harness: Harness) -> None:
    """§ JSONPath Conditions: "if the JSONPath expression is syntactically invalid, the condition
    MUST evaluate to _fail_." Written in the document, it is found before any request (AZ302:
    the run fails, nothing is sent); produced by embedded expressions at run time, the
    criterion fails saying so."""
    flow = workflow(
        "w",
        [
            {
                "stepId": "check",
                "operationId": "listPets",
                "successCriteria": [_typed("jsonpath", "$[")],
            }
        ],
    )
    plan = harness.plan(arazzo11(flow))
    assert [p.code for p in plan.errors] == ["AZ302"]
    late = [_typed("jsonpath", "$.pets[?@.name == {$inputs.status}]")]
    passed, report = _outcome(harness, late, inputs={"status": "Rex"})  # unquoted: not a literal
    assert not passed
    assert "after substituting its expressions the condition" in report
    assert "is invalid" in report


def test_jsonpath__filter_matches_return_nodes(harness: Harness) -> None:
    """§ JSONPath Conditions: "JSONPath filter expressions (e.g., `$[?count(@.pets) > 0]`) that
    match nodes will return those nodes in the result nodelist. A filter with no matches returns
    an empty nodelist." (a root filter selects the root's members: here the pets)."""
    assert (
        _outcome(harness, [_typed("jsonpath", "$[?count(@.pets) > 0]", "$response.body#/data")])[0]
        is False
    )
    assert _outcome(harness, [_typed("jsonpath", "$[?@.name == 'Tom']", "$response.body#/pets")])[0]
    assert not _outcome(
        harness, [_typed("jsonpath", "$[?@.name == 'Max']", "$response.body#/pets")]
    )[0]


# --------------------------------------------------------------------------------------------
# § XPath Conditions


@pytest.mark.parametrize(
    "condition",
    ["count(/root/pets/*) > 0", "count(/root/pets/pet)", "string(/root/pets/pet[1])", "/root/pets"],
)
def test_xpath__passes_on_true_non_zero_non_empty(harness: Harness, condition: str) -> None:
    """§ XPath Conditions: "A condition passes (truthy) when: The XPath expression returns `true`
    (boolean); ... a non-zero number; ... a non-empty string; ... a node-set with at least one
    node" (the section's examples are the first and the last)."""
    assert _outcome(harness, [_typed("xpath", condition)], xml=True)[0]


@pytest.mark.parametrize(
    "condition",
    ["count(/root/pets/*) > 5", "count(/root/cats/*)", "string(/root/none)", "/root/cats"],
)
def test_xpath__fails_on_false_zero_empty(harness: Harness, condition: str) -> None:
    """§ XPath Conditions: "A condition fails (falsy) when: The XPath expression returns `false`
    (boolean); ... zero (number); ... an empty string; ... an empty node-set"."""
    assert not _outcome(harness, [_typed("xpath", condition)], xml=True)[0]


def test_xpath__a_null_or_undefined_context_fails(harness: Harness) -> None:
    """§ XPath Conditions: "If the `context` evaluates to `null` or `undefined` ... the condition
    MUST evaluate to _fail_."."""
    assert not _outcome(harness, [_typed("xpath", "true()", "$response.body#/owner")])[0]
    assert not _outcome(harness, [_typed("xpath", "true()", "$response.body#/nothing")])[0]


def test_xpath__effective_boolean_value_of_the_version(harness: Harness) -> None:
    """§ XPath Conditions: "Type conversion MUST follow the Effective Boolean Value (EBV)
    semantics defined by the XPath version being used." XPath 2.0+ (fn:boolean): a sequence
    starting with a node is true (text nodes included), a sequence of two atomic values has no
    EBV (FORG0006, so the condition fails with that error). A 1.0 document keeps passing a
    non-empty sequence."""
    text_nodes = [_typed("xpath", "/root/pets/pet/text()")]
    assert _outcome(harness, text_nodes, xml=True)[0]
    two = [_typed({"type": "xpath", "version": "xpath-20"}, "(1, 2)")]
    passed, report = _outcome(harness, two, xml=True)
    assert not passed
    assert "FORG0006" in report
    assert _outcome(harness, two, xml=True, version="1.0")[0]


def test_xpath__xpath_10_boolean_conversions(harness: Harness) -> None:
    """§ Expression Type Object: "XPath 1.0: Section 4.2 - Boolean Conversions": a number is true
    iff it is neither zero nor NaN; a string iff its length is non-zero ('0' is true)."""
    v10 = {"type": "xpath", "version": "xpath-10"}
    assert _outcome(harness, [_typed(v10, "'0'")], xml=True)[0]
    assert not _outcome(harness, [_typed(v10, "number('x')")], xml=True)[0]
    assert not _outcome(harness, [_typed(v10, "0")], xml=True)[0]


# --------------------------------------------------------------------------------------------
# § Evaluation Errors


def test_evaluation_errors__runtime_errors_fail_and_are_reported(harness: Harness) -> None:
    """§ Evaluation Errors: "Runtime evaluation errors (e.g., division by zero, invalid regex)
    ... the condition MUST evaluate to _fail_, and implementations SHOULD log or report the
    error to aid debugging."."""
    passed, report = _outcome(
        harness, [_typed("xpath", "count(/root/pets/pet) idiv count(/root/cats) = 1")], xml=True
    )
    assert not passed
    assert "FOAR0001" in report
    bad_regex = [_typed("regex", "^{$inputs.status}$", "$statusCode")]
    passed, report = _outcome(harness, bad_regex, inputs={"status": "2[0-9"})
    assert not passed
    assert "invalid regular expression" in report


def test_evaluation_errors__an_invalid_context_fails(harness: Harness) -> None:
    """§ Evaluation Errors: "Invalid context (e.g., applying JSONPath to non-JSON data)" fails:
    JSONPath on XML text, XPath on a JSON object."""
    assert not _outcome(harness, [_typed("jsonpath", "$.root")], xml=True)[0]
    passed, report = _outcome(harness, [_typed("xpath", "/pets")])
    assert not passed
    assert "xpath needs an XML document" in report


# --------------------------------------------------------------------------------------------
# § Multiple Criteria


def test_multiple_criteria__all_must_pass(harness: Harness) -> None:
    """§ Multiple Criteria: "all conditions MUST evaluate to pass (truthy) for the overall
    criteria to be satisfied. This is equivalent to a logical AND operation across all
    criteria." (the section's example, then with its second criterion failing)."""
    both = [{"condition": "$statusCode == 200"}, _typed("jsonpath", "$.pets[*]")]
    assert _outcome(harness, both)[0]
    one_fails = [{"condition": "$statusCode == 200"}, _typed("jsonpath", "$.cats[*]")]
    passed, report = _outcome(harness, one_fails)
    assert not passed
    assert "$.cats[*]" in report


def test_multiple_criteria__in_action_criteria(harness: Harness) -> None:
    """§ Multiple Criteria: "When multiple Criterion Objects are specified in `successCriteria`
    or `criteria` arrays": an action whose criteria do not all pass is not taken."""
    harness.server.route("GET", "/pets", BODY)
    harness.server.route("GET", "/health", {})
    step = {
        "stepId": "check",
        "operationId": "listPets",
        "successCriteria": [{"condition": "$statusCode == 200"}],
        "onSuccess": [
            {
                "name": "skip",
                "type": "end",
                "criteria": [
                    {"condition": "$statusCode == 200"},
                    {"condition": "$response.body#/count == 3"},
                ],
            }
        ],
    }
    after = {
        "stepId": "after",
        "operationId": "health",
        "successCriteria": [{"condition": "$statusCode == 200"}],
    }
    harness.run(arazzo11(workflow("w", [step, after])))
    assert [r.path for r in harness.server.requests] == ["/pets", "/health"]


# --------------------------------------------------------------------------------------------
# § Runtime Expressions in Conditions


def test_embedded_expressions__the_three_examples(harness: Harness) -> None:
    """§ Runtime Expressions in Conditions: "For `regex`, `jsonpath`, and `xpath` conditions,
    runtime expressions MUST be embedded within the `condition` string using `{}` curly braces.
    The runtime expressions are evaluated first, then substituted into the condition string
    before the expression is evaluated"."""
    inputs = {"status": "Tom", "min": 1}
    jsonpath = [_typed("jsonpath", '$.pets[?(@.name == "{$inputs.status}")]')]
    assert _outcome(harness, jsonpath, inputs=inputs)[0]
    assert not _outcome(harness, jsonpath, inputs={"status": "Max"})[0]
    regex = [_typed("regex", "^({$inputs.status})$", "$response.body#/pets/1/name")]
    assert _outcome(harness, regex, inputs=inputs)[0]
    xpath = [_typed("xpath", "/root/pets/pet[@id > {$inputs.min}]")]
    assert _outcome(harness, xpath, xml=True, inputs=inputs)[0]
    assert not _outcome(harness, xpath, xml=True, inputs={"min": 2})[0]


def test_embedded_expressions__a_missing_value_fails_the_criterion(harness: Harness) -> None:
    """§ Runtime Expressions in Conditions: "Runtime expressions within `{}` are evaluated and
    converted to strings" — one that has no value fails the criterion, naming it."""
    passed, report = _outcome(harness, [_typed("regex", "^{$inputs.status}$", "$statusCode")])
    assert not passed
    assert "the embedded expression $inputs.status has no value" in report


def test_embedded_expressions__checked_before_running(harness: Harness) -> None:
    """§ Runtime Expressions in Conditions: the embedded expressions are runtime expressions like
    any other, so `--arazzo-check` reports one naming an undeclared input (AZ303), also in a
    criterion with a 1.1 Expression Type Object."""
    criteria = [
        _typed("jsonpath", '$.pets[?(@.name == "{$inputs.nmae}")]'),
        _typed({"type": "jsonpath", "version": "rfc9535"}, "$.pets[?@.id > {$inputs.mni}]"),
    ]
    step = {"stepId": "check", "operationId": "listPets", "successCriteria": criteria}
    problems = check_file(harness.file(arazzo11(workflow("w", [step], inputs=INPUTS))))
    found = sorted(p.message for p in problems if p.code == "AZ303")
    assert len(found) == 2
    assert "nmae" in found[1] or "nmae" in found[0]
    assert any("mni" in message for message in found)
