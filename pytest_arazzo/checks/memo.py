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
from pytest_arazzo.document.atomic import write_atomically

_MEMORY: dict[str, list[list[Any]]] = {}
_MEMORY_LIMIT = 10_000
_folder: list[Path] = []  # the on-disk folder, when one is in use
_PACKAGE = Path(__file__).resolve().parent.parent
#: What decides a structure finding besides the document: the modules that shape it.
_SHAPERS = ("checks/schema.py", "checks/structure.py", "diagnostics/codes.py")
_rules: dict[str, str] = {}  # schema file -> digest of its bytes and the shapers'


def use_folder(folder: Path | None) -> None:
    """Keep findings on disk under ``folder`` too (``None``: memory only)."""
    _folder[:] = [folder] if folder is not None else []


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


def recall(key: str) -> list[list[Any]] | None:
    """The findings remembered under ``key`` (each ``[code, path, message, hint, severity]``)."""
    if key in _MEMORY:
        return _MEMORY[key]
    for folder in _folder:
        try:
            found = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if isinstance(found, list) and all(_is_row(row) for row in found):
            _remember(key, found)
            return found
    return None


def keep(key: str, rows: list[list[Any]]) -> None:
    """Remember ``rows`` in memory and, atomically, on disk."""
    _remember(key, rows)
    for folder in _folder:
        try:
            write_atomically(folder / f"{key}.json", json.dumps(rows))
        except OSError:
            continue  # a read-only cache dir only costs speed


def _remember(key: str, rows: list[list[Any]]) -> None:
    if len(_MEMORY) >= _MEMORY_LIMIT:
        _MEMORY.clear()
    _MEMORY[key] = rows


def _is_row(row: Any) -> bool:
    return (
        isinstance(row, list)
        and len(row) == 5
        and isinstance(row[1], list)
        and all(isinstance(item, str) for item in (row[0], row[2], row[3], row[4]))
    )
