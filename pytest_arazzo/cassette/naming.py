"""Where an item's cassette lives: ``<cassette dir>/<Arazzo file stem>/<workflowId>[<set>].yaml``.

Built in one place and made safe where it is built (as pytest-recording does): characters some
file systems reject or that are invisible (``<>:"|?*``, control characters, NUL) become ``-``;
a name that would leave its folder (``/``, ``\\``, ``.``/``..`` as a name), or a path that a
symlink leads out of the folder, is refused with a :class:`CassetteNameError`, before anything
is read, sent or written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SUFFIX = ".yaml"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_SEPARATORS = ("/", "\\")
UNSAFE_NAME_HINT = (
    "use letters, digits, '-' and '_' in workflowIds and input set names (no '/' or '\\')"
)


class CassetteNameError(ValueError):
    """A workflowId, input set or file stem that would put the cassette outside its folder."""


def safe_part(text: str) -> str:
    """``text`` with characters unsafe in a file name replaced by ``-`` (separators are kept:
    :func:`cassette_path` refuses them)."""
    return _UNSAFE.sub("-", text)


def cassette_path(folder: Path, stem: str, workflow_id: str, input_set: str | None = None) -> Path:
    """The cassette of ``workflow_id`` (with ``input_set``; ``None``: the default set) for the
    Arazzo file whose stem is ``stem``, inside ``folder``."""
    suffix = "" if input_set is None else f"[{safe_part(input_set)}]"
    directory, name = safe_part(stem), f"{safe_part(workflow_id)}{suffix}{SUFFIX}"
    path = folder / directory / name
    escapes = any(sep in part for part in (directory, name) for sep in _SEPARATORS)
    escapes = escapes or directory in ("", ".", "..")
    normal = Path(os.path.normpath(path))
    if escapes or normal.parent != Path(os.path.normpath(folder / directory)):
        where = f"workflow '{safe_part(workflow_id)}'" + (
            f" with input set '{safe_part(input_set)}'" if input_set is not None else ""
        )
        raise CassetteNameError(
            f"the cassette of {where} would be written outside its folder "
            f"({folder.name}/{directory}/{name})"
        )
    if not path.resolve().is_relative_to(folder.resolve()):
        raise CassetteNameError(
            f"the cassette {folder.name}/{directory}/{name} resolves to {path.resolve()}, outside "
            f"the cassette folder {folder.resolve()} (a symlink?): cassettes are read and "
            "written only inside it"
        )
    return path
