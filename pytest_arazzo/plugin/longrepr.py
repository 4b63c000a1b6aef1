"""A failure representation that pytest's summaries read: the full text for the failures
section, and a crash line (``file:line: reason``) for ``-r f`` and ``--tb=line``.

pytest has no public constructor for such a representation; these are the classes its own
reports use and pytest-xdist serializes between workers and the controller, so the one-line
reason survives ``-n``. They are imported here only.
"""

from __future__ import annotations

from _pytest._code.code import ReprExceptionInfo, ReprFileLocation, ReprTracebackNative

from pytest_arazzo.diagnostics.position import Position


def failure_repr(text: str, where: Position, line: str) -> ReprExceptionInfo:
    """``text`` printed as is; ``line`` is the one-line reason at ``where``."""
    crash = ReprFileLocation(where.file, where.line, line)
    return ReprExceptionInfo(
        reprtraceback=ReprTracebackNative(
            [text if text.endswith("\n") or not text else text + "\n"]
        ),
        reprcrash=crash,
    )
