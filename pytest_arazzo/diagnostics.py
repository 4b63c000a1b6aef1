"""Problems found in a workflow file before anything is sent: code, severity, position, hint."""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Problem:
    """One diagnostic, printed the way a compiler prints it: ``file:line:col: error AZ201: ...``."""

    code: str
    severity: str
    message: str
    where: str
    hint: str = ""

    def render(self) -> str:
        text = f"{self.where}: {self.severity} {self.code}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Errors first, then by position in the file (numerically: line 9 before line 10)."""

    def key(problem: Problem) -> tuple[int, str, int, int]:
        parts = problem.where.rsplit(":", 2)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            return (SEVERITY_ORDER.get(problem.severity, 3), parts[0], int(parts[1]), int(parts[2]))
        return (SEVERITY_ORDER.get(problem.severity, 3), problem.where, 0, 0)

    return sorted(dict.fromkeys(problems), key=key)


def render_problems(problems: list[Problem]) -> str:
    return "\n".join(problem.render() for problem in sort_problems(problems))
