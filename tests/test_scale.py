"""Fast at scale: validators compiled once per OpenAPI document, a light start, cached cassettes.

No test here is timed (timings live in ``benchmarks/``); each checks the mechanism that makes a
large run cheap, and fails if that mechanism breaks.
"""

from __future__ import annotations

import contextlib
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
    ROOT
    / "fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice"
    / "create-and-finalize-invoice.yaml"
)
LEAN = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


SEED_INPUTS = (
    "create-and-finalize-invoice:\n  default:\n"
    "    customer: cus_PYTESTARAZZO01\n    amount: 2000\n    currency: usd\n"
)


def copies_project(root: Path, count: int) -> None:
    """``count`` copies of the seed workflow sharing one OpenAPI file, each with its cassette."""
    (root / "specs" / "arazzo").mkdir(parents=True, exist_ok=True)
    (root / "specs" / "openapi").mkdir(parents=True, exist_ok=True)
    fix = ("postInvoice Items", "postInvoiceItems")  # a space in an operationId is flagged
    (root / "specs" / "openapi" / OPENAPI.name).write_text(OPENAPI.read_text().replace(*fix))
    seed = SEED.read_text().replace(*fix)
    (root / "fixtures" / "inputs").mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (root / "specs" / "arazzo" / f"copy-{index}.arazzo.yml").write_text(seed)
        # the input set the shipped cassette was recorded with (replay compares the two)
        (root / "fixtures" / "inputs" / f"copy-{index}.yaml").write_text(SEED_INPUTS)
        cassettes = root / "fixtures" / "cassettes" / "specs" / "arazzo" / f"copy-{index}"
        cassettes.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHIPPED_CASSETTE, cassettes / SHIPPED_CASSETTE.name)


def count_compiles(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, files: int
) -> tuple[int, Counter[tuple[str, str, str]]]:
    """(how many SourceSchemas compiled validators, compilations per (file, pointer,
    direction)) in one run."""
    copies_project(pytester.path, files)
    compilers: set[int] = set()
    compiled: Counter[tuple[str, str, str]] = Counter()
    original_compile = contract_compile.SourceSchemas._compile

    def compile_(self: Any, location: Any, direction: str) -> Any:
        compilers.add(id(self))
        compiled[(location[0].path.name, location[1], direction)] += 1
        return original_compile(self, location, direction)

    with monkeypatch.context() as patch:
        patch.setattr(contract_compile.SourceSchemas, "_compile", compile_)
        result = pytester.runpytest("specs/", *LEAN)
    result.assert_outcomes(passed=files)
    return len(compilers), compiled


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


def test_planned_files_kept_per_session_are_bounded(tmp_path: Path) -> None:
    """Memory stays flat over thousands of files: a session keeps the plans of the last
    FILES_KEPT Arazzo files only, and a file still kept is never planned again."""
    from pytest_arazzo.document.loader import load_document
    from pytest_arazzo.engine.session import FILES_KEPT, SessionState
    from pytest_arazzo.engine.settings import RunSettings

    state = SessionState(RunSettings(rootdir=ROOT, cassette_dir=tmp_path, inputs_dir=tmp_path))
    documents = []
    for index in range(FILES_KEPT + 5):
        copy = tmp_path / f"copy-{index}.arazzo.yml"
        copy.write_text(SEED.read_text())
        documents.append(load_document(copy))
    first = state.arazzo_file(documents[0])
    assert state.arazzo_file(documents[0]) is first
    for document in documents[1:]:
        state.arazzo_file(document)
    assert len(state.files) == FILES_KEPT
    assert documents[0].path not in state.files  # the least recently used went first
    last = state.arazzo_file(documents[-1])
    assert state.arazzo_file(documents[-1]) is last
    assert state.arazzo_file(documents[0]) is not first  # planned again, from its document
    assert len(state.files) == FILES_KEPT


SEED_WORKFLOW = "create-and-finalize-invoice"

