"""Criterion Objects (Arazzo 1.0.1 § Criterion Object, § Criterion Expression Type Object)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from pytest_arazzo.language.compare import loose_equals, loose_order
from pytest_arazzo.language.context import EvalContext, Message
from pytest_arazzo.language.criteria import compile_criterion
from pytest_arazzo.language.errors import CriterionError
from pytest_arazzo.language.outcome import Missing, Outcome, show_value

PETS_XML = "<pets><pet id='1'><name>Rex</name></pet><pet id='2'><name>Tom</name></pet></pets>"
GOESSNER = "draft-goessner-dispatch-jsonpath-00"


@pytest.fixture
def ctx() -> EvalContext:
    return EvalContext(
        inputs={"limit": 2},
        steps={
            "check": {"eligible": True, "list": [{"name": "Rex"}, {"name": "Tom"}], "n": "10"},
        },
        status_code=200,
        response=Message(
            headers=CaseInsensitiveDict({"Content-Type": "Application/JSON"}),
            body={
                "id": "ii_123",
                "status": "PAID",
                "total": 1500,
                "ratio": 0.5,
                "items": [{"name": "Widget", "qty": 2}],
                "pets": [{"id": 1}],
                "none": None,
            },
        ),
    )


def check(condition: str, ctx: EvalContext, **extra: Any) -> Outcome:
    return compile_criterion({"condition": condition, **extra}).evaluate(ctx)


# --- simple conditions -------------------------------------------------------------------------


def test_criterion_object__simple_condition_example(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: `$statusCode == 200` passes on a 200."""
    assert check("$statusCode == 200", ctx).passed
    ctx.status_code = 402
    outcome = check("$statusCode == 200", ctx)
    assert not outcome.passed
    assert outcome.observed == [("$statusCode", 402)]
    assert outcome.describe() == "$statusCode == 200 with $statusCode = 402"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("$statusCode == 200", True),
        ("$statusCode != 200", False),
        ("$statusCode < 300", True),
        ("$statusCode <= 200", True),
        ("$statusCode > 200", False),
        ("$statusCode >= 201", False),
        ("$statusCode == 200 && $response.body#/total == 1500", True),
        ("$statusCode == 200 && $response.body#/total == 1", False),
        ("$statusCode == 404 || $statusCode == 200", True),
        ("$statusCode == 404 || $statusCode == 500", False),
        ("!($statusCode == 200)", False),
        ("!$steps.check.outputs.eligible", False),
    ],
)
def test_criterion_object__every_operator(ctx: EvalContext, condition: str, expected: bool) -> None:
    """Arazzo 1.0.1 § Criterion Object: operators < <= > >= == != ! && ||."""
    assert check(condition, ctx).passed is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("false && false || true", True),  # && binds tighter: (false && false) || true
        ("true || true && false", True),  # true || (true && false)
        ("(true || true) && false", False),
        ("!false && false", False),  # (!false) && false
        ("!(false && false)", True),
        ("!$steps.check.outputs.eligible == false", True),  # (!true) == false
        ("$statusCode == 200 && !($statusCode > 299) || false", True),
        ("((($statusCode == 200)))", True),
    ],
)
def test_criterion_object__precedence_and_grouping(
    ctx: EvalContext, condition: str, expected: bool
) -> None:
    """Arazzo 1.0.1 § Criterion Object: `()` logical grouping; ! > comparisons > && > ||."""
    assert check(condition, ctx).passed is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("$response.body#/status == 'paid'", True),
        ("'ABC' == 'abc'", True),
        ("'abc' != 'ABC'", False),
        ("'B' > 'a'", True),
        ("$response.header.content-type == 'application/json'", True),
    ],
)
def test_criterion_object__string_comparison_is_case_insensitive(
    ctx: EvalContext, condition: str, expected: bool
) -> None:
    """Arazzo 1.0.1 § Criterion Object: "String comparisons MUST be case insensitive"."""
    assert check(condition, ctx).passed is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("'it''s' == $inputs.quote", True),
        ("'a b' == 'A B'", True),
        ("'' == ''", True),
        ("'x' == 'x '", False),
    ],
)
def test_criterion_object__string_literal_quoting(
    ctx: EvalContext, condition: str, expected: bool
) -> None:
    """Arazzo 1.0.1 § Criterion Object: single quotes, '' escapes a literal quote."""
    ctx.inputs = {"quote": "IT'S"}
    assert check(condition, ctx).passed is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("-1 < 0", True),
        ("1.5e3 == $response.body#/total", True),
        ("1500.0 == $response.body#/total", True),
        ("$response.body#/ratio == 0.5", True),
        ("2E-1 < $response.body#/ratio", True),
        ("0 == false", False),
        ("null == null", True),
        ("true", True),
        ("0", False),
    ],
)
def test_criterion_object__literals(ctx: EvalContext, condition: str, expected: bool) -> None:
    """Arazzo 1.0.1 § Criterion Object: boolean, null, number and string literals."""
    assert check(condition, ctx).passed is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("$statusCode == '200'", True),
        ("$steps.check.outputs.n > 9", True),  # '10' > 9 numerically
        ("$steps.check.outputs.n == 10.0", True),
        ("$steps.check.outputs.n > '9'", False),  # two strings compare as strings
        ("$statusCode == '200 OK'", False),
        ("$steps.check.outputs.eligible == 'TRUE'", True),
        ("$steps.check.outputs.eligible == 1", False),
    ],
)
def test_criterion_object__number_coercion(
    ctx: EvalContext, condition: str, expected: bool
) -> None:
    """Arazzo 1.0.1 § Criterion Object: loose comparisons; numeric strings compare as numbers."""
    assert check(condition, ctx).passed is expected


