"""Load YAML/JSON documents into plain Python data, keeping line and column of every node.

YAML is read with YAML 1.2 core-schema scalars, so a document means what its text says:
``on``/``yes``/``no`` stay strings, dates stay strings, ``0777`` is the integer 777 and only
``true``/``false`` are booleans (PyYAML alone follows YAML 1.1 and would turn ``on`` into ``True``).
JSON files go through the same reader (JSON is YAML 1.2), falling back to :mod:`json` for its exact
error position.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_DEPTH = 200
MAX_BYTES = 20 * 1024 * 1024
MAX_NODES = 2_000_000  # guards against alias expansion bombs ("billion laughs")


class LoadError(Exception):
    """A document that cannot be read or parsed; carries ``path:line:col``."""

    def __init__(self, path: str | Path, message: str, line: int = 0, col: int = 0) -> None:
        self.path, self.message, self.line, self.col = str(path), message, line, col
        super().__init__(self.where() + ": " + message)

    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.line else self.path


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

    def where(self, pointer: str = "") -> str:
        """``path:line:col`` for a pointer, as compilers print it."""
        line, col = self.locate(pointer)
        name = self.display or str(self.path)
        return f"{name}:{line}:{col}" if line else name


def escape_token(token: Any) -> str:
    """Escape one JSON Pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


class _Yaml12Loader(yaml.SafeLoader):
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


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, value = node.tag, node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        if value.startswith(("0o", "0x")):
            return int(value, 0)
        return int(value)
    if tag == "tag:yaml.org,2002:float":
        lowered = value.lower()
        if lowered.endswith("inf"):
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
            raise LoadError("", f"nesting deeper than {MAX_DEPTH} levels", *_mark(node))
        self.count += 1
        if self.count > MAX_NODES:
            raise LoadError("", f"more than {MAX_NODES} values (alias expansion?)", *_mark(node))
        self.positions[pointer] = _mark(node)
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
            key = _key(_scalar(key_node))
            child = f"{pointer}/{escape_token(key)}"
            if key in result:
                self.duplicates.append((child, *_mark(key_node)))
            result[key] = self.build(value_node, child, depth + 1)
            self.positions[child] = _mark(key_node)
        return result


def _key(value: Any) -> str:
    """Mapping keys are strings in Arazzo/OpenAPI (``200:`` means the response code "200")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def parse_text(text: str, path: str | Path = "<string>") -> Document:
    """Parse YAML or JSON text; raises :class:`LoadError` with a position on any problem."""
    path = Path(path)
    if path.suffix == ".json":
        return _parse_json(text, path)
    loader = _Yaml12Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise LoadError(path, "the document is empty", 1, 1)
        builder = _Builder(loader)
        data = builder.build(node)
    except LoadError as error:
        raise LoadError(path, error.message, error.line, error.col) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(filter(None, [error.context, error.problem])) or str(error)
        raise LoadError(path, f"invalid YAML: {problem}", *_mark_of(mark)) from None
    except yaml.YAMLError as error:
        raise LoadError(path, f"invalid YAML: {error}") from None
    except RecursionError:
        raise LoadError(path, f"nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return Document(path, data, builder.positions, builder.duplicates)


def _mark_of(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _parse_json(text: str, path: Path) -> Document:
    """Strict JSON for the data; the YAML reader only adds positions (JSON is YAML 1.2)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LoadError(path, f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise LoadError(path, f"nesting deeper than {MAX_DEPTH} levels") from None
    try:
        located = parse_text(text, path.with_suffix(".yaml"))
    except LoadError:
        return Document(path, data)
    return Document(path, data, located.positions, located.duplicate_keys)


def load_document(path: str | Path, display: str = "") -> Document:
    """Read and parse a file; raises :class:`LoadError` for unreadable, binary or bad files.

    ``display`` is the name messages use for the file (e.g. relative to the rootdir).
    """
    path = Path(path)
    try:
        document = _load(path)
    except LoadError as error:
        raise LoadError(display or path, error.message, error.line, error.col) from None
    document.display = display
    return document


def _load(path: Path) -> Document:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    except OSError as error:
        raise LoadError(path, f"cannot read file: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise LoadError(path, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if b"\x00" in raw:
        raise LoadError(path, "this is a binary file, not YAML or JSON")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(path, f"not UTF-8 text (byte {error.start})") from None
    return parse_text(text, path)
