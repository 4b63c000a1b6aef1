"""Files written whole or not at all: a temporary file in the same folder, then ``os.replace``.

Every file the plugin writes (cassettes, stored source copies and their lock file, the parse and
check caches in pytest's cache dir) goes through :func:`write_atomically`, so a crash, a full
disk or two pytest-xdist workers writing the same entry never leave half a file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(
    path: Path, content: str | bytes, *, durable: bool = False, mode: int | None = None
) -> None:
    """Write ``content`` (text as UTF-8) to ``path``; raises :class:`OSError`, leaving no
    temporary file. ``durable`` syncs the data before the rename; ``mode`` sets permissions
    (``mkstemp`` creates files readable by their owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content.encode("utf-8") if isinstance(content, str) else content)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
