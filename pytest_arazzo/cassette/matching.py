"""Replay matching: is the request a step sends now the one the cassette recorded?

Compared field by field: method, URL path, query, the headers the workflow sets, and the body
(form and JSON as structures, other bodies as text); the host is not compared. A recorded string
holding ``<scrubbed>`` matches any sent value in that place. Fields named in the ignore list (ini
``arazzo_match_ignore``, :mod:`fields` rules) are skipped, and so are ``Idempotency-Key``,
``Stripe-Version`` and ``Content-Length``, which the plugin itself adds or which follow the body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pytest_arazzo.cassette.fields import FieldRule, matches_any, parse_rules
from pytest_arazzo.cassette.scrub import SCRUBBED
from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.http.formkeys import split_key
from pytest_arazzo.http.messages import form_fields

ALWAYS_IGNORED = ("header.Idempotency-Key", "header.Stripe-Version", "header.Content-Length")
ABSENT = object()


@dataclass(frozen=True)
class Difference:
    """One field that differs: ``label: recorded X, sent Y``."""

    kind: str
    parts: tuple[str, ...]
    label: str
    recorded: Any
    sent: Any

    def render(self) -> str:
        if self.kind in ("method", "path"):
            return f"{self.label}: recorded {self.recorded}, sent {self.sent}"
        return f"{self.label}: recorded {_show(self.recorded)}, sent {_show(self.sent)}"


class RequestMatcher:
    """Diffs recorded and sent request records, minus ignored fields (built once per session)."""

    def __init__(self, ignore: Iterable[str] = ()) -> None:
        self.rules: tuple[FieldRule, ...] = parse_rules([*ALWAYS_IGNORED, *ignore])

    def differences(self, recorded: dict[str, Any], sent: dict[str, Any]) -> list[Difference]:
        found = differences(recorded, sent)
        return [d for d in found if not matches_any(self.rules, d.kind, d.parts)]

    def diff(self, recorded: dict[str, Any], sent: dict[str, Any]) -> list[str]:
        """The differences as ``field: recorded X, sent Y`` lines (empty: the request matches)."""
        return [difference.render() for difference in self.differences(recorded, sent)]


def differences(recorded: dict[str, Any], sent: dict[str, Any]) -> list[Difference]:
    """Every field-level difference between a recorded and a sent request record."""
    found: list[Difference] = []
    if recorded.get("method") != sent.get("method"):
        found.append(Difference("method", (), "method", recorded.get("method"), sent.get("method")))
    old_url, new_url = urlsplit(recorded["url"]), urlsplit(sent["url"])
    if not same(old_url.path, new_url.path):
        found.append(Difference("path", (), "path", old_url.path, new_url.path))
    if old_url.query != new_url.query:
        found += _flat_diff("query", form_fields(old_url.query), form_fields(new_url.query))
    old_headers, new_headers = recorded.get("headers") or {}, sent.get("headers") or {}
    if old_headers != new_headers:
        found += _header_diff(old_headers, new_headers)
    for kind in ("form", "json", "text"):
        old, new = recorded.get(kind, ABSENT), sent.get(kind, ABSENT)
        if (old is ABSENT and new is ABSENT) or old == new:
            continue
        if kind == "form" and isinstance(old, dict) and isinstance(new, dict):
            found += _flat_diff("form", old, new)
        else:
            found += _nested_diff(kind, (), old, new)
    return found


def same(recorded: Any, sent: Any) -> bool:
    """Equal, or a recorded string with ``<scrubbed>`` placeholders that matches the sent one."""
    if recorded == sent:
        return True
    if isinstance(recorded, str) and isinstance(sent, str) and SCRUBBED in recorded:
        return placeholder_match(recorded.split(SCRUBBED), sent)
    return False


def placeholder_match(pieces: list[str], sent: str) -> bool:
    """Whether ``sent`` is ``pieces`` joined by non-empty gaps (each ``<scrubbed>`` stands for
    at least one character), in linear time.

    Greedy left to right: each middle piece is taken at its first place that leaves a non-empty
    gap before it, the last piece must end the text. Taking the earliest place is always safe
    for gaps that accept any text, so there is no backtracking (a regex with ``.+?`` between the
    pieces took seconds for a value with 16 placeholders).
    """
    first, *middle, last = pieces
    if not sent.startswith(first):
        return False
    position = len(first)
    for piece in middle:
        found = sent.find(piece, position + 1)  # + 1: the gap before it is not empty
        if found < 0:
            return False
        position = found + len(piece)
    return len(sent) - len(last) > position and sent.endswith(last)


def _flat_diff(kind: str, old: dict[str, Any], new: dict[str, Any]) -> list[Difference]:
    """Form or query fields: flat keys in bracket notation (``metadata[run_id]``)."""
    found = []
    for key in dict.fromkeys([*old, *new]):
        before, after = old.get(key, ABSENT), new.get(key, ABSENT)
        if not _same_leaf(before, after):
            found.append(Difference(kind, tuple(split_key(key)), f"{kind}.{key}", before, after))
    return found


def _header_diff(old: dict[str, Any], new: dict[str, Any]) -> list[Difference]:
    lower_old = {str(k).lower(): (k, v) for k, v in old.items()}
    lower_new = {str(k).lower(): (k, v) for k, v in new.items()}
    found = []
    for key in dict.fromkeys([*lower_old, *lower_new]):
        name, before = lower_old.get(key, (None, ABSENT))
        other, after = lower_new.get(key, (None, ABSENT))
        if not _same_leaf(before, after):
            label = f"header.{name or other}"
            found.append(Difference("header", (key,), label, before, after))
    return found


def _nested_diff(kind: str, parts: tuple[str, ...], old: Any, new: Any) -> list[Difference]:
    """JSON (or text) compared as structures, down to the differing leaves."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in dict.fromkeys([*old, *new]):
            found += _nested_diff(
                kind, (*parts, str(key)), old.get(key, ABSENT), new.get(key, ABSENT)
            )
        return found
    if isinstance(old, list) and isinstance(new, list):  # lengths may differ: ABSENT pads
        found = []
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else ABSENT
            after = new[index] if index < len(new) else ABSENT
            found += _nested_diff(kind, (*parts, str(index)), before, after)
        return found
    if _same_leaf(old, new):
        return []
    label = ".".join([kind, *parts])
    return [Difference(kind, parts, label, old, new)]


def _same_leaf(old: Any, new: Any) -> bool:
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return all(same(a, b) for a, b in zip(old, new, strict=True))
    return same(old, new)


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return clip(text, 120)
