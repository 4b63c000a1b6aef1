"""Structure findings remembered by content.

Validating a document against the Arazzo JSON Schema is the costliest static check (10-30 ms a
file with ``jsonschema``), and its result depends only on the document's data, the schema and the
plugin version. It is kept in memory for the process and, when the engine names a folder (pytest's
cache dir), on disk as JSON keyed by a sha256 of all three, so an unchanged file is validated once.
"The schema" is the bytes of the schema file and of the modules that turn its errors into findings
(:data:`_SHAPERS`), so editing either never replays stale findings, even at the same version.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pytest_arazzo import __version__
from pytest_arazzo.document.memo import ContentMemo

_PACKAGE = Path(__file__).resolve().parent.parent
#: What decides a structure finding besides the document: the modules that shape it.
_SHAPERS = ("checks/schema.py", "checks/structure.py", "diagnostics/codes.py")
_rules: dict[str, str] = {}  # schema file -> digest of its bytes and the shapers'

Rows = list[list[Any]]  # each finding as [code, path, message, hint, severity]


def _read(text: str) -> Rows | None:
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, list) and all(_is_row(row) for row in found) else None


_MEMO: ContentMemo[Rows] = ContentMemo(".json", json.dumps, _read)


def use_folder(folder: Path | None) -> None:
    """Keep findings on disk under ``folder`` too (``None``: memory only)."""
    _MEMO.use_folder(folder)


def key_of(schema_file: str, data: Any) -> str | None:
    """The content key of ``data`` checked against ``schema_file``; ``None`` when the data has
    no canonical JSON form (then nothing is remembered)."""
    try:
        text = json.dumps(data, sort_keys=True, allow_nan=False)  # ASCII: lone surrogates too
    except (TypeError, ValueError):
        return None
    digest = hashlib.sha256(f"{__version__}\0{_rules_of(schema_file)}\0{text}".encode())
    return digest.hexdigest()


def _rules_of(schema_file: str) -> str:
    """A digest of the schema file's bytes and of :data:`_SHAPERS` (read once a process)."""
    if schema_file not in _rules:
        digest = hashlib.sha256(schema_file.encode())
        for relative in ("schemas/" + schema_file, *_SHAPERS):
            try:
                digest.update((_PACKAGE / relative).read_bytes())
            except OSError:
                digest.update(b"\0missing")
        _rules[schema_file] = digest.hexdigest()
    return _rules[schema_file]


def recall(key: str) -> Rows | None:
    """The findings remembered under ``key``."""
    return _MEMO.recall(key)


def keep(key: str, rows: Rows) -> None:
    """Remember ``rows`` in memory and, atomically, on disk."""
    _MEMO.keep(key, rows)


def forget() -> None:
    """Empty the memory (as a new process starts); what is on disk stays."""
    _MEMO.forget()


def _is_row(row: Any) -> bool:
    return (
        isinstance(row, list)
        and len(row) == 5
        and isinstance(row[1], list)
        and all(isinstance(item, str) for item in (row[0], row[2], row[3], row[4]))
    )
