"""``document/media.py``: the nesting depth of JSON text is read without parsing it, and equals
the depth of the parsed value whatever its strings hold (brackets, quotes, escapes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_arazzo.document import media

TRICKY = st.sampled_from(['"', "\\", "[", "]", "{", "}", '\\"', "\\\\", "é", "\u2028", "a"])
TEXT = st.lists(TRICKY, max_size=6).map("".join)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=30,
)


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


@given(VALUES, st.booleans())
def test_text_depth_is_the_parsed_depth(value: Any, ascii_only: bool) -> None:
    assert media._depth(json.dumps(value, ensure_ascii=ascii_only)) == depth_of(value)


def test_too_deep_text_is_refused_before_parsing() -> None:
    deep = "[" * 201 + "]" * 201
    with pytest.raises(media.TooDeep):
        media.loads(deep)
    assert media.loads("[" * 200 + "]" * 200) is not None
