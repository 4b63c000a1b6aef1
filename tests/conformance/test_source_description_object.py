"""Arazzo 1.0.1 § Source Description Object and § Step Object (operationId, operationPath):
several sources in YAML and JSON, OpenAPI 3.0 and 3.1, `$ref` inside OpenAPI documents, and
servers at document, path and operation level with variables.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from pytest_arazzo.document.stored_sources import Fetched, SourceStore
from tests.conformance.harness import PETS, Harness, arazzo, workflow


def _openapi(version: str, paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


def _get(operation_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "get": {"operationId": operation_id, "responses": {"200": {"description": "ok"}}, **extra}
    }


def _paths(harness: Harness) -> list[str]:
    return [f"{request.method} {request.path}" for request in harness.server.requests]


def _sources(*names_and_urls: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": name, "url": url, "type": "openapi"} for name, url in names_and_urls]


def test_source_description_object__several_sources_yaml_and_json(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object operationId: unqualified when unique; qualified as
    `$sourceDescriptions.<name>.<operationId>`; sources may be YAML or JSON, OpenAPI 3.0/3.1."""
    harness.write("store.openapi.json", _openapi("3.0.3", {"/orders": _get("listOrders")}))
    harness.write(
        "users.openapi.yml",
        _openapi("3.1.0", {"/users": _get("listUsers"), "/health": _get("health")}),
    )
    harness.server.route("GET", ".*", {})
    sources = _sources(
        ("pets", PETS), ("store", "./store.openapi.json"), ("users", "users.openapi.yml")
    )
    steps = [
        {"stepId": "a", "operationId": "listOrders"},
        {"stepId": "b", "operationId": "$sourceDescriptions.users.listUsers"},
        {"stepId": "c", "operationId": "$sourceDescriptions.pets.health"},
        {"stepId": "d", "operationId": "$sourceDescriptions.users.health"},
    ]
    harness.run(arazzo(workflow("w", steps), sources=sources))
    assert _paths(harness) == ["GET /orders", "GET /users", "GET /health", "GET /health"]


