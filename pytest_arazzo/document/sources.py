"""Source descriptions: load OpenAPI (and Arazzo) documents and find operations in them.

Arazzo 1.0.1 § Source Description Object. A source is loaded once per session (see
:class:`SourceCache`); ``$ref`` inside it is resolved on demand, within the file and across
relative files. A source or ``$ref`` with an http(s) URL is read from its stored copy
(:mod:`stored_sources`); the relative ``$ref`` values of such a document are URLs too.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.document.loader import MAX_BYTES, TAG, Document, LoadError, load_document
from pytest_arazzo.document.pointer import (
    PointerError,
    escape_token,
    parse_pointer,
    resolve_pointer,
)
from pytest_arazzo.document.stored_sources import DEFAULT_FOLDER, SourceStore, StoreError, is_remote

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_REF_DEPTH = 50
OUTSIDE, CYCLE = "AZ016", "AZ017"  # documented codes (diagnostics.codes)


class SourceError(Exception):
    """A source description that cannot be used, or a ``$ref`` that does not resolve; with
    where (if known) and a hint on how to fix it (if one applies)."""

    def __init__(
        self, message: str, where: Position | None = None, hint: str = "", code: str = ""
    ) -> None:
        self.message, self.where, self.hint, self.code = message, where, hint, code
        super().__init__(f"{where}: {message}" if where else message)


class RefResolver:
    """Resolves ``$ref`` values across the documents of one source (internal and relative)."""

    def __init__(self, cache: SourceCache, root: Document) -> None:
        self.cache, self.root = cache, root

    def deref(self, value: Any, document: Document | None = None) -> tuple[Any, Document]:
        """Follow ``$ref`` chains until a non-reference value; returns it and its document."""
        document = document or self.root
        seen: set[tuple[str, str]] = set()
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            target, fragment = ref.split("#", 1) if "#" in ref else (ref, "")
            if target:
                document = self.cache.ref_document(document, target, ref)
            key = (str(document.path), fragment)
            if key in seen or len(seen) > MAX_REF_DEPTH:
                raise SourceError(f"$ref cycle through '{ref}'", Position(str(document.path)))
            seen.add(key)
            try:
                value = (
                    resolve_pointer(document.data, unquote(fragment)) if fragment else document.data
                )
            except PointerError as error:
                raise SourceError(
                    f"$ref '{ref}' does not resolve: {error}", Position(str(document.path))
                ) from None
        return value, document


@dataclass
class Operation:
    """One OpenAPI operation: where it lives and what it takes."""

    source: Source
    method: str
    path: str
    pointer: str
    raw: dict[str, Any]
    path_item: dict[str, Any]
    document: Document | None = field(default=None, repr=False)  # where the path item lives

    def resolve(self, value: Any) -> Any:
        """``value`` with its ``$ref`` followed, relative to the file the operation is in."""
        return self.source.refs.deref(value, self.document)[0]

    @property
    def operation_id(self) -> str | None:
        value = self.raw.get("operationId")
        return value if isinstance(value, str) else None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @cached_property
    def parameters(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(name, in) → Parameter Object; operation-level ones override path-level ones."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for owner in (self.path_item, self.raw):
            for raw in owner.get("parameters") or []:
                try:
                    param = self.resolve(raw)
                except SourceError:
                    continue
                if isinstance(param, dict) and "name" in param and "in" in param:
                    found[(str(param["name"]), str(param["in"]))] = param
        return found

    @cached_property
    def request_body(self) -> dict[str, Any]:
        body = self.raw.get("requestBody")
        try:
            resolved = self.resolve(body) if body else {}
        except SourceError:
            return {}
        return resolved if isinstance(resolved, dict) else {}

    @property
    def request_content_types(self) -> list[str]:
        content = self.request_body.get("content")
        return list(content) if isinstance(content, dict) else []

    def media_type(self, content_type: str) -> dict[str, Any]:
        """The request Media Type Object for ``content_type`` (``{}`` when undocumented)."""
        content = self.request_body.get("content") or {}
        bare = content_type.split(";")[0].strip().lower()
        for name, media in content.items():
            if name.split(";")[0].strip().lower() == bare and isinstance(media, dict):
                return media
        return {}

    @cached_property
    def security(self) -> list[dict[str, list[str]]] | None:
        """Security requirements in force (operation-level overrides document-level).

        ``None`` when neither level declares any; ``[]`` when the operation says ``security: []``
        (OpenAPI: no authentication for this operation).
        """
        value = self.raw.get("security", self.source.data.get("security"))
        if not isinstance(value, list):
            return None
        return [item for item in value if isinstance(item, dict)]

    def servers(self) -> list[dict[str, Any]]:
        """The Server Objects in force: operation, then path item, then document."""
        for owner in (self.raw, self.path_item, self.source.data):
            servers = owner.get("servers")
            if isinstance(servers, list) and servers:
                return [server for server in servers if isinstance(server, dict)]
        return []


@dataclass
class Source:
    """A loaded source description (Arazzo 1.0.1 § Source Description Object)."""

    name: str
    type: str
    url: str
    document: Document
    refs: RefResolver = field(repr=False)

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data if isinstance(self.document.data, dict) else {}

    @cached_property
    def operations(self) -> list[Operation]:
        return list(self._walk_operations())

    @cached_property
    def by_operation_id(self) -> dict[str, Operation]:
        return {op.operation_id: op for op in self.operations if op.operation_id}

    def _walk_operations(self) -> Iterator[Operation]:
        paths = self.data.get("paths")
        if not isinstance(paths, dict):
            return
        for path, raw_item in paths.items():
            try:
                item, document = self.refs.deref(raw_item)
            except SourceError:
                continue
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    pointer = f"/paths/{escape_token(path)}/{method}"
                    yield Operation(self, method, str(path), pointer, operation, item, document)

    def operation_at(self, pointer: str) -> Operation | None:
        """The operation at a JSON Pointer such as ``/paths/~1pets~1{id}/get``."""
        try:
            tokens = parse_pointer(pointer)
        except PointerError:
            return None
        if len(tokens) != 3 or tokens[0] != "paths" or tokens[2].lower() not in HTTP_METHODS:
            return None
        for operation in self.operations:
            if operation.path == tokens[1] and operation.method == tokens[2].lower():
                return operation
        return None

    def pointer_hint(self, pointer: str) -> str:
        """Why ``pointer`` names no operation, and what it probably meant."""
        try:
            tokens = parse_pointer(pointer)
        except PointerError as error:
            return str(error)
        if not tokens or tokens[0] != "paths":
            return "the fragment must start with #/paths/"
        paths = [operation.path for operation in self.operations]
        if len(tokens) >= 2 and tokens[1] not in paths:
            known = ", ".join(sorted(set(paths))[:12]) or "none"
            return f"there is no path '{tokens[1]}' (paths: {known}); escape '/' as ~1"
        methods = [op.method for op in self.operations if op.path == tokens[1]]
        escaped = escape_token(tokens[1])
        if len(tokens) == 2:
            return (
                f"#/paths/{escaped} is a Path Item, not an operation: add the method, e.g. "
                f"#/paths/{escaped}/{methods[0]}"
            )
        return f"path '{tokens[1]}' has methods: {', '.join(methods)}"

    @property
    def security_schemes(self) -> dict[str, dict[str, Any]]:
        schemes = (self.data.get("components") or {}).get("securitySchemes") or {}
        out = {}
        for name, scheme in schemes.items():
            try:
                resolved, _ = self.refs.deref(scheme)
            except SourceError:
                continue
            if isinstance(resolved, dict):
                out[name] = resolved
        return out


def inline_refs(schema: Any, document: Document, cache: SourceCache) -> Any:
    """A JSON Schema with every ``$ref`` replaced by its target (workflow ``inputs``).

    ``#/...`` resolves against the document the schema is written in (so an Arazzo file's
    ``#/components/inputs/x`` works), falling back to the schema itself (``#/$defs/x``); other
    references are files relative to that document. A ``$ref`` with sibling keywords becomes
    ``allOf``. Recursive schemas raise :class:`SourceError`.
    """
    return _inline(schema, document, cache, schema, ())


def _inline(
    value: Any, document: Document, cache: SourceCache, root: Any, stack: tuple[str, ...]
) -> Any:
    if isinstance(value, list):
        return [_inline(item, document, cache, root, stack) for item in value]
    if not isinstance(value, dict):
        return value
    ref = value.get("$ref")
    if not isinstance(ref, str):
        return {key: _inline(child, document, cache, root, stack) for key, child in value.items()}
    target, fragment = ref.split("#", 1) if "#" in ref else (ref, "")
    if target:
        document = cache.ref_document(document, target, ref)
        root = document.data
    key = f"{document.path}#{fragment}"
    if key in stack:
        raise SourceError(f"recursive $ref '{ref}' is not supported in workflow inputs")
    resolved = _pointer_target(document, root, unquote(fragment), ref)
    inlined = _inline(resolved, document, cache, root, (*stack, key))
    siblings = {k: v for k, v in value.items() if k != "$ref"}
    if not siblings:
        return inlined
    rest = _inline(siblings, document, cache, root, stack)
    return {**rest, "allOf": [*rest.get("allOf", []), inlined]}


def _pointer_target(document: Document, root: Any, fragment: str, ref: str) -> Any:
    errors = []
    for base in (document.data, root):
        try:
            return resolve_pointer(base, fragment)
        except PointerError as error:
            errors.append(str(error))
    raise SourceError(
        f"$ref '{ref}' does not resolve in {document.display or document.path}: {errors[0]}"
    )


_VARIABLE = re.compile(r"\{([^{}]+)\}")


def server_url(server: dict[str, Any], source_url: str) -> str:
    """A Server Object's URL with variable defaults applied, made absolute against the source."""
    url = str(server.get("url", ""))
    variables = server.get("variables") or {}

    def substitute(match: re.Match[str]) -> str:
        variable = variables.get(match.group(1)) or {}
        return str(variable.get("default", match.group(0)))

    url = _VARIABLE.sub(substitute, url)
    if urlsplit(url).scheme:
        return url
    if urlsplit(source_url).scheme in ("http", "https"):
        return urljoin(source_url, url)
    return url


