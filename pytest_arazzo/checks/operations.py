"""What a step calls: unqualified operationIds among several sources (``AZ205``), OpenAPI paths
that cannot be sent (``AZ214``), operationPath where an operationId exists (``AZ215``),
operationIds with whitespace (``AZ216``), bodies of workflow steps (``AZ225``), steps without
criteria (``AZ260``)."""

from __future__ import annotations

import dataclasses
import re

from pytest_arazzo.checks.data import items_of, step_label, workflows_of
from pytest_arazzo.checks.report import Report, StepContext, operation_name
from pytest_arazzo.diagnostics.problems import ERROR, Problem
from pytest_arazzo.diagnostics.text import show
from pytest_arazzo.document.pointer import escape_token


def as_checked(found: Problem) -> Problem:
    """A planner problem as the static checks report it. Arazzo 1.0.1 § Step Object: with
    several OpenAPI sources the operationId MUST name its source, so ``AZ205`` is an error even
    when only one source has the operationId (the plan keeps that operation, as a warning)."""
    if found.code == "AZ205" and found.severity != ERROR:
        return dataclasses.replace(found, severity=ERROR)
    return found


def check_path(report: Report, step: StepContext) -> None:
    """OpenAPI paths that cannot be sent as written (AZ214)."""
    operation = step.operation
    if operation is None:
        return
    flaws = path_flaws(operation.path)
    if not flaws:
        return
    source = operation.source.document.where(f"/paths/{escape_token(operation.path)}")
    report.add(
        "AZ214",
        f"{step.pointer}/{step.target_field}",
        f"operation {operation_name(operation)} has path {show(operation.path)} ({source}), "
        f"which cannot be sent as written: {'; '.join(flaws)}",
        _path_fix(operation.path),
    )


def check_operation_id_spaces(report: Report, step: StepContext) -> None:
    """An operationId containing whitespace (AZ216): OpenAPI tools and code generators take it
    for an identifier, and it cannot be written as one source-qualified token."""
    operation_id = step.raw.get("operationId")
    if not isinstance(operation_id, str) or not re.search(r"\s", operation_id):
        return
    name = operation_id.rsplit(".", 1)[-1] if operation_id.startswith("$") else operation_id
    suggestion = re.sub(r"\s+", "", name)
    report.add(
        "AZ216",
        f"{step.pointer}/operationId",
        f"{step.label}: operationId {show(operation_id)} contains whitespace; an operationId is "
        "an identifier (code generators and other Arazzo tools will not find or accept it)",
        f"rename it in the OpenAPI description and here, e.g. {show(suggestion)}",
    )


def path_flaws(path: str) -> list[str]:
    """Why an OpenAPI path cannot be put into a URL as written (``[]`` when it can)."""
    flaws = []
    if not path.startswith("/"):
        flaws.append("it does not start with '/'")
    if re.search(r"\s", path):
        flaws.append("it contains a space")
    if any(ord(char) < 32 or ord(char) == 127 for char in path if not char.isspace()):
        flaws.append("it contains control characters")
    if "?" in path or "#" in path:
        flaws.append("it contains '?' or '#' (query strings belong in parameters)")
    flaws += _brace_flaws(path)
    return flaws


def _brace_flaws(path: str) -> list[str]:
    depth, start = 0, -1
    for offset, char in enumerate(path):
        if char == "{":
            if depth:
                return ["it has a '{' inside a '{...}' template"]
            depth, start = 1, offset
        elif char == "}":
            if not depth:
                return ["it has a '}' without a matching '{'"]
            if offset == start + 1:
                return ["it has an empty '{}' template"]
            depth = 0
    return ["it has a '{' without a matching '}'"] if depth else []


def _path_fix(path: str) -> str:
    if re.search(r"\s", path):
        segments = [
            re.sub(r"\s+", "", part).lower() if re.search(r"\s", part) else part
            for part in path.split("/")
        ]
        return (
            "fix the path in the OpenAPI description; a URL path cannot contain spaces "
            f"(perhaps '{'/'.join(segments)}')"
        )
    return "fix the path in the OpenAPI description"


def check_prefer_operation_id(report: Report, step: StepContext) -> None:
    operation = step.operation
    if operation is None or "operationPath" not in step.raw or not operation.operation_id:
        return
    report.add(
        "AZ215",
        f"{step.pointer}/operationPath",
        f"operationPath points at operation '{operation.operation_id}'",
        f"prefer operationId: {operation.operation_id} (Arazzo 1.0.1 § Step Object)",
    )


def check_step_kinds(report: Report) -> None:
    """Request bodies on workflow steps (AZ225); operation steps without criteria (AZ260)."""
    for index, workflow in workflows_of(report.data):
        for position, step in items_of(workflow.get("steps")):
            pointer = f"/workflows/{index}/steps/{position}"
            label = step_label(step, position)
            if "workflowId" in step and isinstance(step.get("requestBody"), dict):
                report.add(
                    "AZ225",
                    f"{pointer}/requestBody",
                    f"{label} calls a workflow, so its requestBody is not sent",
                    "pass values to the workflow with parameters (they map to its inputs)",
                )
            calls_operation = "operationId" in step or "operationPath" in step
            calls_operation = calls_operation and "action" not in step  # 1.1: AsyncAPI steps
            if calls_operation and not step.get("successCriteria"):
                report.add(
                    "AZ260",
                    pointer,
                    f"{label} has no successCriteria: any status below 400 counts as success",
                    "add successCriteria such as: - condition: $statusCode == 200",
                )
