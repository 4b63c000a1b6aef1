"""Parsed files by content: data, duplicate keys and positions as JSON, keyed by a sha256.

Collection parses every Arazzo file and its inputs file (every pytest-xdist worker again), and
replay reads a cassette per item; the YAML parse with positions is most of what either costs. A
file whose exact text was parsed before (by the same pytest-arazzo version) is read back from
pytest's cache dir instead: the same data, positions and duplicate keys, so every message reads
as it did. The file is read once, under the loader's guards (a regular file, at most
``max_bytes``, UTF-8); a text that fails to parse is never cached, and any miss or damaged entry
parses as before. Positions are kept as JSON text and decoded only when a message asks where
something is (replay rarely does).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from pytest_arazzo import __version__
from pytest_arazzo.document.atomic import write_atomically
from pytest_arazzo.document.loader import MAX_BYTES, Document, LoadError, parse_text, read_text

CACHE_FORMAT = 2


class DocumentCache:
    """Parsed documents by content; ``hits`` and ``stored`` count what it did (for tests)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.hits = 0
        self.stored = 0

    def load(self, path: Path, display: str = "", max_bytes: int = MAX_BYTES) -> Document:
        """:func:`~.loader.load_document`, from the cache when the same text was parsed before;
        raises :class:`~.loader.LoadError` as it does."""
        try:
            text = read_text(path, max_bytes)
            key = f"{__version__}\0{CACHE_FORMAT}\0{path.suffix}\0{text}"
            entry = self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.json"
            found = _read_entry(entry)
            if found is not None:
                self.hits += 1
                return ReleasableDocument(path, display, entry, found)
            document = parse_text(text, path)
        except LoadError as error:
            raise error.moved(display or path) from None
        document.display = display
        if not self._store(entry, document):
            return document
        parts = (document.data, document.positions, document.duplicate_keys)
        return ReleasableDocument(path, display, entry, parts)

    def _store(self, entry: Path, document: Document) -> bool:
        """Keep the parse if JSON holds the data exactly (else nothing is kept: False)."""
        try:
            data = json.dumps(document.data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return False
        back = json.loads(data)
        if back != document.data or not _same_types(back, document.data):
            return False
        duplicates = json.dumps([list(duplicate) for duplicate in document.duplicate_keys])
        positions = {pointer: list(at) for pointer, at in document.positions.items()}
        lazy = json.dumps(json.dumps(positions, ensure_ascii=False), ensure_ascii=False)
        # positions as a JSON string inside the entry: decoded only when a message asks
        text = f'{{"data": {data}, "duplicates": {duplicates}, "positions": {lazy}}}'
        try:
            write_atomically(entry, text)  # xdist workers may store the same entry
        except OSError:
            return False
        self.stored += 1
        return True


Positions = dict[str, tuple[int, int]]
# data, positions (or their JSON text, not decoded yet), duplicate keys
Parts = tuple[Any, Positions | str, list[tuple[str, int, int]]]


class ReleasableDocument(Document):
    """A document whose parse the cache holds: :meth:`release` drops data and positions from
    memory (a collector does, once its items have run) and the next use reads them back from
    that same entry, so a session of thousands of files keeps only the files in use. The entry
    is keyed by the text the collector parsed: what is read back is that parse, never a newer
    file; should the entry be gone, the file is parsed again only if its text is unchanged."""

    def __init__(self, path: Path, display: str, entry: Path, parts: Parts) -> None:
        self.path, self.display, self.entry = path, display, entry
        self._parts: Parts | None = parts

    def release(self) -> None:
        self._parts = None

    def _get(self) -> Parts:
        if self._parts is None:
            self._parts = _read_entry(self.entry) or self._parse_unchanged()
        return self._parts

    def _parse_unchanged(self) -> Parts:
        cache = DocumentCache(self.entry.parent)
        document = cache.load(self.path, self.display)
        if not isinstance(document, ReleasableDocument) or document.entry != self.entry:
            raise LoadError(
                self.display or self.path,
                "the file changed on disk during the run (and its parse at collection is "
                "gone from pytest's cache dir)",
                code="AZ002",
            )
        return document._get()

    @property
    def data(self) -> Any:
        return self._get()[0]

    @property
    def positions(self) -> Positions:  # type: ignore[override]
        data, positions, duplicates = self._get()
        if isinstance(positions, str):
            decoded = _positions(positions)
            if decoded is None:  # a damaged entry: parsed again (if the text is unchanged)
                with contextlib.suppress(OSError):
                    self.entry.unlink(missing_ok=True)
                decoded = _decoded(self._parse_unchanged()[1])
            self._parts = (data, decoded, duplicates)
            return decoded
        return positions

    @property
    def duplicate_keys(self) -> list[tuple[str, int, int]]:  # type: ignore[override]
        return self._get()[2]


def _read_entry(entry: Path) -> Parts | None:
    """(data, positions as JSON text, duplicate keys) of a cache entry; None if missing or
    damaged (a damaged entry is removed, to be parsed again and replaced)."""
    try:
        found = json.loads(entry.read_text(encoding="utf-8"))
        positions = found["positions"]
        if not isinstance(positions, str):
            raise TypeError("positions")
        duplicates = [(str(d[0]), int(d[1]), int(d[2])) for d in found["duplicates"]]
        return found["data"], positions, duplicates
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        with contextlib.suppress(OSError):
            entry.unlink(missing_ok=True)
        return None


def _positions(text: str) -> Positions | None:
    """Positions from their JSON text; None if damaged."""
    try:
        found = json.loads(text)
        return {str(key): (int(at[0]), int(at[1])) for key, at in found.items()}
    except (ValueError, TypeError, IndexError, AttributeError):
        return None


def _decoded(positions: Positions | str) -> Positions:
    return (_positions(positions) or {}) if isinstance(positions, str) else positions


def _same_types(first: Any, second: Any) -> bool:
    """Equal values of the same JSON types all the way down (``1 == 1.0 == True`` in Python)."""
    if type(first) is not type(second):
        return False
    if isinstance(first, dict):
        return all(_same_types(value, second[key]) for key, value in first.items())
    if isinstance(first, list):
        return all(_same_types(a, b) for a, b in zip(first, second, strict=True))
    return True
