"""Hypothesis strategies from JSON Schema 2020-12 (the dialect of Arazzo workflow inputs).

Written here because hypothesis-jsonschema knows drafts 4 to 7 only. Supported: ``type`` (one or
a list), ``enum``, ``const``, numeric bounds (``minimum``/``maximum``/``exclusive*``,
``multipleOf``), string length, ``pattern`` and a few ``format`` values, objects (``properties``,
``required``, ``additionalProperties``, ``min``/``maxProperties``), arrays (``items``,
``prefixItems``, ``min``/``maxItems``, ``uniqueItems``), ``allOf`` (merged), ``anyOf`` and
``oneOf`` (one branch each, merged with the rest of the schema), and local ``$ref`` (to ``$defs``
of the schema, or into the document it lives in). Anything else (``not``, ``if``, ``contains``...)
is honoured by filtering: the top-level strategy only yields values the schema accepts.

*Decisions*: an object generates keys beyond ``properties`` only when ``additionalProperties``
is a schema (``true`` or absent admits any key, but random extra keys exercise nothing a
workflow reads); optional properties are sometimes left out, and shrink towards absent.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

if sys.version_info >= (3, 11):
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
else:  # pragma: no cover - Python 3.10
    import sre_constants as sre
    import sre_parse
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from pytest_arazzo.document.pointer import PointerError, resolve_pointer
from pytest_arazzo.language.schemamemo import check_schema

Strategy = st.SearchStrategy[Any]
_EXACT = frozenset(
    (
        *("type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
        *("minLength", "maxLength", "pattern", "format", "properties", "required"),
        *("additionalProperties", "minProperties", "maxProperties", "items", "minItems"),
        *("maxItems", "$ref", "$defs", "definitions", "anyOf", "title", "description"),
        *("default", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "$schema"),
    )
)  # keywords built exactly; multipleOf, oneOf, allOf, prefixItems... are filtered
MAX_EXTRA_KEYS = 3
_ANY_OF = ("anyOf", "oneOf")
_FORMATS: dict[str, Callable[[], Strategy]] = {
    "date": lambda: st.dates().map(lambda d: d.isoformat()),
    "date-time": lambda: st.datetimes(timezones=st.just(_utc())).map(lambda d: d.isoformat()),
    "time": lambda: st.times().map(lambda t: t.isoformat() + "Z"),
    "email": lambda: st.emails(),
    "uuid": lambda: st.uuids().map(str),
    "ipv4": lambda: st.ip_addresses(v=4).map(str),
    "ipv6": lambda: st.ip_addresses(v=6).map(str),
    "hostname": lambda: st.from_regex(r"\A[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}\Z"),
    "uri": lambda: st.from_regex(r"\Ahttps://[a-z]{1,12}\.example/[a-z0-9/]{0,20}\Z"),
}


def _utc() -> Any:
    from datetime import timezone

    return timezone.utc


class SchemaStrategyError(ValueError):
    """A schema this module cannot generate values for (invalid, or an unresolvable ``$ref``)."""


def from_schema(schema: Any, document: Any = None) -> Strategy:
    """A strategy for values valid against ``schema`` (2020-12). Local ``$ref`` resolves against
    the schema itself first, then against ``document`` (e.g. the Arazzo file's data)."""
    try:
        check_schema(schema)  # remembered by content once found usable (language/schemamemo.py)
    except SchemaError as error:
        raise SchemaStrategyError(f"invalid JSON Schema: {error.message}") from None
    builder = _Builder([schema, document] if document is not None else [schema])
    strategy = builder.build(schema)
    if builder.exact:  # every keyword was built exactly: a check per example would only cost
        return strategy
    validator = _validator(schema, document)
    return strategy.filter(validator.is_valid)


def examples_of(schema: Any) -> list[Any]:
    """The schema's own ``examples`` then its ``default`` (first draws for fuzzing)."""
    if not isinstance(schema, dict):
        return []
    found = list(schema.get("examples") or []) if isinstance(schema.get("examples"), list) else []
    if "default" in schema:
        found.append(schema["default"])
    unique: list[Any] = []
    for value in found:
        if value not in unique:
            unique.append(value)
    return unique


def _validator(schema: Any, document: Any) -> Draft202012Validator:
    if document is None or not isinstance(schema, dict):
        return Draft202012Validator(schema)
    # refs such as #/components/inputs/x point into the document: validate with both in view
    return Draft202012Validator(_DocumentRefs(schema, document).rewrite(schema, 0))


class _DocumentRefs:
    """Inline refs that do not resolve inside the schema but do inside its document."""

    def __init__(self, schema: Any, document: Any) -> None:
        self.schema, self.document = schema, document

    def rewrite(self, node: Any, depth: int) -> Any:
        if depth > 40:
            return {}
        if isinstance(node, list):
            return [self.rewrite(item, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#") and _resolve(self.schema, ref) is None:
            target = _resolve(self.document, ref)
            if target is not None:
                rest = {k: v for k, v in node.items() if k != "$ref"}
                inlined = self.rewrite(target, depth + 1)
                return {"allOf": [inlined, self.rewrite(rest, depth + 1)]} if rest else inlined
        return {key: self.rewrite(value, depth + 1) for key, value in node.items()}


def _resolve(root: Any, ref: str) -> Any:
    try:
        return resolve_pointer(root, ref[1:]) if ref != "#" else root
    except PointerError:
        return None


def _json_values() -> Strategy:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text()
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
        ),
        max_leaves=8,
    )


class _Builder:
    """Builds strategies; ``$ref`` targets are built once (``deferred`` allows recursion)."""

    def __init__(self, roots: Sequence[Any]) -> None:
        self.roots = list(roots)
        self.refs: dict[str, Strategy] = {}
        self.exact = True  # False once a keyword is only approximated (then values are filtered)

    def build(self, schema: Any) -> Strategy:
        if schema is True or schema == {}:
            return _json_values()
        if schema is False:
            return st.nothing()
        if not isinstance(schema, dict):
            raise SchemaStrategyError(f"not a schema: {schema!r}")
        if not _EXACT.issuperset(schema) or "prefixItems" in schema or "allOf" in schema:
            self.exact = False
        if isinstance(schema.get("$ref"), str):
            return self.reference(schema)
        if "allOf" in schema:
            return self.build(self.merge_all(schema))
        for keyword in _ANY_OF:
            if isinstance(schema.get(keyword), list):
                return self.branches(schema, keyword)
        if "const" in schema:
            return st.just(schema["const"])
        if isinstance(schema.get("enum"), list):
            return self.enum(schema)
        return self.typed(schema)

    # combinators

    def reference(self, schema: dict[str, Any]) -> Strategy:
        ref = schema["$ref"]
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        if rest:
            return self.build({"allOf": [{"$ref": ref}, rest]})
        if ref not in self.refs:
            target = self.resolve(ref)
            self.refs[ref] = st.deferred(lambda: self.build(target))
        return self.refs[ref]

    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise SchemaStrategyError(f"$ref '{ref}': only local references are supported")
        for root in self.roots:
            found = _resolve(root, ref)
            if found is not None:
                return found
        raise SchemaStrategyError(f"$ref '{ref}' does not resolve")

    def merge_all(self, schema: dict[str, Any]) -> dict[str, Any]:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for branch in schema["allOf"]:
            while isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
                rest = {k: v for k, v in branch.items() if k != "$ref"}
                branch = merge(self.resolve(branch["$ref"]), rest)
            if isinstance(branch, dict) and "allOf" in branch:
                branch = self.merge_all(branch)
            merged = merge(merged, branch)
        return merged

    def branches(self, schema: dict[str, Any], keyword: str) -> Strategy:
        base = {k: v for k, v in schema.items() if k != keyword}
        options = []
        for branch in schema[keyword]:
            if _is_ref(branch) and not base:
                options.append(self.reference(branch))
            else:
                resolved = self.merge_all({"allOf": [branch]}) if _is_ref(branch) else branch
                options.append(self.build(merge(base, resolved)))
        strategy = st.one_of(options) if options else st.nothing()
        if keyword == "oneOf":
            validators = [Draft202012Validator(b) for b in schema[keyword] if not _is_ref(b)]
            if len(validators) == len(schema[keyword]):
                strategy = strategy.filter(
                    lambda value: sum(v.is_valid(value) for v in validators) == 1
                )
        return strategy

    def enum(self, schema: dict[str, Any]) -> Strategy:
        rest = {k: v for k, v in schema.items() if k != "enum"}
        check = Draft202012Validator(rest) if rest else None
        values = [v for v in schema["enum"] if check is None or check.is_valid(v)]
        return st.sampled_from(values) if values else st.nothing()

    # types

    def typed(self, schema: dict[str, Any]) -> Strategy:
        kinds = schema.get("type")
        types = [kinds] if isinstance(kinds, str) else list(kinds or []) or _inferred(schema)
        if not types:
            return _json_values()
        makers: dict[str, Callable[[], Strategy]] = {
            "null": lambda: st.none(),
            "boolean": lambda: st.booleans(),
            "integer": lambda: integers(schema),
            "number": lambda: numbers(schema),
            "string": lambda: strings(schema),
            "array": lambda: self.array(schema),
            "object": lambda: self.object(schema),
        }
        return st.one_of([makers[kind]() for kind in types if kind in makers])

    def array(self, schema: dict[str, Any]) -> Strategy:
        prefix = [self.build(item) for item in schema.get("prefixItems") or []]
        items = schema.get("items", True)
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        high = int(high) if high is not None else max(low, len(prefix)) + 5
        head_size = min(len(prefix), high)
        rest_low, rest_high = max(low - head_size, 0), max(high - head_size, 0)
        if items is False or (len(prefix) > high):
            rest_high = 0
        unique = bool(schema.get("uniqueItems"))
        tail = st.lists(
            self.build(items if items is not False else True),
            min_size=rest_low,
            max_size=rest_high,
            unique_by=_canonical if unique else None,
        )
        if not prefix:
            return tail
        head = st.tuples(*prefix[:head_size]).map(list)
        required = max(low, 0)
        return st.builds(lambda h, t: h + t, head, tail).filter(lambda v: len(v) >= required)

    def object(self, schema: dict[str, Any]) -> Strategy:
        properties = schema.get("properties") or {}
        required = [name for name in schema.get("required") or [] if isinstance(name, str)]
        needed = {name: self.build(properties.get(name, True)) for name in required}
        optional = {
            name: self.build(child) for name, child in properties.items() if name not in needed
        }
        fixed = st.fixed_dictionaries(needed, optional=optional)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            known = set(properties)
            keys = st.text(min_size=1, max_size=12).filter(lambda key: key not in known)
            extras = st.dictionaries(keys, self.build(extra), max_size=MAX_EXTRA_KEYS)
            fixed = st.builds(lambda a, b: {**b, **a}, fixed, extras)
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        if low is not None or high is not None:
            low, high = int(low or 0), int(high if high is not None else 1 << 30)
            fixed = fixed.filter(lambda value: low <= len(value) <= high)
        return fixed


def _is_ref(schema: Any) -> bool:
    return isinstance(schema, dict) and isinstance(schema.get("$ref"), str)


def _inferred(schema: dict[str, Any]) -> list[str]:
    hints = {
        "object": ("properties", "required", "additionalProperties", "minProperties"),
        "array": ("items", "prefixItems", "minItems", "maxItems"),
        "string": ("minLength", "maxLength", "pattern", "format"),
        "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    }
    return [kind for kind, words in hints.items() if any(word in schema for word in words)]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# -- merging (allOf, and a branch of anyOf/oneOf with its parent) -------------------------------


def merge(first: Any, second: Any) -> Any:
    """A schema requiring both (simple keyword merge: bounds tightened, properties combined)."""
    if first is True or first == {}:
        return second
    if second is True or second == {}:
        return first
    if first is False or second is False:
        return False
    merged = dict(first)
    for key, value in second.items():
        if key not in merged:
            merged[key] = value
        else:
            merged[key] = _merge_keyword(key, merged[key], value)
    return merged


def _merge_keyword(key: str, old: Any, new: Any) -> Any:
    if key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
        return max(old, new)
    if key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
        return min(old, new)
    if key == "required":
        return list(dict.fromkeys([*old, *new]))
    if key == "properties":
        combined = dict(old)
        for name, schema in new.items():
            combined[name] = merge(combined[name], schema) if name in combined else schema
        return combined
    if key == "type":
        olds = {old} if isinstance(old, str) else set(old)
        news = {new} if isinstance(new, str) else set(new)
        if ("number" in olds and "integer" in news) or ("number" in news and "integer" in olds):
            olds |= {"integer"}
            news |= {"integer"}
        both = sorted(olds & news)
        return both[0] if len(both) == 1 else both
    if key == "enum":
        return [value for value in old if value in new]
    if key in ("items", "additionalProperties", "not"):
        return merge(old, new) if key != "not" else {"anyOf": [old, new]}
    if key in ("anyOf", "oneOf", "allOf"):
        return [*old, *new] if key == "allOf" else old
    return new if key in ("default", "examples", "description", "title") else old


# -- scalars ------------------------------------------------------------------------------------


def integers(schema: dict[str, Any]) -> Strategy:
    low, high = _bounds(schema, integral=True)
    step = schema.get("multipleOf")
    if isinstance(step, int) and step > 0:
        lo = math.ceil(low / step) if low is not None else None
        hi = math.floor(high / step) if high is not None else None
        return st.integers(lo, hi).map(lambda k: k * step)
    return st.integers(low, high)


def numbers(schema: dict[str, Any]) -> Strategy:
    step = schema.get("multipleOf")  # not in _EXACT: k * step may miss by a rounding error
    if isinstance(step, (int, float)) and step > 0:
        low, high = _bounds(schema, integral=False)
        lo = math.ceil(low / step) if low is not None else None
        hi = math.floor(high / step) if high is not None else None
        return st.integers(lo, hi).map(lambda k: k * step)
    low, high = _bounds(schema, integral=False)
    exclusive_low = "exclusiveMinimum" in schema and (
        "minimum" not in schema or schema["exclusiveMinimum"] >= schema["minimum"]
    )
    exclusive_high = "exclusiveMaximum" in schema and (
        "maximum" not in schema or schema["exclusiveMaximum"] <= schema["maximum"]
    )
    floats = st.floats(
        low,
        high,
        allow_nan=False,
        allow_infinity=False,
        exclude_min=exclusive_low and low is not None,
        exclude_max=exclusive_high and high is not None,
    )
    return integers(schema) | floats


def _bounds(schema: dict[str, Any], integral: bool) -> tuple[Any, Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(schema.get("exclusiveMinimum"), (int, float)):
        value = schema["exclusiveMinimum"]
        if low is None or value >= low:
            low = math.floor(value) + 1 if integral else value
    if isinstance(schema.get("exclusiveMaximum"), (int, float)):
        value = schema["exclusiveMaximum"]
        if high is None or value <= high:
            high = math.ceil(value) - 1 if integral else value
    if integral:
        low = math.ceil(low) if low is not None else None
        high = math.floor(high) if high is not None else None
    return low, high


def strings(schema: dict[str, Any]) -> Strategy:
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    high = int(high) if high is not None else None
    pattern, form = schema.get("pattern"), schema.get("format")
    if isinstance(pattern, str):
        try:
            fast = simple_regex(pattern)
            base = st.from_regex(re.compile(pattern)) if fast is None else fast
        except re.error as error:
            raise SchemaStrategyError(f"pattern {pattern!r} is not a regex: {error}") from None
    elif isinstance(form, str) and form in _FORMATS:
        base = _FORMATS[form]()
    else:
        return st.text(min_size=low, max_size=high)
    if low or high is not None:
        limit = high if high is not None else math.inf
        base = base.filter(lambda text: low <= len(text) <= limit)
    return base


# -- a fast path for simple patterns --------------------------------------------------------------

_CATEGORIES = {
    sre.CATEGORY_DIGIT: "0123456789",
    sre.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    sre.CATEGORY_SPACE: " \t\n\r\f\v",
}
_STARTS = (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING)
_ENDS = (sre.AT_END, sre.AT_END_STRING)


class _Unsupported(Exception):
    """The pattern uses something the fast path does not build (``from_regex`` is used)."""


def simple_regex(pattern: str) -> Strategy | None:
    """Strings matching a simple pattern (literals, classes, groups, alternation, repeats),
    drawn much faster than ``from_regex``; None for anything else. Unanchored ends get a little
    arbitrary text, as JSON Schema patterns are searched, not matched whole."""
    try:
        parsed = sre_parse.parse(pattern)
        if parsed.state.flags & ~(re.UNICODE | sre.SRE_FLAG_UNICODE):
            return None
        items: list[Any] = [parsed[index] for index in range(len(parsed))]
        start = bool(items) and items[0][0] == sre.AT and items[0][1] in _STARTS
        end = bool(items) and items[-1][0] == sre.AT and items[-1][1] in _ENDS
        core = _pieces(items[int(start) : len(items) - int(end)])
    except (_Unsupported, re.error, TypeError, ValueError):
        return None
    head: list[Piece] = [] if start else [st.text(max_size=3)]
    tail: list[Piece] = [] if end else [st.text(max_size=3)]
    return _joined([*head, *core, *tail])


Piece = str | Strategy  # literal text, or a part that is drawn


def _sequence(items: list[Any]) -> Strategy:
    return _joined(_pieces(items))


def _pieces(items: list[Any]) -> list[Piece]:
    """The parts of a sequence in order; plain groups are spliced in and runs of literals
    become one string, so only the variable parts are drawn."""
    pieces: list[Piece] = []
    for op, arg in items:
        if op == sre.SUBPATTERN:
            _group, add_flags, del_flags, pattern = arg
            if add_flags or del_flags:
                raise _Unsupported
            found = _pieces(list(pattern))
        else:
            found = [chr(arg) if op == sre.LITERAL else _node(op, arg)]
        for piece in found:
            if isinstance(piece, str) and pieces and isinstance(pieces[-1], str):
                pieces[-1] += piece
            else:
                pieces.append(piece)
    return pieces


def _joined(pieces: list[Piece]) -> Strategy:
    """The pieces' text, one after the other. Literal text is put around the drawn parts, not
    drawn itself: each ``just`` would cost a span per example, and equal empty spans make
    Hypothesis spend its mutation phase on copies that change nothing."""
    drawn = [piece for piece in pieces if not isinstance(piece, str)]
    if not drawn:
        return st.just("".join(piece for piece in pieces if isinstance(piece, str)))
    if len(pieces) == 1:
        return drawn[0]
    if len(drawn) == 1:
        at = next(index for index, piece in enumerate(pieces) if not isinstance(piece, str))
        before = "".join(piece for piece in pieces[:at] if isinstance(piece, str))
        after = "".join(piece for piece in pieces[at + 1 :] if isinstance(piece, str))
        return drawn[0].map(lambda text: before + text + after)
    layout = tuple(piece if isinstance(piece, str) else None for piece in pieces)
    return st.tuples(*drawn).map(lambda values: _fill(layout, values))


def _fill(layout: tuple[str | None, ...], values: tuple[str, ...]) -> str:
    """``layout``'s literal text with the drawn ``values`` in its gaps (``None``), in order."""
    drawn = iter(values)
    return "".join(next(drawn) if piece is None else piece for piece in layout)


def _node(op: Any, arg: Any) -> Strategy:
    alphabet = _alphabet(op, arg)
    if alphabet is not None:
        return st.sampled_from(alphabet)
    if op == sre.BRANCH:
        return st.one_of([_sequence(list(alternative)) for alternative in arg[1]])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, pattern = arg
        high = None if high == sre.MAXREPEAT else high
        inner = list(pattern)
        single = _alphabet(*inner[0]) if len(inner) == 1 else None
        if single is not None:
            return st.text(alphabet=single, min_size=low, max_size=high)
        return st.lists(_sequence(inner), min_size=low, max_size=high).map("".join)
    raise _Unsupported


def _alphabet(op: Any, arg: Any) -> str | None:
    """The characters one class position accepts (None: not a plain class)."""
    if op == sre.LITERAL:
        return chr(arg)
    if op == sre.ANY:
        return "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:/é€"
    if op == sre.CATEGORY:
        if arg not in _CATEGORIES:
            raise _Unsupported
        return _CATEGORIES[arg]
    if op != sre.IN:
        return None
    chars: list[str] = []
    for kind, value in arg:
        if kind == sre.LITERAL:
            chars.append(chr(value))
        elif kind == sre.RANGE and value[1] - value[0] < 4096:
            chars += [chr(code) for code in range(value[0], value[1] + 1)]
        elif kind == sre.CATEGORY and value in _CATEGORIES:
            chars += list(_CATEGORIES[value])
        else:
            raise _Unsupported  # negated classes, wide ranges, other categories
    return "".join(dict.fromkeys(chars))
