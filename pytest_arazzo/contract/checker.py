"""Contract checks: each request a step sends and each response it gets, against the OpenAPI
operation the step calls (see :mod:`.request` and :mod:`.response`).

Validators are compiled (:mod:`.compile`) once per operation and part, from the source files the
plan holds: nothing is loaded while a workflow runs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from pytest_arazzo.contract.compile import SourceSchemas
from pytest_arazzo.contract.locate import operation_location
from pytest_arazzo.contract.request import RequestContract
from pytest_arazzo.contract.response import ResponseContract
from pytest_arazzo.contract.severity import contract_severity
from pytest_arazzo.contract.violations import ContractWarning, warn_once
from pytest_arazzo.document.sources import SourceError
from pytest_arazzo.execute.failures import Exchange
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse
from pytest_arazzo.plan.model import OperationPlan, SourcePlan, StepPlan


class OperationContract:
    """The compiled checks of one operation; parts are compiled on first use."""

    def __init__(self, operation: OperationPlan, schemas: SourceSchemas) -> None:
        self.operation = operation
        self.schemas = schemas
        self.location, path_item = operation_location(schemas, operation)
        self.problems: list[str] = []  # schemas that cannot be used, each warned once
        self.request = RequestContract(
            schemas, self.location, path_item, self.problems, operation.path
        )
        self.response = ResponseContract(
            schemas, self.location, operation.label, self.problems, operation.method
        )

    def request_violations(self, request: OutgoingRequest) -> list[str]:
        return self.request.violations(request)

    def response_violations(self, response: ReceivedResponse) -> list[str]:
        return self.response.violations(response)

    def prepare(self) -> None:
        """Compile the parameter and body checks, and the JSON responses of explicit codes."""
        self.request.prepare()
        self.response.prepare()


class ContractChecker:
    """The :data:`ExchangeCheck` validating every exchange; one per session (its compiled
    validators are kept per OpenAPI document and operation, not per Arazzo file)."""

    def __init__(self, severity: str = "error") -> None:
        self.severity = contract_severity(severity)
        self._contracts: dict[tuple[int, str, str, str], OperationContract] = {}
        self._sources: dict[tuple[Path, int], tuple[object, SourceSchemas]] = {}
        self.built = 0  # operation contracts built (each compiles its validators on first use)

    def checks(self) -> list[Callable[[StepPlan, Exchange], list[str]]]:
        """What to pass as ``Runner(exchange_checks=...)``: nothing when severity is off."""
        return [] if self.severity == "off" else [self]

    def contract(self, operation: OperationPlan) -> OperationContract:
        """The operation's checks, shared by every plan that calls the same operation of the same
        loaded OpenAPI document (however many Arazzo files name it)."""
        schemas = self._schemas(operation.source)
        key = (id(schemas), operation.path, operation.method, operation.pointer)
        contract = self._contracts.get(key)
        if contract is None:
            contract = self._contracts[key] = OperationContract(operation, schemas)
            self.built += 1
        return contract

    def _schemas(self, source: SourcePlan) -> SourceSchemas:
        """One :class:`SourceSchemas` per loaded document: plans of different Arazzo files hold
        their own :class:`SourcePlan`, but the document objects come from the one SourceCache."""
        root = source.files.get(source.root)
        identity: object = root.data if root is not None else source
        key = (source.root, id(identity))
        entry = self._sources.get(key)
        if entry is None or entry[0] is not identity:
            entry = (identity, SourceSchemas(source))  # holds ``identity``: its id stays unique
            self._sources[key] = entry
        return entry[1]

    def prepare(self, operations: Iterable[OperationPlan | None]) -> None:
        """Compile ahead of time what checking these operations needs (e.g. before fuzzing,
        so the first example is not timed with the compilation)."""
        if self.severity == "off":
            return
        for operation in operations:
            if operation is None:
                continue
            contract = self.contract(operation)
            try:
                contract.prepare()
            except SourceError:
                continue  # reported when an exchange is checked

    def violations(self, operation: OperationPlan, exchange: Exchange) -> list[str]:
        """Request and response violations of one exchange."""
        contract = self.contract(operation)
        try:
            return contract.request_violations(exchange.request) + contract.response_violations(
                exchange.response
            )
        except SourceError as error:
            warn_once(contract.problems, f"contract not checked: {error}")
            return []

    def __call__(self, step: StepPlan, exchange: Exchange) -> list[str]:
        if step.operation is None or self.severity == "off":
            return []
        found = self.violations(step.operation, exchange)
        if found and self.severity == "warning":
            for violation in found:  # located at the step in the Arazzo file, not here
                message = ContractWarning(f"step '{step.step_id}': {violation}")
                where = step.where
                warnings.warn_explicit(message, ContractWarning, where.file, where.line or 1)
            return []
        return found
