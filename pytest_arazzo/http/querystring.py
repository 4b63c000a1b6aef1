"""The ``in: querystring`` parameter (Arazzo 1.1.0 § Parameter Object; OpenAPI 3.2.0): "A parameter
that treats the entire URL query string as a single value".

- The value "MUST resolve to a string representing the complete query string (e.g.,
  ``"key1=value1&key2=value2"``)"; anything else fails the step (nothing is serialized for it).
- It "MUST match the media type format as expressed by the parameter's ``content`` field": for
  ``application/x-www-form-urlencoded`` (or when the operation gives no ``content``) the string is
  the query as written: ``&`` and ``=`` stay separators, characters a query cannot carry (space,
  ``#``, non-ASCII) are percent-encoded, ``%XX`` escapes are kept. A value substituted into it
  with ``{$...}`` is percent-encoded whole, so it can never add a field (as in form bodies).
  For any other media type (``application/json``...) the string is data: it is percent-encoded
  whole (``{"a":1}`` → ``%7B%22a%22%3A1%7D``).
- Other query parameters are not combined with it ("The ``querystring`` location cannot coexist
  with ``query`` parameters", a plan-time error); a credential sent in the query is appended.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from pytest_arazzo.http.encoding import EncodingError
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import UnresolvedError
from pytest_arazzo.language.templates import render
from pytest_arazzo.plan.model import ParamPlan
from pytest_arazzo.plan.payloads import FORM

__all__ = ["querystring"]

_QUERY_SAFE = "!$&'()*+,;=:@/?-._~%"  # RFC 3986 § 3.4 query characters (and '%' of escapes)
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _as_query(text: str) -> str:
    """``text`` as a query component: separators kept, the rest percent-encoded."""
    return quote(_STRAY_PERCENT.sub("%25", text), safe=_QUERY_SAFE)


def _is_form(param: ParamPlan) -> bool:
    media = (param.media_type or FORM).split(";")[0].strip().lower()
    return media == FORM


def querystring(param: ParamPlan, ctx: EvalContext) -> str:
    """The query string (without ``?``) for ``param``; ``""`` when its value is an input that
    was not given. Raises :class:`EncodingError` (not a string) or :class:`UnresolvedError`."""
    form = _is_form(param)
    if param.template is not None and form:
        pieces = []
        for part in param.template:
            if isinstance(part, str):
                pieces.append(_as_query(part))
            else:
                pieces.append(quote(render(part.evaluate(ctx)), safe=""))
        return "".join(pieces)
    try:
        value: Any = param.value.evaluate(ctx)
    except UnresolvedError as error:
        if error.is_absent_input:
            return ""
        raise
    if not isinstance(value, str):
        kind = "an object" if isinstance(value, dict) else type(value).__name__
        if isinstance(value, list):
            kind = "an array"
        raise EncodingError(
            f"an in: querystring value must resolve to a string (the complete query string, "
            f"e.g. 'key1=value1&key2=value2'; Arazzo 1.1 § Parameter Object), got {kind}"
        )
    return _as_query(value) if form else quote(value, safe="")
