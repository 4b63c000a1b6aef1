"""Where ``regex``, ``jsonpath`` and ``xpath`` criteria are compiled and checked (Arazzo 1.0.1,
"Criterion Object", "Criterion Expression Type Object").

- ``regex``: a search of the condition (Python ``re`` syntax) in the context value, stopped
  after :data:`.regexes.TIMEOUT` seconds (a failed criterion, never a hang); non-strings are
  rendered (numbers plainly, ``true``/``false``/``null``, compact JSON for objects and arrays).
- ``jsonpath``: RFC 9535 via ``jsonpath_rfc9535`` with the context value as ``$``; passes when
  the query selects at least one node. ``{type: jsonpath, version:
  draft-goessner-dispatch-jsonpath-00}`` uses ``jsonpath_ng.ext``. A failed RFC 9535 root filter
  on an object gets a hint (filters select the root's *children*).
- ``xpath``: ``elementpath`` on the context value parsed as XML; XPath 3.1 by default, or the
  ``xpath-30``/``xpath-20``/``xpath-10`` version. A boolean result is the outcome; a sequence
  passes when non-empty.

Arazzo 1.1 documents (``rules="1.1"``, 1.1.0 § Condition Evaluation) differ in three places: a
``null`` context fails a ``regex`` or ``jsonpath`` condition (1.0 renders it as ``null`` / uses it
as the root); an XPath result is judged by the XPath version's Effective Boolean Value (a sequence
of two or more atomic values, or a map, is an evaluation error, so the condition fails saying so);
and the Expression Type Object also names the defaults ``rfc9535`` and ``xpath-31``.

The query libraries load when a criterion of their type is compiled, never before: most
workflows never need them, and pytest loads this plugin in every run, so importing them up front
would tax every test session.
"""

from __future__ import annotations

import importlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any

from pytest_arazzo.language import regexes
from pytest_arazzo.language.compare import is_nan, is_number
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import CriterionError, UnresolvedError
from pytest_arazzo.language.evaluate import Expression
from pytest_arazzo.language.outcome import Missing, Outcome, show_value
from pytest_arazzo.language.templates import render

__all__ = [
    "GOESSNER",
    "VERSIONS",
    "VERSIONS_1_1",
    "Check",
    "compile_goessner",
    "compile_jsonpath",
    "compile_regex",
    "compile_rfc9535",
    "compile_xpath",
    "compile_xpath_selector",
    "xml_root",
    "xpath_parser",
]

Check = Callable[[EvalContext], Outcome]

GOESSNER = "draft-goessner-dispatch-jsonpath-00"
#: The ``version`` values a Criterion Expression Type Object may name, per type.
VERSIONS = {"jsonpath": (GOESSNER,), "xpath": ("xpath-30", "xpath-20", "xpath-10")}
#: The same in an Arazzo 1.1 document (1.1.0 § Expression Type Object names the defaults too).
VERSIONS_1_1 = {
    "jsonpath": ("rfc9535", GOESSNER),
    "xpath": ("xpath-31", "xpath-30", "xpath-20", "xpath-10"),
}
_XPATH_PARSERS = {
    None: "elementpath.xpath31:XPath31Parser",
    "xpath-31": "elementpath.xpath31:XPath31Parser",
    "xpath-30": "elementpath.xpath30:XPath30Parser",
    "xpath-20": "elementpath:XPath2Parser",
    "xpath-10": "elementpath:XPath1Parser",
}


def _rfc9535() -> Any:
    import jsonpath_rfc9535

    return jsonpath_rfc9535


def _goessner() -> Any:
    import jsonpath_ng.ext

    return jsonpath_ng.ext


def _elementpath() -> Any:
    import elementpath

    return elementpath


def xpath_parser(version: str | None) -> Any:
    """The elementpath parser class of an XPath version (``None``: XPath 3.1), loaded now."""
    module_name, _, name = _XPATH_PARSERS[version].partition(":")
    return getattr(importlib.import_module(module_name), name)


def _context_value(context: Expression, ctx: EvalContext) -> Any:
    try:
        return context.evaluate(ctx)
    except UnresolvedError as exc:
        return Missing(exc.reason)