HEAVY = ("elementpath", "jsonpath_ng", "jsonpath_rfc9535", "hypothesis")
# replay builds recorded answers itself: ``responses`` (and its unittest.mock, asyncio) load only
# for an answer whose reading urllib3 would change (see transport/replay.py)
INDIRECT = ("responses",)
# the ``regex`` engine (time-limited matching) loads with the first pattern matched; the seed
# has no regex criterion and its OpenAPI description no ``pattern``
PATTERNS = ("regex",)
FUZZ = ("pytest_arazzo.fuzz.run", "pytest_arazzo.fuzz.strategies")
# the live transport, recording and the source fetcher load only when a run sends requests
LIVE = (
    "pytest_arazzo.transport.live",
    "pytest_arazzo.transport.recording",
    "pytest_arazzo.transport.fetch_sources",
)

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
    for criteria of that type (the seed has none); ``responses`` not for recorded answers; the
    ``regex`` engine not without a pattern to match; the live transport not in replay.
    Checked in a fresh interpreter."""
    copies_project(tmp_path, 1)
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    names = {name.split(".")[0] for name in (*HEAVY, *INDIRECT, *PATTERNS, "pytest_arazzo")}
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
    assert not loaded & {*HEAVY, *FUZZ, *INDIRECT, *PATTERNS, *LIVE}
    if stage == "run":  # the probe does see what a run loads
        assert "pytest_arazzo.execute.runner" in loaded


def test_a_project_without_arazzo_files_loads_no_engine(tmp_path: Path) -> None:
    """Installed beside other test suites, the plugin costs them nothing: a run that collects no
    Arazzo file imports none of the engine (only the plugin's hooks and options)."""
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    pass\n")
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    probe = textwrap.dedent(PROBE).replace("{names}", repr({"pytest_arazzo"}))
    found = subprocess.run(
        [sys.executable, "-c", probe, "run", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 0, found.stdout + found.stderr
    loaded = set(json.loads(found.stdout.strip().splitlines()[-1]))
    assert "pytest_arazzo.plugin.hooks" in loaded  # the probe does see the plugin
    engine = {name for name in loaded if name.split(".")[1:2] != ["plugin"]} - {
        "pytest_arazzo",
        "pytest_arazzo.engine",
        "pytest_arazzo.engine.settings",
        "pytest_arazzo.fuzz",
        "pytest_arazzo.fuzz.config",
        "pytest_arazzo.contract",
        "pytest_arazzo.contract.severity",
        "pytest_arazzo.http",
        "pytest_arazzo.http.keys",
        "pytest_arazzo.cassette",
        "pytest_arazzo.cassette.fields",
        "pytest_arazzo.http.formkeys",
        "pytest_arazzo.diagnostics",
        "pytest_arazzo.diagnostics.text",
        "pytest_arazzo.document",  # media.py only: the nesting bound the options check
        "pytest_arazzo.document.media",
    }
    assert not engine, sorted(engine)


# -- the cassette parse cache ------------------------------------------------------------------


def test_parse_cache_reads_a_cassette_parsed_before_without_parsing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pytest_arazzo.document.cache as module
    from pytest_arazzo.cassette.format import load_cassette
    from pytest_arazzo.document.cache import DocumentCache, ReleasableDocument
    from pytest_arazzo.document.loader import load_document

    cassette = tmp_path / "c.yaml"
    shutil.copy(SHIPPED_CASSETTE, cassette)
    parsed: list[str] = []
    original = module.parse_text

    def parse(text: str, path: Any = "<string>") -> Any:
        parsed.append(text)
        return original(text, path)

    monkeypatch.setattr(module, "parse_text", parse)
    first = DocumentCache(tmp_path / "cache").load(cassette)
    again = DocumentCache(tmp_path / "cache").load(cassette)  # a later session
    assert len(parsed) == 1 and isinstance(again, ReleasableDocument)
    assert again.data == first.data
    assert again.where("/interactions/1") == load_document(cassette).where("/interactions/1")
    assert len(parsed) == 1  # positions came from the entry, not from parsing again
    cassette.write_text(cassette.read_text().replace("amount: 2000", "amount: 2001", 1))
    cache = DocumentCache(tmp_path / "cache")
    assert load_cassette(cassette, cache=cache).inputs["amount"] == 2001
    assert len(parsed) == 2 and cache.hits == 0  # new bytes: parsed
    assert load_cassette(cassette, cache=cache).inputs["amount"] == 2001
    assert cache.hits == 1


def test_parse_cache_keeps_positions_in_messages_and_survives_damage(tmp_path: Path) -> None:
    from pytest_arazzo.cassette.format import CassetteError, load_cassette
    from pytest_arazzo.document.cache import DocumentCache

    cassette = tmp_path / "c.yaml"
    text = SHIPPED_CASSETTE.read_text()
    line = text[: text.index("- step:")].count("\n") + 1  # of the defective interaction
    cassette.write_text(text.replace("status: 200", "status: 999", 1))
    messages = []
    for _ in range(2):  # parsed, then from the cache: the same message, with its line
        cache = DocumentCache(tmp_path / "cache")
        with pytest.raises(CassetteError) as error:
            load_cassette(cassette, cache=cache)
        messages.append(str(error.value))
    assert cache.hits == 1 and messages[0] == messages[1]
    assert f"c.yaml:{line}:" in messages[0]
    for entry in (tmp_path / "cache").glob("*.json"):
        entry.write_text("{not json")
    cassette.write_text(text)
    assert load_cassette(cassette, cache=DocumentCache(tmp_path / "cache")).interactions


def test_parse_cache_does_not_keep_what_json_cannot_hold(tmp_path: Path) -> None:
    from pytest_arazzo.cassette.format import load_cassette
    from pytest_arazzo.document.cache import DocumentCache

    cache = DocumentCache(tmp_path / "cache")
    for name, text in (("nan.yaml", "a: .nan\n"), ("inf.yaml", "d: -.inf\n")):
        cassette = tmp_path / name
        cassette.write_text(text)
        with contextlib.suppress(Exception):  # not cassettes: only what was kept matters here
            load_cassette(cassette, cache=cache)
    assert cache.stored == 0 and not list((tmp_path / "cache").glob("*.json"))


def test_replay_reads_cassettes_from_pytests_cache_dir(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_arazzo.cassette import format as cassettes
    from pytest_arazzo.document.cache import DocumentCache

    copies_project(pytester.path, 2)
    (pytester.path / "specs" / "arazzo" / "copy-1.arazzo.yml").unlink()
    served: list[bool] = []
    original = cassettes._document

    def document(path: Path, max_bytes: int, cache: DocumentCache | None = None) -> Any:
        hits = cache.hits if cache is not None else -1
        found = original(path, max_bytes, cache)
        if cache is not None:
            served.append(cache.hits > hits)
        return found

    monkeypatch.setattr(cassettes, "_document", document)
    pytester.runpytest("specs/", "-p", "no:hypothesispytest").assert_outcomes(passed=1)
    assert list((pytester.path / ".pytest_cache/d/arazzo-cassettes").glob("*.json"))
    pytester.runpytest("specs/", "-p", "no:hypothesispytest").assert_outcomes(passed=1)
    assert served == [False, True]
    pytester.runpytest("specs/", *LEAN).assert_outcomes(passed=1)  # no cache dir: no cache
    assert served == [False, True]
