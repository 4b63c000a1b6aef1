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
    for candidate in _readings(text):
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


def _readings(text: str) -> Iterator[str]:
    """``text`` as written, percent-/``+``-decoded (repeatedly), and its base64 tokens decoded."""
    seen: list[str] = []
    current = text
    for _ in range(MAX_DECODINGS + 1):
        if current in seen:
            break
        seen.append(current)
        yield current
        current = unquote_plus(current)
    for reading in list(seen):
        for token in _BASE64_TOKEN.findall(reading):
            decoded = _base64_text(token)
            if decoded is not None:
                yield decoded


def _base64_text(token: str) -> str | None:
    """A base64 (or URL-safe base64) token's text, or None when it is not text."""
    normal = token.rstrip("=").replace("-", "+").replace("_", "/")
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
