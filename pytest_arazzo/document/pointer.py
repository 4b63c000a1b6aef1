"""RFC 6901 JSON Pointer: parse, escape, resolve and set.

Used by runtime expressions (``$response.body#/data/0/id``) and by Payload Replacement Objects
(``target: /petId``). Errors are :class:`PointerError` with a message that names the token that
failed and what was found there, e.g. ``no key 'idx' at /data/0; keys: id, object``.

Array indices follow the RFC: ``0`` or a number without leading zeros; ``-`` (the element after
the last) can be written to (it appends) but never read.

:func:`set_pointer` never mutates its input: it copies the containers along the path
(shallowly) and returns the new document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping, Sequence
from functools import lru_cache
from typing import Any

from pytest_arazzo.diagnostics.text import clip

__all__ = [
    "PointerError",
    "escape_token",
    "format_pointer",
    "parse_pointer",
    "resolve_pointer",
    "set_pointer",
]

_MAX_KEYS_SHOWN = 20


class PointerError(ValueError):
    """A JSON Pointer is malformed, or names a location that does not exist."""

    def __init__(
        self,
        message: str,
        *,
        pointer: str = "",
        token: str | None = None,
        position: int | None = None,
        problem: str | None = None,
    ) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.token = token
        self.position = position  # 0-based offset in ``pointer`` for syntax errors
        self.problem = problem or message  # the message without pointer text and position


def parse_pointer(text: str) -> list[str]:
    """Split ``text`` into unescaped reference tokens (``~1`` → ``/``, ``~0`` → ``~``)."""
    return list(_parse_cached(text))


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> tuple[str, ...]:
    if not isinstance(text, str):
        raise PointerError(f"a JSON Pointer must be a string, got {type(text).__name__}")
    if text == "":
        return ()
    if text[0] != "/":
        problem = "must be empty or start with '/'"
        raise PointerError(
            f"invalid JSON Pointer {text!r}: {problem} (position 0)",
            pointer=text,
            position=0,
            problem=problem,
        )
    tokens = []
    offset = 1
    for raw in text[1:].split("/"):
        tokens.append(_unescape(raw, text, offset))
        offset += len(raw) + 1
    return tuple(tokens)


def _unescape(raw: str, text: str, offset: int) -> str:
    """Unescape one reference token, rejecting ``~`` not followed by ``0`` or ``1``."""
    if "~" not in raw:
        return raw
    i = raw.find("~")
    while i != -1:
        nxt = raw[i + 1 : i + 2]
        if nxt not in ("0", "1"):
            shown = f"'~{nxt}'" if nxt else "'~' at the end"
            problem = f"bad escape {shown} (only ~0 for '~' and ~1 for '/' are allowed)"
            raise PointerError(
                f"invalid JSON Pointer {text!r}: {problem} at position {offset + i}",
                pointer=text,
                token=raw,
                position=offset + i,
                problem=problem,
            )
        i = raw.find("~", i + 2)
    return raw.replace("~1", "/").replace("~0", "~")


def escape_token(token: Any) -> str:
    """Escape one reference token (``~`` → ``~0``, ``/`` → ``~1``); non-strings via ``str``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def format_pointer(tokens: Sequence[str]) -> str:
    """Build pointer text from tokens, escaping ``~`` and ``/``."""
    return "".join("/" + escape_token(t) for t in tokens)


def _where(tokens: Sequence[str], depth: int) -> str:
    """Render the location of the parent of ``tokens[depth]``."""
    return format_pointer(tokens[:depth]) or "the root"


