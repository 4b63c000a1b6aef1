"""Equality, ordering and truthiness in simple conditions, with the documented coercions.

Every value falls in one kind (:func:`kind_of`): null (``None`` and :class:`Missing`), bool,
number, string, mapping, list or other. Rules are looked up by the pair of kinds; a pair with no
rule is unequal and unordered.

- **Strings** compare case-insensitively (``casefold``), for equality and ordering.
- **Numbers**: a number and a numeric string compare numerically (``$statusCode == '200'`` is
  true; ``'10' > 9`` is true). Two strings compare as strings even if both look numeric.
- **NaN** (JSON bodies may carry it) is a number equal to nothing, itself included, and ordered
  with nothing: ``==`` and every ordering are false, ``!=`` is true.
- **Booleans** equal only booleans, or the strings ``'true'``/``'false'`` (any case); never
  numbers. Ordering booleans is always false.
- **null / missing**: ``null == null`` is true; ``<``, ``<=``, ``>``, ``>=`` with a null side are
  false.
- **Incompatible kinds** (e.g. object vs number) are unequal and unordered: ``==`` and every
  ordering is false, ``!=`` is true. Objects and arrays compare by deep equality.
- **Arazzo 1.1** (1.1.0 § Simple Conditions: "Numeric strings SHOULD be coerced to numbers when
  compared with numeric operators"): in :data:`OPERATORS_1_1`, ``<``, ``<=``, ``>``, ``>=``
  order two numeric strings as numbers (``'10' > '9'``); everything else is as above.
- **Truthiness**: null/missing, ``false``, ``0``, ``''``, ``[]`` and ``{}`` are false, everything
  else true.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from pytest_arazzo.language.outcome import Missing

__all__ = [
    "OPERATORS",
    "OPERATORS_1_1",
    "as_number",
    "is_nan",
    "is_number",
    "kind_of",
    "loose_equals",
    "loose_order",
    "truthy",
]

Rule = Callable[[Any, Any], bool]

_NUMERIC_STRING = re.compile(r"\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*")

#: The kind of the common exact types; subclasses go through :data:`_KIND_BY_BASE`.
_KIND_BY_TYPE: dict[type, str] = {
    type(None): "null",
    Missing: "null",
    bool: "bool",
    int: "number",
    float: "number",
    str: "string",
    dict: "mapping",
    list: "list",
}
_KIND_BY_BASE: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "bool"),
    ((int, float), "number"),
    (str, "string"),
    (Mapping, "mapping"),
    (list, "list"),
)


def kind_of(value: Any) -> str:
    """``null``, ``bool``, ``number``, ``string``, ``mapping``, ``list`` or ``other``."""
    kind = _KIND_BY_TYPE.get(value.__class__)
    if kind is None:
        kind = next((k for base, k in _KIND_BY_BASE if isinstance(value, base)), "other")
    return kind


def is_number(value: Any) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def as_number(text: str) -> int | float | None:
    """The number a numeric string spells (``' 10 '`` → 10, ``'1e3'`` → 1000.0), else ``None``."""
    if not _NUMERIC_STRING.fullmatch(text):
        return None
    text = text.strip()
    return float(text) if any(ch in text for ch in ".eE") else int(text)


# --------------------------------------------------------------------------------------------
# Equality


def _bool_text(flag: bool, text: str) -> bool:
    return text.strip().casefold() == ("true" if flag else "false")


def _number_text(number: float, text: str) -> bool:
    parsed = as_number(text)
    return parsed is not None and parsed == number


def _mappings_equal(a: Mapping[Any, Any], b: Mapping[Any, Any]) -> bool:
    return a.keys() == b.keys() and all(loose_equals(a[k], b[k]) for k in a)


def _lists_equal(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(loose_equals(x, y) for x, y in zip(a, b, strict=True))


_EQUAL: dict[tuple[str, str], Rule] = {
    ("null", "null"): lambda a, b: True,
    ("bool", "bool"): operator.eq,
    ("bool", "string"): _bool_text,
    ("string", "bool"): lambda a, b: _bool_text(b, a),
    ("number", "number"): operator.eq,  # NaN != NaN, as in IEEE 754
    ("number", "string"): _number_text,
    ("string", "number"): lambda a, b: _number_text(b, a),
    ("string", "string"): lambda a, b: a.casefold() == b.casefold(),
    ("mapping", "mapping"): _mappings_equal,
    ("list", "list"): _lists_equal,
}


def loose_equals(a: Any, b: Any) -> bool:
    """Equality per the simple-condition rules (case-insensitive, numeric strings, ...)."""
    rule = _EQUAL.get((kind_of(a), kind_of(b)))
    return rule is not None and rule(a, b)


# --------------------------------------------------------------------------------------------
# Ordering

#: The pairs of kinds that are ordered, and how both sides are brought to comparable values
#: (``None`` when a string is not numeric).
_ORDERED: dict[tuple[str, str], Callable[[Any, Any], tuple[Any, Any]]] = {
    ("number", "number"): lambda a, b: (a, b),
    ("number", "string"): lambda a, b: (a, as_number(b)),
    ("string", "number"): lambda a, b: (as_number(a), b),
    ("string", "string"): lambda a, b: (a.casefold(), b.casefold()),
}


def _strings_1_1(a: str, b: str) -> tuple[Any, Any]:
    x, y = as_number(a), as_number(b)
    return (x, y) if x is not None and y is not None else (a.casefold(), b.casefold())


_ORDERED_1_1 = {**_ORDERED, ("string", "string"): _strings_1_1}


def loose_order(a: Any, b: Any, rules: str = "1.0") -> int | None:
    """-1/0/1 ordering per the simple-condition rules, or ``None`` when incomparable."""
    coerce = (_ORDERED_1_1 if rules == "1.1" else _ORDERED).get((kind_of(a), kind_of(b)))
    if coerce is None:
        return None
    x, y = coerce(a, b)
    if x is None or y is None or is_nan(x) or is_nan(y):  # NaN is unordered, never "equal"
        return None
    return -1 if x < y else 1 if x > y else 0


def _ordered(test: Callable[[int], bool], rules: str = "1.0") -> Rule:
    def compare(a: Any, b: Any) -> bool:
        order = loose_order(a, b, rules)
        return order is not None and test(order)

    return compare


#: The comparison operators of simple conditions.
OPERATORS: dict[str, Rule] = {
    "==": loose_equals,
    "!=": lambda a, b: not loose_equals(a, b),
    "<": _ordered(lambda order: order < 0),
    "<=": _ordered(lambda order: order <= 0),
    ">": _ordered(lambda order: order > 0),
    ">=": _ordered(lambda order: order >= 0),
}


#: The comparison operators of simple conditions in an Arazzo 1.1 document.
OPERATORS_1_1: dict[str, Rule] = {
    **OPERATORS,
    "<": _ordered(lambda order: order < 0, "1.1"),
    "<=": _ordered(lambda order: order <= 0, "1.1"),
    ">": _ordered(lambda order: order > 0, "1.1"),
    ">=": _ordered(lambda order: order >= 0, "1.1"),
}


# --------------------------------------------------------------------------------------------
# Truthiness

_SIZED_KINDS = frozenset({"string", "mapping", "list"})


def truthy(value: Any) -> bool:
    """The truth of a bare operand and of ``!``, ``&&``, ``||`` operands."""
    kind = kind_of(value)
    if kind == "null":
        return False
    if kind in ("bool", "number"):
        return bool(value)
    if kind in _SIZED_KINDS or isinstance(value, tuple):
        return len(value) > 0
    return True
