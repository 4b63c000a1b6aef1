"""What checking a criterion returns, and how the values it saw are shown in messages.

A runtime value that cannot be resolved (no such output, no header, a pointer miss...) becomes
:class:`Missing`: conditions treat it as ``null`` and reports show ``<missing: reason>``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from pytest_arazzo.diagnostics.text import clip

__all__ = ["Missing", "Outcome", "show_value"]

_MAX_SHOWN = 200


class Missing:
    """A runtime value that could not be resolved; shown as ``<missing: reason>``."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"<missing: {self.reason}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Missing) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(self.reason)


def _json(value: Any) -> str:
    try:
        return json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def show_value(value: Any, limit: int = _MAX_SHOWN) -> str:
    """Render a value for messages: 'quoted' strings, JSON for the rest, truncated."""
    if isinstance(value, str):
        text = "'" + value.replace("'", "''") + "'"
    elif value is None or isinstance(value, (bool, int, float, dict, list)):
        text = _json(value)
    elif isinstance(value, ET.Element):
        text = ET.tostring(value, encoding="unicode")
    else:  # Missing and anything else: its repr
        text = repr(value)
    return clip(text, limit)


@dataclass
class Outcome:
    """The result of evaluating one criterion."""

    passed: bool
    condition: str
    observed: list[tuple[str, Any]] = field(default_factory=list)
    detail: str = ""
    type: str = "simple"
    context: str | None = None

    def describe(self) -> str:
        """One line, e.g. ``$statusCode == 200 with $statusCode = 402``."""
        if self.type == "simple":
            text = self.condition
            if self.observed:
                text += " with " + ", ".join(f"{s} = {show_value(v)}" for s, v in self.observed)
        else:
            text = f"{self.type} {show_value(self.condition)}"
            if self.context is not None:
                value = self.observed[0][1] if self.observed else Missing("not evaluated")
                text += f" on {self.context} = {show_value(value)}"
        return f"{text}: {self.detail}" if self.detail else text
