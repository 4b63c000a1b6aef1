"""Where an item's cassette lives: ``<cassette dir>/<Arazzo file>/<workflowId>[<set>].yaml``.

``<Arazzo file>`` is the Arazzo file's path relative to the rootdir with its ``.arazzo.yml``,
``.arazzo.yaml`` or ``.arazzo.json`` (or last) suffix removed, e.g.
``specs/arazzo/stripe-invoice`` for ``specs/arazzo/stripe-invoice.arazzo.yml``: two Arazzo files
with the same name in different folders never share a cassette. An Arazzo file outside the
rootdir has no cassette (it is refused).

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

from pytest_arazzo.document.sources import FolderCache

SUFFIX = ".yaml"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_SEPARATORS = ("/", "\\")
UNSAFE_NAME_HINT = (
    "use letters, digits, '-' and '_' in workflowIds and input set names (no '/' or '\\')"
)
OUTSIDE_ROOTDIR_HINT = (
    "move the Arazzo file under the rootdir (cassettes are keyed by its path there), or run "
    "pytest from a folder above it (--rootdir)"
)


class CassetteNameError(ValueError):
    """A workflowId, input set or Arazzo file path that would put the cassette outside its
    folder; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str = UNSAFE_NAME_HINT) -> None:
        super().__init__(message)
        self.hint = hint


def safe_part(text: str) -> str:
    """``text`` with characters unsafe in a file name replaced by ``-`` (separators are kept:
    :func:`cassette_path` refuses them)."""
    return _UNSAFE.sub("-", text)


def source_key(arazzo: Path, rootdir: Path, stem: str) -> str:
    """The cassette folder name of the Arazzo file ``arazzo`` whose name without its suffix is
    ``stem``: its folder relative to ``rootdir`` joined with ``stem`` by ``/``
    (``specs/arazzo/x.arazzo.yml`` → ``specs/arazzo/x``). Refuses a file outside ``rootdir``."""
    file, root = Path(os.path.abspath(arazzo)), Path(os.path.abspath(rootdir))
    if not file.is_relative_to(root):  # only then are symlinks looked at (resolve: slow)
        file, root = arazzo.resolve(), rootdir.resolve()
    if file.is_relative_to(root):
        return "/".join([*file.parent.relative_to(root).parts, stem])
    raise CassetteNameError(
        f"the Arazzo file {arazzo} is outside the rootdir {rootdir}: its cassettes are keyed by "
        "its path under the rootdir, so it has none",
        hint=OUTSIDE_ROOTDIR_HINT,
    )


def cassette_path(
    folder: Path,
    key: str,
    workflow_id: str,
    input_set: str | None = None,
    resolved_folder: Path | None = None,
    folders: FolderCache | None = None,
    check_links: bool = True,
) -> Path:
    """The cassette of ``workflow_id`` (with ``input_set``; ``None``: the default set) for the
    Arazzo file whose :func:`source_key` is ``key`` (``/``-separated), inside ``folder``.
    ``resolved_folder`` is ``folder.resolve()`` when the caller knows it already (a session
    resolves its cassette folder once); ``folders`` lets it resolve each cassette folder once
    too. ``check_links=False`` names the file without touching the file system (symlinks are
    checked when the cassette is used)."""
    suffix = "" if input_set is None else f"[{safe_part(input_set)}]"
    parts = [safe_part(part) for part in key.split("/")]
    directory, name = "/".join(parts), f"{safe_part(workflow_id)}{suffix}{SUFFIX}"
    path = folder.joinpath(*parts, name)
    escapes = any(sep in part for part in (*parts, name) for sep in _SEPARATORS)
    escapes = escapes or any(part in ("", ".", "..") for part in parts)
    normal = Path(os.path.normpath(path))
    if escapes or normal.parent != Path(os.path.normpath(folder.joinpath(*parts))):
        where = f"workflow '{safe_part(workflow_id)}'" + (
            f" with input set '{safe_part(input_set)}'" if input_set is not None else ""
        )
        raise CassetteNameError(
            f"the cassette of {where} would be written outside its folder "
            f"({folder.name}/{directory}/{name})"
        )
    if not check_links:
        return path
    resolved = folders.resolve(path) if folders is not None else path.resolve()
    inside = resolved_folder or folder.resolve()
    if not resolved.is_relative_to(inside):
        raise CassetteNameError(
            f"the cassette {folder.name}/{directory}/{name} resolves to {resolved}, outside "
            f"the cassette folder {inside} (a symlink?): cassettes are read and "
            "written only inside it"
        )
    return path
