"""Which base URL a step's request goes to (OpenAPI Server Objects, ``--arazzo-server``)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from pytest_arazzo.document.sources import server_url
from pytest_arazzo.http.messages import TransportError
from pytest_arazzo.plan.model import OperationPlan


class Servers:
    """Base URL per source: ``--arazzo-server NAME=URL`` overrides, else the OpenAPI servers.

    The Server Object in force is the operation's, else the path item's, else the document's
    (the first of the list), with variable defaults. An override replaces an absolute server URL
    and is the base of a relative one (``/v1`` with ``http://127.0.0.1:8000`` →
    ``http://127.0.0.1:8000/v1``).
    """

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self._cache: dict[int, str] = {}

    def base_url(self, operation: OperationPlan) -> str:
        key = id(operation)
        if key not in self._cache:
            self._cache[key] = self._base_url(operation)
        return self._cache[key]

    def _base_url(self, operation: OperationPlan) -> str:
        name = operation.source.name
        override = self.overrides.get(name) or self.overrides.get("*")
        servers = operation.servers
        if override:
            relative = server_url(servers[0], "") if servers else ""
            if relative and not urlsplit(relative).scheme:
                return override.rstrip("/") + "/" + relative.lstrip("./").lstrip("/")
            return override
        for server in servers:
            url = server_url(server, operation.source.url)
            if url.startswith(("http://", "https://")):
                return url
        raise TransportError(
            f"source '{name}' declares no absolute server URL for {operation.label}",
            f"pass --arazzo-server {name}=https://host/base",
        )