def display_path(path: Path, rootdir: Path | None) -> str:
    """``path`` relative to the rootdir when inside it (messages stay short and portable)."""
    if rootdir is not None:
        try:
            return os.path.relpath(path, rootdir)
        except ValueError:
            pass
    return str(path)


class SourceCache:
    """Loads each document once per session; failures are cached too (and re-raised).

    ``allowed`` confines reading: when given, only files under those folders are read (after
    resolving symlinks), so a source url or ``$ref`` cannot reach ``../``, absolute paths or
    ``file://`` targets elsewhere on the machine. ``None`` (the Python API's default) reads any
    file. Files of more than ``max_bytes`` bytes are refused. Remote (http(s)) documents are
    read from ``store`` (default: ``fixtures/sources`` under the rootdir).
    """

    def __init__(
        self,
        rootdir: Path | None = None,
        allowed: Sequence[Path] | None = None,
        max_bytes: int = MAX_BYTES,
        store: SourceStore | None = None,
    ) -> None:
        self.rootdir = rootdir
        self.allowed = None if allowed is None else tuple(path.resolve() for path in allowed)
        self.max_bytes = max_bytes
        if store is None and rootdir is not None:
            store = SourceStore(rootdir / DEFAULT_FOLDER, rootdir)
        self.store = store
        self._documents: dict[Path, Document | LoadError] = {}
        # id(root) -> (root, documents its $refs reach, files that failed)
        self._reachable: dict[int, tuple[Document, list[Document], dict[Path, SourceError]]] = {}
        self._remote: dict[str, Path | SourceError] = {}  # URL -> its stored copy, or why not
        self._urls: dict[Path, str] = {}  # stored copy (resolved) -> its URL
        self._origins: dict[Path, str] = {}  # stored copy -> the Arazzo file that led to it
        # (document, $ref file part) -> the file it names, for $refs to URLs
        self._links: dict[tuple[Path, str], Path | SourceError] = {}

    def url_of(self, document: Document) -> str | None:
        """The URL ``document`` was fetched from (None for a local file)."""
        if not self._urls:  # nothing fetched: no path to resolve
            return None
        return self._urls.get(document.path.resolve())

    def remote(self, url: str, what: str, origin: str) -> Document:
        """The stored copy of the http(s) ``url``, verified and loaded; ``what`` names who asks
        (for messages), ``origin`` the Arazzo file (for the command that fetches it)."""
        found = self._remote.get(url)
        if found is None:
            try:
                if self.store is None:
                    raise StoreError(
                        f"{what} is remote ({url}); without a rootdir there is no sources "
                        "folder to read its stored copy from",
                        "give the rootdir (plan_workflow(..., root=...)) or a local file",
                    )
                found = self.store.copy_of(url, what, origin).resolve()
            except StoreError as error:
                found = SourceError(error.message, hint=error.hint, code=error.code)
            self._remote[url] = found
            if isinstance(found, Path):
                self._urls[found] = url
                self._origins.setdefault(found, origin)
        if isinstance(found, SourceError):
            raise SourceError(found.message, found.where, found.hint, found.code)
        return self.document(found, what)

    def ref_document(self, document: Document, target: str, ref: str = "") -> Document:
        """The document the file part ``target`` of a ``$ref`` in ``document`` names: a file
        relative to it, or (a URL, or any relative ref of a fetched document) a stored copy."""
        referrer = f"$ref '{ref or target}' in {document.display or document.path}"
        base = self.url_of(document)
        if base is None and not is_remote(target):
            return self.document(document.path.parent / unquote(target), referrer)
        refusal = "which is no http(s) URL: a fetched document refers only to other URLs"
        return self._remote_from(document, base, target, referrer, f"{referrer} names", refusal)

    def _remote_from(
        self, document: Document, base: str | None, target: str, what: str, says: str, why: str
    ) -> Document:
        """The stored copy of ``target`` (relative to ``base``, the URL ``document`` was fetched
        from), which ``document`` names; a target that is no http(s) URL then is refused as
        "``says`` <url>, ``why``"."""
        url = urljoin(base or "", target)
        if not is_remote(url):
            raise SourceError(f"{says} {_quoted(url)}, {why}", code=OUTSIDE)
        origin = self._origins.get(document.path.resolve(), document.display or str(document.path))
        return self.remote(url, what, origin)

    def links(self, documents: Sequence[Document]) -> dict[tuple[Path, str], Path | SourceError]:
        """Of the ``$ref`` values naming URLs in ``documents``: (document, file part) -> the
        stored copy it names (resolved), or why it cannot be read."""
        if not self._links:  # no $ref names a URL: no path to resolve
            return {}
        keys = {document.path.resolve() for document in documents}
        return {link: found for link, found in self._links.items() if link[0] in keys}

    def document(self, path: Path, referrer: str = "") -> Document:
        """The document at ``path``; ``referrer`` (e.g. "$ref 'x.yaml' in api.yaml") says who
        asked, for the message when the file lies outside the allowed folders."""
        key = path.resolve()
        check_confined(key, self.allowed, self.rootdir, referrer or str(path))
        if key not in self._documents:
            try:
                display = display_path(key, self.rootdir)
                self._documents[key] = load_document(key, display, self.max_bytes)
            except LoadError as error:
                self._documents[key] = error
        found = self._documents[key]
        if isinstance(found, LoadError):
            code = found.code if found.code == TAG else ""  # others: the source's AZ201
            raise SourceError(found.message, found.where(), code=code)
        return found

    def reachable(self, root: Document) -> tuple[list[Document], dict[Path, SourceError]]:
        """``root`` and every document its ``$ref`` values reach (transitively), loaded; and
        why each file that could not be loaded failed (by resolved path). Walked once per
        loaded document, however many Arazzo files name it."""
        known = self._reachable.get(id(root))
        if known is not None and known[0] is root:
            return list(known[1]), dict(known[2])
        documents, broken = self._walk(root)
        self._reachable[id(root)] = (root, documents, broken)
        return list(documents), dict(broken)

    def _walk(self, root: Document) -> tuple[list[Document], dict[Path, SourceError]]:
        documents: list[Document] = [root]
        broken: dict[Path, SourceError] = {}
        seen = {root.path.resolve()}
        for document in documents:  # grows while walking
            for target in _ref_files(document.data):
                if is_remote(target) or document.path.resolve() in self._urls:
                    self._walk_remote(document, target, documents, seen)
                    continue
                path = (document.path.parent / unquote(target)).resolve()
                if path in seen:
                    continue
                seen.add(path)
                referrer = f"$ref '{target}' in {document.display or document.path}"
                try:
                    documents.append(self.document(path, referrer))
                except (SourceError, ValueError, OSError) as error:
                    message = getattr(error, "message", str(error))
                    broken[path] = SourceError(message, getattr(error, "where", None))
        return documents, broken

    def _walk_remote(
        self, document: Document, target: str, documents: list[Document], seen: set[Path]
    ) -> None:
        """One ``$ref`` to a URL while walking: its stored copy joins ``documents``."""
        link = (document.path.resolve(), target)
        try:
            found = self.ref_document(document, target)
        except SourceError as error:
            self._links[link] = error
            return
        path = found.path.resolve()
        self._links[link] = path
        if path not in seen:
            seen.add(path)
            documents.append(found)

    def source(self, description: dict[str, Any], arazzo: Document) -> Source:
        """Load the source a Source Description Object names, relative to the Arazzo file."""
        name, url = str(description.get("name", "")), str(description.get("url", ""))
        kind = str(description.get("type") or "openapi")
        base = self.url_of(arazzo)
        if is_remote(url) or base is not None:  # a relative url of a fetched Arazzo document
            says = f"source '{name}' of a fetched document names"
            what = f"source '{name}'"
            document = self._remote_from(arazzo, base, url, what, says, "which is no http(s) URL")
            url = urljoin(base or "", url)
        else:
            document = self._local_source(name, url, arazzo)
        if not isinstance(document.data, dict):
            raise SourceError(f"source '{name}' ({url}) is not a mapping", document.where())
        marker = kind if kind in ("arazzo", "asyncapi") else "openapi"  # asyncapi: Arazzo 1.1
        if marker not in document.data:
            expected = {"arazzo": "an Arazzo document", "asyncapi": "an AsyncAPI document"}.get(
                kind, "an OpenAPI document"
            )
            raise SourceError(
                f"source '{name}' ({url}) is not {expected} (no '{marker}' field)",
                document.where(),
            )
        if kind == "arazzo":
            self._refuse_cycle(name, arazzo, document)
        self._refuse_missing_copies(document)
        return Source(name, kind, url, document, RefResolver(self, document))

    def _refuse_missing_copies(self, document: Document) -> None:
        """A ``$ref`` to a URL (or in a fetched file) whose stored copy is missing or edited
        fails the source: the stored set is incomplete, whatever the run would read."""
        documents, _ = self.reachable(document)
        for found in self.links(documents).values():
            if isinstance(found, SourceError):
                raise SourceError(found.message, found.where, found.hint, found.code)

    def _local_source(self, name: str, url: str, arazzo: Document) -> Document:
        """The source file a local (relative, or ``file:``) url names."""
        scheme = urlsplit(url).scheme
        local = unquote(urlsplit(url).path) if scheme == "file" else url
        path = arazzo.path.parent / local
        try:
            check_confined(path.resolve(), self.allowed, self.rootdir, f"source '{name}' ({url})")
            if not path.exists():
                shown = display_path(path.resolve(), self.rootdir)
                raise SourceError(
                    f"source '{name}' points at {url}, but {shown} does not exist",
                    hint="fix the sourceDescriptions url (it is relative to the Arazzo file)",
                )
            return self.document(path)
        except (ValueError, OSError) as error:  # a NUL in the url, a name too long for the OS
            raise SourceError(
                f"source '{name}' has url {_quoted(url)}, which is not a usable file path: "
                f"{_path_error(error)}",
                hint="the url must be a file path relative to the Arazzo file, such as api.yaml",
            ) from None

    def _refuse_cycle(self, name: str, arazzo: Document, source: Document) -> None:
        """Arazzo sources that lead back to ``arazzo`` (a → b → a) are one error naming the
        cycle, not an endless chain of plans."""
        start = arazzo.path.resolve()
        paths = {source.path.resolve(): [start, source.path.resolve()]}
        if source.path.resolve() == start:
            paths, source = {start: [start]}, arazzo
        queue = [source]
        while queue:
            current = queue.pop(0)
            if current.path.resolve() in self._urls:
                continue  # a fetched document: its sources are URLs (loaded when planned)
            chain = paths[current.path.resolve()]
            for url in _arazzo_source_urls(current.data):
                target = (current.path.parent / url).resolve()
                if target == start:
                    shown = " -> ".join(display_path(p, self.rootdir) for p in [*chain, start])
                    raise SourceError(
                        f"source '{name}' leads back to this file: sourceDescriptions cycle "
                        f"{shown}",
                        hint="break the cycle: move the workflows both files run into a third file",
                        code=CYCLE,
                    )
                if target in paths:
                    continue
                paths[target] = [*chain, target]
                try:
                    queue.append(self.document(target))
                except (SourceError, ValueError, OSError):
                    continue  # reported when that file's own sources are loaded


