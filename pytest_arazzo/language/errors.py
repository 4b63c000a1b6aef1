"""What can go wrong in the language stage: a malformed expression or criterion, a missing value.

:class:`ExpressionError` and :class:`CriterionError` are raised while compiling (plan time);
:class:`UnresolvedError` while evaluating a well-formed expression that has no value yet.
"""

from __future__ import annotations

__all__ = ["CriterionError", "ExpressionError", "UnresolvedError"]


class ExpressionError(ValueError):
    """A malformed runtime expression; ``position`` is the 0-based offset of the problem."""

    def __init__(self, expression: str, position: int, message: str) -> None:
        self.expression = expression
        self.position = position
        self.message = message
        super().__init__(
            f"invalid runtime expression {expression!r} at position {position}: {message}"
        )


class UnresolvedError(LookupError):
    """A well-formed expression with no value at run time."""

    def __init__(self, expression: str, reason: str, *, is_absent_input: bool = False) -> None:
        self.expression = expression
        self.reason = reason
        self.is_absent_input = is_absent_input
        super().__init__(f"cannot resolve {expression}: {reason}")


class CriterionError(ValueError):
    """A malformed Criterion Object; ``field`` is ``condition``, ``context`` or ``type``."""

    def __init__(
        self, field: str, message: str, *, source: str | None = None, position: int | None = None
    ) -> None:
        self.field = field
        self.message = message
        self.source = source
        self.position = position
        where = ""
        if source is not None:
            where = f" {source!r}" + (f" at position {position}" if position is not None else "")
        super().__init__(f"invalid criterion {field}{where}: {message}")
