"""Contract violations: how they are worded, clipped and reported (errors, or warnings once)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

MAX_VIOLATIONS = 8  # per checked part; the rest are counted
MAX_MESSAGE = 300


class ContractWarning(UserWarning):
    """A contract violation reported as a warning (ini ``arazzo_contract = warning``)."""


def render_violations(errors: Sequence[tuple[str, str]], label: str, at: str) -> list[str]:
    """``request body at $.amount: ...`` lines for ``(json path, message)`` errors; ``at`` is
    what separates the label from the path (``""``: the root path is left out)."""
    lines = []
    for path, message in errors[:MAX_VIOLATIONS]:
        where = f"{at}{path}" if at else ("" if path == "$" else f" at {path}")
        lines.append(f"{label}{where}: {message}")
    if len(errors) > MAX_VIOLATIONS:
        lines.append(f"{label}: {len(errors) - MAX_VIOLATIONS} more violation(s)")
    return lines


def warn_once(problems: list[str], message: str) -> None:
    """Warn ``message`` (a schema or document that cannot be used) once per operation."""
    if message not in problems:
        problems.append(message)
        warnings.warn(ContractWarning(message), stacklevel=3)
