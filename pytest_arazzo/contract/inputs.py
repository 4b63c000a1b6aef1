"""A quick yes for workflow inputs: the contract's quick check, compiled once per input schema.

Every run validates its workflow's inputs against the workflow's ``inputs`` JSON Schema
(:func:`~pytest_arazzo.execute.inputs.validate_inputs`). Most inputs are valid, and the quick
check compiled from the schema (:mod:`.quick`) says so in microseconds where jsonschema walks the
schema each time; any doubt, and every schema the check was not built from, still goes to
jsonschema, which words every violation as before.
"""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import SchemaError

from pytest_arazzo.contract.quick import Quick, quick_check
from pytest_arazzo.contract.schemamemo import check_schema
from pytest_arazzo.execute.inputs import CertainlyValid
from pytest_arazzo.language.regexes import safe_validator

__all__ = ["InputsChecks", "quick_inputs_check"]


def quick_inputs_check(schema: Any) -> CertainlyValid | None:
    """A quick yes for inputs ``schema`` (this very object) certainly accepts; None for an empty
    schema or one jsonschema rejects (the run reports it as before)."""
    quick = _compiled(schema)
    if quick is None:
        return None
    return lambda checked, inputs: checked is schema and quick(inputs)


class InputsChecks:
    """:data:`~pytest_arazzo.execute.inputs.CertainlyValid` for any input schema: each schema
    object is compiled on first use and kept (at most ``limit``: plans keep their schemas)."""

    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self._compiled: dict[int, tuple[Any, Quick | None]] = {}

    def __call__(self, schema: dict[str, Any], inputs: dict[str, Any]) -> bool:
        found = self._compiled.get(id(schema))
        if found is None or found[0] is not schema:
            if len(self._compiled) >= self.limit:
                self._compiled.clear()
            found = self._compiled[id(schema)] = (schema, _compiled(schema))
        quick = found[1]
        return quick is not None and bool(quick(inputs))


def _compiled(schema: Any) -> Quick | None:
    if not isinstance(schema, dict) or not schema:
        return None
    try:
        check_schema(schema)  # the Draft 2020-12 meta-schema, remembered by content once usable
    except SchemaError:
        return None
    return quick_check(schema, safe_validator())  # the class validate_inputs uses
