"""Remote source descriptions, stored for offline runs (Arazzo 1.0.1 § Source Description Object).

A source description or ``$ref`` with an http(s) URL is read from its stored copy in the sources
folder (ini ``arazzo_sources_dir``, default ``fixtures/sources``), never from the network here:
fetching belongs to a higher layer (:mod:`pytest_arazzo.transport.fetch_sources`), handed in as a
:data:`Fetch` callable when recording or with ``--arazzo-fetch-sources``. The lock file
``sources.lock.json`` lists every copy (url, file, sha256, content type, fetched at); a copy whose
hash no longer matches its entry was edited after fetching and is refused. Files are written
atomically (a temporary file, then ``os.replace``), the lock file last.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.document.atomic import write_atomically
from pytest_arazzo.document.loader import LoadError, parse_text

try:  # one writer of the lock file at a time (pytest-xdist workers recording together)
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; runs are rarely parallel there
    fcntl = None  # type: ignore[assignment]

DEFAULT_FOLDER = "fixtures/sources"
LOCK_NAME = "sources.lock.json"
# documented codes (diagnostics.codes)
MISSING, TAMPERED, BAD_LOCK, FETCH_FAILED, REFUSED, MEDIA = (
    "AZ018",
    "AZ019",
    "AZ020",
    "AZ021",
    "AZ022",
    "AZ023",
)
NOT_WRITTEN, CREDENTIALS = "AZ024", "AZ025"

# the media types a source may be served as; text/plain too when the body parses
_MEDIA = re.compile(
    r"^(?:application/(?:json|yaml|x-yaml|vnd\.oai\.workflows|openapi)|text/(?:yaml|x-yaml|plain)"
    r"|[\w.+-]+/[\w.-]+\+(?:json|yaml))$"
)


class StoreError(Exception):
    """A stored copy that cannot be used (missing, edited, unreadable lock) or fetched; the
    message, the hint and the code. :mod:`sources` turns it into its ``SourceError``."""

    def __init__(self, message: str, hint: str = "", code: str = "") -> None:
        self.message, self.hint, self.code = message, hint, code
        super().__init__(message)


@dataclass(frozen=True)
class Fetched:
    """What a fetch brought back: the body as sent and its ``Content-Type``."""

    content: bytes
    content_type: str


Fetch = Callable[[str], Fetched]  # raises StoreError


@dataclass(frozen=True)
class LockEntry:
    """One line of the lock file."""

    url: str
    file: str
    sha256: str
    content_type: str
    fetched_at: str


def is_remote(url: str) -> bool:
    """Whether ``url`` is an http(s) URL."""
    return urlsplit(url).scheme.lower() in ("http", "https")


def stored_name(url: str, content: bytes) -> str:
    """A readable, stable file name for ``url``: host, port and path, sanitized, a short hash
    of the URL (two URLs never share a file) and ``.json`` or ``.yaml`` by the content."""
    parts = urlsplit(url)
    host = (parts.hostname or "host") + (f"_{parts.port}" if parts.port else "")
    path = re.sub(r"\.(?:ya?ml|json)$", "", parts.path, flags=re.IGNORECASE)
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{host}-{path.strip('/')}").strip("-.")
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    suffix = ".json" if _is_json(content) else ".yaml"
    return f"{readable[:80].rstrip('-.')}-{digest}{suffix}"


def _is_json(content: bytes) -> bool:
    try:
        json.loads(content)
    except (ValueError, RecursionError):
        return False
    return True


def media_problem(content_type: str, content: bytes, url: str) -> StoreError | None:
    """Why a fetched body is no usable source description (its media type, or text that is no
    YAML/JSON), or None."""
    bare = content_type.split(";")[0].strip().lower()
    if bare and not _MEDIA.match(bare):
        what = "an HTML page" if bare in ("text/html", "application/xhtml+xml") else bare
        return StoreError(
            f"{url} answered with {what} (Content-Type: {clip(content_type, 60)}), not an "
            "OpenAPI or Arazzo document; nothing was stored",
            "point the url at the raw YAML/JSON file (a 'raw' link, not the page that shows it); "
            "accepted: application/vnd.oai.workflows(+json|+yaml), application/openapi+json/"
            "+yaml, any +json/+yaml type, application/json, application/yaml, text/yaml, "
            "text/plain",
            MEDIA,
        )
    try:
        text = content.decode("utf-8-sig")
        parse_text(text, "source.json" if _is_json(content) else "source.yaml")
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text (byte {error.start})"
    except LoadError as error:
        reason = f"{error.message} at line {error.line}" if error.line else error.message
    else:
        return None
    return StoreError(
        f"{url} (Content-Type: {content_type or 'none'}) is not YAML or JSON: {reason}; nothing "
        "was stored",
        "point the url at the raw OpenAPI or Arazzo document",
        MEDIA,
    )


class SourceStore:
    """The sources folder and its lock file: the verified stored copy of each remote URL.

    ``fetch`` (recording, ``--arazzo-fetch-sources``) fetches a copy that is missing; with
    ``refresh`` every URL is fetched again once per session. Without ``fetch``, a missing or
    edited copy is an error naming the command that fetches it.
    """

    def __init__(
        self,
        folder: Path,
        rootdir: Path | None = None,
        fetch: Fetch | None = None,
        refresh: bool = False,
    ) -> None:
        self.folder, self.rootdir = folder, rootdir
        self.fetch, self.refresh = fetch, refresh
        self.fetched: list[str] = []  # URLs fetched in this session, in order

    @property
    def lock_path(self) -> Path:
        return self.folder / LOCK_NAME

    def shown(self, path: Path) -> str:
        """``path`` relative to the rootdir (messages stay short)."""
        if self.rootdir is not None:
            with contextlib.suppress(ValueError):
                return os.path.relpath(path, self.rootdir)
        return str(path)

    def copy_of(self, url: str, what: str, arazzo: str) -> Path:
        """The stored copy of ``url``, its hash verified; fetched first when a fetch is set
        and the copy is missing (or ``refresh`` asks for a new one). ``what`` names who asks
        ("source 'pets'"), ``arazzo`` the Arazzo file, for the command in the hint."""
        if self.fetch is not None and url not in self.fetched:
            entry = self.entries().get(url)
            if self.refresh or entry is None or not (self.folder / entry.file).is_file():
                self.save(url, self.fetch(url))
                self.fetched.append(url)
        entry = self.entries().get(url)
        lock = self.shown(self.lock_path)
        if entry is None:
            raise StoreError(
                f"{what} is remote ({url}) and has no stored copy: {lock} has no entry for it "
                "(remote sources are read from the sources folder; replay, --live and "
                "--arazzo-check never fetch them)",
                f"fetch it once and commit {self.shown(self.folder)}/: "
                f"{fetch_command(arazzo)} (or record with --record)",
                MISSING,
            )
        path = self.folder / entry.file
        if not path.is_file():
            raise StoreError(
                f"{what} is remote ({url}) and its stored copy {self.shown(path)} is missing "
                f"({lock} names it)",
                f"fetch it again: {fetch_command(arazzo)} (or restore the file from version "
                "control)",
                MISSING,
            )
        actual = _sha256(path)
        if actual != entry.sha256:
            raise StoreError(
                f"the stored copy of {what} ({url}), {self.shown(path)}, was changed after it "
                f"was fetched: {lock} says sha256 {entry.sha256}, the file has sha256 {actual}",
                f"stored copies are not edited by hand: fetch it again with "
                f"{fetch_command(arazzo)} (or restore the file from version control); to use an "
                "edited description, save it as a local file and point the url at it",
                TAMPERED,
            )
        return path

    def entries(self) -> dict[str, LockEntry]:
        """The lock file's entries by URL (none when there is no lock file)."""
        try:
            text = self.lock_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as error:
            raise self._bad_lock(str(getattr(error, "strerror", None) or error)) from None
        try:
            data = json.loads(text)
            raw = data["sources"]
            found = {}
            for item in raw:
                entry = LockEntry(**{key: str(item[key]) for key in LockEntry.__annotations__})
                if not _safe_name(entry.file):
                    raise ValueError(f"file {entry.file!r} is not a plain file name")
                found[entry.url] = entry
        except (ValueError, KeyError, TypeError, RecursionError) as error:
            raise self._bad_lock(f"not the lock file format ({clip(str(error), 80)})") from None
        return found

    def _bad_lock(self, reason: str) -> StoreError:
        return StoreError(
            f"the lock file {self.shown(self.lock_path)} cannot be read: {reason}",
            "restore it from version control, or delete it and the stored copies and fetch "
            "them again with --arazzo-fetch-sources",
            BAD_LOCK,
        )

    def save(self, url: str, fetched: Fetched) -> Path:
        """Store ``fetched`` as the copy of ``url`` and record it in the lock file; checks its
        media type first, writes nothing unless it is a usable document."""
        problem = media_problem(fetched.content_type, fetched.content, url)
        if problem is not None:
            raise problem
        name = stored_name(url, fetched.content)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._locked():
                entries = self.entries()
                write_atomically(self.folder / name, fetched.content, durable=True, mode=0o644)
                old = entries.get(url)
                entries[url] = LockEntry(
                    url,
                    name,
                    hashlib.sha256(fetched.content).hexdigest(),
                    fetched.content_type,
                    datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                )
                self._write_lock(entries)
                stale = old.file if old is not None and old.file != name else ""
                if stale and all(entry.file != stale for entry in entries.values()):
                    (self.folder / stale).unlink(missing_ok=True)
        except OSError as error:
            raise StoreError(
                f"the copy of {url} could not be stored in {self.shown(self.folder)}: "
                f"{error.strerror or error}",
                "check that the sources folder (ini arazzo_sources_dir) is writable",
                NOT_WRITTEN,
            ) from None
        return self.folder / name

    def _write_lock(self, entries: dict[str, LockEntry]) -> None:
        data = {
            "comment": "remote source descriptions stored by pytest-arazzo; refresh them with "
            "--arazzo-fetch-sources, never edit the copies by hand",
            "sources": [asdict(entries[url]) for url in sorted(entries)],
        }
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomically(self.lock_path, text, durable=True, mode=0o644)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive ``flock`` on the folder while the lock file is read and rewritten."""
        if fcntl is None:
            yield
            return
        handle = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)


def fetch_command(arazzo: str) -> str:
    """The command that fetches the remote sources of the Arazzo file ``arazzo``."""
    shown = shlex.quote(arazzo) if arazzo else "<arazzo file>"
    return f"pytest {shown} --arazzo-check --arazzo-fetch-sources"


def _safe_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()
