"""Unused files: inputs files and cassettes no collected item uses, listed after the run.

An inputs file (in ini ``arazzo_inputs_dir``) whose name matches no collected Arazzo file, and a
cassette (in ``arazzo_cassette_dir``) no collected item maps to, are named in the terminal summary
section ``arazzo: unused files`` with a did-you-mean to the nearest Arazzo file or cassette. They
are looked for only when the whole tree was collected: no node ids or files on the command line
(directories only, or none), no ``-k``/``-m``/``--deselect``/``--lf``, nothing deselected, not
under pytest-xdist (its controller collects nothing) and not with ``--arazzo-check``. With ini
``arazzo_strict_files = true`` an unused file makes the run exit non-zero (default: report only).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

__all__ = ["PLUGIN_NAME", "UnusedFiles"]

PLUGIN_NAME = "arazzo-unused-files"
SECTION = "arazzo: unused files"


class UnusedFiles:
    """Finds the unused files once collection is over; reports them at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.found: list[str] = []
        self.deselected = 0

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if "pytest_arazzo.plugin.items" not in sys.modules:
            return  # no Arazzo file was collected: nothing is unused, and the engine stays unloaded
        if not self._whole_tree(session):
            return
        from pytest_arazzo.diagnostics.text import did_you_mean
        from pytest_arazzo.execute.inputs import INPUT_SUFFIXES, spec_stem
        from pytest_arazzo.plugin.config import SETTINGS
        from pytest_arazzo.plugin.items import STATE

        arazzo = sorted({item.path for item in session.items if _is_arazzo(item)})
        if not arazzo or STATE not in self.config.stash:
            return
        settings = self.config.stash[SETTINGS]
        stem_set = {spec_stem(path) for path in arazzo}  # a set: 10,000 files stay linear
        stems = sorted(stem_set)
        for path in _files(settings.inputs_dir, INPUT_SUFFIXES, nested=False):
            if path.stem not in stem_set:
                hint = did_you_mean(path.stem, stems, list_known=False)
                self.found.append(self._line(path, "inputs file of no collected Arazzo file", hint))
        named = set(self.config.stash[STATE].claimed)  # as built: cassette folder / key / name
        folder = settings.cassette_dir
        others = [path for path in _files(folder, (".yaml",)) if path not in named]
        if not others:  # every cassette is a claimed path as built: nothing to resolve
            return
        claimed = {path.resolve() for path in named}
        root = folder.resolve()
        known = sorted(_under(path, root, path) for path in claimed)
        for path in others:
            if path.resolve() not in claimed:
                hint = did_you_mean(_under(path.resolve(), root, path), known, list_known=False)
                self.found.append(self._line(path, "cassette of no collected item", hint))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        strict = bool(self.config.getini("arazzo_strict_files"))
        if self.found and strict and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.found:
            return
        terminalreporter.section(SECTION)
        for line in self.found:
            terminalreporter.write_line(line)
        if self.config.getini("arazzo_strict_files"):
            terminalreporter.write_line("(these fail the run: arazzo_strict_files = true)")
        else:
            terminalreporter.write_line(
                "(reported only; ini arazzo_strict_files = true makes them fail the run)"
            )

    def _whole_tree(self, session: pytest.Session) -> bool:
        option = self.config.option
        if option.arazzo_check or hasattr(self.config, "workerinput"):
            return False
        if getattr(option, "numprocesses", None) or self.deselected:
            return False
        narrowed = option.keyword or option.markexpr or getattr(option, "deselect", None)
        if narrowed or getattr(option, "lf", False):
            return False
        return all("::" not in arg and Path(arg).is_dir() for arg in self.config.args)

    def _line(self, path: Path, what: str, hint: str) -> str:
        shown = _relative(path, self.config.rootpath)
        return f"{shown}: {what}" + (f" ({hint})" if hint else "")


def _is_arazzo(item: pytest.Item) -> bool:
    from pytest_arazzo.plugin.items import ArazzoFileCollector

    return isinstance(item.parent, ArazzoFileCollector)


def _files(folder: Path, suffixes: tuple[str, ...], nested: bool = True) -> list[Path]:
    """The files of ``folder`` (and its subfolders when ``nested``) ending in ``suffixes``."""
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if nested else folder.glob("*")
    return sorted(p for p in found if p.is_file() and p.name.endswith(suffixes))


def _relative(path: Path, folder: Path) -> str:
    return _under(path.resolve(), folder.resolve(), path)


def _under(resolved: Path, root: Path, path: Path) -> str:
    """``path`` (resolved: ``resolved``) relative to the resolved folder ``root``, or as is."""
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return str(path)
