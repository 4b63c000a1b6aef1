"""Text for messages: clipping long text, showing values, suggesting close names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = ["clip", "did_you_mean", "kind_of", "show"]


def clip(text: str, limit: int, *, marker: str = "...") -> str:
    """``text`` itself when at most ``limit`` characters, else cut so that, with ``marker``
    appended, it is exactly ``limit`` characters long."""
    return text if len(text) <= limit else text[: max(limit - len(marker), 0)] + marker


def show(value: Any, limit: int = 60) -> str:
    """A value as a person reads it in a message: ``'abc'``, ``5``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        text = repr(value)
    elif isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    elif isinstance(value, list):
        return "a list" if value else "an empty list"
    else:
        text = type(value).__name__
    return clip(text.encode("ascii", "backslashreplace").decode("ascii"), limit)


def kind_of(value: Any) -> str:
    """``a string 'x'``, ``an integer (5)``, ``a list``... for "got ..." in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({show(value)})"
    if isinstance(value, int):
        return f"an integer ({show(value)})"
    if isinstance(value, float):
        return f"a number ({show(value)})"
    if isinstance(value, str):
        return f"a string ({show(value)})"
    return show(value)


def did_you_mean(
    name: str,
    known: Iterable[str],
    *,
    list_known: bool = True,
    ignore_case: bool = True,
    limit: int = 3,
    prefix: str = "",
) -> str:
    """A did-you-mean hint: a letter-case twin first, then close spellings, else the list.

    ``ignore_case`` compares spellings case-insensitively; ``limit`` caps the suggestions;
    ``prefix`` is put before each suggested name (e.g. ``$``); ``list_known=False`` gives ``""``
    instead of the list of known names when nothing is close.
    """
    known = [str(item) for item in known]
    for candidate in known:
        if candidate != name and candidate.lower() == name.lower():
            return f"did you mean '{prefix}{candidate}'? (differs only in letter case)"
    if ignore_case:
        lowered = {item.lower(): item for item in known}
        matches = difflib.get_close_matches(name.lower(), list(lowered), n=limit, cutoff=0.6)
        close = [lowered[item] for item in matches]
    else:
        close = difflib.get_close_matches(name, known, n=limit, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{prefix}{item}'" for item in close) + "?"
    if list_known and known:
        shown = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
        return f"known: {shown}"
    return ""
