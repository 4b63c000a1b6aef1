"""Find what applies to an exchange in the OpenAPI document: the operation's place in its
source, the response documented for a status, the media type documented for a content type
(OpenAPI 3.x § Responses Object, § Media Type Object)."""

from __future__ import annotations

from functools import lru_cache

from pytest_arazzo.contract.compile import Location, SourceSchemas
from pytest_arazzo.contract.decode import bare
from pytest_arazzo.plan.model import OperationPlan


def operation_location(
    schemas: SourceSchemas, operation: OperationPlan
) -> tuple[Location, Location | None]:
    """Where the Operation Object and its Path Item Object are (``$ref`` followed)."""
    root = schemas.root
    found = schemas.child(root, "paths", operation.path, operation.method)
    location = found or (root[0], operation.pointer, operation.raw)
    return location, schemas.child(root, "paths", operation.path)


def match_media(content_type: str, documented: list[str]) -> str | None:
    """The documented media range that covers ``content_type`` (most specific first)."""
    return _match_media(content_type, tuple(documented))


@lru_cache(maxsize=1024)
def _match_media(content_type: str, documented: tuple[str, ...]) -> str | None:
    """:func:`match_media`, remembered by the texts it depends on (a pure function of them)."""
    kind = bare(content_type)
    major = kind.split("/")[0]
    ranked = sorted(documented, key=lambda name: bare(name).count("*"))
    for name in ranked:
        candidate = bare(name)
        if candidate in (kind, "*/*") or candidate == f"{major}/*":
            return name
    return None


def response_code(status: int, documented: list[str]) -> str | None:
    """The documented response key for ``status``: exact, ``4XX``-style range, ``default``."""
    for code in documented:
        if code == str(status):
            return code
    for code in documented:
        if code.upper() == f"{str(status)[0]}XX":
            return code
    return "default" if "default" in documented else None
