"""Where something stands in a file: file, line, column and JSON Pointer, kept as data.

A :class:`Position` is rendered only when printed (``str(position)``), the way compilers print
it: ``specs/x.arazzo.yml:46:5``, or just the file name when the line is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Position:
    """A place in a file. ``line``/``column`` are 1-based; 0 means unknown.

    ``pointer`` is the JSON Pointer the position was asked for (it may be deeper than the node
    that has the line and column); it is informative only and does not take part in equality,
    so two reports at the same place are the same place. Positions order by file, then
    numerically by line and column (line 9 before line 10).
    """

    file: str
    line: int = 0
    column: int = 0
    pointer: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file
