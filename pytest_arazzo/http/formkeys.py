"""Form keys in bracket notation: the one parser of ``a[b][0][c]`` and its inverse.

The notation Stripe (and Rails, PHP, OpenAPI ``deepObject``) use for nested form fields. A key is
a name followed by bracket groups; whatever a group holds is one part, dots included
(``metadata[order.id]`` is ``['metadata', 'order.id']``). A key that is not in this notation
(no brackets, or unbalanced ones) is a single part, as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_BRACKET_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])+)")
_GROUP = re.compile(r"\[([^\[\]]*)\]")


def split_key(key: str) -> list[str]:
    """``a[b][0][c]`` → ``['a', 'b', '0', 'c']``; any other key → ``[key]``."""
    match = _BRACKET_KEY.fullmatch(key)
    if not match:
        return [key]
    return [match.group(1), *_GROUP.findall(match.group(2))]


def join_key(parts: Sequence[str]) -> str:
    """``['a', 'b', '0', 'c']`` → ``a[b][0][c]`` (the inverse of :func:`split_key`)."""
    if not parts:
        raise ValueError("a form key needs at least one part")
    head, *rest = parts
    return head + "".join(f"[{part}]" for part in rest)
