"""Remote source descriptions, offline by default (Arazzo 1.0.1 § Source Description Object url).

A loopback server on 127.0.0.1 serves an OpenAPI description (with a ``$ref`` to a schema file by
relative URL) and the API it describes. ``--record`` stores the description under
``fixtures/sources`` with a lock file; replay reads the stored copy with the server gone; a
missing or edited copy fails naming the command that fetches it; fetches are bounded and never
carry a credential.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.document.stored_sources import (
    LOCK_NAME,
    Fetched,
    SourceStore,
    StoreError,
    stored_name,
)
from pytest_arazzo.transport.fetch_sources import SourceFetcher
from tests.conformance.server import LoopbackServer, Reply, Request

LEAN = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:randomly")
KEY = "pets-test-key-CANARY-0123456789"
SOURCES = Path("fixtures/sources")
CASSETTE = Path("fixtures/cassettes/remote/get-pet.yaml")

PET_SCHEMA = {
    "Pet": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
}


def openapi(api_url: str) -> dict[str, Any]:
    """The pets description: one operation, its response schema in schemas/pet.yaml."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "pets", "version": "1"},
        "servers": [{"url": api_url}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/pets/{id}": {
                "get": {
                    "operationId": "getPet",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "the pet",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "schemas/pet.yaml#/Pet"},
                                }
                            },
                        }
                    },
                }
            }
        },
    }


def arazzo(source_url: str, kind: str = "openapi") -> str:
    step: dict[str, Any] = {
        "stepId": "get",
        "successCriteria": [{"condition": "$statusCode == 200"}],
    }
    if kind == "openapi":
        step |= {"operationId": "getPet", "parameters": [{"name": "id", "in": "path", "value": 7}]}
        step["outputs"] = {"name": "$response.body#/name"}
    else:
        step["workflowId"] = "$sourceDescriptions.flows.get-pet"
        step["outputs"] = {"name": "$outputs.name"}
    document = {
        "arazzo": "1.0.1",
        "info": {"title": "remote", "version": "1"},
        "sourceDescriptions": [
            {"name": "petsApi" if kind == "openapi" else "flows", "url": source_url, "type": kind}
        ],
        "workflows": [
            {
                "workflowId": "get-pet",
                "steps": [step],
                "outputs": {"name": "$steps.get.outputs.name"},
            }
        ],
    }
    return yaml.safe_dump(document, sort_keys=False)


class PetsServer(LoopbackServer):
    """The API and its description, on one loopback server."""

    def __init__(self, media: str = "application/openapi+yaml") -> None:
        super().__init__()
        self.media = media
        self.route("GET", "/v1/pets/7", {"id": 7, "name": "Rex"})
        self.route("GET", "/api.yaml", lambda request, match: self.served(openapi(self.api)))
        self.route("GET", "/schemas/pet.yaml", lambda request, match: self.served(PET_SCHEMA))

    @property
    def api(self) -> str:
        return f"{self.url}/v1"

    def served(self, data: Any) -> Reply:
        return Reply(200, yaml.safe_dump(data, sort_keys=False), {"Content-Type": self.media})

    def source_requests(self) -> list[Request]:
        return [r for r in self.requests if not r.path.startswith("/v1/")]


@pytest.fixture
def server() -> Iterator[PetsServer]:
    with PetsServer() as running:
        yield running


