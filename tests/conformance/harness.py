"""Run real Arazzo workflows end to end: write the files, plan them, run them over HTTP.

Every conformance test writes an Arazzo document (and OpenAPI descriptions) into a temporary
directory, then runs it through :class:`~pytest_arazzo.execute.runner.Runner` with a live transport
against the :class:`~tests.conformance.server.LoopbackServer`. Waits are recorded, not slept.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_arazzo.document.loader import load_document
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.execute.failures import WorkflowFailure
from pytest_arazzo.execute.runner import Limits, Runner, RunResult, Servers
from pytest_arazzo.plan.model import WorkflowPlan
from pytest_arazzo.plan.planner import ArazzoFile
from pytest_arazzo.transport.live import LiveOptions, LiveTransport
from tests.conformance.server import LoopbackServer

PETS = "./pets.openapi.yaml"


def _op(operation_id: str, **extra: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "responses": {"200": {"description": "ok"}}, **extra}


def _body(media: str) -> dict[str, Any]:
    return {"requestBody": {"content": {media: {"schema": {"type": "object"}}}}}


PETS_OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "pets", "version": "1"},
    "servers": [{"url": "https://pets.example.test"}],
    "paths": {
        "/pets": {
            "get": _op(
                "listPets",
                parameters=[
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "status", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "tags",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                ],
            ),
            "post": _op("createPet", **_body("application/json")),
        },
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "required": True}],
            "get": _op("getPet"),
            "put": _op("replacePet", **_body("application/json")),
            "patch": _op("patchPet", **_body("application/merge-patch+json")),
            "delete": _op("deletePet"),
        },
        "/login": {"post": _op("login", **_body("application/x-www-form-urlencoded"))},
        "/upload": {"post": _op("upload", **_body("multipart/form-data"))},
        "/notes": {"post": _op("addNote", **_body("text/plain"))},
        "/xml/orders": {"post": _op("placeXmlOrder", **_body("application/xml"))},
        "/ping": {"post": _op("ping"), "put": _op("putPing"), "patch": _op("patchPing")},
        "/health": {"get": _op("health")},
    },
}


def arazzo(
    workflows: list[dict[str, Any]] | dict[str, Any],
    *,
    sources: list[dict[str, Any]] | None = None,
    components: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An Arazzo 1.0.1 document around ``workflows`` (default source: the pets description)."""
    document: dict[str, Any] = {
        "arazzo": "1.0.1",
        "info": {"title": "conformance", "version": "1"},
        "sourceDescriptions": sources or [{"name": "pets", "url": PETS, "type": "openapi"}],
        "workflows": workflows if isinstance(workflows, list) else [workflows],
    }
    if components:
        document["components"] = components
    return document


def workflow(workflow_id: str, steps: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"workflowId": workflow_id, **fields, "steps": steps}


class Harness:
    """Writes documents into ``directory`` and runs their workflows against ``server``."""

    def __init__(self, directory: Path, server: LoopbackServer) -> None:
        self.dir = directory
        self.server = server
        self.sleeps: list[float] = []
        self.openapi = copy.deepcopy(PETS_OPENAPI)

    def write(self, name: str, content: Any) -> Path:
        """Write ``content`` (dict → YAML, or JSON for ``.json``; str as is) to ``name``."""
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        elif path.suffix == ".json":
            path.write_text(json.dumps(content, indent=2))
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False))
        return path

    def file(self, document: dict[str, Any] | str, name: str = "main.arazzo.yaml") -> ArazzoFile:
        """Write ``document`` (and the pets description, if absent) and load it."""
        if not (self.dir / PETS).exists():
            self.write(PETS, self.openapi)
        path = self.write(name, document)
        return ArazzoFile(load_document(path, path.name), SourceCache(self.dir))

    def plan(self, document: dict[str, Any] | str, workflow_id: str | None = None) -> WorkflowPlan:
        file = self.file(document)
        return file.plan(workflow_id or next(iter(file.workflows)))

    def runner(self, limits: Limits | None = None, servers: dict[str, str] | None = None) -> Runner:
        transport = LiveTransport(options=LiveOptions(timeout=(5.0, 5.0), max_attempts=1))
        return Runner(
            transport,
            servers=Servers({"*": self.server.url} if servers is None else servers),
            limits=limits,
            sleep=self.sleeps.append,
        )

    def run(
        self,
        document: dict[str, Any] | str,
        workflow_id: str | None = None,
        inputs: dict[str, Any] | None = None,
        **options: Any,
    ) -> RunResult:
        """Run a workflow that must pass (a failure is shown in full)."""
        plan = self.plan(document, workflow_id)
        runner = self.runner(**options)
        try:
            return runner.run(plan, inputs or {})
        except WorkflowFailure as failure:
            pytest.fail(f"the workflow failed:\n{failure.render()}", pytrace=False)
        finally:
            runner.transport.close()

    def fail(
        self,
        document: dict[str, Any] | str,
        workflow_id: str | None = None,
        inputs: dict[str, Any] | None = None,
        **options: Any,
    ) -> str:
        """Run a workflow that must fail; returns the rendered failure report."""
        plan = self.plan(document, workflow_id)
        runner = self.runner(**options)
        try:
            with pytest.raises(WorkflowFailure) as caught:
                runner.run(plan, inputs or {})
        finally:
            runner.transport.close()
        return caught.value.render()
