"""Arazzo 1.1.0 § Versions, § Arazzo Specification Object (`arazzo`, `$self`) and § Establishing
the Base URI, run end to end against the loopback server."""

from __future__ import annotations

from pytest_arazzo.checks import check_file
from pytest_arazzo.document.dialect import ARAZZO_1_0, ARAZZO_1_1, dialect_of
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance_1_1.harness11 import OK, arazzo11


def _list_step(**extra: object) -> dict[str, object]:
    return {"stepId": "list", "operationId": "listPets", "successCriteria": OK, **extra}


def test_versions__a_1_1_document_runs(harness: Harness) -> None:
    """§ Versions: "The `arazzo` field MUST be used by tooling to interpret the Arazzo
    Description"; a 1.1.0 document is accepted, checked and run."""
    harness.server.route("GET", "/pets", [{"id": 1}])
    steps = [_list_step(outputs={"first": "$response.body#/0/id"})]
    document = arazzo11(workflow("w", steps, outputs={"first": "$steps.list.outputs.first"}))
    file = harness.file(document)
    assert file.dialect is ARAZZO_1_1
    assert [p for p in check_file(file) if p.is_error] == []
    result = harness.run(document)
    assert result.outputs == {"first": 1}


def test_versions__the_patch_version_is_not_considered() -> None:
    """§ Versions: "The patch version SHOULD NOT be considered by tooling"."""
    assert dialect_of({"arazzo": "1.1.7"}) is ARAZZO_1_1
    assert dialect_of({"arazzo": "1.1.0-rc1"}) is ARAZZO_1_1
    assert dialect_of({"arazzo": "1.0.0"}) is ARAZZO_1_0
    assert dialect_of({"arazzo": "2.0.0"}) is ARAZZO_1_0  # the 1.0 schema reports it (AZ105)


def test_arazzo_object__self_is_the_documents_uri(harness: Harness) -> None:
    """§ Runtime Expressions: `$self` "References the canonical URI of the current Arazzo
    Description as defined by the `$self` field"."""
    harness.server.route("GET", "/pets", [])
    uri = "https://workflows.example.test/pets.arazzo.yaml"
    document = arazzo11(
        workflow(
            "w",
            [_list_step(parameters=[{"name": "status", "in": "query", "value": "from {$self}"}])],
            outputs={"me": "$self"},
        ),
        self_=uri,
    )
    result = harness.run(document)
    assert result.outputs == {"me": uri}
    assert harness.server.requests[0].query == [("status", f"from {uri}")]


def test_base_uri__a_relative_self_resolves_against_the_retrieval_uri(harness: Harness) -> None:
    """§ Establishing the Base URI: a relative `$self` "MUST first be resolved against the next
    possible base URI source" (here the file the document was read from)."""
    harness.server.route("GET", "/pets", [])
    document = arazzo11(workflow("w", [_list_step()], outputs={"me": "$self"}), self_="a/b.yaml")
    result = harness.run(document)
    assert result.outputs["me"] == (harness.dir / "a" / "b.yaml").as_uri()


def test_arazzo_object__self_without_the_field_is_a_plan_error(harness: Harness) -> None:
    """`$self` reads the `$self` field: without it, the expression cannot be planned."""
    plan = harness.plan(arazzo11(workflow("w", [_list_step()], outputs={"me": "$self"})))
    assert [p.code for p in plan.errors] == ["AZ301"]
    assert "does not have" in plan.errors[0].message


def test_arazzo_object__self_must_not_have_a_fragment(harness: Harness) -> None:
    """§ Arazzo Specification Object: "The `$self` URI MUST NOT contain a fragment identifier"."""
    document = arazzo11(workflow("w", [_list_step()]), self_="https://x.test/a.yaml#top")
    problems = [p for p in check_file(harness.file(document)) if p.is_error]
    assert [(p.code, p.where.pointer) for p in problems] == [("AZ105", "/$self")]


def test_versions__1_0_documents_keep_their_meaning(harness: Harness) -> None:
    """A 1.0.x document does not gain 1.1 features: `$self` stays unknown to it."""
    document = arazzo(workflow("w", [_list_step()], outputs={"me": "$self"}))
    plan = harness.plan(document)
    assert [p.code for p in plan.errors] == ["AZ301"]
    assert "$self is an Arazzo 1.1 runtime expression" in plan.errors[0].message
    document = arazzo(workflow("w", [_list_step()]))
    document = {"arazzo": "1.0.1", "$self": "https://x.test/a.yaml", **document}
    problems = [p for p in check_file(harness.file(document)) if p.is_error]
    assert [p.code for p in problems] == ["AZ102"]
