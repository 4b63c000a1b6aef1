"""Workflow inputs: input files, ``--arazzo-input`` overrides, schema defaults and validation.

Input file (one per Arazzo file, ``<inputs dir>/<arazzo file stem>.yaml``)::

    create-and-finalize-invoice:        # workflowId
      default:                          # input set "default": the item is path::workflowId
        customer: cus_PYTESTARAZZO01
        amount: 2000
      eur:                              # any other set: the item is path::workflowId[eur]
        customer: cus_PYTESTARAZZO01
        amount: 1500
        currency: eur

Precedence, highest first. Live and record: ``--arazzo-input``, the input set, the schema's
``default`` values. Replay: ``--arazzo-input``, then the inputs recorded in the cassette (which
already hold the input set, flags and defaults of the recording run); the input set is not applied
but compared with the one stored at recording time (``file_inputs``): a value that differs fails
the item ("the inputs file changed since recording: re-record"), so a changed inputs file is never
hidden, and a plain replay after ``--record --arazzo-input NAME=VALUE`` runs what was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match

from pytest_arazzo.cassette.scrub import SCRUBBED
from pytest_arazzo.diagnostics.text import clip, did_you_mean
from pytest_arazzo.document.loader import Document
from pytest_arazzo.document.pointer import escape_token
from pytest_arazzo.execute.failures import InputsFailure, InputViolation
from pytest_arazzo.language.quick import Quick, quick_check
from pytest_arazzo.language.regexes import safe_validator
from pytest_arazzo.language.schemamemo import check_schema

DEFAULT_SET = "default"
ARAZZO_SUFFIXES = (".arazzo.yaml", ".arazzo.yml", ".arazzo.json")
INPUT_SUFFIXES = (".yaml", ".yml", ".json")


def spec_stem(path: Path) -> str:
    """``stripe-invoice.arazzo.yml`` → ``stripe-invoice``."""
    name = path.name
    for suffix in ARAZZO_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def input_file_paths(directory: Path, arazzo_path: Path) -> list[Path]:
    """Where the inputs file of an Arazzo file is looked for, in order."""
    stem = spec_stem(arazzo_path)
    return [directory / f"{stem}{suffix}" for suffix in INPUT_SUFFIXES]


def find_input_file(directory: Path, arazzo_path: Path) -> Path | None:
    for candidate in input_file_paths(directory, arazzo_path):
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class MissingInputFile:
    """No inputs file where one is looked for, but files that look meant as it: ``same`` differ
    only in letter case or extension (``Stripe-Invoice.yaml``, ``stripe-invoice.arazzo.yaml``,
    ``stripe-invoice.yml.txt``), ``close`` are close spellings of the name."""

    tried: list[Path]
    same: list[Path]
    close: list[Path]

    def message(self, display: Callable[[Path], str]) -> str:
        near = [f"{display(path)} (differs only in letter case or extension)" for path in self.same]
        near += [f"{display(path)} (a close spelling)" for path in self.close]
        return (
            f"no inputs file: looked for {', '.join(display(path) for path in self.tried)}; "
            f"not used: {', '.join(near)}"
        )

    def hint(self, display: Callable[[Path], str]) -> str:
        return (
            f"rename it to {display(self.tried[0])} (the Arazzo file's name without "
            f"{'/'.join(ARAZZO_SUFFIXES)}, ending in {'/'.join(INPUT_SUFFIXES)}), or set "
            "arazzo_inputs_dir to the folder the inputs file is in"
        )


_NEAR_LIMIT = 5


def missing_input_file(directory: Path, arazzo_path: Path) -> MissingInputFile | None:
    """When no inputs file of ``arazzo_path`` exists but ``directory`` holds files that look meant
    as it: where it was looked for and those files (``None`` otherwise). The Arazzo file itself
    and the inputs files of the Arazzo files next to it are never suggested."""
    if find_input_file(directory, arazzo_path) is not None:
        return None
    try:
        files = sorted(path for path in directory.iterdir() if path.is_file())
    except OSError:
        return None
    stem = spec_stem(arazzo_path).lower()
    own = arazzo_path.resolve()
    files = [path for path in files if path.resolve() != own]
    same = [path for path in files if _bare(path.name) == stem]
    taken = _sibling_stems(arazzo_path)
    close = [
        path
        for path in files
        if path not in same
        and not path.name.lower().endswith(ARAZZO_SUFFIXES)
        and _bare(path.name) not in taken
        and did_you_mean(stem, [_bare(path.name)], list_known=False)
    ]
    if not same and not close:
        return None
    same = same[:_NEAR_LIMIT]
    return MissingInputFile(
        input_file_paths(directory, arazzo_path), same, close[: _NEAR_LIMIT - len(same)]
    )


def _bare(name: str) -> str:
    """A file name without letter case and the extensions an inputs file may be given by
    mistake: ``Stripe-Invoice.arazzo.yaml``, ``stripe-invoice.yml.txt`` → ``stripe-invoice``."""
    name = name.lower()
    while True:
        base, dot, suffix = name.rpartition(".")
        if not dot or not base or suffix not in _EXTENSIONS:
            return name
        name = base


_EXTENSIONS = {"yaml", "yml", "json", "txt", "arazzo", "inputs", "input", "example"}


def _sibling_stems(arazzo_path: Path) -> set[str]:
    """The stems of the Arazzo files next to ``arazzo_path`` (theirs are not its inputs)."""
    try:
        names = [path.name for path in arazzo_path.parent.iterdir()]
    except OSError:
        return set()
    return {_bare(name) for name in names if name.lower().endswith(ARAZZO_SUFFIXES)}


def required_inputs(schema: Any) -> list[str]:
    """The inputs a workflow's (planned) inputs schema requires and gives no ``default`` for."""
    if not isinstance(schema, dict):
        return []
    required: list[str] = []
    for part in [schema, *(p for p in schema.get("allOf") or [] if isinstance(p, dict))]:
        names = part.get("required")
        for name in names if isinstance(names, list) else []:
            if str(name) not in required:
                required.append(str(name))
    properties = schema_properties(schema)
    return [
        name
        for name in required
        if not (isinstance(properties.get(name), dict) and "default" in properties[name])
    ]