def _fail_null(condition: str, label: str, context: Expression) -> Outcome:
    """Arazzo 1.1: "If the context evaluates to null or undefined, the condition MUST evaluate
    to fail"."""
    return Outcome(
        False,
        condition,
        [(context.source, None)],
        "the context is null (Arazzo 1.1: a null context fails the condition)",
        label,
        context.source,
    )


def _fail_missing(condition: str, label: str, context: Expression, value: Missing) -> Outcome:
    return Outcome(
        False,
        condition,
        [(context.source, value)],
        f"the context has no value ({value.reason})",
        label,
        context.source,
    )


# --------------------------------------------------------------------------------------------
# regex


def compile_regex(
    condition: str, version: str | None, context: Expression, rules: str = "1.0"
) -> Check:
    """A check that ``condition`` matches somewhere in the rendered context value."""
    try:
        regexes.compiled(condition)
    except re.error as exc:
        raise CriterionError(
            "condition",
            f"invalid regular expression: {exc.msg}",
            source=condition,
            position=exc.pos,
        ) from None

    def check(ctx: EvalContext) -> Outcome:
        value = _context_value(context, ctx)
        if isinstance(value, Missing):
            return _fail_missing(condition, "regex", context, value)
        if value is None and rules == "1.1":
            return _fail_null(condition, "regex", context)
        try:
            passed = regexes.search(condition, render(value))
        except regexes.RegexTimeout as exc:
            return Outcome(False, condition, [(context.source, value)], str(exc), "regex")
        return Outcome(
            passed,
            condition,
            [(context.source, value)],
            "" if passed else "no match",
            "regex",
            context.source,
        )

    return check


# --------------------------------------------------------------------------------------------
# JSONPath


def compile_goessner(condition: str) -> Any:
    try:
        return _goessner().parse(condition)
    except Exception as exc:  # jsonpath_ng raises several unrelated exception types
        raise CriterionError(
            "condition", f"invalid JSONPath ({GOESSNER}): {exc}", source=condition
        ) from None


def compile_rfc9535(condition: str) -> Any:
    try:
        return _rfc9535().compile(condition)
    except _rfc9535().JSONPathError as exc:
        token = getattr(exc, "token", None)
        raise CriterionError(
            "condition",
            f"invalid JSONPath (RFC 9535): {getattr(token, 'message', None) or exc}",
            source=condition,
            position=getattr(token, "index", None),
        ) from None


def compile_jsonpath(
    condition: str, version: str | None, context: Expression, rules: str = "1.0"
) -> Check:
    """A check that the JSONPath query selects at least one node of the context value."""
    label = version or "jsonpath"
    query = compile_goessner(condition) if version == GOESSNER else compile_rfc9535(condition)
    hinted = version in (None, "rfc9535")

    def check(ctx: EvalContext) -> Outcome:
        value = _context_value(context, ctx)
        if isinstance(value, Missing):
            return _fail_missing(condition, label, context, value)
        if value is None and rules == "1.1":
            return _fail_null(condition, label, context)
        count = len(query.find(value))
        if count:
            detail = f"query returned {count} node{'s' if count != 1 else ''}"
        else:
            detail = "query returned no nodes"
            if hinted:
                detail += _filter_hint(condition, value, context.source)
        return Outcome(
            count > 0, condition, [(context.source, value)], detail, label, context.source
        )

    return check


_COUNT_FILTER = re.compile(
    r"\$\[\?\s*count\(\s*@\.([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*(?:>\s*0|>=\s*1|!=\s*0)\s*\]"
)


def _filter_hint(condition: str, root: Any, context_source: str) -> str:
    """Explain the RFC 9535 root-filter pitfall (``$[?...]`` on an object root)."""
    text = condition.strip()
    if not (text.startswith("$[?") and isinstance(root, Mapping)):
        return ""
    hint = (
        ". Hint: under RFC 9535 a filter `$[?...]` selects children of the root, not the root"
        " itself; on this object `@` is each member value, so `@.x` looks for 'x' inside the"
        " members."
    )
    m = _COUNT_FILTER.fullmatch(text)
    if m:
        name = m.group(1)
        sep = "/" if "#" in context_source else "#/"
        hint += (
            f" (Also, `count(@.{name})` counts nodes: 1 whenever '{name}' exists, even if empty.)"
            f" To test that '{name}' has items use `$.{name}[*]`, or `$[*]` with context"
            f" `{context_source}{sep}{name}`, or `$[?count($.{name}[*]) > 0]`"
        )
        check = f"$.{name}[*]"
    else:
        check = _at_to_root(text)
        if check == text or not _compiles(check):
            return hint
        hint += f" To apply the filter to the object itself, refer to it with `$`: `{check}`"
    would = bool(_rfc9535().compile(check).find(root))
    return hint + (
        "; that would match this value." if would else "; that would not match this value either."
    )


