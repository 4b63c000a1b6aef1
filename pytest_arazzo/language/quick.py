"""A quick yes for instances a JSON Schema certainly accepts, before ``jsonschema`` looks.

``jsonschema`` builds a validator object for every subschema it descends into, which makes
checking a valid response against a large OpenAPI schema cost most of a replayed or live step.
Most exchanges are valid, so :func:`quick_check` compiles a schema once into plain closures that
answer ``True`` only when every keyword of the schema is one they implement exactly as Draft
2020-12 (and the validator class in use) defines it and the instance satisfies them all.
Anything else (a keyword they do not implement, an instance they are unsure of, a violation)
answers ``False``, and the caller runs ``jsonschema`` as before: a ``True`` never hides a
violation, a ``False`` only costs the full check. Keywords the validator class does not know are
annotations (``description``, ``example``, ``x-...``) and are skipped, as ``jsonschema`` skips
them; ``format`` is skipped only while the validator has no format checker.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Mapping
from typing import Any

from pytest_arazzo.language.regexes import search

Quick = Callable[[Any], bool]
MAX_DEPTH = 64  # deeper schemas are left to jsonschema


def quick_check(schema: Any, validator_class: Any, format_checker: Any = None) -> Quick:
    """A closure answering ``True`` only for instances ``schema`` certainly accepts."""
    known = frozenset(getattr(validator_class, "VALIDATORS", {}))
    if not known:  # an unexpected validator class: no quick answers at all
        return _never
    return _Compiler(known, format_checker is None).compile(schema, 0)


def _never(instance: Any) -> bool:
    return False


def _always(instance: Any) -> bool:
    return True


_TYPES: dict[str, Callable[[Any], bool]] = {
    "array": lambda value: isinstance(value, list),
    "boolean": lambda value: isinstance(value, bool),
    "integer": lambda value: (
        not isinstance(value, bool)
        and (isinstance(value, int) or (isinstance(value, float) and value.is_integer()))
    ),
    "null": lambda value: value is None,
    "number": lambda value: not isinstance(value, bool) and isinstance(value, numbers.Number),
    "object": lambda value: isinstance(value, dict),
    "string": lambda value: isinstance(value, str),
}


def _is_number(value: Any) -> bool:
    return _TYPES["number"](value)


# the Python types of parsed JSON each type name certainly accepts: checked first, in C (``bool``
# is no ``int`` here, as in JSON Schema; anything else takes the full test of _TYPES)
_EXACT: dict[str, tuple[type, ...]] = {
    "array": (list,),
    "boolean": (bool,),
    "integer": (int,),
    "null": (type(None),),
    "number": (int, float),
    "object": (dict,),
    "string": (str,),
}


class _Compiler:
    def __init__(self, known: frozenset[str], skip_format: bool) -> None:
        self.known, self.skip_format = known, skip_format
        # the checks that test the type only, with the Python types they accept at a glance
        self.types: dict[Quick, frozenset[type]] = {}

    def compile(self, schema: Any, depth: int) -> Quick:
        if schema is True:
            return _always
        if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
            return _never  # ``false``, a malformed schema, or too deep: jsonschema decides
        checks: list[Quick] = []
        for keyword, value in schema.items():
            if keyword not in self.known or (keyword == "format" and self.skip_format):
                continue  # an annotation: jsonschema does not check it either
            build = _BUILDERS.get(keyword)
            check = build(self, value, schema, depth) if build is not None else None
            if check is None:
                return _never  # a keyword not implemented here (or not in this shape)
            checks.append(check)
        return _every(checks, self.types)

    def type_(self, value: Any, schema: Mapping[str, Any], depth: int) -> Quick | None:
        names = value if isinstance(value, list) else [value]
        if not names or not all(isinstance(name, str) and name in _TYPES for name in names):
            return None
        tests = [_TYPES[name] for name in names]
        exact = frozenset(kind for name in names for kind in _EXACT[name])

        def check(instance: Any) -> bool:
            return type(instance) in exact or any(test(instance) for test in tests)

        self.types[check] = exact
        return check

    def properties(self, value: Any, schema: Mapping[str, Any], depth: int) -> Quick | None:
        if not isinstance(value, Mapping):
            return None
        children = [(name, self.compile(child, depth + 1)) for name, child in value.items()]
        # a property checked for its type only is tested here without a call when its value's
        # type is one the check accepts at a glance; one whose schema accepts all is not tested
        types = self.types
        typed = [(name, types[child], child) for name, child in children if child in types]
        others = [(n, c) for n, c in children if c not in types and c is not _always]

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            for name, exact, child in typed:
                if name in instance:
                    item = instance[name]
                    if type(item) not in exact and not child(item):
                        return False
            for name, child in others:
                if name in instance and not child(instance[name]):
                    return False
            return True

        return check

    def required(self, value: Any, schema: Mapping[str, Any], depth: int) -> Quick | None:
        if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
            return None
        names = frozenset(value)
        return lambda instance: not isinstance(instance, dict) or instance.keys() >= names

    def additional(self, value: Any, schema: Mapping[str, Any], depth: int) -> Quick | None:
        if "patternProperties" in schema:
            return None
        declared = schema.get("properties", {})
        if not isinstance(declared, Mapping):
            return None
        child = self.compile(value, depth + 1)
        names = frozenset(declared)

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            return all(child(item) for key, item in instance.items() if key not in names)

        return check

    def items(self, value: Any, schema: Mapping[str, Any], depth: int) -> Quick | None:
        if "prefixItems" in schema:
            return None
        child = self.compile(value, depth + 1)
        return lambda instance: not isinstance(instance, list) or all(map(child, instance))

    def enum(self, value: Any, schema: Mapping[str, Any], depth: int) -> Quick | None:
        if not isinstance(value, list) or not all(v is None or isinstance(v, str) for v in value):
            return None  # jsonschema's equality (bool vs 1, 1 vs 1.0) only for these
        allowed = frozenset(value)
        return lambda instance: (
            (instance is None or isinstance(instance, str)) and (instance in allowed)
        )

    def any_of(self, value: Any, schema: Mapping[str, Any], depth: int) -> Quick | None:
        if not isinstance(value, list) or not value:
            return None
        branches = [self.compile(branch, depth + 1) for branch in value]
        return lambda instance: any(branch(instance) for branch in branches)

    def all_of(self, value: Any, schema: Mapping[str, Any], depth: int) -> Quick | None:
        if not isinstance(value, list) or not value:
            return None
        return _every([self.compile(branch, depth + 1) for branch in value])


def _every(checks: list[Quick], types: dict[Quick, frozenset[type]] | None = None) -> Quick:
    """A check passing when all of ``checks`` pass (those that accept anything left out);
    ``types``: the compiler's type-only checks (a first one is tested inline)."""
    needed = [check for check in checks if check is not _always]
    if not needed:
        return _always
    if len(needed) == 1:
        return needed[0]
    exact = types.get(needed[0]) if types is not None else None
    if len(needed) == 2:
        first, second = needed
        if exact is not None:  # the type first (as schemas put it): tested at a glance
            return lambda instance: (
                (type(instance) in exact or first(instance)) and second(instance)
            )
        return lambda instance: first(instance) and second(instance)
    if len(needed) == 3:  # an object's type, required and properties
        first, second, third = needed
        if exact is not None:
            return lambda instance: (
                (type(instance) in exact or first(instance))
                and second(instance)
                and third(instance)
            )
        return lambda instance: first(instance) and second(instance) and third(instance)
    if len(needed) == 4:  # ... and additionalProperties
        one, two, three, four = needed
        return lambda instance: (
            one(instance) and two(instance) and three(instance) and four(instance)
        )
    return lambda instance: all(check(instance) for check in needed)


