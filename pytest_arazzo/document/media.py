"""Media types: which content types carry JSON, and reading JSON text with a nesting bound."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

#: How deep JSON from a response, a request or a cassette may nest (files: the loader's bound).
MAX_JSON_DEPTH = 200

_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: one C loop per string
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class TooDeep(ValueError):
    """JSON text that nests deeper than :data:`MAX_JSON_DEPTH`; it is read as text instead."""


def is_json_type(content_type: str | None) -> bool:
    bare = (content_type or "").split(";")[0].strip().lower()
    return bare == "application/json" or bare.endswith("+json")


def loads(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses text nesting deeper than ``max_depth`` (a ValueError), so no
    walk of the value later can exceed Python's recursion limit."""
    if text.count("[") + text.count("{") > max_depth and _depth(text) > max_depth:
        raise TooDeep(f"JSON nests deeper than {max_depth} levels")
    return json.loads(text)


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects, strings skipped (regex substitutions and
    ``accumulate`` run in C: a response body is read on every step)."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets)), default=0))


def nests_deeper_than(value: Any, limit: int) -> bool:
    """Whether parsed data nests deeper than ``limit`` lists/objects (checked without recursion)."""
    stack = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(current, dict):
            stack.extend((child, depth + 1) for child in current.values())
        elif isinstance(current, list):
            stack.extend((child, depth + 1) for child in current)
    return False
