"""Every file the plugin writes is written whole or not at all (document/atomic.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pytest_arazzo.document import atomic
from pytest_arazzo.document.atomic import write_atomically


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "cassette.yaml"
    target.write_text("old\n", encoding="utf-8")

    def full_disk(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, "new\n", durable=True)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cassette.yaml"]


def test_text_bytes_folders_and_mode(tmp_path: Path) -> None:
    text_file = tmp_path / "new" / "folder" / "a.json"
    write_atomically(text_file, '{"é": 1}', mode=0o644)
    assert text_file.read_bytes() == '{"é": 1}'.encode()
    assert stat.S_IMODE(os.stat(text_file).st_mode) == 0o644
    write_atomically(text_file, b"\x00\x01")
    assert text_file.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in text_file.parent.iterdir()) == ["a.json"]
