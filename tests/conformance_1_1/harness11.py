"""Arazzo 1.1.0 documents for the conformance harness of :mod:`tests.conformance.harness`."""

from __future__ import annotations

from typing import Any

from tests.conformance.harness import arazzo

OK = [{"condition": "$statusCode == 200"}]


def arazzo11(workflows: list[dict[str, Any]] | dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An Arazzo 1.1.0 document around ``workflows`` (``self_`` sets ``$self``)."""
    self_uri = fields.pop("self_", None)
    document = arazzo(workflows, **fields)
    document["arazzo"] = "1.1.0"
    if self_uri is not None:
        document = {"arazzo": "1.1.0", "$self": self_uri, **document}
    return document
