"""Which Arazzo version a document is read as: the one place that decides (Arazzo 1.1.0 §
Versions: "The ``arazzo`` field MUST be used by tooling to interpret the Arazzo Description").

:func:`dialect_of` reads the ``arazzo`` field once and returns a :class:`Dialect`: plain data that
every later stage consults (the schema to validate against, the runtime-expression grammar, the
step-level rules). The planner carries it on each plan. The patch version is ignored, as § Versions
asks; a missing or unknown version is read as 1.0 (the 1.0 schema then reports it, as before).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["ARAZZO_1_0", "ARAZZO_1_1", "DIALECTS", "Dialect", "dialect_of"]


@dataclass(frozen=True)
class Dialect:
    """The version-specific rules of one Arazzo minor version."""

    version: str  # "1.0" / "1.1": the feature set (major.minor)
    example: str  # a full version to suggest, e.g. "1.1.0"
    schema_file: str  # in pytest_arazzo/schemas/
    # runtime expressions: "1.0" (the 1.0.1 ABNF as pytest-arazzo reads it) or "1.1"
    grammar: str
    step_depends_on: bool  # Step Object `dependsOn` and implicit output dependencies
    self_field: bool  # the root `$self` field and the `$self` expression
    source_types: frozenset[str]  # allowed Source Description `type` values

    @property
    def label(self) -> str:
        return f"Arazzo {self.version}"


ARAZZO_1_0 = Dialect(
    version="1.0",
    example="1.0.1",
    schema_file="arazzo-1.0.schema.json",
    grammar="1.0",
    step_depends_on=False,
    self_field=False,
    source_types=frozenset({"openapi", "arazzo"}),
)

ARAZZO_1_1 = Dialect(
    version="1.1",
    example="1.1.0",
    schema_file="arazzo-1.1.schema.json",
    grammar="1.1",
    step_depends_on=True,
    self_field=True,
    source_types=frozenset({"openapi", "arazzo", "asyncapi"}),
)

#: Every dialect by its ``major.minor``.
DIALECTS: dict[str, Dialect] = {dialect.version: dialect for dialect in (ARAZZO_1_0, ARAZZO_1_1)}

_VERSION = re.compile(r"(\d+)\.(\d+)\.\d+(?:-.+)?")


def dialect_of(data: Any) -> Dialect:
    """The dialect the document's ``arazzo`` field names (1.0 when absent or unknown)."""
    version = data.get("arazzo") if isinstance(data, dict) else None
    match = _VERSION.fullmatch(version) if isinstance(version, str) else None
    if match is None:
        return ARAZZO_1_0
    return DIALECTS.get(f"{match[1]}.{match[2]}", ARAZZO_1_0)