def test_criterion_object__missing_values_are_null(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: `$response.body#/redirectAuthToken == null` (bnpl)."""
    assert check("$response.body#/redirectAuthToken == null", ctx).passed
    assert check("$response.body#/none == null", ctx).passed
    outcome = check("$response.body#/redirectAuthToken != null", ctx)
    assert not outcome.passed
    source, value = outcome.observed[0]
    assert source == "$response.body#/redirectAuthToken"
    assert isinstance(value, Missing)
    assert "no key 'redirectAuthToken'" in value.reason
    assert "= <missing: $response.body has no /redirectAuthToken" in outcome.describe()
    for ordering in ("<", "<=", ">", ">="):
        assert not check(f"$response.body#/redirectAuthToken {ordering} 1", ctx).passed
        assert not check(f"null {ordering} 0", ctx).passed
    assert not check("$steps.check.outputs.nope", ctx).passed


def test_criterion_object__incompatible_types_are_false(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: comparing an object with a number is false, not an error."""
    assert not check("$response.body == 1", ctx).passed
    assert check("$response.body != 1", ctx).passed
    assert not check("$response.body > 1", ctx).passed
    assert not check("$response.body#/items < 'a'", ctx).passed
    assert not check("true > false", ctx).passed
    assert loose_equals({"a": [1, "X"]}, {"a": [1.0, "x"]})
    assert loose_order("abc", 1) is None


def test_criterion_object__nan_is_unequal_and_unordered() -> None:
    """Arazzo 1.0.1 § Criterion Object (simple conditions): a NaN in a body never orders, and
    equals nothing, itself included (docs/semantics.md); nothing raises."""
    body = json.loads('{"x": NaN, "s": "NaN"}')  # Python's json reads NaN
    assert math.isnan(body["x"])
    ctx = EvalContext(response=Message(body=body))
    for op in ("<", "<=", ">", ">="):
        for other in ("1", "'1'", "-1", "$response.body#/x", "'NaN'"):
            outcome = check(f"$response.body#/x {op} {other}", ctx)
            assert not outcome.passed, f"x {op} {other}"
            assert outcome.detail == "", outcome.detail  # a result, not a caught error
        assert not check(f"$response.body#/s {op} 1", ctx).passed  # 'NaN' is not numeric text
    assert not check("$response.body#/x == $response.body#/x", ctx).passed
    assert check("$response.body#/x != $response.body#/x", ctx).passed
    assert not check("$response.body#/x == 'NaN'", ctx).passed
    assert not check("$response.body#/x == 0", ctx).passed
    assert check("$response.body#/x", ctx).passed  # truthiness: NaN is a non-zero number
    for a, b in ((math.nan, 1), (1, math.nan), (math.nan, math.nan), (math.nan, "1")):
        assert loose_order(a, b) is None
        assert not loose_equals(a, b)


def test_criterion_object__simple_criteria_do_not_load_query_libraries() -> None:
    """JSONPath and XPath libraries load only when a criterion of that type is compiled."""
    libraries = ("jsonpath_rfc9535", "jsonpath_ng", "elementpath")
    probe = (
        "import sys\n"
        "from pytest_arazzo.language.criteria import compile_criterion\n"
        "compile_criterion({'condition': '$statusCode == 200 && $response.body#/a > 1'})\n"
        f"print(sorted(set({libraries!r}) & set(sys.modules)))\n"
        "compile_criterion({'condition': '$.a', 'type': 'jsonpath', 'context': '$response.body'})\n"
        "print('jsonpath_rfc9535' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split("\n")[:2] == ["[]", "True"], done.stdout + done.stderr


def test_criterion_object__property_and_index_access(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: `[]` index (0-based) and `.` property de-reference."""
    assert check("$response.body.items[0].name == 'widget'", ctx).passed
    assert check("$response.body.items[0]['qty'] == 2", ctx).passed
    assert check("$steps.check.outputs.list[1].name == 'tom'", ctx).passed
    assert check("$response.body#/items[0].qty >= 2", ctx).passed
    outcome = check("$response.body.items[3].name == 'x'", ctx)
    assert not outcome.passed
    assert outcome.observed[0][0] == "$response.body.items[3].name"
    assert "index 3 out of range (length 1)" in outcome.observed[0][1].reason


def test_criterion_object__bare_operand_truthiness(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: a condition that is one runtime expression or literal."""
    assert check("$steps.check.outputs.eligible", ctx).passed
    assert check("$response.body#/items", ctx).passed
    assert not check("$response.body#/none", ctx).passed
    assert not check("''", ctx).passed
    assert check("'x'", ctx).passed


def test_criterion_object__observed_lists_each_expression_once(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: every runtime expression in the condition is shown."""
    ctx.status_code = 500
    outcome = check("$statusCode == 200 || $statusCode == 201 || $inputs.limit > 5", ctx)
    assert outcome.observed == [("$statusCode", 500), ("$inputs.limit", 2)]
    assert outcome.describe() == (
        "$statusCode == 200 || $statusCode == 201 || $inputs.limit > 5"
        " with $statusCode = 500, $inputs.limit = 2"
    )


def test_criterion_object__describe_renders_and_truncates() -> None:
    """Arazzo 1.0.1 § Criterion Object: failure messages show values JSON-ish."""
    assert show_value("it's") == "'it''s'"
    assert show_value(None) == "null"
    assert show_value(True) == "true"
    assert show_value({"a": [1]}) == '{"a": [1]}'
    long = show_value("x" * 500)
    assert len(long) == 200
    assert long.endswith("...")


@pytest.mark.parametrize(
    ("condition", "position", "fragment"),
    [
        ("$statusCode = 200", 12, "use '==' to compare"),
        ("$statusCode == 200 & true", 19, "use '&&'"),
        ("$statusCode == 200 | true", 19, "use '||'"),
        ("$statusCode == 200 == true", 19, "cannot be chained"),
        ("($statusCode == 200", 19, "expected ')' to close the '(' at position 0"),
        ("$statusCode == 200)", 18, "unexpected ')'"),
        ('$statusCode == "200"', 15, "single quotes"),
        ("$statusCode == 'abc", 15, "unterminated string"),
        ("$statuscode == 200", 0, "did you mean '$statusCode'?"),
        ("statusCode == 200", 0, "did you mean '$statusCode'?"),
        ("$statusCode == True", 15, "did you mean 'true'?"),
        ("$statusCode == 200abc", 18, "after number"),
        ("$statusCode ==", 14, "expected a value"),
        ("", 0, "the condition is empty"),
        ("$[?count(@.pets) > 0]", 0, "add 'type: jsonpath'"),
        ("(true).x", 6, "can only follow a runtime expression"),
        ("$response.body.items[-1]", 21, "negative indexes"),
    ],
)
def test_criterion_object__malformed_simple_conditions(
    condition: str, position: int, fragment: str
) -> None:
    """Arazzo 1.0.1 § Criterion Object: malformed conditions are rejected at compile time."""
    with pytest.raises(CriterionError) as info:
        compile_criterion({"condition": condition})
    assert info.value.field == "condition"
    assert info.value.position == position
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("obj", "field", "fragment"),
    [
        ({}, "condition", "'condition' is required"),
        ({"condition": 200}, "condition", "must be a string"),
        ({"condition": "x", "type": "jsonpth"}, "type", "did you mean 'jsonpath'?"),
        ({"condition": "x", "type": "regex"}, "context", "needs a 'context'"),
        ({"condition": "x", "context": "$respons.body", "type": "regex"}, "context", "$response"),
        (
            {"condition": "x", "context": "$response.body", "type": {"type": "xpath"}},
            "type",
            "'version' is required",
        ),
        (
            {
                "condition": "x",
                "context": "$response.body",
                "type": {"type": "xpath", "version": "xpath-31"},
            },
            "type",
            "unknown xpath version 'xpath-31'",
        ),
        (
            {"condition": "x", "context": "$response.body", "type": {"type": "regex"}},
            "type",
            "needs type 'jsonpath' or 'xpath'",
        ),
    ],
)
def test_criterion_expression_type_object__invalid(
    obj: dict[str, Any], field: str, fragment: str
) -> None:
    """Arazzo 1.0.1 § Criterion Expression Type Object: type and version are validated."""
    with pytest.raises(CriterionError) as info:
        compile_criterion(obj)
    assert info.value.field == field
    assert fragment in str(info.value)


def test_criterion_object__expressions_are_listed_for_static_checks() -> None:
    """Arazzo 1.0.1 § Criterion Object: condition and context expressions are known up front."""
    simple = compile_criterion({"condition": "$steps.a.outputs.x == 1 && $inputs.y"})
    assert [e.source for e in simple.expressions()] == ["$steps.a.outputs.x", "$inputs.y"]
    regex = compile_criterion({"condition": "^a", "context": "$inputs.z", "type": "regex"})
    assert [e.source for e in regex.expressions()] == ["$inputs.z"]


# --- regex ------------------------------------------------------------------------------------


def test_criterion_object__regex_condition_example(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: `context: $statusCode`, `condition: '^200$'`."""
    assert check("^200$", ctx, context="$statusCode", type="regex").passed
    outcome = check("^in_", ctx, context="$response.body#/id", type="regex")
    assert not outcome.passed
    assert outcome.describe() == "regex '^in_' on $response.body#/id = 'ii_123': no match"
    assert check('"qty":2', ctx, context="$response.body#/items/0", type="regex").passed
    missing = check("x", ctx, context="$response.body#/nope", type="regex")
    assert not missing.passed
    assert "the context has no value" in missing.detail


def test_criterion_object__regex_compile_error() -> None:
    """Arazzo 1.0.1 § Criterion Object: a regex that does not compile is a definition error."""
    with pytest.raises(CriterionError) as info:
        compile_criterion({"condition": "ab[c", "context": "$statusCode", "type": "regex"})
    assert info.value.position == 2
    assert "invalid regular expression" in str(info.value)


# --- JSONPath ---------------------------------------------------------------------------------


def test_criterion_object__jsonpath_rfc9535(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: jsonpath per RFC 9535, non-empty node list passes."""
    assert check("$.items[?@.qty > 1]", ctx, context="$response.body", type="jsonpath").passed
    assert check("$[?@.qty > 1]", ctx, context="$response.body#/items", type="jsonpath").passed
    outcome = check("$.items[?@.qty > 5]", ctx, context="$response.body", type="jsonpath")
    assert not outcome.passed
    assert outcome.detail == "query returned no nodes"
    with pytest.raises(CriterionError) as info:
        compile_criterion({"condition": "$[?", "context": "$response.body", "type": "jsonpath"})
    assert info.value.position == 3


def test_criterion_object__jsonpath_spec_example_hint(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: the example `$[?count(@.pets) > 0]` on a body object."""
    outcome = check("$[?count(@.pets) > 0]", ctx, context="$response.body", type="jsonpath")
    assert not outcome.passed  # RFC 9535: the filter tests the body's members, not the body
    assert "selects children of the root" in outcome.detail
    assert "`$.pets[*]`" in outcome.detail
    assert "`$[*]` with context `$response.body#/pets`" in outcome.detail
    assert "`$[?count($.pets[*]) > 0]`" in outcome.detail
    assert outcome.detail.endswith("that would match this value.")
    for fixed, context in [
        ("$.pets[*]", "$response.body"),
        ("$[*]", "$response.body#/pets"),
        ("$[?count($.pets[*]) > 0]", "$response.body"),
    ]:
        assert check(fixed, ctx, context=context, type="jsonpath").passed, fixed
    generic = check("$[?@.total > 1]", ctx, context="$response.body", type="jsonpath")
    assert "`$[?$.total > 1]`" in generic.detail
    on_array = check("$[?@.id > 5]", ctx, context="$response.body#/pets", type="jsonpath")
    assert "Hint" not in on_array.detail


def test_criterion_expression_type_object__jsonpath_goessner(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Expression Type Object: draft-goessner-dispatch-jsonpath-00."""
    kind = {"type": "jsonpath", "version": GOESSNER}
    outcome = check("$.items[?(@.qty == 2)]", ctx, context="$response.body", type=kind)
    assert outcome.passed
    assert outcome.describe().startswith(f"{GOESSNER} '$.items[?(@.qty == 2)]' on $response.body")
    assert not check("$.items[?(@.qty == 3)]", ctx, context="$response.body", type=kind).passed
    with pytest.raises(CriterionError, match=GOESSNER):
        compile_criterion({"condition": "$.[[", "context": "$response.body", "type": kind})


# --- XPath ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "xpath-30", "xpath-20", "xpath-10"])
def test_criterion_expression_type_object__xpath_versions(
    ctx: EvalContext, version: str | None
) -> None:
    """Arazzo 1.0.1 § Criterion Expression Type Object: xpath-10/20/30, default XPath 3.1."""
    ctx.response = Message(body=PETS_XML)
    kind: Any = {"type": "xpath", "version": version} if version else "xpath"
    assert check("count(//pet) = 2", ctx, context="$response.body", type=kind).passed
    assert check("//pet[name='Tom']", ctx, context="$response.body", type=kind).passed
    outcome = check("//pet[@id='3']", ctx, context="$response.body", type=kind)
    assert not outcome.passed
    assert outcome.detail == "selected nothing"
    assert not check("count(//pet) > 2", ctx, context="$response.body", type=kind).passed


def test_criterion_object__xpath_default_is_31(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: xpath MUST conform to XML Path Language 3.1 by default."""
    ctx.response = Message(body=PETS_XML)
    condition = "let $n := count(//pet) return map{'n': $n}?n = 2"  # 3.0 let, 3.1 maps
    assert check(condition, ctx, context="$response.body", type="xpath").passed
    with pytest.raises(CriterionError) as info:
        compile_criterion(
            {
                "condition": condition,
                "context": "$response.body",
                "type": {"type": "xpath", "version": "xpath-10"},
            }
        )
    assert info.value.field == "condition"


def test_criterion_object__xpath_errors(ctx: EvalContext) -> None:
    """Arazzo 1.0.1 § Criterion Object: bad XPath fails at compile, bad XML at run time."""
    with pytest.raises(CriterionError) as info:
        compile_criterion({"condition": "//pet[", "context": "$response.body", "type": "xpath"})
    assert info.value.position == 5
    outcome = check("//pet", ctx, context="$response.body", type="xpath")
    assert not outcome.passed
    assert "xpath needs an XML document" in outcome.detail
    ctx.response = Message(body="<pets><pet></pets>")
    broken = check("//pet", ctx, context="$response.body", type="xpath")
    assert "not well-formed XML" in broken.detail
