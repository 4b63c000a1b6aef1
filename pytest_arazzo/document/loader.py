"""Load YAML/JSON documents into plain Python data, keeping line and column of every node.

YAML is read with YAML 1.2 core-schema scalars, so a document means what its text says:
``on``/``yes``/``no`` stay strings, dates stay strings, ``0777`` is the integer 777 and only
``true``/``false`` are booleans (PyYAML alone follows YAML 1.1 and would turn ``on`` into ``True``).
JSON files go through the same reader (JSON is YAML 1.2), falling back to :mod:`json` for its exact
error position.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pytest_arazzo.diagnostics.codes import CODES
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.problems import Problem, problem
from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.document.media import nests_deeper_than
from pytest_arazzo.document.pointer import escape_token

MAX_DEPTH = 200
MAX_BYTES = 20 * 1024 * 1024
MAX_NODES = 2_000_000  # values in the built document
MAX_ALIAS_EXPANSION = 100_000  # values that aliases may add ("billion laughs" guard)

# The kinds of load failure, as documented codes (:data:`..diagnostics.codes.CODES`).
SYNTAX, UNREADABLE, TOO_BIG, EMPTY = "AZ001", "AZ002", "AZ003", "AZ004"
BAD_START, VALUE_COLON, NO_COLON, INDENT = "AZ007", "AZ008", "AZ009", "AZ010"
NO_ANCHOR, SEVERAL_DOCUMENTS, BINARY, NOT_UTF8 = "AZ011", "AZ012", "AZ013", "AZ014"
TAG = "AZ015"

# The YAML 1.2 core schema (what JSON can say): any other tag is refused, not constructed.
CORE_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "null", "bool", "int", "float", "seq", "map")
)

# PyYAML tells what went wrong only in words: its phrase → the code of that kind of failure.
_YAML_PROBLEMS = (
    ("cannot start any token", BAD_START),
    ("mapping values are not allowed", VALUE_COLON),
    ("could not find expected ':'", NO_COLON),
    ("expected <block end>", INDENT),  # PyYAML's own parser
    ("did not find expected key", INDENT),  # libyaml's words for the same slip
    ("found undefined alias", NO_ANCHOR),
    ("expected a single document", SEVERAL_DOCUMENTS),
)

# The codes whose documented fix is specific enough to print as the problem's hint.
_HINTED = (
    BAD_START,
    VALUE_COLON,
    NO_COLON,
    INDENT,
    NO_ANCHOR,
    SEVERAL_DOCUMENTS,
    BINARY,
    NOT_UTF8,
    TAG,
)
LOAD_HINTS = {code: CODES[code].fix for code in _HINTED}


class LoadError(Exception):
    """A document that cannot be read or parsed: its position, message and code.

    ``code`` names the kind of failure (``AZ001`` syntax, ``AZ002`` unreadable, ``AZ003`` too
    deep or too large, ``AZ004`` empty, ``AZ007``-``AZ014`` specific syntax and encoding slips).
    """

    def __init__(
        self, path: str | Path, message: str, line: int = 0, col: int = 0, code: str = SYNTAX
    ) -> None:
        self.path, self.message, self.line, self.col = str(path), message, line, col
        self.code = code
        super().__init__(f"{self.where()}: {message}")

    def moved(self, path: str | Path) -> LoadError:
        """The same error, naming ``path`` as the file."""
        return LoadError(path, self.message, self.line, self.col, self.code)

    def where(self) -> Position:
        return Position(self.path, self.line, self.col)


@dataclass
class Document:
    """A parsed document: ``data`` plus the 1-based (line, col) of each JSON Pointer in it."""

    path: Path
    data: Any
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    duplicate_keys: list[tuple[str, int, int]] = field(default_factory=list)
    display: str = ""  # how messages name the file (relative to rootdir); defaults to path

    def locate(self, pointer: str) -> tuple[int, int]:
        """Position of ``pointer``, or of its nearest ancestor that has one (0, 0 if none)."""
        while True:
            if pointer in self.positions:
                return self.positions[pointer]
            if not pointer:
                return (0, 0)
            pointer = pointer.rsplit("/", 1)[0]

    def where(self, pointer: str = "") -> Position:
        """The :class:`Position` of a pointer (``str()`` of it: ``path:line:col``)."""
        line, col = self.locate(pointer)
        return Position(self.display or str(self.path), line, col, pointer)


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~8x faster


class _Yaml12Loader(_BaseLoader):  # type: ignore[misc]
    """SafeLoader whose implicit scalar types follow the YAML 1.2 core schema."""


_Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    _Yaml12Loader.add_implicit_resolver(_tag, re.compile(_regexp), list(_first))


_EXPLICIT = {
    "tag:yaml.org,2002:null": "!!null",
    "tag:yaml.org,2002:bool": "!!bool",
    "tag:yaml.org,2002:int": "!!int",
    "tag:yaml.org,2002:float": "!!float",
}


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value of a scalar node (YAML 1.2 core schema); other tags keep the text."""
    try:
        return _convert(node.tag, node.value)
    except (ValueError, OverflowError):
        name = _EXPLICIT.get(node.tag, node.tag)
        shown = clip(node.value, 40)
        raise LoadError("", f"{shown!r} is not a valid {name} value", *_mark(node)) from None


