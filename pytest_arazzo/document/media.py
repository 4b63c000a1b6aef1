"""Media types: which content types carry JSON."""

from __future__ import annotations


def is_json_type(content_type: str | None) -> bool:
    bare = (content_type or "").split(";")[0].strip().lower()
    return bare == "application/json" or bare.endswith("+json")
