"""Where a Criterion Object is compiled and checked (Arazzo 1.0.1, "Criterion Object").

Four types: ``simple`` (default), ``regex``, ``jsonpath`` and ``xpath``, each compiled by the
function :data:`COMPILERS` maps it to. :func:`compile_criterion` raises :class:`CriterionError`
for anything malformed; :meth:`Criterion.evaluate` never raises for run-time data problems: it
returns a failed :class:`Outcome` that says why.

- ``simple`` conditions are parsed by :mod:`pytest_arazzo.language.conditions` and compared per
  :mod:`pytest_arazzo.language.compare`. A ``context`` on a simple criterion is validated but not
  used.
- ``regex``, ``jsonpath`` and ``xpath`` need a ``context``; see
  :mod:`pytest_arazzo.language.selectors`.

``rules`` is the Arazzo version whose Condition Evaluation rules apply (``"1.0"`` or ``"1.1"``,
from the document's dialect): 1.1 orders two numeric strings as numbers, fails a ``null`` regex
or JSONPath context, judges XPath results by their Effective Boolean Value, and its Expression
Type Object also accepts ``rfc9535`` and ``xpath-31``. In 1.1 a ``regex``, ``jsonpath`` or
``xpath`` condition may embed ``{$...}`` runtime expressions (1.1.0 § Runtime Expressions in
Conditions): they are evaluated first and substituted as text, then the resulting condition is
compiled (once per distinct text) and applied. At plan time the condition is checked with each
expression replaced by ``0``; a substituted condition that does not compile fails the criterion
(§ Evaluation Errors), saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pytest_arazzo.diagnostics.problems import did_you_mean
from pytest_arazzo.language.conditions import parse_condition
from pytest_arazzo.language.context import EvalContext
from pytest_arazzo.language.errors import CriterionError, ExpressionError, UnresolvedError
from pytest_arazzo.language.evaluate import Expression, parse_expression
from pytest_arazzo.language.outcome import Missing, Outcome
from pytest_arazzo.language.selectors import (
    VERSIONS,
    VERSIONS_1_1,
    Check,
    compile_jsonpath,
    compile_regex,
    compile_xpath,
)
from pytest_arazzo.language.templates import render, template_parts

__all__ = ["COMPILERS", "Criterion", "compile_criterion"]

#: Compiles a condition of one type, given its version, context and the Arazzo version's rules,
#: to a check and the runtime expressions the condition itself reads.
Compiler = Callable[[str, str | None, Expression | None, str], tuple[Check, tuple[Expression, ...]]]


class Criterion:
    """A compiled Criterion Object."""

    __slots__ = ("_check", "_exprs", "condition", "context", "type", "version")

    def __init__(
        self,
        condition: str,
        type_: str,
        version: str | None,
        context: Expression | None,
        check: Check,
        exprs: tuple[Expression, ...] = (),
    ) -> None:
        self.condition = condition
        self.type = type_
        self.version = version
        self.context = context
        self._check = check
        self._exprs = exprs

    def evaluate(self, ctx: EvalContext) -> Outcome:
        """Evaluate against ``ctx``; never raises for run-time data problems."""
        try:
            return self._check(ctx)
        except Exception as exc:  # a data shape no check anticipated: report, don't crash
            return Outcome(
                False,
                self.condition,
                [],
                f"error while evaluating: {type(exc).__name__}: {exc}",
                self.version or self.type,
                self.context.source if self.context else None,
            )

    def expressions(self) -> list[Expression]:
        """Runtime expressions used (context first), for static checks."""
        found = [self.context] if self.context is not None else []
        return found + list(self._exprs)

    def __repr__(self) -> str:
        return f"Criterion({self.type}: {self.condition!r})"


def _compile_simple(
    condition: str, version: str | None, context: Expression | None, rules: str
) -> tuple[Check, tuple[Expression, ...]]:
    parsed = parse_condition(condition, rules)

    def check(ctx: EvalContext) -> Outcome:
        passed, observed = parsed.evaluate(ctx)
        return Outcome(passed, condition, observed)

    return check, parsed.expressions


def _on_context(
    type_: str, compile_check: Callable[[str, str | None, Expression, str], Check]
) -> Compiler:
    """A compiler for a type that applies its condition to a required ``context``."""

    def compile_(
        condition: str, version: str | None, context: Expression | None, rules: str
    ) -> tuple[Check, tuple[Expression, ...]]:
        if context is None:
            raise CriterionError(
                "context",
                f"type '{type_}' needs a 'context' runtime expression to apply the condition to"
                " (e.g. $response.body)",
            )
        if rules == "1.1" and "{$" in condition:
            parts = template_parts_of(condition)
            if any(isinstance(part, Expression) for part in parts):
                return _embedded(condition, parts, version, context, rules, compile_check)
        return compile_check(condition, version, context, rules), ()

    return compile_


def template_parts_of(condition: str) -> tuple[str | Expression, ...]:
    """The text and ``{$...}`` expressions of a condition; :class:`CriterionError` if invalid."""
    try:
        return template_parts(condition)
    except ExpressionError as exc:
        raise CriterionError(
            "condition", exc.message, source=condition, position=exc.position
        ) from None


_MAX_CACHED = 64


def _embedded(
    condition: str,
    parts: tuple[str | Expression, ...],
    version: str | None,
    context: Expression,
    rules: str,
    compile_check: Callable[[str, str | None, Expression, str], Check],
) -> tuple[Check, tuple[Expression, ...]]:
    """Arazzo 1.1 § Runtime Expressions in Conditions: substitute, then compile and apply."""
    exprs = tuple(part for part in parts if isinstance(part, Expression))
    compile_check("".join(p if isinstance(p, str) else "0" for p in parts), version, context, rules)
    label = version or ""
    cache: dict[str, Check | str] = {}

    def check(ctx: EvalContext) -> Outcome:
        try:
            text = "".join(p if isinstance(p, str) else render(p.evaluate(ctx)) for p in parts)
        except UnresolvedError as exc:
            missing = [(exc.expression, Missing(exc.reason))]
            return Outcome(
                False,
                condition,
                missing,
                f"the embedded expression {exc.expression} has no value ({exc.reason})",
                label or "condition",
                context.source,
            )
        found = cache.get(text)
        if found is None:
            if len(cache) >= _MAX_CACHED:
                cache.clear()
            try:
                found = compile_check(text, version, context, rules)
            except CriterionError as exc:
                found = (
                    f"after substituting its expressions the condition {text!r} is invalid:"
                    f" {exc.message}"
                )
            cache[text] = found
        if isinstance(found, str):
            return Outcome(False, condition, [], found, label or "condition", context.source)
        outcome = found(ctx)
        outcome.detail = f"{outcome.detail} (substituted: {text})".lstrip()
        return outcome

    return check, exprs


#: Each criterion type and the function that compiles its conditions.
COMPILERS: dict[str, Compiler] = {
    "simple": _compile_simple,
    "regex": _on_context("regex", compile_regex),
    "jsonpath": _on_context("jsonpath", compile_jsonpath),
    "xpath": _on_context("xpath", compile_xpath),
}
TYPES = tuple(COMPILERS)


def compile_criterion(obj: Mapping[str, Any], rules: str = "1.0") -> Criterion:
    """Compile a raw Criterion Object (``condition``, ``context``, ``type``) under the Condition
    Evaluation rules of Arazzo ``rules`` (``"1.0"`` or ``"1.1"``)."""
    if not isinstance(obj, Mapping):
        raise CriterionError("condition", f"a criterion must be an object, got {obj!r}")
    condition = obj.get("condition")
    if condition is None:
        raise CriterionError("condition", "'condition' is required")
    if not isinstance(condition, str):
        raise CriterionError(
            "condition",
            f"must be a string, got {type(condition).__name__} {condition!r} (quote it in YAML)",
        )
    type_, version = _parse_type(obj.get("type"), VERSIONS_1_1 if rules == "1.1" else VERSIONS)
    context = _parse_context(obj.get("context"))
    check, exprs = COMPILERS[type_](condition, version, context, rules)
    return Criterion(condition, type_, version, context, check, exprs)


def _hint(word: str, options: tuple[str, ...]) -> str:
    hint = did_you_mean(word, options, list_known=False, limit=1)
    return f"; {hint}" if hint else ""


def _parse_type(raw: Any, versions: Mapping[str, tuple[str, ...]]) -> tuple[str, str | None]:
    if raw is None:
        return "simple", None
    if isinstance(raw, str):
        if raw in TYPES:
            return raw, None
        raise CriterionError(
            "type", f"unknown type {raw!r} (expected one of {', '.join(TYPES)}){_hint(raw, TYPES)}"
        )
    if isinstance(raw, Mapping):
        return _parse_type_object(raw, versions)
    raise CriterionError("type", f"must be a string or an object, got {raw!r}")


def _parse_type_object(
    raw: Mapping[str, Any], versions: Mapping[str, tuple[str, ...]]
) -> tuple[str, str | None]:
    """A Criterion Expression Type Object: ``{type: jsonpath|xpath, version: ...}``."""
    kind: Any = raw.get("type")
    version: Any = raw.get("version")
    if kind not in versions:
        raise CriterionError(
            "type",
            f"a Criterion Expression Type Object needs type 'jsonpath' or 'xpath', got"
            f" {kind!r}{_hint(str(kind), tuple(versions))}",
        )
    allowed = versions[kind]
    if version is None:
        raise CriterionError(
            "type", f"'version' is required for type {kind} (one of {', '.join(allowed)})"
        )
    if version not in allowed:
        raise CriterionError(
            "type",
            f"unknown {kind} version {version!r} (expected one of {', '.join(allowed)})"
            f"{_hint(str(version), allowed)}",
        )
    return kind, version


def _parse_context(raw: Any) -> Expression | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise CriterionError("context", f"must be a runtime expression string, got {raw!r}")
    try:
        return parse_expression(raw)
    except ExpressionError as exc:
        raise CriterionError("context", exc.message, source=raw, position=exc.position) from None
