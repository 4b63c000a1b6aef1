"""Which runtime expressions each Arazzo version accepts (1.0.1 and 1.1.0 § Runtime Expressions).

:mod:`.parser` reads the union of both grammars; :func:`version_problem` says what the document's
dialect (:mod:`pytest_arazzo.document.dialect`) does not accept, so a 1.0 document keeps exactly
the expressions it had and a 1.1 document is held to the rewritten 1.1 ABNF:

- 1.1 only: ``$self``, ``$message.…``, ``$request.payload`` / ``$response.payload``;
- 1.0 only: ``$components.inputs.<name>`` (1.1 ``component-type`` is parameters /
  successActions / failureActions) and ``$sourceDescriptions.<name>`` without a reference (1.1
  ``source-reference`` requires ``.<reference>``).

``$workflows.<id>.inputs|outputs.<name>[#ptr]`` and the ``{$…}`` expression-string are the same
in both, as the parser reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_arazzo.document.dialect import ARAZZO_1_1, Dialect
from pytest_arazzo.language.parser import Reference

__all__ = ["VersionProblem", "version_problem"]


@dataclass(frozen=True)
class VersionProblem:
    """Why an expression is not one of the dialect's, and what to write instead."""

    message: str
    hint: str


def version_problem(source: str, ref: Reference, dialect: Dialect) -> VersionProblem | None:
    """``None`` when ``dialect`` accepts the expression ``source`` (parsed as ``ref``)."""
    if dialect.grammar == "1.1":
        return _not_in_1_1(source, ref)
    return _not_in_1_0(source, ref, dialect)


def _not_in_1_0(source: str, ref: Reference, dialect: Dialect) -> VersionProblem | None:
    what = None
    if ref.root in ("self", "message"):
        what = f"${ref.root}"
    elif ref.kind == "payload":
        what = f"${ref.root}.payload"
    if what is None:
        return None
    newer = ARAZZO_1_1
    return VersionProblem(
        f"{source}: {what} is an {newer.label} runtime expression, but this document is "
        f"{dialect.label}",
        f"declare 'arazzo: {newer.example}' to use it"
        + ("; an HTTP body is $response.body" if ref.kind == "payload" else ""),
    )


def _not_in_1_1(source: str, ref: Reference) -> VersionProblem | None:
    if ref.root == "components" and ref.kind == "inputs":
        return VersionProblem(
            f"{source}: Arazzo 1.1 runtime expressions cannot name components.inputs "
            "(component-type is parameters, successActions or failureActions)",
            "reference a reusable input schema with JSON Schema "
            f"$ref: '#/components/inputs/{ref.name}'",
        )
    if ref.root == "sourceDescriptions" and ref.name is None:
        return VersionProblem(
            f"{source}: an Arazzo 1.1 $sourceDescriptions expression names a reference after "
            "the source name",
            f"write e.g. {source}.url (a field) or {source}.<operationId>",
        )
    return None
