"""Parameter serialization styles per OpenAPI: which style and explode a parameter uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_STYLES = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
STYLES = {
    "path": ("simple", "label", "matrix"),
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "header": ("simple",),
    "cookie": ("form",),
}


def parameter_style(location: str, spec: Mapping[str, Any]) -> tuple[str, bool, str | None]:
    """``(style, explode, media type)`` of an OpenAPI Parameter Object at ``location``.

    The media type is set when the parameter is described with ``content`` (then style and
    explode do not apply). Unknown styles for the location fall back to the default one.
    """
    content = spec.get("content")
    if isinstance(content, Mapping) and content:
        return DEFAULT_STYLES.get(location, "form"), False, str(next(iter(content)))
    default = DEFAULT_STYLES.get(location, "form")
    style = spec.get("style")
    if not isinstance(style, str) or style not in STYLES.get(location, (default,)):
        style = default
    explode = spec.get("explode")
    return style, explode if isinstance(explode, bool) else style == "form", None