def test_step_object__operation_path_with_source_url_expression(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object operationPath:
    `{$sourceDescriptions.<name>.url}#/paths/~1pets~1{petId}/get` (a JSON Pointer)."""
    harness.server.route("*", ".*", {})
    steps = [
        {
            "stepId": "a",
            "operationPath": "{$sourceDescriptions.pets.url}#/paths/~1pets~1{petId}/get",
            "parameters": [{"name": "petId", "in": "path", "value": 3}],
        },
        {"stepId": "b", "operationPath": "{$sourceDescriptions.pets.url}#/paths/~1pets/post"},
    ]
    harness.run(arazzo(workflow("w", steps)))
    assert _paths(harness) == ["GET /pets/3", "POST /pets"]


@pytest.mark.parametrize(
    ("operation_path", "message", "hint"),
    [
        (
            "{$sourceDescriptions.pets.url}#/paths/~1pets",
            "no operation at #/paths/~1pets in source 'pets'",
            "#/paths/~1pets is a Path Item, not an operation: add the method, e.g. "
            "#/paths/~1pets/get",
        ),
        (
            "{$sourceDescriptions.pets.url}#/paths/~1pet/get",
            "no operation at #/paths/~1pet/get",
            "there is no path '/pet'",
        ),
        (
            "{$sourceDescriptions.pets.url}#/paths/~1health/post",
            "no operation at #/paths/~1health/post",
            "path '/health' has methods: get",
        ),
        (
            "./pets.openapi.yaml#/paths/~1health/get",
            "does not name a source as {$sourceDescriptions.<name>.url}#/paths/...",
            "",
        ),
    ],
)
def test_step_object__operation_path_that_names_no_operation(
    harness: Harness, operation_path: str, message: str, hint: str
) -> None:
    """Arazzo 1.0.1 § Step Object operationPath: "The operation being referenced MUST be
    described within one of the sourceDescriptions"; the report says what is there instead."""
    report = harness.fail(arazzo(workflow("w", [{"stepId": "a", "operationPath": operation_path}])))
    assert message in report and hint in report
    assert harness.server.requests == []


def test_step_object__unknown_operation_id_is_a_plan_error(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object operationId: "The name of an existing, resolvable operation"."""
    steps = [
        {"stepId": "a", "operationId": "listpets"},
        {"stepId": "b", "operationId": "$sourceDescriptions.petz.listPets"},
    ]
    report = harness.fail(arazzo(workflow("w", steps)))
    assert "operationId 'listpets' is not in source 'pets'" in report
    assert "did you mean 'listPets'? (differs only in letter case)" in report
    assert "no source description named 'petz'" in report


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "./missing.yaml",
            "source 'pets' points at ./missing.yaml, but missing.yaml does not exist",
        ),
        ("./main.arazzo.yaml", "is not an OpenAPI document (no 'openapi' field)"),
        ("./swagger.yaml", "is not an OpenAPI document (no 'openapi' field)"),
    ],
)
def test_source_description_object__unusable_source_is_a_plan_error(
    harness: Harness, url: str, message: str
) -> None:
    """Arazzo 1.0.1 § Source Description Object url: the source must be loadable (pytest-arazzo
    reads files, relative to the Arazzo document) and of the declared type."""
    harness.write("swagger.yaml", {"swagger": "2.0", "info": {"title": "t", "version": "1"}})
    document = arazzo(
        workflow("w", [{"stepId": "a", "operationId": "health"}]), sources=_sources(("pets", url))
    )
    report = harness.fail(document)
    assert "AZ201" in report and message in report


def test_source_description_object__refs_inside_openapi_internal_and_relative_files(
    harness: Harness,
) -> None:
    """`$ref` inside OpenAPI documents: a path item in another file whose parameters `$ref`
    a third file relative to *it*, and an internal `#/components/parameters` reference that
    carries the serialization style."""
    harness.write(
        "api/openapi.yaml",
        _openapi(
            "3.0.3",
            {
                "/items": {"$ref": "./paths/items.yaml"},
                "/things": _get("listThings", parameters=[{"$ref": "#/components/parameters/ids"}]),
            },
            components={
                "parameters": {
                    "ids": {
                        "name": "ids",
                        "in": "query",
                        "explode": False,
                        "schema": {"type": "array"},
                    }
                }
            },
        ),
    )
    harness.write(
        "api/paths/items.yaml",
        {
            "get": {
                "operationId": "listItems",
                "parameters": [{"$ref": "../common.yaml#/tags"}],
                "responses": {},
            }
        },
    )
    harness.write(
        "api/common.yaml", {"tags": {"name": "tags", "in": "query", "style": "pipeDelimited"}}
    )
    harness.server.route("GET", ".*", {})
    steps = [
        {
            "stepId": "a",
            "operationId": "listItems",
            "parameters": [{"name": "tags", "in": "query", "value": ["x", "y"]}],
        },
        {
            "stepId": "b",
            "operationId": "listThings",
            "parameters": [{"name": "ids", "in": "query", "value": [1, 2]}],
        },
    ]
    harness.run(arazzo(workflow("w", steps), sources=_sources(("api", "./api/openapi.yaml"))))
    first, second = harness.server.requests
    assert (first.path, first.query) == ("/items", [("tags", "x|y")])
    assert (second.path, second.query) == ("/things", [("ids", "1,2")])


def test_source_description_object__servers_at_document_path_and_operation_level(
    harness: Harness,
) -> None:
    """OpenAPI Server Objects: the operation's servers win over the path item's, which win over
    the document's; server variables take their defaults (no --arazzo-server override)."""
    port = str(urlsplit(harness.server.url).port)
    variables = {"port": {"default": port}, "base": {"default": "doc", "enum": ["doc", "x"]}}

    def server(path: str) -> list[dict[str, Any]]:
        return [{"url": "http://127.0.0.1:{port}/" + path, "variables": variables}]

    paths = {
        "/a": _get("docLevel"),
        "/b": {**_get("pathLevel"), "servers": server("path")},
        "/c": {
            "get": {**_get("opLevel")["get"], "servers": server("op")},
            "servers": server("path"),
        },
    }
    harness.write("srv.openapi.yaml", _openapi("3.1.0", paths, servers=server("{base}")))
    harness.server.route("GET", ".*", {})
    steps = [{"stepId": name, "operationId": name} for name in ("docLevel", "pathLevel", "opLevel")]
    document = arazzo(workflow("w", steps), sources=_sources(("srv", "./srv.openapi.yaml")))
    harness.run(document, servers={})
    assert _paths(harness) == ["GET /doc/a", "GET /path/b", "GET /op/c"]


def test_source_description_object__server_override_per_source_and_relative_servers(
    harness: Harness,
) -> None:
    """`--arazzo-server NAME=URL` (Servers): replaces an absolute server URL and is the base of
    a relative one (`/v1`); a source without an absolute server and no override is named."""
    harness.write(
        "rel.openapi.yaml", _openapi("3.0.0", {"/x": _get("relX")}, servers=[{"url": "/v1"}])
    )
    harness.server.route("GET", ".*", {})
    sources = _sources(("pets", PETS), ("rel", "./rel.openapi.yaml"))
    steps = [{"stepId": "a", "operationId": "relX"}, {"stepId": "b", "operationId": "health"}]
    document = arazzo(workflow("w", steps), sources=sources)
    harness.run(document, servers={"rel": harness.server.url, "pets": harness.server.url + "/p"})
    assert _paths(harness) == ["GET /v1/x", "GET /p/health"]
    report = harness.fail(document, servers={"pets": harness.server.url})
    assert "source 'rel' declares no absolute server URL for GET /x" in report
    assert "pass --arazzo-server rel=https://host/base" in report


def test_step_object__operation_id_in_several_sources_must_be_qualified(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object operationId: with several sources "the operationId MUST be
    specified using a Runtime Expression"; one found in two sources is refused (unique ones are
    resolved, see above)."""
    harness.write("copy.openapi.yaml", harness.openapi)
    sources = _sources(("pets", PETS), ("copy", "./copy.openapi.yaml"))
    report = harness.fail(
        arazzo(workflow("w", [{"stepId": "a", "operationId": "health"}]), sources=sources)
    )
    assert "operationId 'health' is in several sources ('pets', 'copy')" in report
    assert "write operationId: $sourceDescriptions.pets.health" in report


REMOTE_PETS = "https://pets.example.test/openapi.yaml"


def test_source_description_object__https_url_is_read_from_the_store(harness: Harness) -> None:
    """Arazzo 1.0.1 § Source Description Object url: "A URL to a source description"; a remote
    (https) url is read from its stored copy under fixtures/sources (verified against the lock
    file), never from the network: the workflow runs with only the loopback API reachable."""
    store = SourceStore(harness.dir / "fixtures" / "sources", harness.dir)
    text = yaml.safe_dump(_openapi("3.1.0", {"/health": _get("health")}))
    store.save(REMOTE_PETS, Fetched(text.encode(), "application/openapi+yaml"))
    document = arazzo(
        workflow("w", [{"stepId": "a", "operationId": "health"}]),
        sources=_sources(("pets", REMOTE_PETS)),
    )
    harness.server.route("GET", "/health", lambda request, match: {"ok": True})
    harness.run(document)
    assert _paths(harness) == ["GET /health"]


def test_source_description_object__https_url_without_stored_copy_is_a_plan_error(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Source Description Object url: a remote url with no stored copy fails
    before any request (AZ018), with the command that fetches it; nothing is fetched."""
    document = arazzo(
        workflow("w", [{"stepId": "a", "operationId": "health"}]),
        sources=_sources(("pets", REMOTE_PETS)),
    )
    report = harness.fail(document)
    assert f"AZ018: source 'pets' is remote ({REMOTE_PETS}) and has no stored copy" in report
    assert "pytest main.arazzo.yaml --arazzo-check --arazzo-fetch-sources" in report
    assert harness.server.requests == []
    assert not (harness.dir / "fixtures" / "sources").exists()
