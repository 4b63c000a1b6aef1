"""Static checks: every problem in an Arazzo file, found before anything is sent.

:func:`check_file` is what ``pytest --arazzo-check`` reports; :func:`check_workflow` is what an
item checks at setup (errors fail it before any request, warnings go to pytest's summary).
"""

from __future__ import annotations

from .diagnostics import Problem, sort_problems
from .plan import ArazzoFile


def check_workflow(file: ArazzoFile, workflow_id: str) -> list[Problem]:
    """Problems that concern one workflow (its own and its file's)."""
    return sort_problems(list(file.plan(workflow_id).problems))


def check_file(file: ArazzoFile) -> list[Problem]:
    """Every problem in the file."""
    problems = list(file.source_problems)
    for workflow_id in file.workflows:
        problems += file.plan(workflow_id).problems
    return sort_problems(problems)
