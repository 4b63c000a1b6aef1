"""Live-mode keys: the one place that says which credentials pytest-arazzo refuses to send or store.

Stripe's live secret, restricted and publishable keys (``sk_live_``, ``rk_live_``, ``pk_live_``)
are refused always; ini ``arazzo_refuse_keys`` adds patterns. Every pattern is a regex matched
against each *word* of a text (``^`` anchors at the start of a word), where a text is looked at as
written, percent-/``+``-decoded (form bodies, URLs) and with its base64 tokens decoded (Basic
auth). :func:`is_live_key` judges a credential value, :func:`find_live_key` any text about to be
sent or written; :func:`secret_variants` lists the forms a known secret takes in such texts.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from urllib.parse import quote, quote_plus, unquote_plus

DEFAULT_REFUSED = (r"^sk_live_", r"^rk_live_", r"^pk_live_")
MIN_SECRET = 4  # shorter values are not masked: they would mask unrelated text
MAX_DECODINGS = 3  # percent-decoding rounds (a value encoded twice is still found)

_WORD_SEPARATORS = re.compile(r"""[\s&=?/:;,'"{}\[\]()<>|\\+]+""")
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{11,}={0,2}")


@lru_cache(maxsize=32)
def compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The refused patterns, compiled once per distinct tuple."""
    return tuple(re.compile(pattern) for pattern in patterns)


_PLAIN = re.compile(r"\^?([A-Za-z0-9_-]+)")  # `^` then characters that only match themselves


@lru_cache(maxsize=32)
def literals(patterns: tuple[str, ...]) -> tuple[str, ...] | None:
    """When every pattern is plain text (``^sk_live_``): the text each one needs in a word, so a
    reading holding none of them is passed over without splitting it into words (every word
    is part of the reading); ``None`` when any pattern is a real regex (every word is tried)."""
    found = [_PLAIN.fullmatch(pattern) for pattern in patterns]
    return tuple(match.group(1) for match in found if match) if all(found) else None


CACHED_TEXT = 4096  # texts up to this length have their answer remembered (by content)


def find_live_key(text: str, patterns: tuple[str, ...] = DEFAULT_REFUSED) -> str | None:
    """The first word of ``text`` (in any of its decoded forms) that is a refused key, or None.

    The answer depends on the text and the patterns only: for short texts (the same header
    values, credentials and URLs go out request after request) it is remembered, keyed by both
    (a bounded LRU, never by anything that could go stale)."""
    if len(text) <= CACHED_TEXT:
        return _find_remembered(text, patterns)
    return _find(text, patterns)


@lru_cache(maxsize=2048)
def _find_remembered(text: str, patterns: tuple[str, ...]) -> str | None:
    return _find(text, patterns)


def _find(text: str, patterns: tuple[str, ...]) -> str | None:
    refused = compiled(patterns)
    needed = literals(patterns)
    for candidate in _readings(text, needed):
        if needed is not None and not any(literal in candidate for literal in needed):
            continue  # no word of this reading can match: each pattern needs its literal
        for word in (candidate, *_WORD_SEPARATORS.split(candidate)):
            for pattern in refused:
                match = pattern.search(word)
                if match:
                    return word[match.start() :]
    return None


def is_live_key(value: str, patterns: tuple[str, ...] = DEFAULT_REFUSED) -> bool:
    """True when a credential value is (or holds) a refused live-mode key."""
    return find_live_key(value, patterns) is not None


def masked(key: str) -> str:
    """A found key as it may be shown: its first eight characters (``sk_live_...``)."""
    return f"{key[:8]}..."


def _readings(text: str, needed: tuple[str, ...] | None = None) -> Iterator[str]:
    """``text`` as written, percent-/``+``-decoded (repeatedly), and its base64 tokens decoded;
    with ``needed`` (:func:`literals`), only the tokens whose text may hold one of them."""
    seen: list[str] = []
    current = text
    for _ in range(MAX_DECODINGS + 1):
        if current in seen:
            break
        seen.append(current)
        yield current
        current = unquote_plus(current)
    marks = None if needed is None else _base64_marks(needed)
    for reading in list(seen):
        for token in _BASE64_TOKEN.findall(reading):
            if marks is not None:
                normal = _normal(token)
                if not any(mark in normal for mark in marks):
                    continue
            decoded = _base64_text(token)
            if decoded is not None:
                yield decoded


@lru_cache(maxsize=32)
def _base64_marks(needed: tuple[str, ...]) -> tuple[str, ...]:
    """What the base64 form of any bytes holding one of the ``needed`` texts must contain.

    Base64 turns 3 bytes into 4 characters, so a text at byte offset ``o`` of the decoded bytes
    is encoded, whatever surrounds it, with the same characters for each ``o mod 3``: those
    whose 6 bits lie wholly inside the text. A token holding none of these marks cannot decode
    to one of the texts. A text too short to own a whole character gives ``''``: every token."""
    marks = []
    for literal in needed:
        data = literal.encode()
        for shift in range(3):
            encoded = base64.b64encode(bytes(shift) + data + bytes(3)).decode()
            first, end = -(-8 * shift // 6), 8 * (shift + len(data)) // 6  # whole characters
            marks.append(encoded[first:end])
    return tuple(marks)


def _normal(token: str) -> str:
    """A token in the standard base64 alphabet, without its padding."""
    return token.rstrip("=").replace("-", "+").replace("_", "/")


def _base64_text(token: str) -> str | None:
    """A base64 (or URL-safe base64) token's text, or None when it is not text."""
    normal = _normal(token)
    try:
        raw = base64.b64decode(normal + "=" * (-len(normal) % 4), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def secret_variants(secrets: Iterable[str]) -> list[str]:
    """Each secret with its URL-encoded and Basic-auth forms, longest first (for masking)."""
    return list(_variants(tuple(secrets)))


@lru_cache(maxsize=256)
def _variants(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`secret_variants`, remembered by the secrets themselves (the same credentials go
    with every request of a run)."""
    found: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        _, colon, password = secret.partition(":")
        forms = [secret, quote(secret, safe=""), quote_plus(secret)]
        forms += [base64.b64encode(f"{secret}:".encode()).decode().rstrip("=")]
        forms += [base64.b64encode(secret.encode()).decode().rstrip("=")]
        if colon and password:
            forms.append(password)
        found.update(form for form in forms if len(form) >= MIN_SECRET)
    return tuple(sorted(found, key=len, reverse=True))
