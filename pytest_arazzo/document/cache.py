"""Parsed Arazzo and inputs files by content: data and positions as JSON, keyed by a sha256.

Collection parses every Arazzo file and its inputs file (every pytest-xdist worker again), and
the YAML parse with positions is most of what collecting a file costs. A file whose exact text
was parsed before (by the same pytest-arazzo version) is read back from pytest's cache dir
instead: the same data, positions and duplicate keys, so every message reads as it did. The
file is read under the loader's guards first (a regular file, at most ``max_bytes``, UTF-8); a
text that fails to parse is never cached, and any miss or damaged entry parses as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pytest_arazzo import __version__
from pytest_arazzo.document.loader import MAX_BYTES, Document, LoadError, load_document, read_text

CACHE_FORMAT = 1


class DocumentCache:
    """Parsed documents by content; ``hits`` and ``stored`` count what it did (for tests)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.hits = 0
        self.stored = 0

    def load(self, path: Path, display: str = "", max_bytes: int = MAX_BYTES) -> Document:
        """:func:`~.loader.load_document`, from the cache when the same text was parsed before."""
        try:
            text = read_text(path, max_bytes)
        except LoadError:  # unreadable: the loader says why, in its words
            return load_document(path, display, max_bytes)
        key = f"{__version__}\0{CACHE_FORMAT}\0{path.suffix}\0{text}"
        entry = self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.json"
        found = _read_entry(entry)
        if found is not None:
            self.hits += 1
            data, positions, duplicates = found
            return Document(path, data, positions, duplicates, display)
        document = load_document(path, display, max_bytes)
        self._store(entry, document)
        return document

    def _store(self, entry: Path, document: Document) -> None:
        """Keep the parse if JSON holds the data exactly (else nothing is kept)."""
        try:
            data = json.dumps(document.data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return
        if json.loads(data) != document.data or not _same_types(json.loads(data), document.data):
            return
        record = {
            "positions": {pointer: list(at) for pointer, at in document.positions.items()},
            "duplicates": [list(duplicate) for duplicate in document.duplicate_keys],
        }
        text = f'{{"data": {data}, "more": {json.dumps(record, ensure_ascii=False)}}}'
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=self.directory)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temp, entry)  # atomic: xdist workers may store the same entry
        except OSError:
            with contextlib.suppress(NameError, OSError):
                Path(temp).unlink(missing_ok=True)
            return
        self.stored += 1


def _read_entry(
    entry: Path,
) -> tuple[Any, dict[str, tuple[int, int]], list[tuple[str, int, int]]] | None:
    """(data, positions, duplicate keys) of a cache entry; None if missing or damaged."""
    try:
        found = json.loads(entry.read_text(encoding="utf-8"))
        more = found["more"]
        positions = {str(key): (int(at[0]), int(at[1])) for key, at in more["positions"].items()}
        duplicates = [(str(d[0]), int(d[1]), int(d[2])) for d in more["duplicates"]]
        return found["data"], positions, duplicates
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        with contextlib.suppress(OSError):
            entry.unlink(missing_ok=True)  # damaged: parsed again and replaced
        return None


def _same_types(first: Any, second: Any) -> bool:
    """Equal values of the same JSON types all the way down (``1 == 1.0 == True`` in Python)."""
    if type(first) is not type(second):
        return False
    if isinstance(first, dict):
        return all(_same_types(value, second[key]) for key, value in first.items())
    if isinstance(first, list):
        return all(_same_types(a, b) for a, b in zip(first, second, strict=True))
    return True
