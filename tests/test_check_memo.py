"""Schema-check findings are remembered by content: an unchanged document is validated once."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_arazzo.checks import memo, structure
from pytest_arazzo.checks.report import Report
from pytest_arazzo.document.loader import parse_text

BROKEN = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: ./api.yaml, type: openapi}]
workflows:
- workflowId: w
  steps:
  - stepId: s
    operationId: op
    successCriteria: [{condition: $statusCode == 200}]
    unknownField: 1
"""


def findings(text: str, name: str = "a.arazzo.yml") -> list[str]:
    report = Report(parse_text(text, Path(name)))
    structure.check_structure(report)
    return [finding.problem.render() for finding in report.findings]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = structure._schema_errors

    def counting(schema_file: str, data: dict[str, object]) -> list[object]:
        calls.append(1)
        return original(schema_file, data)  # type: ignore[return-value]

    monkeypatch.setattr(structure, "_schema_errors", counting)
    memo.forget()
    memo.use_folder(None)
    return calls


def test_memo__same_content_is_validated_once_with_the_same_findings(counted: list[int]) -> None:
    first = findings(BROKEN, "a.arazzo.yml")
    second = findings(BROKEN, "b.arazzo.yml")
    assert len(counted) == 1
    assert first and any("unknownField" in line for line in first)
    assert second == [line.replace("a.arazzo.yml", "b.arazzo.yml") for line in first]
    findings(BROKEN.replace("unknownField", "otherField"))
    assert len(counted) == 2  # other content: validated again


def test_memo__kept_on_disk_and_a_damaged_entry_is_ignored(
    counted: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memo.use_folder(tmp_path)
    try:
        expected = findings(BROKEN)
        stored = list(tmp_path.glob("*.json"))
        assert len(stored) == 1
        memo.forget()  # a new process: memory is empty
        assert findings(BROKEN) == expected
        assert len(counted) == 1  # read back from disk
        stored[0].write_text("[not json")
        memo.forget()
        assert findings(BROKEN) == expected
        assert len(counted) == 2  # damaged: validated again, and rewritten
    finally:
        memo.use_folder(None)


def test_the_key_changes_when_the_rules_that_shape_findings_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Editing the schema file or a module that turns its errors into findings (at the same
    plugin version, as in a checkout) never replays findings remembered before the edit."""
    package = tmp_path / "pkg"
    for relative in ("schemas/s.json", *memo._SHAPERS):
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text("v1", encoding="utf-8")
    monkeypatch.setattr(memo, "_PACKAGE", package)
    monkeypatch.setattr(memo, "_rules", {})
    before = memo.key_of("s.json", {"a": 1})
    (package / "checks/schema.py").write_text("v2", encoding="utf-8")
    monkeypatch.setattr(memo, "_rules", {})
    assert memo.key_of("s.json", {"a": 1}) != before


def test_a_lone_surrogate_still_has_a_key() -> None:
    """Data read from JSON may hold a lone surrogate (``"\\ud800"``); it is keyed, not a crash."""
    assert memo.key_of("arazzo-1.0.schema.json", {"$ref": "\ud800"}) is not None