@pytest.fixture
def project(pytester: pytest.Pytester, server: PetsServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An Arazzo file whose source is http://127.0.0.1:PORT/api.yaml; credentials configured
    for the API (petsApi=PETS_KEY)."""
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\narazzo_credentials = ["petsApi=PETS_KEY"]\n'
    )
    (pytester.path / "remote.arazzo.yaml").write_text(arazzo(f"{server.url}/api.yaml"))
    monkeypatch.setenv("PETS_KEY", KEY)
    return pytester


def lock(project: pytest.Pytester) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = json.loads((project.path / SOURCES / LOCK_NAME).read_text())[
        "sources"
    ]
    return entries


def stored(project: pytest.Pytester, url: str) -> Path:
    entry = next(item for item in lock(project) if item["url"] == url)
    return project.path / SOURCES / entry["file"]


def test_record_stores_source_ref_and_lock_then_replays_with_the_server_gone(
    project: pytest.Pytester, server: PetsServer
) -> None:
    """§ Source Description Object url (http): --record fetches the description and the file
    its $ref names by relative URL into fixtures/sources with a sorted lock file (url, file,
    sha256, content type, fetched at) and records the cassette; replay then passes with the
    server stopped, and makes no request (the server saw none)."""
    result = project.runpytest("remote.arazzo.yaml", "--record", *LEAN)
    result.assert_outcomes(passed=1)
    entries = lock(project)
    urls = [entry["url"] for entry in entries]
    assert urls == sorted([f"{server.url}/api.yaml", f"{server.url}/schemas/pet.yaml"])
    for entry in entries:
        assert set(entry) == {"url", "file", "sha256", "content_type", "fetched_at"}
        assert entry["content_type"] == "application/openapi+yaml"
        assert "/" not in entry["file"] and entry["file"].startswith("127.0.0.1_")
    copy = yaml.safe_load(stored(project, f"{server.url}/api.yaml").read_text())
    assert copy["paths"]["/pets/{id}"]["get"]["operationId"] == "getPet"
    assert (project.path / CASSETTE).is_file()
    assert [r.path for r in server.source_requests()] == ["/api.yaml", "/schemas/pet.yaml"]

    server.__exit__()  # the network is gone: nothing listens on the port any more
    seen = len(server.requests)
    replay = project.runpytest("remote.arazzo.yaml", *LEAN)
    replay.assert_outcomes(passed=1)
    assert len(server.requests) == seen
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/api.yaml", timeout=2)


def test_replay_and_check_never_fetch_a_missing_copy(
    project: pytest.Pytester, server: PetsServer
) -> None:
    """§ Source Description Object url: replay, --live and --arazzo-check read stored copies
    only; without one, the item fails at the sourceDescriptions url (file and line) with the
    command that fetches it, and the server sees no request."""
    replay = project.runpytest("remote.arazzo.yaml", *LEAN)
    replay.assert_outcomes(failed=1)
    replay.stdout.fnmatch_lines(
        [
            f"*remote.arazzo.yaml:7:*error AZ018: source 'petsApi' is remote ({server.url}"
            "/api.yaml) and has no stored copy*",
            "*hint: fetch it once and commit fixtures/sources/: pytest remote.arazzo.yaml "
            "--arazzo-check --arazzo-fetch-sources (or record with --record)",
        ]
    )
    assert "Traceback" not in replay.stdout.str()
    live = project.runpytest("remote.arazzo.yaml", "--live", *LEAN)
    live.assert_outcomes(failed=1)
    live.stdout.fnmatch_lines(["*AZ018*has no stored copy*"])
    check = project.runpytest("remote.arazzo.yaml", "--arazzo-check", *LEAN)
    check.assert_outcomes(failed=1)
    check.stdout.fnmatch_lines(["*AZ018*has no stored copy*"])
    assert server.requests == []
    assert not (project.path / SOURCES).exists()


def test_deleted_copy_fails_with_the_fetch_command(
    project: pytest.Pytester, server: PetsServer
) -> None:
    """§ Source Description Object url: the lock names a copy that is gone: the item fails
    naming the file and the command, and other items of the run still run."""
    project.runpytest("remote.arazzo.yaml", "--record", *LEAN).assert_outcomes(passed=1)
    copy = stored(project, f"{server.url}/api.yaml")
    copy.unlink()
    (project.path / "local.arazzo.yaml").write_text(
        yaml.safe_dump({"arazzo": "1.0.1", "info": {"title": "x", "version": "1"}})
    )
    result = project.runpytest("remote.arazzo.yaml", *LEAN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*AZ018: source 'petsApi' is remote ({server.url}/api.yaml) and its stored copy "
            f"fixtures/sources/{copy.name} is missing (fixtures/sources/sources.lock.json names "
            "it)*",
            "*hint: fetch it again: pytest remote.arazzo.yaml --arazzo-check "
            "--arazzo-fetch-sources*",
        ]
    )


def test_edited_copy_fails_with_both_hashes(project: pytest.Pytester, server: PetsServer) -> None:
    """§ Source Description Object url: a stored copy edited after fetching no longer matches
    the lock's sha256: refused (AZ019), naming the file, both hashes and how to refresh; the
    refresh (--arazzo-fetch-sources) restores it, records no cassette and replay passes."""
    project.runpytest("remote.arazzo.yaml", "--record", *LEAN).assert_outcomes(passed=1)
    copy = stored(project, f"{server.url}/api.yaml")
    expected = next(e["sha256"] for e in lock(project) if e["file"] == copy.name)
    copy.write_text(copy.read_text().replace("getPet", "getPets"))
    import hashlib

    actual = hashlib.sha256(copy.read_bytes()).hexdigest()
    result = project.runpytest("remote.arazzo.yaml", *LEAN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*AZ019: the stored copy of source 'petsApi' ({server.url}/api.yaml), "
            f"fixtures/sources/{copy.name}, was changed after it was fetched: "
            f"fixtures/sources/sources.lock.json says sha256 {expected}, the file has sha256 "
            f"{actual}*",
            "*hint: stored copies are not edited by hand: fetch it again with pytest "
            "remote.arazzo.yaml --arazzo-check --arazzo-fetch-sources*",
        ]
    )
    cassette = (project.path / CASSETTE).read_bytes()
    before = len(server.requests)
    fetch = project.runpytest("remote.arazzo.yaml", "--arazzo-fetch-sources", "--arazzo-check")
    fetch.assert_outcomes(passed=1)
    assert [r.path for r in server.requests[before:]] == ["/api.yaml", "/schemas/pet.yaml"]
    assert "getPets" not in copy.read_text()
    assert (project.path / CASSETTE).read_bytes() == cassette
    project.runpytest("remote.arazzo.yaml", *LEAN).assert_outcomes(passed=1)


def test_fetch_sources_stores_copies_without_recording(
    project: pytest.Pytester, server: PetsServer
) -> None:
    """§ Source Description Object url: --arazzo-fetch-sources fetches the sources (and
    their $ref targets) but records no cassette and sends no API request."""
    result = project.runpytest("remote.arazzo.yaml", "--arazzo-fetch-sources", *LEAN)
    result.assert_outcomes(failed=1)  # replay: there is no cassette yet
    result.stdout.fnmatch_lines(["*no cassette for this item*"])
    assert len(lock(project)) == 2
    assert not (project.path / "fixtures" / "cassettes").exists()
    assert [r.path for r in server.requests] == ["/api.yaml", "/schemas/pet.yaml"]


def test_no_credential_reaches_the_source_server(
    project: pytest.Pytester, server: PetsServer
) -> None:
    """§ Source Description Object url: the credentials configured for the API are sent to
    the API only; the requests for the description and its $ref carry no Authorization,
    Cookie or other credential header."""
    project.runpytest("remote.arazzo.yaml", "--record", *LEAN).assert_outcomes(passed=1)
    api = [r for r in server.requests if r.path.startswith("/v1/")]
    assert api and all(r.header("authorization") == f"Bearer {KEY}" for r in api)
    sources = server.source_requests()
    assert len(sources) == 2
    for request in sources:
        assert set(request.headers) <= {
            "host",
            "accept",
            "accept-encoding",
            "user-agent",
            "connection",
        }
        assert KEY not in json.dumps(request.headers)


def test_arazzo_source_by_url_as_vnd_oai_workflows(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§ Source Description Object type arazzo, url: an Arazzo document served as
    application/vnd.oai.workflows+yaml is stored; its own relative source url (api.yaml) is a
    URL on the same server, stored too; replay runs the remote workflow offline."""
    with PetsServer("application/vnd.oai.workflows+yaml") as server:
        flows = arazzo("api.yaml")
        server.route(
            "GET",
            "/flows.arazzo.yaml",
            Reply(200, flows, {"Content-Type": "application/vnd.oai.workflows+yaml"}),
        )
        pytester.makepyprojecttoml(
            '[tool.pytest.ini_options]\narazzo_credentials = ["petsApi=PETS_KEY"]\n'
        )
        monkeypatch.setenv("PETS_KEY", KEY)
        main = pytester.path / "main.arazzo.yaml"
        main.write_text(arazzo(f"{server.url}/flows.arazzo.yaml", kind="arazzo"))
        record = pytester.runpytest("main.arazzo.yaml", "--record", *LEAN)
        record.assert_outcomes(passed=1)
        urls = {entry["url"] for entry in lock(pytester)}
        assert urls == {
            f"{server.url}/flows.arazzo.yaml",
            f"{server.url}/api.yaml",
            f"{server.url}/schemas/pet.yaml",
        }
        seen = len(server.requests)
    pytester.runpytest("main.arazzo.yaml", *LEAN).assert_outcomes(passed=1)
    assert len(server.requests) == seen


# -- refused fetches: nothing written --------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (
            lambda server: server.route(
                "GET",
                r"/hop/(\d+)",
                lambda request, match: Reply(302, None, {"Location": f"/hop/{int(match[1]) + 1}"}),
            ),
            "was redirected more than 5 times (last to http://127.0.0.1:*/hop/6); nothing was "
            "stored",
        ),
        (
            lambda server: server.route(
                "GET", r"/hop/0", Reply(200, "x" * 5000, {"Content-Type": "application/yaml"})
            ),
            "more than arazzo_max_response_bytes = 1000; nothing was stored",
        ),
        (
            lambda server: server.route(
                "GET",
                r"/hop/0",
                Reply(200, "<html><body>docs</body></html>", {"Content-Type": "text/html"}),
            ),
            "answered with an HTML page (Content-Type: text/html), not an OpenAPI or Arazzo "
            "document; nothing was stored",
        ),
    ],
    ids=["redirects", "too-large", "html"],
)
def test_refused_fetch_writes_nothing(pytester: pytest.Pytester, route: Any, expected: str) -> None:
    """§ Source Description Object url: a fetch is bounded like a live request: more than 5
    redirects, a body over arazzo_max_response_bytes and an HTML page are refused with a
    clear message at the sourceDescriptions url, and nothing is written."""
    with PetsServer() as server:
        route(server)
        pytester.makepyprojecttoml("[tool.pytest.ini_options]\narazzo_max_response_bytes = 1000\n")
        (pytester.path / "remote.arazzo.yaml").write_text(arazzo(f"{server.url}/hop/0"))
        result = pytester.runpytest("remote.arazzo.yaml", "--arazzo-fetch-sources", *LEAN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*remote.arazzo.yaml:7:*{server.url}/hop/0*{expected}*"])
    assert "Traceback" not in result.stdout.str()
    assert not (pytester.path / SOURCES / LOCK_NAME).exists()
    assert (
        not list((pytester.path / SOURCES).glob("*"))
        if (pytester.path / SOURCES).exists()
        else True
    )


def test_https_to_http_redirect_and_credentials_in_url_are_refused() -> None:
    """§ Source Description Object url: a redirect from https down to http is refused, and a
    url holding a user or password is never fetched (requests would send it as Basic auth)."""
    fetcher = SourceFetcher()
    response = requests.Response()
    response.status_code, response.headers["Location"] = 302, "http://cdn.example.test/api.yaml"
    response.raw = io.BytesIO()
    with pytest.raises(StoreError, match="redirects from https down to http") as caught:
        fetcher._follow(response, "https://example.test/api.yaml", "https://example.test/api.yaml")
    assert caught.value.code == "AZ022"
    with pytest.raises(StoreError, match="holds a user name or password") as caught:
        fetcher("http://user:secret@127.0.0.1:9/api.yaml")
    assert caught.value.code == "AZ025" and "secret" not in caught.value.message


# -- the store -------------------------------------------------------------------------------


def test_stored_names_are_readable_distinct_and_inside_the_folder() -> None:
    """§ Source Description Object url: each URL maps to one plain file name (host, port and
    path, sanitized, plus a hash of the URL); query strings and ``..`` cannot collide or
    escape the folder."""
    yaml_body, json_body = b"openapi: 3.1.0\n", b'{"openapi": "3.1.0"}'
    name = stored_name("https://api.example.test:8443/v2/openapi.yaml", yaml_body)
    assert name.startswith("api.example.test_8443-v2-openapi-") and name.endswith(".yaml")
    assert stored_name("https://h/x.yaml?v=1", yaml_body) != stored_name(
        "https://h/x.yaml?v=2", yaml_body
    )
    assert stored_name("https://h/api", json_body).endswith(".json")
    hostile = stored_name("http://h/../../etc/passwd", yaml_body)
    assert "/" not in hostile and not hostile.startswith(".")


def test_lock_file_is_sorted_and_a_new_fetch_replaces_the_copy(tmp_path: Path) -> None:
    """§ Source Description Object url: the lock file lists entries sorted by url; storing a
    url again replaces its copy and entry (no stale file left), atomically."""
    store = SourceStore(tmp_path / "sources", tmp_path)
    store.save("https://b.test/api.yaml", Fetched(b"openapi: 3.1.0\n", "application/yaml"))
    store.save("https://a.test/api.yaml", Fetched(b"openapi: 3.0.3\n", "application/yaml"))
    store.save("https://b.test/api.yaml", Fetched(b'{"openapi": "3.1.1"}', "application/json"))
    data = json.loads((tmp_path / "sources" / LOCK_NAME).read_text())
    assert [e["url"] for e in data["sources"]] == [
        "https://a.test/api.yaml",
        "https://b.test/api.yaml",
    ]
    files = sorted(p.name for p in (tmp_path / "sources").iterdir())
    assert files == sorted([LOCK_NAME, *(e["file"] for e in data["sources"])])
    path = store.copy_of("https://b.test/api.yaml", "source 'b'", "x.arazzo.yaml")
    assert path.suffix == ".json" and json.loads(path.read_text()) == {"openapi": "3.1.1"}


@pytest.mark.parametrize(
    "media",
    [
        "application/vnd.oai.workflows",
        "application/vnd.oai.workflows+json",
        "application/vnd.oai.workflows+yaml; charset=utf-8",
        "application/openapi+json",
        "application/json",
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "text/plain",
        "",
    ],
)
def test_accepted_media_types(tmp_path: Path, media: str) -> None:
    """§ Source Description Object url: the Arazzo and OpenAPI media types, any +json/+yaml
    type and plain YAML/JSON are accepted."""
    store = SourceStore(tmp_path, tmp_path)
    store.save("https://h.test/a", Fetched(b'{"arazzo": "1.0.1"}', media))
    assert store.entries()["https://h.test/a"].content_type == media


def test_text_plain_that_is_no_yaml_is_refused(tmp_path: Path) -> None:
    """§ Source Description Object url: text/plain is accepted only when the body parses."""
    store = SourceStore(tmp_path / "s", tmp_path)
    with pytest.raises(StoreError, match="is not YAML or JSON") as caught:
        store.save("https://h.test/a", Fetched(b"key: [unclosed\n", "text/plain"))
    assert caught.value.code == "AZ023"
    assert not (tmp_path / "s").exists()


def test_a_broken_lock_file_is_a_clear_error(tmp_path: Path) -> None:
    """§ Source Description Object url: a lock file that is no lock file (or names a path
    outside the folder) fails naming it (AZ020), never a traceback."""
    folder = tmp_path / "fixtures" / "sources"
    folder.mkdir(parents=True)
    (folder / LOCK_NAME).write_text('{"sources": [{"url": "https://h/a", "file": "../../x"}]}')
    cache = SourceCache(tmp_path)
    arazzo_file = tmp_path / "w.arazzo.yaml"
    arazzo_file.write_text(arazzo("https://h/a"))
    from pytest_arazzo.document.loader import load_document

    document = load_document(arazzo_file, "w.arazzo.yaml")
    with pytest.raises(Exception) as caught:
        cache.source({"name": "petsApi", "url": "https://h/a"}, document)
    assert getattr(caught.value, "code", "") == "AZ020"
    assert "the lock file fixtures/sources/sources.lock.json cannot be read" in str(caught.value)


def test_missing_copy_of_a_remote_ref_fails_the_item(
    project: pytest.Pytester, server: PetsServer
) -> None:
    """§ Source Description Object url: a $ref by relative URL inside a fetched description
    is read from its own stored copy; when that copy is gone the item fails naming the $ref
    and the command that fetches it."""
    project.runpytest("remote.arazzo.yaml", "--record", *LEAN).assert_outcomes(passed=1)
    stored(project, f"{server.url}/schemas/pet.yaml").unlink()
    result = project.runpytest("remote.arazzo.yaml", *LEAN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*$ref 'schemas/pet.yaml*' in fixtures/sources/*is remote ({server.url}"
            "/schemas/pet.yaml) and its stored copy*is missing*",
        ]
    )


def test_an_unusable_source_url_is_a_clear_fetch_error() -> None:
    """§ Source Description Object url: a url requests cannot even prepare (a host label over
    63 characters) fails the fetch with a message (AZ021), not a traceback."""
    with pytest.raises(StoreError, match=r"fetching http://a+\.test/api\.yaml failed") as caught:
        SourceFetcher()(f"http://{'a' * 64}.test/api.yaml")
    assert caught.value.code == "AZ021"


# -- arazzo_source_credentials: the one credential a fetch may send ----------------------------

SOURCE_TOKEN = "source-token-CANARY-9876543210"


def test_source_credentials_are_sent_to_their_host_only(
    project: pytest.Pytester, server: PetsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§ Source Description Object url: ini arazzo_source_credentials HOST=VARIABLE sends
    that token (and only it, never the API's) to the source host; the API gets its own; the
    stored copies and the lock file never hold it."""
    host = server.url.removeprefix("http://")
    project.makepyprojecttoml(
        "[tool.pytest.ini_options]\n"
        'arazzo_credentials = ["petsApi=PETS_KEY"]\n'
        f'arazzo_source_credentials = ["{host}=SOURCE_TOKEN"]\n'
    )
    monkeypatch.setenv("SOURCE_TOKEN", SOURCE_TOKEN)
    project.runpytest("remote.arazzo.yaml", "--record", *LEAN).assert_outcomes(passed=1)
    sources = server.source_requests()
    assert [r.header("authorization") for r in sources] == [f"Bearer {SOURCE_TOKEN}"] * 2
    api = [r for r in server.requests if r.path.startswith("/v1/")]
    assert [r.header("authorization") for r in api] == [f"Bearer {KEY}"]
    for path in (project.path / SOURCES).iterdir():
        assert SOURCE_TOKEN not in path.read_text()


def test_source_credentials_never_follow_a_redirect_to_another_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """§ Source Description Object url: a redirect to another host (localhost instead of
    127.0.0.1) is fetched without the credential configured for the first host."""
    with PetsServer() as server:
        port = server.url.rsplit(":", 1)[1]
        server.route(
            "GET", "/moved", Reply(302, None, {"Location": f"http://localhost:{port}/api.yaml"})
        )
        fetcher = SourceFetcher(
            credentials={f"127.0.0.1:{port}": "SOURCE_TOKEN"},
            environ={"SOURCE_TOKEN": SOURCE_TOKEN},
        )
        fetched = fetcher(f"{server.url}/moved")
    assert yaml.safe_load(fetched.content)["openapi"] == "3.1.0"
    first, second = server.requests
    assert first.header("authorization") == f"Bearer {SOURCE_TOKEN}"
    assert second.path == "/api.yaml" and second.header("authorization") is None


@pytest.mark.parametrize(
    ("url", "environ", "message"),
    [
        (
            "http://specs.example.test/api.yaml",
            {"SOURCE_TOKEN": SOURCE_TOKEN},
            "has a credential for specs.example.test, which would go over plain http",
        ),
        (
            "https://specs.example.test/api.yaml",
            {},
            "names the environment variable SOURCE_TOKEN for specs.example.test, but it is not set",
        ),
        (
            "https://specs.example.test/api.yaml",
            {"SOURCE_TOKEN": "sk_live_0123456789abcdefghij"},
            "the credential in SOURCE_TOKEN is a live-mode key; refused",
        ),
    ],
    ids=["plain-http", "unset", "live-key"],
)
def test_source_credentials_refused_before_sending(
    url: str, environ: dict[str, str], message: str
) -> None:
    """§ Source Description Object url: a source credential is never sent over plain http to
    a host off loopback, a missing variable is named, and a live-mode key is refused; nothing
    is sent (the hosts do not exist: a request would fail differently)."""
    fetcher = SourceFetcher(credentials={"specs.example.test": "SOURCE_TOKEN"}, environ=environ)
    with pytest.raises(StoreError, match=re.escape(message)) as caught:
        fetcher(url)
    assert caught.value.code == "AZ025"
    assert "0123456789abcdefghij" not in caught.value.message