class FolderCache:
    """``path.resolve()`` with each folder resolved once: a file that is no symlink resolves to
    its folder's resolution joined with its name (files of one folder share one realpath walk)."""

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}

    def resolve(self, path: Path) -> Path:
        if path.name in ("", ".", "..") or path.is_symlink():
            return path.resolve()
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = path.parent.resolve()
        return folder / path.name


def check_confined(
    path: Path, allowed: Sequence[Path] | None, rootdir: Path | None, what: str
) -> None:
    """Raise :class:`SourceError` when the resolved ``path`` is under none of the (resolved)
    ``allowed`` folders (``None``: anywhere is allowed), e.g. :attr:`SourceCache.allowed`."""
    if allowed is None or any(path.is_relative_to(folder) for folder in allowed):
        return
    root = str(rootdir.resolve()) if rootdir is not None else "the rootdir"
    raise SourceError(
        f"{what} reads {path}, which is outside the rootdir ({root}); files are read only "
        "under the rootdir (symlinks resolved)",
        hint="copy the file under the rootdir, or add its folder to the ini arazzo_allowed_paths",
        code=OUTSIDE,
    )


def _arazzo_source_urls(data: Any) -> Iterator[str]:
    """The local urls of an Arazzo document's ``type: arazzo`` source descriptions."""
    sources = data.get("sourceDescriptions") if isinstance(data, dict) else None
    for item in sources if isinstance(sources, list) else []:
        if isinstance(item, dict) and item.get("type") == "arazzo":
            url = str(item.get("url", ""))
            scheme = urlsplit(url).scheme
            if scheme not in ("http", "https"):
                yield unquote(urlsplit(url).path) if scheme == "file" else url


def _ref_files(data: Any) -> Iterator[str]:
    """The file part of every ``$ref`` in ``data`` that names another file."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                target = ref.split("#", 1)[0]
                if target:
                    yield target
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _quoted(text: str, limit: int = 80) -> str:
    """``text`` quoted, control characters escaped, at most ``limit`` characters."""
    return clip(repr(text), limit, marker="...'")


def _path_error(error: ValueError | OSError) -> str:
    if isinstance(error, ValueError):
        return "it contains a NUL character" if "null" in str(error) else str(error)
    if error.errno == errno.ENAMETOOLONG:
        return "the name is too long for the file system"
    return error.strerror or str(error)
