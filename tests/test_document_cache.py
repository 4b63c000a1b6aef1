"""Collected files parsed once by content: the document read back from pytest's cache dir is the
one the parser gives (data, positions, duplicate keys), and anything doubtful parses again.

Arazzo 1.0.1 § Format: a document is JSON or YAML; where a value is (file:line:col) is part of
every message, so a cached parse must keep it exactly.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pytest_arazzo.document.cache import DocumentCache, ReleasableDocument
from pytest_arazzo.document.loader import Document, LoadError, load_document
from tests.conftest import SEED

TEXTS = {
    "dup.yaml": "a: 1\nb:\n  - x\n  - {y: 2.5, z: null}\na: 2\n",
    "doc.json": '{\n  "arazzo": "1.0.1",\n  "n": [1, 2.0, true, null, "é"]\n}\n',
    "anchors.yaml": "base: &b {x: 1}\none: *b\n",
}
POINTERS = {"dup.yaml": "/b/1/y", "doc.json": "/n/4", "anchors.yaml": "/one/x"}


def _same(first: Document, second: Document) -> None:
    for field in ("path", "data", "positions", "duplicate_keys", "display"):
        assert getattr(first, field) == getattr(second, field), field
    assert repr(first.data) == repr(second.data)  # 2.0 stays a float, true stays a bool


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_cached_parse__is_the_parse(name: str, tmp_path: Path) -> None:
    """§ Format: the second load comes from the cache and equals a fresh parse."""
    path = tmp_path / name
    path.write_text(TEXTS[name])
    cache = DocumentCache(tmp_path / "cache")
    first = cache.load(path, f"shown/{name}")
    second = cache.load(path, f"shown/{name}")
    assert (cache.stored, cache.hits) == (1, 1)
    _same(second, load_document(path, f"shown/{name}"))
    _same(first, second)
    pointer = POINTERS[name]
    assert str(second.where(pointer)) == str(first.where(pointer))
    assert second.where(pointer).line >= 1 and len(second.positions) > 3


def test_cached_parse__the_seed(tmp_path: Path) -> None:
    cache = DocumentCache(tmp_path / "cache")
    cache.load(SEED)
    _same(cache.load(SEED, "specs/seed"), load_document(SEED, "specs/seed"))
    assert cache.hits == 1


def test_cached_parse__keyed_by_text_not_by_path_or_time(tmp_path: Path) -> None:
    """An edited file is parsed again (same path, same size, same mtime or not)."""
    path = tmp_path / "w.yaml"
    path.write_text("a: 1\n")
    cache = DocumentCache(tmp_path / "cache")
    cache.load(path)
    stat = path.stat()
    path.write_text("a: 2\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.load(path).data == {"a": 2}
    assert cache.hits == 0


def test_cached_parse__what_json_cannot_hold_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "inf.yaml"
    path.write_text("a: .inf\nb: 1\n")
    cache = DocumentCache(tmp_path / "cache")
    assert cache.load(path).data["a"] == float("inf")
    assert cache.load(path).data["a"] == float("inf")
    assert (cache.stored, cache.hits) == (0, 0)


def test_cached_parse__errors_are_the_loaders_and_never_kept(tmp_path: Path) -> None:
    """§ Format: a file that cannot be read or parsed fails with the loader's own error."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    cache = DocumentCache(tmp_path / "cache")
    for path in (bad, tmp_path / "missing.yaml"):
        with pytest.raises(LoadError) as cached:
            cache.load(path, "shown.yaml")
        with pytest.raises(LoadError) as plain:
            load_document(path, "shown.yaml")
        assert str(cached.value) == str(plain.value)
        assert cached.value.code == plain.value.code
    assert cache.stored == 0


