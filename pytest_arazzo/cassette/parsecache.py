"""A parse cache for cassettes: the parsed data of each cassette as JSON, keyed by the sha256 of
the file's bytes, in a folder of pytest's cache dir (``.pytest_cache/d/arazzo-cassettes``).

Replay loads one cassette per item; parsing the YAML (with positions, under the loader's guards)
costs milliseconds, reading JSON next to nothing. The cassette on disk stays the documented YAML:
the cache is a private copy of its parse, found again only for identical bytes (and the same
pytest-arazzo version). The file is still read under the same guards (a regular file of at most
``max_bytes``) before it is hashed. Positions are not cached: a cached document parses the file
again the first time a message asks where something is.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_arazzo import __version__
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.document.atomic import write_atomically
from pytest_arazzo.document.loader import Document

CACHE_FORMAT = 1


class CachedDocument(Document):
    """A document whose data came from the cache; positions are parsed on first use."""

    def __init__(self, path: Path, data: Any, parse: Callable[[], Document]) -> None:
        super().__init__(path, data)
        self._parse = parse
        self._full: Document | None = None

    def _parsed(self) -> Document:
        if self._full is None:
            self._full = self._parse()
        return self._full

    def locate(self, pointer: str) -> tuple[int, int]:
        return self._parsed().locate(pointer)

    def where(self, pointer: str = "") -> Position:
        return self._parsed().where(pointer)


class ParseCache:
    """Parsed cassettes by content; ``hits`` and ``stored`` count what it did (for tests)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.hits = 0
        self.stored = 0

    def document(self, path: Path, max_bytes: int, parse: Callable[[], Document]) -> Document:
        """The document of ``path``: from the cache when its bytes were parsed before, else
        ``parse()`` (whose errors propagate) and the result kept for next time."""
        raw = _read(path, max_bytes)
        if raw is None:  # not a small regular file: the loader says why
            return parse()
        digest = hashlib.sha256(f"{__version__}:{CACHE_FORMAT}:".encode() + raw).hexdigest()
        entry = self.directory / f"{digest}.json"
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except FileNotFoundError:
            pass
        except (OSError, ValueError):  # a damaged entry: parse again and replace it
            entry.unlink(missing_ok=True)
        else:
            self.hits += 1
            return CachedDocument(path, data, parse)
        document = parse()
        self._store(entry, document)
        return document

    def _store(self, entry: Path, document: Document) -> None:
        """Keep the data if JSON holds it exactly (YAML dates or integer keys would not)."""
        if document.duplicate_keys:
            return
        try:
            text = json.dumps(document.data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return
        if json.loads(text) != document.data:
            return
        try:
            write_atomically(entry, text)  # xdist workers may store the same entry
        except OSError:
            return
        self.stored += 1


def _read(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of a regular file of at most ``max_bytes``, or None (never blocks on a FIFO)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
                return None
            raw = stream.read(max_bytes + 1)
    except (OSError, ValueError):
        return None
    return raw if len(raw) <= max_bytes else None