def _describe(value: Any) -> str:
    """Short type + value description, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({clip(value, 40)!r})"
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return f"{type(value).__name__} {clip(text, 40)}"


def _keys_hint(mapping: Mapping[Any, Any]) -> str:
    keys = [str(k) for k in mapping]
    if not keys:
        return "the object is empty"
    shown = ", ".join(keys[:_MAX_KEYS_SHOWN])
    if len(keys) > _MAX_KEYS_SHOWN:
        shown += f", ... ({len(keys)} keys)"
    return f"keys: {shown}"


def _index(token: str, length: int, tokens: Sequence[str], depth: int) -> int:
    """Parse an array index token per RFC 6901 and check it is in range."""
    if _is_index(token) and int(token) < length:
        return int(token)
    where = _where(tokens, depth)
    if token == "-":
        message = f"'-' (past the end) cannot be read at {where}; it is only valid when setting"
    elif not _is_index(token):
        message = (
            f"invalid array index {token!r} at {where} (use 0, 1, 2, ... without leading zeros;"
            f" the array has length {length})"
        )
    else:
        message = f"index {token} out of range (length {length}) at {where}"
    raise PointerError(message, pointer=format_pointer(tokens), token=token)


def _is_index(token: str) -> bool:
    """RFC 6901 array index: ``0`` or ASCII digits without a leading zero."""
    return token.isascii() and token.isdigit() and (token == "0" or token[0] != "0")


def _step(node: Any, token: str, tokens: Sequence[str], depth: int) -> Any:
    """Descend one token from ``node`` (the general path; errors name the failing token)."""
    if isinstance(node, Mapping):
        try:
            return node[token]
        except KeyError:
            raise PointerError(
                f"no key {token!r} at {_where(tokens, depth)}; {_keys_hint(node)}",
                pointer=format_pointer(tokens),
                token=token,
            ) from None
    if isinstance(node, Sequence) and not isinstance(node, (str, bytes, bytearray)):
        return node[_index(token, len(node), tokens, depth)]
    raise PointerError(
        f"cannot look up {token!r} at {_where(tokens, depth)}: there is {_describe(node)},"
        " not an object or array",
        pointer=format_pointer(tokens),
        token=token,
    )


def resolve_pointer(doc: Any, pointer: str | Sequence[str]) -> Any:
    """Return the value at ``pointer`` (text or pre-parsed tokens) inside ``doc``."""
    tokens = _parse_cached(pointer) if isinstance(pointer, str) else pointer
    node = doc
    for depth, token in enumerate(tokens):
        cls = node.__class__
        if cls is dict:
            if token in node:
                node = node[token]
                continue
        elif cls is list and _is_index(token):
            idx = int(token)
            if idx < len(node):
                node = node[idx]
                continue
        node = _step(node, token, tokens, depth)
    return node


def set_pointer(doc: Any, pointer: str | Sequence[str], value: Any) -> Any:
    """Return a copy of ``doc`` with ``value`` set at ``pointer``.

    Only the last token may be new: a key on an existing object, an existing index of an array
    (replaced), or ``-`` to append to an array. The empty pointer replaces the whole document.
    Containers along the path are copied, so ``doc`` itself is left untouched.
    """
    tokens = _parse_cached(pointer) if isinstance(pointer, str) else tuple(pointer)
    return _set(doc, tokens, 0, value)


def _set(node: Any, tokens: Sequence[str], depth: int, value: Any) -> Any:
    if depth == len(tokens):
        return value
    token = tokens[depth]
    last = depth == len(tokens) - 1
    if isinstance(node, Mapping):
        copy: MutableMapping[Any, Any] = dict(node)
        if last:
            copy[token] = value
        else:
            child = _step(node, token, tokens, depth)
            copy[token] = _set(child, tokens, depth + 1, value)
        return copy
    if isinstance(node, Sequence) and not isinstance(node, (str, bytes, bytearray)):
        items = list(node)
        if last and token == "-":
            items.append(value)
            return items
        idx = _index(token, len(items), tokens, depth)
        items[idx] = value if last else _set(items[idx], tokens, depth + 1, value)
        return items
    raise PointerError(
        f"cannot set {token!r} at {_where(tokens, depth)}: there is {_describe(node)},"
        " not an object or array",
        pointer=format_pointer(tokens),
        token=token,
    )
