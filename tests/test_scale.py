"""Fast at scale: validators compiled once per OpenAPI document, a light start, cached cassettes.

No test here is timed (timings live in ``benchmarks/``); each checks the mechanism that makes a
large run cheap, and fails if that mechanism breaks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pytest_arazzo.contract import compile as contract_compile
from tests.conftest import OPENAPI, ROOT, SEED

SHIPPED_CASSETTE = (
    ROOT / "fixtures/cassettes/stripe-create-and-finalize-invoice/create-and-finalize-invoice.yaml"
)
LEAN = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def copies_project(root: Path, count: int) -> None:
    """``count`` copies of the seed workflow sharing one OpenAPI file, each with its cassette."""
    (root / "specs" / "arazzo").mkdir(parents=True, exist_ok=True)
    (root / "specs" / "openapi").mkdir(parents=True, exist_ok=True)
    shutil.copy(OPENAPI, root / "specs" / "openapi" / OPENAPI.name)
    for index in range(count):
        shutil.copy(SEED, root / "specs" / "arazzo" / f"copy-{index}.arazzo.yml")
        cassettes = root / "fixtures" / "cassettes" / f"copy-{index}"
        cassettes.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHIPPED_CASSETTE, cassettes / SHIPPED_CASSETTE.name)


def count_compiles(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, files: int
) -> tuple[int, Counter[tuple[str, str, str]]]:
    """(SourceSchemas built, schema compilations per (file, pointer, direction)) of one run."""
    copies_project(pytester.path, files)
    built: list[Any] = []
    compiled: Counter[tuple[str, str, str]] = Counter()
    original_init = contract_compile.SourceSchemas.__init__
    original_compile = contract_compile.SourceSchemas._compile

    def init(self: Any, source: Any) -> None:
        built.append(source.root)
        original_init(self, source)

    def compile_(self: Any, location: Any, direction: str) -> Any:
        compiled[(location[0].path.name, location[1], direction)] += 1
        return original_compile(self, location, direction)

    with monkeypatch.context() as patch:
        patch.setattr(contract_compile.SourceSchemas, "__init__", init)
        patch.setattr(contract_compile.SourceSchemas, "_compile", compile_)
        result = pytester.runpytest("specs/", *LEAN)
    result.assert_outcomes(passed=files)
    return len(built), compiled


def test_validators_are_built_once_per_openapi_document(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_built, one = count_compiles(pytester, monkeypatch, 1)
    shutil.rmtree(pytester.path / "specs")
    shutil.rmtree(pytester.path / "fixtures")
    five_built, five = count_compiles(pytester, monkeypatch, 5)
    assert one_built == five_built == 1  # one OpenAPI document: one set of schemas
    assert one, "the seed's exchanges were not contract-checked"
    assert five == one  # five Arazzo files compile exactly what one does
    assert set(five.values()) == {1}  # and every schema once


def test_validators_are_shared_between_plans_of_one_cache() -> None:
    """Two Arazzo files planned through one SourceCache share the operation's checks."""
    from pytest_arazzo.contract.checker import ContractChecker
    from pytest_arazzo.document.loader import load_document
    from pytest_arazzo.document.sources import SourceCache
    from pytest_arazzo.plan.planner import ArazzoFile

    cache, checker = SourceCache(), ContractChecker()
    plans = [ArazzoFile(load_document(SEED), cache).plan(SEED_WORKFLOW) for _ in range(2)]
    first, second = (plan.steps[0].operation for plan in plans)
    assert first is not None and second is not None and first is not second
    assert checker.contract(first) is checker.contract(second)
    assert checker.built == 1
    other = ArazzoFile(load_document(SEED), SourceCache()).plan(SEED_WORKFLOW)
    assert other.steps[0].operation is not None
    assert checker.contract(other.steps[0].operation) is not checker.contract(first)


SEED_WORKFLOW = "create-and-finalize-invoice"

HEAVY = ("elementpath", "jsonpath_ng", "jsonpath_rfc9535", "hypothesis")
FUZZ = ("pytest_arazzo.fuzz.run", "pytest_arazzo.fuzz.strategies")

PROBE = """
import json, sys
stage = sys.argv[1]
if stage == "import":
    import pytest_arazzo.plugin.hooks
else:
    import pytest
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", sys.argv[2]]
    if stage == "collect":
        args.append("--collect-only")
    code = pytest.main(args)
    assert code == 0, code
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {names})))
"""


@pytest.mark.parametrize("stage", ["import", "collect", "run"])
def test_a_seed_run_loads_no_fuzzing_and_no_selector_engines(stage: str, tmp_path: Path) -> None:
    """Hypothesis and our fuzz modules load only with --arazzo-fuzz; XPath/JSONPath engines only
    for criteria of that type (the seed has none). Checked in a fresh interpreter."""
    copies_project(tmp_path, 1)
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    names = {name.split(".")[0] for name in (*HEAVY, "pytest_arazzo")}
    probe = textwrap.dedent(PROBE).replace("{names}", repr(names))
    found = subprocess.run(
        [sys.executable, "-c", probe, stage, "specs/"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 0, found.stdout + found.stderr
    loaded = set(json.loads(found.stdout.strip().splitlines()[-1]))
    assert not loaded & {*HEAVY, *FUZZ}
    if stage == "run":  # the probe does see what a run loads
        assert "pytest_arazzo.execute.runner" in loaded
