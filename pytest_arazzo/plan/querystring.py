"""Plan-time rules of the Arazzo 1.1 ``in: querystring`` parameter (§ Parameter Object); how it is
sent is :mod:`pytest_arazzo.http.querystring`.

- "The ``querystring`` location cannot coexist with ``query`` parameters in the same operation":
  a step (with its workflow's parameters) that has both, or two querystring parameters, is AZ265.
- "For ``querystring`` parameters, the value MUST resolve to a string": a literal object, array,
  number, boolean or null is AZ265 (an expression is checked when it is evaluated).
- A string with ``{$...}`` inside keeps its parts, so each substituted value can be encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_arazzo.language.errors import ExpressionError
from pytest_arazzo.language.templates import template_parts
from pytest_arazzo.plan.model import ParamPlan

__all__ = ["check_querystring", "querystring_template"]

Report = Callable[..., None]  # the planner's problem(code, pointer, message, hint)


def check_querystring(params: list[ParamPlan], pointer: str, report: Report) -> None:
    """AZ265 when a querystring parameter is not alone in the query."""
    whole = [param.name for param in params if param.location == "querystring"]
    single = [param.name for param in params if param.location == "query"]
    if len(whole) > 1:
        report(
            "AZ265",
            pointer,
            f"{len(whole)} in: querystring parameters ({', '.join(whole)}): each is the whole "
            "query string, so a request can have only one",
            "keep one querystring parameter and put every field in its value",
        )
    if single:
        report(
            "AZ265",
            pointer,
            f"in: querystring parameter '{whole[0]}' next to in: query parameter(s) "
            f"{', '.join(repr(name) for name in single)}: the querystring location cannot "
            "coexist with query parameters (Arazzo 1.1 § Parameter Object)",
            f"write the query fields into the value of '{whole[0]}' (a=1&b=2), or use only "
            "in: query parameters",
        )


def querystring_template(value: Any, pointer: str, report: Report) -> tuple[Any, ...] | None:
    """The parts of a templated querystring value (``None``: not a template); a literal that is
    not a string is reported."""
    if not isinstance(value, str):
        kind = {dict: "an object", list: "an array", bool: "a boolean"}.get(type(value))
        kind = kind or ("null" if value is None else type(value).__name__)
        report(
            "AZ265",
            f"{pointer}/value",
            f"an in: querystring value must be a string (the complete query string), got {kind}",
            "write it as text, e.g. value: 'filter=active&sort=desc' (or '{\"a\":1}' when the "
            "operation's content is application/json)",
        )
        return None
    if "{$" not in value:
        return None
    try:
        return template_parts(value)
    except ExpressionError:
        return None  # reported by the planner (AZ301)
