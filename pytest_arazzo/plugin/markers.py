"""``x-pytest-markers`` on a Workflow Object: pytest markers for the workflow's items.

Each entry is a marker name (``slow``, ``skip``), or a mapping of one name to its arguments:
keyword arguments as a mapping (``{xfail: {reason: flaky sandbox, strict: true}}``), positional
ones as a list, or one positional argument as a scalar (``{skip: not on CI}`` is a reason)::

    workflows:
      - workflowId: pay-invoice
        x-pytest-markers: [slow, stripe, {xfail: {reason: "the sandbox is flaky", strict: true}}]

Names are registered (``markers`` ini lines) when the file is collected, so ``--strict-markers``
accepts them and ``-m slow`` selects them. Any other shape fails the workflow's collection,
naming the file and line of the extension.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.text import clip

__all__ = ["EXTENSION", "MarkerError", "workflow_markers"]

EXTENSION = "x-pytest-markers"
SHAPES = (
    "a list of marker names or one-key mappings, e.g. [slow, {skip: {reason: why}}, "
    "{xfail: {reason: why, strict: true}}]"
)


class MarkerError(Exception):
    """An ``x-pytest-markers`` value this plugin cannot turn into markers."""


def workflow_markers(
    config: pytest.Config, workflow: Any, where: Position
) -> list[pytest.MarkDecorator]:
    """The markers ``workflow`` asks for (none without the extension), each name registered."""
    if not isinstance(workflow, dict) or EXTENSION not in workflow:
        return []
    value = workflow[EXTENSION]
    entries = [value] if isinstance(value, (str, dict)) and value else value
    if not isinstance(entries, list):
        raise MarkerError(_error(where, f"got {_shown(value)}"))
    marks = []
    for entry in entries:
        name, args, kwargs = _entry(entry, where)
        _register(config, name)
        marks.append(getattr(pytest.mark, name)(*args, **kwargs))
    return marks


def _entry(entry: Any, where: Position) -> tuple[str, list[Any], dict[str, Any]]:
    """(name, positional arguments, keyword arguments) of one entry."""
    if isinstance(entry, str):
        return _name(entry, where), [], {}
    if isinstance(entry, dict) and len(entry) == 1:
        name, given = next(iter(entry.items()))
        name = _name(name, where)
        if given is None:
            return name, [], {}
        if isinstance(given, dict):
            if not all(isinstance(key, str) and key.isidentifier() for key in given):
                raise MarkerError(_error(where, f"marker '{name}': argument names {list(given)}"))
            return name, [], dict(given)
        if isinstance(given, list):
            return name, list(given), {}
        return name, [given], {}
    raise MarkerError(_error(where, f"the entry {_shown(entry)}"))


def _name(name: Any, where: Position) -> str:
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise MarkerError(_error(where, f"the marker name {_shown(name)} (not a Python name)"))
    return name


def _register(config: pytest.Config, name: str) -> None:
    """Declare ``name`` (unless declared already) so ``--strict-markers`` accepts it."""
    known = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    if name not in known and name not in BUILTIN:
        config.addinivalue_line("markers", f"{name}: set by {EXTENSION} in an Arazzo file")


BUILTIN = frozenset({"skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings"})


def _error(where: Position, what: str) -> str:
    return (
        f"{where}: error: {EXTENSION} must be {SHAPES}; {what} is not\n"
        "    hint: write each marker as a name, or as {name: {keyword: value}}"
    )


def _shown(value: Any) -> str:
    return clip(f"{type(value).__name__} {value!r}", 80)
