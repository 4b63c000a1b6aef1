"""Field rules: ``kind.part.part`` names for parts of a recorded HTTP message.

Used by the match ignore list (ini ``arazzo_match_ignore``) and by scrubbing (ini
``arazzo_scrub_fields``). Kinds: ``body`` (form, JSON or text body), ``form``, ``json``, ``query``,
``header`` (case-insensitive names), ``path`` (the URL path as a whole). Each part is a glob
(``fnmatch``), so ``body.metadata.*`` names every metadata field. Form and query keys in bracket
notation are split into parts by :mod:`formkeys`: ``metadata[run_id]`` is ``body.metadata.run_id``;
a dot inside brackets belongs to the key (``body.metadata[order.id]`` names ``order.id``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from pytest_arazzo.http.formkeys import split_key

KINDS: dict[str, frozenset[str]] = {
    "body": frozenset({"form", "json", "text"}),
    "form": frozenset({"form"}),
    "json": frozenset({"json"}),
    "text": frozenset({"text"}),
    "query": frozenset({"query"}),
    "header": frozenset({"header"}),
    "headers": frozenset({"header"}),
    "path": frozenset({"path"}),
}
_SEGMENT = re.compile(r"(?:[^.\[\]]+|\[[^\[\]]*\])+")


@dataclass(frozen=True)
class FieldRule:
    """One ``kind.a.b`` rule; matches a field of one of its kinds whose parts match the globs."""

    text: str
    kinds: frozenset[str]
    parts: tuple[str, ...]

    def matches(self, kind: str, parts: Sequence[str]) -> bool:
        """True when the field ``kind`` + ``parts`` is this rule's field or lies inside it."""
        if kind not in self.kinds or len(parts) < len(self.parts):
            return False
        if kind == "header":
            parts = tuple(part.lower() for part in parts)
        return all(fnmatchcase(part, glob) for part, glob in zip(parts, self.parts, strict=False))


def parse_rule(text: str) -> FieldRule:
    """``body.metadata.run_id`` → a rule; raises ValueError naming the valid kinds."""
    kind, _, rest = text.strip().partition(".")
    if kind not in KINDS or (not rest and kind != "path"):
        raise ValueError(
            f"field rule {text!r} must look like KIND.NAME with KIND one of "
            f"{', '.join(sorted(KINDS))} (or just 'path')"
        )
    parts = tuple(rule_parts(rest)) if rest else ()
    if kind in ("header", "headers"):
        parts = tuple(part.lower() for part in parts)
    return FieldRule(text.strip(), KINDS[kind], parts)


def parse_rules(lines: Iterable[str]) -> tuple[FieldRule, ...]:
    """Rules from ini lines (blank lines and ``#`` comments skipped; commas also separate)."""
    rules = []
    for line in lines:
        for item in line.split(","):
            item = item.strip()
            if item and not item.startswith("#"):
                rules.append(parse_rule(item))
    return tuple(rules)


def rule_parts(text: str) -> list[str]:
    """A rule's field name as parts: dots outside brackets separate, each segment is a form key
    (``items[0].price`` → ``['items', '0', 'price']``, ``m[a.b]`` → ``['m', 'a.b']``)."""
    parts: list[str] = []
    for segment in _SEGMENT.findall(text):
        parts += split_key(segment)
    return parts


def matches_any(rules: tuple[FieldRule, ...], kind: str, parts: Sequence[str]) -> bool:
    return any(rule.matches(kind, parts) for rule in rules)
