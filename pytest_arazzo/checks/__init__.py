"""Static checks: every problem in an Arazzo file, found before anything is sent.

:func:`check_file` is what ``pytest --arazzo-check`` reports; :func:`check_workflow` is what an
item checks at setup (errors fail it before any request, warnings go to pytest's summary).

Three layers, each collecting every problem instead of stopping at the first one:

1. **structure** — the document against the bundled Arazzo 1.0 JSON Schema (``AZ1xx``), each
   violation explained in words and placed at ``file:line:col`` (:mod:`.structure`,
   :mod:`.schema`, :mod:`.words`);
2. **planning** — :mod:`pytest_arazzo.plan.planner` resolves operations and compiles expressions and
   criteria (``AZ201``, ``AZ205``, ``AZ210``-``AZ241``, ``AZ301``, ``AZ302``);
3. **semantics** — ids (:mod:`.ids`), action and output names (:mod:`.names`), ignored fields of
   Reusable Objects (:mod:`.reusable`), what expressions refer to (:mod:`.references`), workflow
   calls (:mod:`.calls`), OpenAPI paths (:mod:`.operations`), parameters (:mod:`.parameters`),
   request bodies (:mod:`.bodies`), response body pointers (:mod:`.response_pointers`), JSONPath
   root filters (:mod:`.jsonpath_filters`) and redundant gotos (:mod:`.goto_next`).

This module runs them (:class:`~.report.Report` collects the findings). Each check is guarded:
an unexpected exception becomes an ``AZ999`` problem naming the check, and the other checks
still run. Codes are listed in :data:`pytest_arazzo.diagnostics.codes.CODES`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from pytest_arazzo.checks.bodies import check_body
from pytest_arazzo.checks.calls import check_cycles, check_workflow_call
from pytest_arazzo.checks.data import items_of, plannable, related_workflows, workflows_of
from pytest_arazzo.checks.goto_next import check_goto_next
from pytest_arazzo.checks.ids import check_ids, check_source_names
from pytest_arazzo.checks.jsonpath_filters import check_jsonpath_filters
from pytest_arazzo.checks.names import check_action_names, check_output_names
from pytest_arazzo.checks.operations import (
    as_checked,
    check_operation_id_spaces,
    check_path,
    check_prefer_operation_id,
    check_step_kinds,
    path_flaws,
)
from pytest_arazzo.checks.parameters import check_parameter_lists, check_parameters
from pytest_arazzo.checks.references import check_expressions
from pytest_arazzo.checks.report import BUG, Finding, Report, StepContext, internal_problem
from pytest_arazzo.checks.response_pointers import check_response_pointers
from pytest_arazzo.checks.reusable import check_reusable_fields
from pytest_arazzo.checks.structure import check_duplicate_keys, check_structure
from pytest_arazzo.diagnostics.problems import ERROR, Problem, sort_problems
from pytest_arazzo.document.loader import Document
from pytest_arazzo.plan.planner import ArazzoFile

__all__ = ["check_document", "check_file", "check_workflow", "path_flaws", "unrunnable"]


def check_file(file: ArazzoFile) -> list[Problem]:
    """Every problem in the file (never raises)."""
    try:
        return sort_problems(finding.problem for finding in _file_findings(file))
    except Exception as error:  # the last line of defence: report, never crash
        return [internal_problem(file.document, "check_file", error)]


def check_workflow(file: ArazzoFile, workflow_id: str) -> list[Problem]:
    """Problems that concern one workflow: its own, the file's, and those of workflows it calls."""
    try:
        wanted = related_workflows(file.document.data, workflow_id)
        return sort_problems(
            finding.problem
            for finding in _file_findings(file)
            if finding.scope is None or finding.scope & wanted
        )
    except Exception as error:
        return [internal_problem(file.document, "check_workflow", error)]


def check_document(document: Document, build: Callable[[Document], ArazzoFile]) -> list[Problem]:
    """Every problem of a parsed document, even when ``build`` (loading its sources) fails."""
    try:
        file = build(document)
    except Exception as error:
        report = Report(document)
        _document_checks(report)
        report.add(
            "AZ999",
            "",
            f"could not load the sources of this file: {type(error).__name__}: {error}",
            "fix the other problems of this file first; if it has none, " + BUG,
            severity=ERROR,
        )
        return sort_problems(finding.problem for finding in report.findings)
    return check_file(file)


def unrunnable(
    document: Document, build: Callable[[Document], ArazzoFile], workflow_id: str
) -> list[Problem]:
    """``[]`` when the workflow can be planned; else every problem that explains why not."""
    try:
        file = build(document)
    except Exception:
        return check_document(document, build)
    try:
        file.plan(workflow_id)
    except Exception:
        return check_workflow(file, workflow_id)
    return []


_CACHE: weakref.WeakKeyDictionary[ArazzoFile, list[Finding]] = weakref.WeakKeyDictionary()


def _file_findings(file: ArazzoFile) -> list[Finding]:
    """All findings of a file, computed once per :class:`ArazzoFile`."""
    cached = _CACHE.get(file)
    if cached is None:
        report = Report(file.document)
        _document_checks(report)
        report.extend(file.source_problems, None)
        for index, workflow_id in plannable(report.data):
            pointer = f"/workflows/{index}"
            report.guard(f"plan of '{workflow_id}'", _check_plan, file, index, pointer=pointer)
        cached = _CACHE[file] = report.findings
    return cached


def _document_checks(report: Report) -> None:
    """Checks that need only the document itself (no sources)."""
    report.guard("structure", check_structure)
    report.guard("duplicate keys", check_duplicate_keys)
    report.guard("ids", check_ids)
    report.guard("source names", check_source_names)
    report.guard("action names", check_action_names)
    report.guard("output names", check_output_names)
    report.guard("Reusable Object fields", check_reusable_fields)
    report.guard("workflow calls", check_cycles)
    report.guard("parameter lists", check_parameter_lists)
    report.guard("step kinds", check_step_kinds)
    for index, workflow in workflows_of(report.data):
        pointer = f"/workflows/{index}"
        report.guard(
            f"expressions of workflow #{index + 1}",
            check_expressions,
            index,
            workflow,
            pointer=pointer,
        )


def _check_plan(report: Report, file: ArazzoFile, index: int) -> None:
    """The planner's problems, then the checks of each planned step (:data:`_STEP_CHECKS`)."""
    plan = file.plan(str(report.data["workflows"][index]["workflowId"]))
    report.extend(map(as_checked, plan.problems), {index})
    planned = {step.pointer: step for step in plan.steps}
    workflow = report.data["workflows"][index]
    for position, raw in items_of(workflow.get("steps")):
        pointer = f"/workflows/{index}/steps/{position}"
        context = StepContext(file, index, workflow, position, raw, planned.get(pointer))
        for name, check in _STEP_CHECKS:
            report.guard(f"{name} of {context.label}", check, context, pointer=pointer)


_STEP_CHECKS: tuple[tuple[str, Callable[[Report, StepContext], None]], ...] = (
    ("OpenAPI path", check_path),
    ("operationPath", check_prefer_operation_id),
    ("parameters", check_parameters),
    ("workflow call", check_workflow_call),
    ("request body", check_body),
    ("operationId spelling", check_operation_id_spaces),
    ("response body pointers", check_response_pointers),
    ("JSONPath root filters", check_jsonpath_filters),
    ("goto to the next step", check_goto_next),
)
