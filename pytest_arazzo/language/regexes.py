"""Regular expressions that cannot hang a run: regex criteria and JSON Schema ``pattern``s.

A pattern written by someone else (a workflow's ``regex`` criterion, an input schema's or an
OpenAPI schema's ``pattern``) may backtrack catastrophically: ``^(a|aa)+$`` against forty ``a``
and a ``!`` takes longer than the universe. Matching runs in the ``regex`` module, which accepts
the syntax of Python's ``re`` (backreferences and lookaround included) and stops a match after
:data:`TIMEOUT` seconds with :class:`RegexTimeout`, a clean failure naming the pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pytest_arazzo.diagnostics.text import clip

TIMEOUT = 1.0  # seconds one match may take


class RegexTimeout(Exception):
    """A match that took longer than :data:`TIMEOUT` (catastrophic backtracking)."""

    def __init__(self, pattern: str, length: int) -> None:
        self.pattern = pattern
        super().__init__(
            f"the regular expression {clip(pattern, 80)!r} took longer than {TIMEOUT:g} s on a "
            f"value of {length} characters (catastrophic backtracking); simplify the pattern, "
            "e.g. no nested or overlapping repetition such as (a+)+ or (a|aa)*"
        )


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    """``pattern`` compiled once; raises :class:`re.error` (with ``re``'s message and position)
    for a pattern Python's ``re`` does not accept either."""
    re.compile(pattern)  # the same errors, in the same words, as before
    import regex  # loaded with the first pattern matched (about 10 ms of start-up otherwise)

    try:
        return regex.compile(pattern)
    except regex.error as error:
        raise re.error(str(error.msg), pattern, error.pos) from None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text``; :class:`RegexTimeout` if it takes
    longer than :data:`TIMEOUT`."""
    try:
        return compiled(pattern).search(text, timeout=TIMEOUT) is not None
    except TimeoutError:
        raise RegexTimeout(pattern, len(text)) from None


# -- JSON Schema: the ``pattern`` and ``patternProperties`` keywords with the time limit ------


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "string"):
        return
    try:
        matched = search(pattern, instance)
    except RegexTimeout as error:
        yield ValidationError(str(error))
        return
    if not matched:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, properties: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in properties.items():
        for key, value in instance.items():
            try:
                matched = search(pattern, key)
            except RegexTimeout as error:
                yield ValidationError(str(error))
                return
            if matched:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


@lru_cache(maxsize=1)
def safe_validator() -> Any:
    """``Draft202012Validator`` whose pattern keywords match with the time limit."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator,
        {"pattern": _pattern, "patternProperties": _pattern_properties},
    )