def _convert(tag: str, value: str) -> Any:
    if tag == "tag:yaml.org,2002:null":
        if value.lower() not in ("", "~", "null"):
            raise ValueError(value)
        return None
    if tag == "tag:yaml.org,2002:bool":
        if value.lower() not in ("true", "false"):
            raise ValueError(value)
        return value.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        lowered = value.lower()
        return int(lowered, 0) if "0o" in lowered or "0x" in lowered else int(value)
    if tag == "tag:yaml.org,2002:float":
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(value)
    return value


class _Builder:
    """Turns a composed YAML node tree into data plus a pointer → position map."""

    def __init__(self, loader: _Yaml12Loader) -> None:
        self.loader = loader
        self.positions: dict[str, tuple[int, int]] = {}
        self.duplicates: list[tuple[str, int, int]] = []
        self.count = 0

    def build(self, node: yaml.Node, pointer: str = "", depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise LoadError(
                "", f"nesting deeper than {MAX_DEPTH} levels", *_mark(node), code=TOO_BIG
            )
        self.count += 1
        if self.count > MAX_NODES:
            raise LoadError("", f"more than {MAX_NODES} values", *_mark(node), code=TOO_BIG)
        self.positions[pointer] = _mark(node)
        if node.tag not in CORE_TAGS:
            raise LoadError(
                "", f"the YAML tag {_tag_name(node.tag)} is not allowed", *_mark(node), code=TAG
            )
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(child, f"{pointer}/{index}", depth + 1)
                for index, child in enumerate(node.value)
            ]
        self.loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise LoadError("", "a mapping key must be a plain value", *_mark(key_node))
            if key_node.tag not in CORE_TAGS:
                shown = _tag_name(key_node.tag)
                raise LoadError(
                    "", f"the YAML tag {shown} is not allowed", *_mark(key_node), code=TAG
                )
            key = _key(_scalar(key_node))
            child = f"{pointer}/{escape_token(key)}"
            if key in result:
                self.duplicates.append((child, *_mark(key_node)))
            result[key] = self.build(value_node, child, depth + 1)
            self.positions[child] = _mark(key_node)
        return result


def _tag_name(tag: str) -> str:
    """A tag as written: ``!!python/object:os.system`` rather than its URI."""
    shown = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag
    return clip(shown, 60)


