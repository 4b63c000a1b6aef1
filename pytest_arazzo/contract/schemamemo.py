"""OpenAPI schemas found usable by ``check_schema``, remembered by content.

Checking a schema against the Draft 2020-12 meta-schema (before compiling its validator) costs
tens of milliseconds per schema, in every process: most of a seed run's contract set-up. Its
answer depends only on the schema's content and the versions of ``jsonschema`` and
pytest-arazzo, so a schema found usable is remembered under a sha256 of all three: in memory,
and as an empty marker file in a folder of pytest's cache dir when the engine names one. A
schema that fails is checked (and its error raised) every time, never remembered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from pytest_arazzo import __version__
from pytest_arazzo.document.atomic import write_atomically

_KNOWN: set[str] = set()
_KNOWN_LIMIT = 10_000
_folder: list[Path] = []


def use_folder(folder: Path | None) -> None:
    """Remember usable schemas on disk under ``folder`` too (``None``: in memory only)."""
    _folder[:] = [folder] if folder is not None else []


def check_schema(schema: Any) -> None:
    """``Draft202012Validator.check_schema(schema)``, skipped for a schema found usable before;
    raises :class:`jsonschema.exceptions.SchemaError` as it does."""
    key = _key(schema)
    if key is not None and _known(key):
        return
    Draft202012Validator.check_schema(schema)
    if key is not None:
        _keep(key)


def _key(schema: Any) -> str | None:
    try:
        text = json.dumps(schema, sort_keys=True, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError):
        return None  # no canonical form: always checked
    meta = f"{__version__}\0{_jsonschema_version()}\0"
    return hashlib.sha256((meta + text).encode()).hexdigest()


@lru_cache(maxsize=1)
def _jsonschema_version() -> str:
    try:
        return version("jsonschema")
    except PackageNotFoundError:
        return "unknown"


def _known(key: str) -> bool:
    if key in _KNOWN:
        return True
    for folder in _folder:
        if (folder / f"{key}.ok").is_file():
            _remember(key)
            return True
    return False


def _keep(key: str) -> None:
    _remember(key)
    for folder in _folder:
        with contextlib.suppress(OSError):
            write_atomically(folder / f"{key}.ok", b"")


def _remember(key: str) -> None:
    if len(_KNOWN) >= _KNOWN_LIMIT:
        _KNOWN.clear()
    _KNOWN.add(key)