# bound keyword → (what it measures, the test the measure must pass against the limit)
_SIZE: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], bool]]] = {
    "maxLength": (lambda v: len(v) if isinstance(v, str) else None, operator.le),
    "minLength": (lambda v: len(v) if isinstance(v, str) else None, operator.ge),
    "maxItems": (lambda v: len(v) if isinstance(v, list) else None, operator.le),
    "minItems": (lambda v: len(v) if isinstance(v, list) else None, operator.ge),
    "maximum": (lambda v: v if _is_number(v) else None, operator.le),
    "minimum": (lambda v: v if _is_number(v) else None, operator.ge),
    "exclusiveMaximum": (lambda v: v if _is_number(v) else None, operator.lt),
    "exclusiveMinimum": (lambda v: v if _is_number(v) else None, operator.gt),
}


def _bound(keyword: str) -> Callable[[_Compiler, Any, Mapping[str, Any], int], Quick | None]:
    """maxLength, minLength, maxItems, minItems, maximum, minimum and the exclusive bounds: an
    instance of another type passes (as in jsonschema); a number must meet the limit."""
    measure, test = _SIZE[keyword]

    def build(compiler: _Compiler, value: Any, schema: Mapping[str, Any], depth: int) -> Any:
        if not _is_number(value):
            return None

        def check(instance: Any) -> bool:
            size = measure(instance)
            return size is None or bool(test(size, value))

        return check

    return build


def _pattern(compiler: _Compiler, value: Any, schema: Mapping[str, Any], depth: int) -> Any:
    if not isinstance(value, str):
        return None

    def check(instance: Any) -> bool:
        if not isinstance(instance, str):
            return True
        try:
            return search(value, instance)
        except Exception:  # jsonschema reports the timeout (or error): let it
            return False

    return check


_BUILDERS: dict[str, Callable[[_Compiler, Any, Mapping[str, Any], int], Quick | None]] = {
    "type": _Compiler.type_,
    "properties": _Compiler.properties,
    "required": _Compiler.required,
    "additionalProperties": _Compiler.additional,
    "items": _Compiler.items,
    "enum": _Compiler.enum,
    "anyOf": _Compiler.any_of,
    "allOf": _Compiler.all_of,
    "pattern": _pattern,
    **{keyword: _bound(keyword) for keyword in _SIZE},
}