def _key(value: Any) -> str:
    """Mapping keys are strings in Arazzo/OpenAPI (``200:`` means the response code "200")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


# Where an alias token (``*name``) can start: at the beginning, after a blank or line break, or
# right after a flow, key or value indicator (``[ ] { } , ? :``). A text without such a ``*``
# has no alias, so its nodes form a tree: nothing can expand or refer to itself, and
# :func:`_measure` (about a third of a parse) is skipped. A ``*`` inside a string or a plain
# scalar may match too; then the full measure runs, so this never lets an alias through.
_ALIAS_START = re.compile(r"(?:^|[\s\ufeff\[\]{},?:])\*")


def may_have_aliases(text: str) -> bool:
    """False only when ``text`` cannot contain a YAML alias (see :data:`_ALIAS_START`)."""
    return "*" in text and _ALIAS_START.search(text) is not None


def _measure(root: yaml.Node) -> None:
    """Refuse alias bombs and recursive aliases before building (iteratively, no recursion).

    Counts the values the built document would have: each distinct node once, and every alias
    to a collection adds that collection's whole (expanded) size again.
    """
    sizes: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in active:
            raise LoadError("", "a YAML alias refers to itself", *_mark(node), code=TOO_BIG)
        active.add(key)
        distinct += 1
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    total = sizes[id(root)]
    if total > MAX_NODES or total - distinct > MAX_ALIAS_EXPANSION:
        raise LoadError(
            "",
            f"YAML aliases expand this document to {total} values (at most "
            f"{MAX_ALIAS_EXPANSION} more than written are allowed)",
            *_mark(root),
            code=TOO_BIG,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def parse_text(text: str, path: str | Path = "<string>") -> Document:
    """Parse YAML or JSON text; raises :class:`LoadError` with a position on any problem."""
    path = Path(path)
    if path.suffix == ".json":
        return _parse_json(text, path)
    try:
        loader = _Yaml12Loader(text)
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        raise _reader_error(path, text, error) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise LoadError(path, "the document is empty", 1, 1, code=EMPTY)
        if may_have_aliases(text):
            _measure(node)
        builder = _Builder(loader)
        data = builder.build(node)
    except LoadError as error:
        raise error.moved(path) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(filter(None, [error.context, error.problem])) or str(error)
        line, col = _mark_of(mark)
        if problem.endswith("found character that cannot start any token"):  # libyaml
            shown = _char_at(text, line, col)
            problem = problem.replace("character", f"character {shown!r}") if shown else problem
        code = next((code for phrase, code in _YAML_PROBLEMS if phrase in problem), SYNTAX)
        raise LoadError(path, f"invalid YAML: {problem}", line, col, code) from None
    except yaml.reader.ReaderError as error:
        raise _reader_error(path, text, error) from None
    except yaml.YAMLError as error:
        raise LoadError(path, f"invalid YAML: {error}") from None
    except RecursionError:
        raise LoadError(path, f"nesting deeper than {MAX_DEPTH} levels", code=TOO_BIG) from None
    finally:
        loader.dispose()
    return Document(path, data, builder.positions, builder.duplicates)


def _reader_error(path: Path, text: str, error: yaml.reader.ReaderError) -> LoadError:
    """A character YAML does not allow (control characters), with its position."""
    line, col = _offset_position(text, error.position)
    char = error.character
    shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
    return LoadError(path, f"invalid YAML: {error.reason} ({shown})", line, col)


def _char_at(text: str, line: int, col: int) -> str:
    """The character at a 1-based (line, col), or ``""``."""
    lines = text.split("\n")
    if 0 < line <= len(lines) and 0 < col <= len(lines[line - 1]):
        return lines[line - 1][col - 1]
    return ""


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, col) of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _mark_of(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _parse_json(text: str, path: Path) -> Document:
    """Strict JSON for the data; the YAML reader only adds positions (JSON is YAML 1.2)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LoadError(path, f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise LoadError(path, f"nesting deeper than {MAX_DEPTH} levels", code=TOO_BIG) from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise LoadError(path, f"invalid JSON: {error}") from None
    if nests_deeper_than(data, MAX_DEPTH):
        raise LoadError(path, f"nesting deeper than {MAX_DEPTH} levels", code=TOO_BIG)
    try:
        located = parse_text(text, path.with_suffix(".yaml"))
    except LoadError:
        return Document(path, data)
    return Document(path, data, located.positions, located.duplicate_keys)


def load_document(path: str | Path, display: str = "", max_bytes: int = MAX_BYTES) -> Document:
    """Read and parse a file; raises :class:`LoadError` for unreadable, binary or bad files.

    ``display`` is the name messages use for the file (e.g. relative to the rootdir); a file of
    more than ``max_bytes`` bytes, or one that is not a regular file, is refused unread.
    """
    path = Path(path)
    try:
        document = parse_text(read_text(path, max_bytes), path)
    except LoadError as error:
        raise error.moved(display or path) from None
    document.display = display
    return document


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes.

    FIFOs, devices and directories are refused before reading (``stat``, then an ``O_NONBLOCK``
    open checked again with ``fstat``, so a file swapped for a FIFO cannot block the run), and no
    more than ``max_bytes + 1`` bytes are ever read (``/dev/zero`` cannot fill the memory).
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise LoadError(path, f"{_kind(path)}, not a regular file", code=UNREADABLE)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise LoadError(path, "not a regular file", code=UNREADABLE)
            if info.st_size > max_bytes:
                raise LoadError(path, _too_big(info.st_size, max_bytes), code=UNREADABLE)
            raw = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise LoadError(path, "file not found", code=UNREADABLE) from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise LoadError(path, f"cannot read file: {reason}", code=UNREADABLE) from None
    if len(raw) > max_bytes:
        raise LoadError(path, _too_big(len(raw), max_bytes), code=UNREADABLE)
    if b"\x00" in raw:
        raise LoadError(path, "this is a binary file, not YAML or JSON", code=BINARY)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(path, f"not UTF-8 text (byte {error.start})", code=NOT_UTF8) from None


def _kind(path: Path) -> str:
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _too_big(size: int, limit: int) -> str:
    mib = 1024 * 1024
    shown = f"{limit // mib} MiB" if limit % mib == 0 else f"{limit} bytes"
    return (
        f"file is larger than {shown} ({size} bytes or more; the ini arazzo_max_file_bytes "
        "sets the limit)"
    )


def load_problem(error: LoadError) -> Problem:
    """The problem for a file that cannot be read or parsed (its code says which kind)."""
    return problem(error.code, error.message, error.where(), LOAD_HINTS.get(error.code, ""))
