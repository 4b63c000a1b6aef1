"""The package's stages depend on each other in one direction only, down the pipeline.

Each stage folder may import the stages listed before it, never one listed after it: a
newcomer reading ``plan/`` never has to know about ``transport/``, and the engine (everything
but ``plugin/``) never imports pytest. Imports inside ``if TYPE_CHECKING:`` count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pytest_arazzo

PACKAGE = Path(pytest_arazzo.__file__).resolve().parent

#: Lowest first. A module may import its own stage and any stage before it.
LAYERS = (
    "diagnostics",  # problem codes, positions, words shared by every stage
    "document",  # load YAML/JSON with positions, JSON pointers, source descriptions
    "language",  # runtime expressions, conditions, criteria
    "plan",  # workflows compiled to plain-data plans
    "http",  # requests built from a plan: encoding, servers, credentials
    "cassette",  # the recorded-exchange format, matching, scrubbing
    "transport",  # live, recording and replay transports, network guard, throttle
    "execute",  # runs a plan step by step; failures
    "contract",  # OpenAPI contract checks of every exchange
    "checks",  # static checks of an Arazzo document
    "engine",  # one workflow run in a mode (replay, live, record): the public API
    "report",  # step traces, failing exchanges, curl lines, HAR traces, JSON results
    "fuzz",  # Hypothesis fuzzing of workflow inputs
    "plugin",  # pytest: hooks, options, items
)
TOP_LEVEL = {"__init__"}  # the package's public surface re-exports the engine lazily


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "pytest_arazzo" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
                base = list(package[: len(package) - node.level + 1])
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module == "pytest_arazzo":  # from pytest_arazzo import x: x is a stage
                found += [(node.lineno, f"pytest_arazzo.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "schemas" not in p.parts)


def test_layers__every_stage_folder_is_listed() -> None:
    """A new folder must be placed in the order, so the rule keeps covering everything."""
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(LAYERS)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers__imports_point_down_the_pipeline(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if own in TOP_LEVEL:
        return
    rank = LAYERS.index(own)
    upward = [
        f"line {line}: imports {module} ({_stage(module)} comes after {own})"
        for line, module in _imports(path)
        if _stage(module) in LAYERS and LAYERS.index(str(_stage(module))) > rank
    ]
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers__only_the_plugin_imports_pytest(path: Path) -> None:
    if path.relative_to(PACKAGE).parts[0] == "plugin":
        return
    pytest_imports = [
        f"line {line}: imports {module}"
        for line, module in _imports(path)
        if module.split(".")[0] in ("pytest", "_pytest", "pluggy")
    ]
    assert not pytest_imports, "\n".join(pytest_imports)
