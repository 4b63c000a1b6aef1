"""pytest-arazzo: run Arazzo workflow files as pytest tests, or from plain Python.

The public engine API (no pytest involved)::

    import pytest_arazzo as arazzo

    plan = arazzo.plan_workflow(arazzo.load("specs/x.arazzo.yml"), "my-workflow")
    cassette = arazzo.replay("fixtures/cassettes/specs/x/my-workflow.yaml")
    result = arazzo.run(plan, transport=cassette)

:func:`load`, :func:`plan_workflow`, :func:`run`, :func:`record`, :func:`replay`, :func:`live`
and the types :class:`Document`, :class:`WorkflowPlan`, :class:`RunResult`,
:class:`WorkflowFailure` are loaded on first use, so importing the package (as pytest does for
the plugin) stays cheap.
The stages live in one folder each: ``document/`` → ``language/`` → ``plan/`` → ``http/`` →
``transport/`` → ``execute/``; ``plugin/`` is the pytest client.

PYTEST_DONT_REWRITE: the plugin makes no assertions for pytest to rewrite; this marker keeps
pytest from warning that the already-imported package "cannot be rewritten" (e.g. in pytester runs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pytest_arazzo.engine.api import (
        Document,
        RunResult,
        WorkflowFailure,
        WorkflowPlan,
        live,
        load,
        plan_workflow,
        record,
        replay,
        run,
    )

__all__ = [
    "Document",
    "RunResult",
    "WorkflowFailure",
    "WorkflowPlan",
    "__version__",
    "live",
    "load",
    "plan_workflow",
    "record",
    "replay",
    "run",
]


def __getattr__(name: str) -> Any:
    """Load the engine API on first use (PEP 562)."""
    if name in __all__:
        from pytest_arazzo.engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'pytest_arazzo' has no attribute {name!r}")
