"""OpenAPI schemas found usable by ``check_schema``, remembered by content.

Checking a schema against the Draft 2020-12 meta-schema (before compiling its validator) costs
tens of milliseconds per schema, in every process: most of a seed run's contract set-up. Its
answer depends only on the schema's content and the versions of ``jsonschema`` and
pytest-arazzo, so a schema found usable is remembered under a sha256 of all three: in memory,
and as an empty marker file in a folder of pytest's cache dir when the engine names one. A
schema that fails is checked (and its error raised) every time, never remembered.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from pytest_arazzo import __version__
from pytest_arazzo.document.memo import ContentMemo

# an empty marker file per usable schema: its presence is the answer
_MEMO: ContentMemo[bool] = ContentMemo(".ok", lambda _: "", lambda _: True)


def use_folder(folder: Path | None) -> None:
    """Remember usable schemas on disk under ``folder`` too (``None``: in memory only)."""
    _MEMO.use_folder(folder)


def forget() -> None:
    """Empty the memory (as a new process starts); what is on disk stays."""
    _MEMO.forget()


def check_schema(schema: Any) -> None:
    """``Draft202012Validator.check_schema(schema)``, skipped for a schema found usable before;
    raises :class:`jsonschema.exceptions.SchemaError` as it does."""
    key = _key(schema)
    if key is not None and _MEMO.recall(key):
        return
    Draft202012Validator.check_schema(schema)
    if key is not None:
        _MEMO.keep(key, True)


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