def _at_to_root(query: str) -> str:
    """Replace ``@`` with ``$`` outside string literals."""
    out: list[str] = []
    quote = ""
    for ch in query:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "@":
            ch = "$"
        out.append(ch)
    return "".join(out)


def _compiles(query: str) -> bool:
    try:
        _rfc9535().compile(query)
    except _rfc9535().JSONPathError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# XPath

_COLUMN = re.compile(r"column (\d+)")


def compile_xpath_selector(condition: str, version: str | None) -> Any:
    """An ``elementpath.Selector`` for the XPath version; :class:`CriterionError` if invalid."""
    try:
        return _elementpath().Selector(condition, parser=xpath_parser(version))
    except _elementpath().ElementPathError as exc:
        m = _COLUMN.search(str(exc))
        raise CriterionError(
            "condition",
            f"invalid XPath ({version or 'xpath-31'}): {getattr(exc, 'message', exc)}",
            source=condition,
            position=int(m.group(1)) - 1 if m else None,
        ) from None


def compile_xpath(
    condition: str, version: str | None, context: Expression, rules: str = "1.0"
) -> Check:
    """A check that the XPath expression is true of (or selects from) the context as XML."""
    label = version or "xpath"
    selector = compile_xpath_selector(condition, version)
    judge = _effective_boolean_value if rules == "1.1" else _xpath_result

    def check(ctx: EvalContext) -> Outcome:
        value = _context_value(context, ctx)
        observed = [(context.source, value)]
        if isinstance(value, Missing):
            return _fail_missing(condition, label, context, value)
        root, problem = xml_root(value)
        if root is None:
            return Outcome(False, condition, observed, problem, label, context.source)
        try:
            passed, detail = judge(selector, root)
        except _elementpath().ElementPathError as exc:
            return Outcome(False, condition, observed, f"XPath error: {exc}", label, context.source)
        return Outcome(passed, condition, observed, detail, label, context.source)

    return check


def xml_root(value: Any) -> tuple[Any, str]:
    """The XML root of a context value, or ``None`` and why it is not XML."""
    if isinstance(value, (ET.Element, ET.ElementTree)):
        return value, ""
    if isinstance(value, (str, bytes)):
        try:
            return ET.fromstring(value), ""
        except ET.ParseError as exc:
            return None, f"the context is not well-formed XML: {exc}"
    return None, f"xpath needs an XML document (a string); the context is {show_value(value, 60)}"


def _effective_boolean_value(selector: Any, root: Any) -> tuple[bool, str]:
    """Arazzo 1.1: the XPath version's Effective Boolean Value (``fn:boolean``; XPath 1.0 §
    4.2 boolean conversions for ``xpath-10``); raises ``ElementPathError`` (e.g. FORG0006) where
    the EBV is not defined."""
    token = selector.root_token
    result = token.evaluate(_elementpath().XPathContext(root))
    passed = bool(token.boolean_value(result))
    if isinstance(result, bool):
        return passed, "" if passed else "the expression is false"
    if isinstance(result, list):
        n = len(result)
        return passed, f"selected {n} item{'s' if n != 1 else ''}" if n else "selected nothing"
    return passed, f"result is {show_value(result)}"


def _xpath_result(selector: Any, root: Any) -> tuple[bool, str]:
    result = selector.select(root)
    if isinstance(result, bool):
        return result, "" if result else "the expression is false"
    if isinstance(result, list):
        n = len(result)
        return n > 0, f"selected {n} item{'s' if n != 1 else ''}" if n else "selected nothing"
    if is_number(result):
        return result != 0 and not is_nan(result), f"result is {result}"
    if isinstance(result, str):
        return result != "", f"result is {show_value(result)}"
    return result is not None, f"result is {show_value(result)}"