def test_cached_parse__damaged_entry_parses_again(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("a: 1\n")
    cache = DocumentCache(tmp_path / "cache")
    cache.load(path)
    (entry,) = (tmp_path / "cache").iterdir()
    for damage in ("{not json", '{"data": {"a": 1}}', '{"data": 1, "more": {"positions": 3}}'):
        entry.write_text(damage)
        assert cache.load(path).positions == load_document(path).positions
    assert cache.hits == 0


def test_cached_parse__damaged_positions_parse_again_when_asked(tmp_path: Path) -> None:
    """Positions are decoded only when a message asks where something is; if their part of the
    entry is damaged, the file is parsed again then (its text unchanged) and the entry replaced."""
    path = tmp_path / "w.yaml"
    path.write_text(TEXTS["dup.yaml"])
    cache = DocumentCache(tmp_path / "cache")
    cache.load(path)
    (entry,) = (tmp_path / "cache").iterdir()
    entry.write_text('{"data": {"a": 2, "b": []}, "duplicates": [], "positions": "{oops"}')
    damaged = cache.load(path)
    assert cache.hits == 1 and damaged.data == {"a": 2, "b": []}  # what the entry holds
    assert damaged.positions == load_document(path).positions
    assert cache.load(path).positions == load_document(path).positions  # the entry replaced


def test_cached_parse__a_miss_reads_the_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text read to find the entry is the text parsed (no second read that could differ)."""
    import pytest_arazzo.document.cache as module

    reads: list[Path] = []
    original = module.read_text

    def counting(path: Path, max_bytes: int = 1 << 20) -> str:
        reads.append(path)
        return original(path, max_bytes)

    monkeypatch.setattr(module, "read_text", counting)
    path = tmp_path / "w.yaml"
    path.write_text("a: 1\n")
    cache = DocumentCache(tmp_path / "cache")
    assert cache.load(path).data == {"a": 1} and cache.stored == 1
    assert cache.load(path).data == {"a": 1} and cache.hits == 1
    assert reads == [path, path]  # once per load, hit or miss


def test_collection_reads_parsed_files_from_pytests_cache_dir(pytester: pytest.Pytester) -> None:
    """A second run collects the seed (and its inputs file) from the cache; both runs pass."""
    from tests.test_scale import copies_project

    copies_project(pytester.path, 2)
    first = pytester.runpytest("specs/", "-p", "no:hypothesispytest")
    first.assert_outcomes(passed=2)
    folder = pytester.path / ".pytest_cache" / "d" / "arazzo-documents"
    assert len(list(folder.glob("*.json"))) == 2  # one Arazzo text, one inputs text
    second = pytester.runpytest("specs/", "-p", "no:hypothesispytest")
    second.assert_outcomes(passed=2)
    shutil.rmtree(folder)
    pytester.runpytest("specs/", "-p", "no:hypothesispytest").assert_outcomes(passed=2)


def test_released_document__reads_back_the_parse_it_released(tmp_path: Path) -> None:
    """Memory stays flat over thousands of files: a released parse is read back from its cache
    entry on next use, the same data and positions, never a newer file."""
    path = tmp_path / "w.yaml"
    path.write_text(TEXTS["dup.yaml"])
    cache = DocumentCache(tmp_path / "cache")
    for _ in range(2):  # stored, then a hit: both releasable
        document = cache.load(path, "w.yaml")
        assert isinstance(document, ReleasableDocument)
        document.release()
        assert document._parts is None
        _same(document, load_document(path, "w.yaml"))
    document.release()
    document.entry.unlink()  # the entry is gone, the file unchanged: parsed again
    _same(document, load_document(path, "w.yaml"))
    document.release()
    document.entry.unlink()
    path.write_text("a: changed\n")  # gone and changed: never the new text in its place
    with pytest.raises(LoadError, match="changed on disk during the run"):
        _ = document.data


def test_collectors_release_their_files_once_their_items_ran(pytester: pytest.Pytester) -> None:
    """Once collected, and after the run, no Arazzo file keeps its parse in memory; reading an
    item's document again gives the collected workflow."""
    from tests.test_scale import copies_project

    copies_project(pytester.path, 3)
    seen: list[pytest.Item] = []

    class Watch:
        def pytest_collection_finish(self, session: pytest.Session) -> None:
            seen.extend(session.items)
            held = [item.spec.document._parts for item in session.items]  # type: ignore[attr-defined]
            assert held == [None] * len(held)  # released once collected

    pytester.runpytest("specs/", "-p", "no:hypothesispytest").assert_outcomes(passed=3)  # warm
    result = pytester.inline_run("specs/", "-p", "no:hypothesispytest", plugins=[Watch()])
    result.assertoutcome(passed=3)
    documents = [item.spec.document for item in seen]  # type: ignore[attr-defined]
    assert len(documents) == 3
    assert all(isinstance(d, ReleasableDocument) and d._parts is None for d in documents)
    assert all(d.data["workflows"][0]["workflowId"] for d in documents)