def input_sets(document: Document | None, workflow_id: str) -> dict[str, dict[str, Any]]:
    """Named input sets of a workflow (``{"default": {}}`` when the file has none)."""
    data = document.data if document is not None and isinstance(document.data, dict) else {}
    sets = data.get(workflow_id)
    if not isinstance(sets, dict) or not sets:
        return {DEFAULT_SET: {}}
    return {str(name): dict(values) for name, values in sets.items() if isinstance(values, dict)}


def input_file_problems(document: Document, workflow_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(key, message) for what an inputs file says that no item would run: a top level that is
    not a mapping, a key naming no workflow of its Arazzo file (with a did-you-mean), a
    workflow's entry that is not a mapping of input sets. Input sets that are not mappings are
    reported per set by the collector."""
    known = list(workflow_ids)
    data = document.data
    shape = "write it as workflowId → input set name → NAME: VALUE (see README 'Inputs')"
    if data is None:
        return []
    if not isinstance(data, dict):
        got = f"{type(data).__name__} {clip(repr(data), 60)}"
        return [
            (
                "(file)",
                f"{document.where()}: the inputs file must be a mapping of workflowIds "
                f"to input sets, got {got}\n    hint: {shape}",
            )
        ]
    found = []
    for key, sets in data.items():
        where = document.where(f"/{escape_token(str(key))}")
        if str(key) not in known:
            hint = did_you_mean(str(key), known)
            found.append(
                (
                    str(key),
                    f"{where}: the inputs file names workflow '{key}', which its "
                    f"Arazzo file does not define: its inputs would never be used\n"
                    f"    hint: {hint}; fix the workflowId or remove the entry",
                )
            )
        elif not isinstance(sets, dict):
            got = "nothing" if sets is None else f"{type(sets).__name__} {clip(repr(sets), 60)}"
            found.append(
                (
                    str(key),
                    f"{where}: the entry of workflow '{key}' must be a mapping of "
                    f"input set names to inputs, got {got}\n    hint: {shape}, e.g. "
                    f"'{key}: {{default: {{NAME: VALUE}}}}'",
                )
            )
    return found


def declared_inputs(workflow: Any) -> set[str] | None:
    """The input names a workflow's ``inputs`` schema declares (``properties``, also through
    ``allOf``), read from the document as written; ``None`` when a ``$ref`` hides them."""
    schema = workflow.get("inputs") if isinstance(workflow, dict) else None
    if schema is None:
        return set()
    if not isinstance(schema, dict) or _has_ref(schema):
        return None
    return set(schema_properties(schema))


def _has_ref(schema: dict[str, Any]) -> bool:
    parts = [schema, *(part for part in schema.get("allOf") or [] if isinstance(part, dict))]
    return any("$ref" in part for part in parts)


def unknown_cli_inputs(cli_inputs: Iterable[str], declared: list[set[str] | None]) -> str:
    """The usage error for ``--arazzo-input`` names no collected workflow declares, or ``''``
    (also when some workflow's inputs are hidden behind a ``$ref``)."""
    if any(names is None for names in declared):
        return ""
    known = set().union(*(names for names in declared if names is not None))
    unknown = [name for name in cli_inputs if name not in known]
    if not unknown:
        return ""
    lines = [
        f"--arazzo-input {name}=...: no collected workflow declares an input '{name}' "
        f"({did_you_mean(name, sorted(known))})"
        for name in unknown
    ]
    return (
        "\n".join(lines)
        + "\nfix the NAME (inputs are the properties of a workflow's inputs schema)"
    )


def changed_since_recording(
    input_set: dict[str, Any], recorded_set: dict[str, Any] | None, recorded_inputs: dict[str, Any]
) -> list[str]:
    """The names of the inputs whose input-set value differs from the recording run's, sorted.

    ``recorded_set`` is the input set the cassette stored; when it is ``None`` (a cassette written
    before it was stored) each given value is compared with the recorded inputs instead. A
    scrubbed recorded value (``<scrubbed>``) matches any value.
    """
    baseline = recorded_inputs if recorded_set is None else recorded_set
    names = set(input_set) | (set() if recorded_set is None else set(recorded_set))
    changed = []
    for name in names:
        given, recorded = input_set.get(name, _ABSENT), baseline.get(name, _ABSENT)
        if given != recorded and recorded != SCRUBBED:
            changed.append(name)
    return sorted(changed)


_ABSENT = object()


def schema_properties(schema: Any) -> dict[str, Any]:
    """The ``properties`` an object schema declares, also through ``allOf`` (which is what a
    ``$ref`` with sibling keywords becomes once inlined)."""
    if not isinstance(schema, dict):
        return {}
    found: dict[str, Any] = {}
    for part in schema.get("allOf") or []:
        found.update(schema_properties(part))
    properties = schema.get("properties")
    if isinstance(properties, dict):
        found.update(properties)
    return found


def apply_defaults(schema: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """Fill ``default`` values of the input schema for inputs not given (nested objects too)."""
    merged = dict(inputs)
    for name, prop in schema_properties(schema).items():
        if not isinstance(prop, dict):
            continue
        if name not in merged and "default" in prop:
            merged[name] = prop["default"]
        if isinstance(merged.get(name), dict) and schema_properties(prop):
            merged[name] = apply_defaults(prop, merged[name])
    return merged


_VALIDATORS: dict[int, tuple[dict[str, Any], Draft202012Validator, Quick | None]] = {}
_VALIDATORS_LIMIT = 1024


def _validator(schema: dict[str, Any]) -> tuple[Draft202012Validator, Quick | None]:
    """One validator per input schema object (plans keep their schema for the session), with
    the quick check compiled from it (``None`` for a schema jsonschema rejects)."""
    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        if len(_VALIDATORS) >= _VALIDATORS_LIMIT:
            _VALIDATORS.clear()
        validator = safe_validator()(schema)  # patterns matched with a time limit
        cached = _VALIDATORS[id(schema)] = (schema, validator, _quick(validator))
    return cached[1], cached[2]


def _quick(validator: Draft202012Validator) -> Quick | None:
    try:
        check_schema(validator.schema)  # the meta-schema, remembered by content once usable
    except SchemaError:
        return None  # jsonschema reports it below
    return quick_check(validator.schema, type(validator), validator.format_checker)


def validate_inputs(schema: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Raise :class:`InputsFailure` listing every violation (JSON Schema 2020-12). Most inputs
    are valid: the quick check compiled from the schema says so in microseconds, and only a
    doubt walks the schema with jsonschema (which words every violation)."""
    if not schema:
        return
    try:
        validator, quick = _validator(schema)
        if quick is not None and quick(inputs):
            return
        errors = sorted(validator.iter_errors(inputs), key=lambda e: list(e.absolute_path))
    except SchemaError as error:
        raise InputsFailure(
            [InputViolation("(schema)", f"the input schema is invalid: {error.message}")]
        ) from None
    if not errors:
        return
    violations = []
    for found in errors:
        chosen = best_match([found]) if found.context else found
        path = "/".join(str(part) for part in chosen.absolute_path)
        violations.append(InputViolation(path, chosen.message))
    raise InputsFailure(violations)
