"""Answers remembered by content: in memory for the process and, when a folder is named
(pytest's cache dir), as one small file per answer, so the next run finds them too.

The caller makes the key (a sha256 of everything the answer depends on) and says how an answer
is written to and read from text; a file that does not read back (damaged, or from another
version) is no answer, and the caller works it out again. Memory holds at most ``limit``
answers (then it starts over), the folder one file per key, written atomically (pytest-xdist
workers may write the same key).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from pytest_arazzo.document.atomic import write_atomically

T = TypeVar("T")


class ContentMemo(Generic[T]):
    """Answers of type ``T`` by content key; ``suffix`` names the files in the folder."""

    def __init__(
        self,
        suffix: str,
        write: Callable[[T], str],
        read: Callable[[str], T | None],
        limit: int = 10_000,
    ) -> None:
        self.suffix, self._write, self._read, self.limit = suffix, write, read, limit
        self.memory: dict[str, T] = {}
        self.folder: Path | None = None

    def use_folder(self, folder: Path | None) -> None:
        """Keep answers on disk under ``folder`` too (``None``: memory only)."""
        self.folder = folder

    def forget(self) -> None:
        """Empty the memory (as a new process starts); what is in the folder stays."""
        self.memory.clear()

    def recall(self, key: str) -> T | None:
        """The answer remembered under ``key``, from memory or the folder; else ``None``."""
        if key in self.memory:
            return self.memory[key]
        if self.folder is None:
            return None
        try:
            text = (self.folder / f"{key}{self.suffix}").read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None
        found = self._read(text)
        if found is not None:
            self._remember(key, found)
        return found

    def keep(self, key: str, answer: T) -> None:
        """Remember ``answer`` in memory and, atomically, in the folder."""
        self._remember(key, answer)
        if self.folder is not None:
            with contextlib.suppress(OSError):  # a read-only cache dir only costs speed
                write_atomically(self.folder / f"{key}{self.suffix}", self._write(answer))

    def _remember(self, key: str, answer: T) -> None:
        if len(self.memory) >= self.limit:
            self.memory.clear()
        self.memory[key] = answer
