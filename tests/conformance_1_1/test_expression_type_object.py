"""Arazzo 1.1.0 § Expression Type Object: `type` and `version` on Criterion Objects and Selector
Objects — jsonpath (rfc9535, draft-goessner-dispatch-jsonpath-00), xpath (xpath-31, xpath-30,
xpath-20, xpath-10), jsonpointer (rfc6901) — each version's own syntax, the defaults, and unknown
versions reported before any request with the allowed ones. 1.0 documents keep 1.0's list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Reply
from tests.conformance_1_1.harness11 import OK, arazzo11

BODY = {"pets": [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}]}
XML = "<root><pet id='1'>Rex</pet><pet id='2'>Tom</pet></root>"


def _step(criteria: list[dict[str, Any]], outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    step: dict[str, Any] = {"stepId": "s", "operationId": "listPets", "successCriteria": criteria}
    if outputs:
        step["outputs"] = outputs
    return step


def _serve(harness: Harness, xml: bool = False) -> None:
    if xml:
        reply = Reply(200, XML.encode(), {"Content-Type": "application/xml"})
        harness.server.route("GET", "/pets", reply)
    else:
        harness.server.route("GET", "/pets", BODY)


def _criterion(kind: str, version: str, condition: str) -> dict[str, Any]:
    return {
        "context": "$response.body",
        "condition": condition,
        "type": {"type": kind, "version": version},
    }


@pytest.mark.parametrize(
    ("version", "condition"),
    [
        ("rfc9535", "$.pets[?length(@.name) == 3]"),
        ("draft-goessner-dispatch-jsonpath-00", "$.pets[?(@.id == 2)]"),
    ],
)
def test_expression_type__jsonpath_versions_on_criteria(
    harness: Harness, version: str, condition: str
) -> None:
    """§ Expression Type Object: "The allowed values for JSONPath are `rfc9535` or
    `draft-goessner-dispatch-jsonpath-00`" and "implementations MUST apply the semantics defined
    in that version's specification" (RFC 9535's `length()`; the draft's `?(...)` filters)."""
    _serve(harness)
    harness.run(arazzo11(workflow("w", [_step([_criterion("jsonpath", version, condition)])])))


@pytest.mark.parametrize(
    ("version", "condition", "older"),
    [
        ("xpath-31", "map{'n': count(//pet)}?n = 2", "xpath-30"),
        ("xpath-30", "let $n := count(//pet) return $n = 2", "xpath-20"),
        ("xpath-20", "if (count(//pet) = 2) then true() else false()", "xpath-10"),
        ("xpath-10", "count(//pet) = 2", None),
    ],
)
def test_expression_type__xpath_versions_on_criteria(
    harness: Harness, version: str, condition: str, older: str | None
) -> None:
    """§ Expression Type Object: XPath `xpath-31`, `xpath-30`, `xpath-20`, `xpath-10`, with
    "Expression syntax, function library ... as defined in the specified version": each version
    runs its own syntax, which the previous version reports before any request (AZ302)."""
    _serve(harness, xml=True)
    harness.run(arazzo11(workflow("w", [_step([_criterion("xpath", version, condition)])])))
    if older is not None:
        plan = harness.plan(
            arazzo11(workflow("w", [_step([_criterion("xpath", older, condition)])]))
        )
        assert [p.code for p in plan.errors] == ["AZ302"]
        assert f"invalid XPath ({older})" in plan.errors[0].message


def test_expression_type__unknown_criterion_version_lists_the_allowed(harness: Harness) -> None:
    """§ Expression Type Object: versions outside the allowed values are reported before any
    request, naming the allowed ones; jsonpointer is a selector type, not a condition type."""
    bad = [
        _criterion("jsonpath", "rfc-9535", "$.pets"),
        _criterion("xpath", "xpath-40", "//pet"),
        _criterion("jsonpointer", "rfc6901", "/pets"),
    ]
    plan = harness.plan(arazzo11(workflow("w", [_step(bad)])))
    messages = [p.message for p in plan.errors]
    assert [p.code for p in plan.errors] == ["AZ302"] * 3
    assert "expected one of rfc9535, draft-goessner-dispatch-jsonpath-00" in messages[0]
    assert "did you mean 'rfc9535'" in messages[0]
    assert "expected one of xpath-31, xpath-30, xpath-20, xpath-10" in messages[1]
    assert "needs type 'jsonpath' or 'xpath'" in messages[2]


