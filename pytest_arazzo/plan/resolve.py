"""Resolve what an Arazzo file names before it is planned: its source descriptions, and the
OpenAPI operation each step calls (Arazzo 1.0.1 § Source Description Object, § Step Object).

The result is plain data for the plan (:class:`~pytest_arazzo.plan.model.OperationPlan`,
:class:`~pytest_arazzo.plan.model.SourcePlan`); the loaded documents stay here, for the checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pytest_arazzo.diagnostics.problems import ERROR, WARNING, Problem, did_you_mean
from pytest_arazzo.document.loader import Document
from pytest_arazzo.document.sources import Operation, Source, SourceCache, SourceError
from pytest_arazzo.language.parser import parse_source_reference
from pytest_arazzo.plan.model import OperationPlan, SourceFile, SourcePlan


class Report(Protocol):
    """Where resolution reports a problem (the planner of the workflow being planned)."""

    def __call__(
        self, code: str, pointer: str, message: str, hint: str = "", severity: str = ERROR
    ) -> None: ...


def hint_for(name: str, known: list[str]) -> str:
    """The planner's did-you-mean hint (spellings compared with letter case)."""
    return did_you_mean(name, known, ignore_case=False)


class Sources:
    """The source descriptions of one Arazzo document, loaded; finds the operations steps name."""

    def __init__(self, document: Document, cache: SourceCache) -> None:
        self.document, self.cache = document, cache
        data = document.data if isinstance(document.data, dict) else {}
        self.descriptions: dict[str, dict[str, Any]] = {
            str(item.get("name")): item
            for item in _list(data.get("sourceDescriptions"))
            if isinstance(item, dict)
        }
        self.sources: dict[str, Source] = {}
        self.problems: list[Problem] = []
        self._plans: dict[str, SourcePlan] = {}
        self._operations: dict[int, OperationPlan] = {}
        for index, description in enumerate(_list(data.get("sourceDescriptions"))):
            if isinstance(description, dict):
                self._load(index, description)

    def _load(self, index: int, description: dict[str, Any]) -> None:
        where = self.document.where(f"/sourceDescriptions/{index}/url")
        url = description.get("url")
        if not isinstance(url, str) or not url.strip():
            self._unusable_url(index, description)
            return
        try:
            source = self.cache.source(description, self.document)
        except SourceError as error:
            self.problems.append(
                Problem(
                    error.code or "AZ201", ERROR, error.message, error.where or where, error.hint
                )
            )
            return
        self.sources[source.name] = source

    def _unusable_url(self, index: int, description: dict[str, Any]) -> None:
        """Arazzo 1.0.1 § Source Description Object: ``url`` is REQUIRED. Nothing is loaded
        without it; a missing one is reported here, once (the structure check leaves it out),
        and a url that is not a string is the structure check's (AZ103)."""
        name = description.get("name")
        label = f"source description '{name}'" if isinstance(name, str) else "a source description"
        if "url" not in description:
            hint = did_you_mean("url", [str(key) for key in description], list_known=False)
            hint = hint.replace("did you mean", "is it misspelled as") if hint else ""
            message = f"missing required field 'url' in {label}"
            pointer = f"/sourceDescriptions/{index}"
            where = self.document.where(pointer)
            self.problems.append(Problem("AZ101", ERROR, message, where, hint))
        elif isinstance(description["url"], str):
            where = self.document.where(f"/sourceDescriptions/{index}/url")
            message = f"{label} has an empty url, so there is nothing to load"
            hint = "set url to the OpenAPI (or Arazzo) file, relative to the Arazzo file"
            self.problems.append(Problem("AZ201", ERROR, message, where, hint))

    # -- plain data for the plan

    def operation_plan(self, operation: Operation) -> OperationPlan:
        """``operation`` as plan data: security, servers and its source's files resolved now."""
        key = id(operation)
        if key not in self._operations:
            self._operations[key] = OperationPlan(
                source=self.source_plan(operation.source),
                method=operation.method,
                path=operation.path,
                pointer=operation.pointer,
                raw=operation.raw,
                operation_id=operation.operation_id,
                security=operation.security,
                servers=operation.servers(),
            )
        return self._operations[key]

    def source_plan(self, source: Source) -> SourcePlan:
        """One :class:`SourcePlan` per source, shared by all its operations."""
        if source.name not in self._plans:
            documents, broken = self.cache.reachable(source.document)
            root = source.document.path.resolve()
            self._plans[source.name] = SourcePlan(
                name=source.name,
                url=source.url,
                root=root,
                security_schemes=source.security_schemes,
                files={
                    document.path.resolve(): SourceFile(
                        document.path, document.data, document.positions, document.display
                    )
                    for document in documents
                },
                broken={path: (error.message, error.where) for path, error in broken.items()},
                links={
                    link: found if isinstance(found, Path) else (found.message, found.where)
                    for link, found in self.cache.links(documents).items()
                },
            )
        return self._plans[source.name]

    # -- workflows

    def has_workflow(self, reference: tuple[str, str]) -> bool:
        """Whether ``$sourceDescriptions.<name>.<workflowId>`` names a workflow (or its source
        failed to load: that problem is reported already)."""
        name, workflow_id = reference
        if name not in self.descriptions:
            return False
        source = self.sources.get(name)
        if source is None:
            return True
        return source.type == "arazzo" and any(
            isinstance(item, dict) and item.get("workflowId") == workflow_id
            for item in _list(source.data.get("workflows"))
        )

    # -- operations (Arazzo 1.0.1 § Step Object: operationId, operationPath)

    def operation(self, raw: dict[str, Any], pointer: str, report: Report) -> Operation | None:
        """The operation a step calls (``None``: it calls none, or that is reported)."""
        if isinstance(raw.get("operationId"), str):
            return self.by_operation_id(raw["operationId"], f"{pointer}/operationId", report)
        if isinstance(raw.get("operationPath"), str):
            return self.by_operation_path(raw["operationPath"], f"{pointer}/operationPath", report)
        return None

    def by_operation_id(self, text: str, pointer: str, report: Report) -> Operation | None:
        reference = parse_source_reference(text)
        openapi = {name: src for name, src in self.sources.items() if src.type == "openapi"}
        if reference:
            name, operation_id = reference
            if name not in self.descriptions:
                report(
                    "AZ211",
                    pointer,
                    f"no source description named '{name}'",
                    hint_for(name, list(self.descriptions)),
                )
                return None
            candidates = {name: openapi[name]} if name in openapi else {}
        else:
            operation_id, candidates = text, openapi
        found = [src for src in candidates.values() if operation_id in src.by_operation_id]
        if len(found) > 1:
            names = ", ".join(f"'{src.name}'" for src in found)
            report(
                "AZ205",
                pointer,
                f"operationId '{operation_id}' is in several sources ({names}), so the step "
                "cannot tell which operation to call",
                f"write operationId: $sourceDescriptions.{found[0].name}.{operation_id}",
            )
            return None
        if not reference:
            self.check_qualified(operation_id, pointer, found[0] if found else None, report)
        if found:
            return found[0].by_operation_id[operation_id]
        if not candidates:
            return None  # the source itself failed to load; that problem is reported already
        known = [op for src in candidates.values() for op in src.by_operation_id]
        where = ", ".join(f"'{name}'" for name in candidates)
        unloaded = [
            name
            for name, item in self.descriptions.items()
            if name not in self.sources and (item.get("type") or "openapi") == "openapi"
        ]
        hint = hint_for(operation_id, known)
        if unloaded and not reference and not hint.startswith("did you mean"):
            hint = f"source {', '.join(unloaded)} could not be loaded (see AZ201); it may be there"
        message = f"operationId '{operation_id}' is not in source {where}"
        report("AZ210", pointer, message, hint)
        return None

    def check_qualified(
        self, operation_id: str, pointer: str, found: Source | None, report: Report
    ) -> None:
        """Arazzo 1.0.1 § Step Object: with several OpenAPI sources, the operationId MUST name
        its source. An error when none has it (a step in several sources is reported by the
        caller). When exactly one source has it, the plan keeps that operation and the problem
        is a warning here, so a plan run through the library still runs; the static checks
        (and so every pytest item and ``--arazzo-check``) report it as the error it is."""
        declared = [
            name
            for name, item in self.descriptions.items()
            if str(item.get("type") or "openapi") in ("openapi", "asyncapi")  # 1.1: non-arazzo
        ]
        if len(declared) < 2:
            return
        message = (
            f"operationId '{operation_id}' must name its source: this document has "
            f"{len(declared)} OpenAPI source descriptions ({', '.join(declared)})"
        )
        if found is None:
            report("AZ205", pointer, message, self._qualify_hint(operation_id))
            return
        report(
            "AZ205",
            pointer,
            f"{message}; only '{found.name}' has it",
            f"write operationId: $sourceDescriptions.{found.name}.{operation_id}",
            severity=WARNING,
        )

    def _qualify_hint(self, operation_id: str) -> str:
        """How to write an operationId that no OpenAPI source has under exactly that name."""
        for name, source in self.sources.items():
            for known in source.by_operation_id:
                if known.lower() == operation_id.lower():
                    return f"write operationId: $sourceDescriptions.{name}.{known}"
        return f"write operationId: $sourceDescriptions.<name>.{operation_id}"

    def by_operation_path(self, text: str, pointer: str, report: Report) -> Operation | None:
        head, _, fragment = text.partition("#")
        reference = parse_source_reference(head.strip("{}"))
        name = reference[0] if reference else None
        source = self.sources.get(name or "")
        if source is None:
            if name not in self.descriptions:
                report(
                    "AZ211",
                    pointer,
                    f"operationPath '{text}' does not name a source "
                    "as {$sourceDescriptions.<name>.url}#/paths/...",
                    hint_for(name, list(self.descriptions)) if name else "",
                )
            return None
        operation = source.operation_at(fragment)
        if operation is None:
            report(
                "AZ213",
                pointer,
                f"operationPath '{text}': no operation at #{fragment} in source '{source.name}'",
                source.pointer_hint(fragment)
                + "; the fragment is a JSON Pointer such as #/paths/~1pets~1{id}/get",
            )
        return operation


def operation_parameter(
    operation: Operation | None, name: str, location: str
) -> dict[str, Any] | None:
    """The OpenAPI Parameter Object for ``name``/``location`` (header names ignore case)."""
    if operation is None:
        return None
    found = operation.parameters.get((name, location))
    if found is None and location == "header":
        lowered = name.lower()
        for (other, where), spec in operation.parameters.items():
            if where == "header" and other.lower() == lowered:
                return spec
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