def test_expression_type__1_0_documents_keep_the_1_0_versions(harness: Harness) -> None:
    """Arazzo 1.0.1 § Criterion Expression Type Object allows draft-goessner-dispatch-jsonpath-00
    and xpath-30/20/10 only: in a 1.0 document `rfc9535` and `xpath-31` stay errors."""
    criteria = [_criterion("jsonpath", "rfc9535", "$.pets"), _criterion("xpath", "xpath-31", "/a")]
    plan = harness.plan(arazzo(workflow("w", [_step(criteria)])))
    assert [p.code for p in plan.errors] == ["AZ302", "AZ302"]
    assert "expected one of draft-goessner-dispatch-jsonpath-00" in plan.errors[0].message


def test_expression_type__default_versions(harness: Harness) -> None:
    """§ Expression Type Object: "If this object is not defined, the default version for the
    selector type MUST be used." (jsonpath: rfc9535, xpath: xpath-31, jsonpointer: rfc6901)."""
    _serve(harness)
    rfc_only = {"context": "$response.body", "condition": "$.pets[?length(@.name) == 3]"}
    outputs = {
        "n": {
            "context": "$response.body",
            "selector": "$.pets[?length(@.name) == 3].id",
            "type": "jsonpath",
        },
        "p": {"context": "$response.body", "selector": "/pets/0/id", "type": "jsonpointer"},
    }
    flow = workflow(
        "w",
        [_step([{**rfc_only, "type": "jsonpath"}], outputs)],
        outputs={"n": "$steps.s.outputs.n", "p": "$steps.s.outputs.p"},
    )
    assert harness.run(arazzo11(flow)).outputs == {"n": [1, 2], "p": 1}
    plan = harness.plan(arazzo11(flow))
    selector = plan.steps[0].outputs["n"]
    assert (selector.kind, selector.version) == ("jsonpath", "rfc9535")  # type: ignore[attr-defined]


def test_expression_type__selector_object_versions(harness: Harness) -> None:
    """§ Expression Type Object on a Selector Object: every allowed version of every type is
    applied with its own library (the draft's singular `$.pets[1].id`, XPath 1.0's
    `string()`)."""
    _serve(harness, xml=True)
    outputs = {
        f"x{n}": {
            "context": "$response.body",
            "selector": "string(/root/pet[2])",
            "type": {"type": "xpath", "version": f"xpath-{n}"},
        }
        for n in ("10", "20", "30", "31")
    }
    flow = workflow(
        "w", [_step(OK, outputs)], outputs={k: f"$steps.s.outputs.{k}" for k in outputs}
    )
    assert harness.run(arazzo11(flow)).outputs == {k: "Tom" for k in outputs}


def test_expression_type__goessner_selector(harness: Harness) -> None:
    """§ Expression Type Object: `draft-goessner-dispatch-jsonpath-00` on a Selector Object."""
    _serve(harness)
    goessner = {"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"}
    outputs = {
        "one": {"context": "$response.body", "selector": "$.pets[1].id", "type": goessner},
        "all": {
            "context": "$response.body",
            "selector": "$.pets[?(@.id > 0)].name",
            "type": goessner,
        },
    }
    flow = workflow(
        "w", [_step(OK, outputs)], outputs={k: f"$steps.s.outputs.{k}" for k in outputs}
    )
    assert harness.run(arazzo11(flow)).outputs == {"one": 2, "all": ["Rex", "Tom"]}


def test_expression_type__unknown_selector_version_lists_the_allowed(harness: Harness) -> None:
    """§ Expression Type Object: "The allowed value for JSON Pointer is `rfc6901`"; anything else
    is reported (AZ323) with the allowed values, before any request."""
    outputs = {
        "p": {
            "context": "$response.body",
            "selector": "/a",
            "type": {"type": "jsonpointer", "version": "rfc6902"},
        },
        "x": {"context": "$response.body", "selector": "/a", "type": {"type": "xpath"}},
    }
    plan = harness.plan(arazzo11(workflow("w", [_step(OK, outputs)])))
    found = {p.where.pointer: p for p in plan.errors}
    base = "/workflows/0/steps/0/outputs"
    assert found[f"{base}/p/type"].code == "AZ323"
    assert (
        "unknown jsonpointer version 'rfc6902' (allowed: rfc6901)"
        in found[f"{base}/p/type"].message
    )
    assert (
        "needs 'version' (for xpath: xpath-31, xpath-30, xpath-20, xpath-10)"
        in found[f"{base}/x/type"].message
    )
