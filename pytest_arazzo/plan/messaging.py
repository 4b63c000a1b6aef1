"""Plan AsyncAPI steps (Arazzo 1.1.0 § Step Object ``channelPath``, ``action``, ``correlationId``,
``timeout``; § Defining Success for Asynchronous Steps). Checked statically, before any run:

- the step names an ``asyncapi`` source by ``channelPath`` (``{$sourceDescriptions.<name>.url}#
  /channels/<key>``), by ``operationId`` (an AsyncAPI operation id, qualified or not) or by
  ``operationPath`` (``{$sourceDescriptions.<name>.url}#/operations/<id>`` or ``#/channels/...``);
  the source is an AsyncAPI 2.x/3.x document and the channel or operation exists (AZ266);
- ``action`` is required in such a step ("Indicates whether the step will send or receive");
  ``action`` elsewhere, ``correlationId`` outside an AsyncAPI ``receive`` step ("Only applicable to
  ``asyncapi`` steps with action ``receive``") and ``$message`` outside an AsyncAPI step (and in
  workflow outputs, which have no message) are AZ267.

Running such a step is :mod:`pytest_arazzo.execute.messages`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pytest_arazzo.diagnostics.problems import WARNING
from pytest_arazzo.diagnostics.text import did_you_mean
from pytest_arazzo.document.asyncapi import AsyncApi, AsyncChannel
from pytest_arazzo.document.pointer import escape_token
from pytest_arazzo.document.sources import Source
from pytest_arazzo.language.parser import parse_source_reference
from pytest_arazzo.language.templates import Compiled
from pytest_arazzo.plan.model import MessagePlan

__all__ = ["MessageSteps"]

Report = Callable[..., None]  # the planner's problem(code, pointer, message, hint)
Compile = Callable[[Any, str], Compiled | None]

_URL_REFERENCE = re.compile(r"\{\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.url\}#(.*)", re.S)
_MESSAGE = re.compile(r"\$message\.")
_ASYNC_FIELDS = ("action", "correlationId")
_STEP_FIELDS = ("parameters", "requestBody", "successCriteria", "onSuccess", "onFailure", "outputs")


class MessageSteps:
    """Finds and plans the AsyncAPI steps of one Arazzo 1.1 document."""

    def __init__(
        self,
        sources: dict[str, Source],
        descriptions: dict[str, dict[str, Any]],
        report: Report,
        compile_value: Compile,
    ) -> None:
        self.sources, self.descriptions = sources, descriptions
        self.report, self.compile = report, compile_value
        self._apis: dict[str, AsyncApi | None] = {}
        self.kinds = {
            name: str(item.get("type") or "openapi") for name, item in descriptions.items()
        }

    def _api(self, name: str) -> AsyncApi | None:
        """The AsyncAPI document of source ``name``, read once per planner."""
        if name not in self._apis:
            source = self.sources.get(name)
            wanted = source is not None and source.type == "asyncapi"
            self._apis[name] = AsyncApi(source) if wanted and source is not None else None
        return self._apis[name]

    def source_of(self, raw: dict[str, Any]) -> str | None:
        """The asyncapi source an AsyncAPI step names (``None``: not an AsyncAPI step)."""
        if isinstance(raw.get("channelPath"), str):
            found = _URL_REFERENCE.fullmatch(raw["channelPath"])
            return found[1] if found else ""
        for field_name in ("operationId", "operationPath"):
            text = raw.get(field_name)
            if not isinstance(text, str):
                continue
            found = _URL_REFERENCE.fullmatch(text)
            reference = parse_source_reference(text)
            name = found[1] if found else reference[0] if reference else None
            if name is not None:
                return name if self.kinds.get(name) == "asyncapi" else None
            if field_name == "operationId":
                return self._unqualified(text)
        return None

    def _unqualified(self, operation_id: str) -> str | None:
        """The asyncapi source that alone has ``operation_id`` (OpenAPI sources win)."""
        if any(operation_id in s.by_operation_id for s in self.sources.values()):
            return None
        for name in self.sources:
            api = self._api(name)
            if api is not None and operation_id in api.operations:
                return name
        return None

    def plan(self, raw: dict[str, Any], pointer: str) -> MessagePlan | None:
        """The plan of an AsyncAPI step (``None``: its problems are reported)."""
        name = self.source_of(raw)
        field_name = next(f for f in ("channelPath", "operationId", "operationPath") if f in raw)
        where = f"{pointer}/{field_name}"
        text = str(raw[field_name])
        if not name:
            self.report(
                "AZ266",
                where,
                f"channelPath '{text}' does not name a source as "
                "{$sourceDescriptions.<name>.url}#/channels/<channel>",
                "the pointer after '#' is a JSON Pointer into the AsyncAPI document",
            )
            return None
        if self.kinds.get(name) != "asyncapi":
            self.report(
                "AZ266",
                where,
                f"{field_name} '{text}' names source '{name}', which is not type: asyncapi",
                did_you_mean(name, [n for n, k in self.kinds.items() if k == "asyncapi"]),
            )
            return None
        api = self._api(name)
        if api is None:
            return None  # the source could not be loaded: AZ201 is reported
        if api.version_problem():
            self.report("AZ266", where, api.version_problem())
            return None
        found = self._target(api, field_name, text, where)
        if found is None:
            return None
        channel, operation_id = found
        return self._message_plan(raw, pointer, api, channel, operation_id)

    def _target(
        self, api: AsyncApi, field_name: str, text: str, where: str
    ) -> tuple[AsyncChannel, str | None] | None:
        url = _URL_REFERENCE.fullmatch(text)
        if url is None:
            if field_name == "operationPath":
                self.report(
                    "AZ266",
                    where,
                    f"operationPath '{text}' is not {{$sourceDescriptions.<name>.url}}#<JSON "
                    "Pointer>",
                    self._path_hint(api, text),
                )
                return None
            reference = parse_source_reference(text)
            operation_id = reference[1] if reference else text
            operation = api.operations.get(operation_id)
            if operation is None:
                self.report(
                    "AZ266",
                    where,
                    f"operationId '{operation_id}' is not an operation of AsyncAPI source "
                    f"'{api.source.name}'",
                    did_you_mean(operation_id, list(api.operations))
                    or f"its operations: {', '.join(api.operations) or 'none'}",
                )
                return None
            if reference is None and sum(k != "arazzo" for k in self.kinds.values()) > 1:
                self.report(
                    "AZ205",
                    where,
                    f"operationId '{operation_id}' must name its source: this document has "
                    "several OpenAPI/AsyncAPI source descriptions; only "
                    f"'{api.source.name}' has it",
                    f"write operationId: $sourceDescriptions.{api.source.name}.{operation_id}",
                    severity=WARNING,
                )
            return operation.channel, operation_id
        pointer = url[2]
        if pointer.startswith("/operations/"):
            operation_id = pointer[len("/operations/") :].replace("~1", "/").replace("~0", "~")
            operation = api.operations.get(operation_id)
            if operation is not None:
                return operation.channel, operation_id
        channel = api.channel_at(pointer)
        if channel is None:
            known = [f"#/channels/{escape_token(key)}" for key in api.channel_keys]
            self.report(
                "AZ266",
                where,
                f"{field_name} '{text}': no channel at #{pointer} in AsyncAPI source "
                f"'{api.source.name}'",
                f"its channels: {', '.join(known) or 'none'}",
            )
            return None
        return channel, None

    def _path_hint(self, api: AsyncApi, text: str) -> str:
        """What a malformed AsyncAPI operationPath probably meant."""
        reference = parse_source_reference(text)
        if reference is None:
            return "write {$sourceDescriptions.<name>.url}#/channels/<channel>"
        name, operation_id = reference
        if operation_id in api.operations:
            return f"to name an AsyncAPI operation by its id write operationId: {text}"
        channels = ", ".join(f"#/channels/{escape_token(key)}" for key in api.channel_keys)
        return (
            f"source '{name}' has no operation '{operation_id}' (operations: "
            f"{', '.join(api.operations) or 'none'}); to use a channel write channelPath: "
            f"'{{$sourceDescriptions.{name}.url}}#/channels/<channel>' (channels: "
            f"{channels or 'none'})"
        )

    def _message_plan(
        self,
        raw: dict[str, Any],
        pointer: str,
        api: AsyncApi,
        channel: AsyncChannel,
        operation_id: str | None,
    ) -> MessagePlan | None:
        action = raw.get("action")
        if action not in ("send", "receive"):
            if action is None:
                self.report(
                    "AZ267",
                    pointer,
                    f"AsyncAPI step '{raw.get('stepId')}' has no action: it cannot tell whether "
                    f"it sends to or receives from channel '{channel.key}'",
                    "add action: send or action: receive",
                )
            return None  # another value is reported by the schema check
        correlation = None
        if "correlationId" in raw:
            if action != "receive":
                self.report(
                    "AZ267",
                    f"{pointer}/correlationId",
                    "correlationId applies to AsyncAPI steps with action: receive only "
                    "(Arazzo 1.1 § Step Object); this step sends",
                    "drop it here, and give it to the step that receives the reply",
                )
                return None
            correlation = self.compile(raw["correlationId"], f"{pointer}/correlationId")
        protocols = [str(server.get("protocol", "")) for server in channel.servers]
        return MessagePlan(
            source=api.source.name,
            action=str(action),
            channel=channel.key,
            address=channel.address,
            operation_id=operation_id,
            servers=channel.servers,
            protocols=[protocol for protocol in protocols if protocol],
            correlation_id=correlation,
            correlation_location=channel.correlation_location(),
        )

    def check_other_step(self, raw: dict[str, Any], pointer: str) -> None:
        """AZ267 for AsyncAPI fields and ``$message`` in a step that is no AsyncAPI step."""
        for field_name in _ASYNC_FIELDS:
            if field_name in raw:
                self.report(
                    "AZ267",
                    f"{pointer}/{field_name}",
                    f"{field_name} applies to AsyncAPI steps only (Arazzo 1.1 § Step Object), "
                    "and this step calls an HTTP operation or a workflow",
                    "drop it, or point the step at an AsyncAPI channel (channelPath)",
                )
        for where in _message_reads(raw, pointer, _STEP_FIELDS):
            self.report(
                "AZ267",
                where,
                "$message is read in AsyncAPI steps only, and this step calls an HTTP operation "
                "or a workflow",
                "read the HTTP answer with $response.body / $response.header.<name>",
            )

    def check_workflow_outputs(self, workflow: dict[str, Any], base: str) -> None:
        for where in _message_reads(workflow, base, ("outputs",)):
            self.report(
                "AZ267",
                where,
                "a workflow output cannot read $message: a workflow has no message of its own",
                "give the AsyncAPI step an output and read it as $steps.<stepId>.outputs.<name>",
            )


def _message_reads(raw: dict[str, Any], pointer: str, fields: tuple[str, ...]) -> list[str]:
    """The pointers of strings that read ``$message.`` in ``raw``'s ``fields``."""
    found = []
    stack: list[tuple[Any, str]] = [(raw[f], f"{pointer}/{f}") for f in fields if f in raw]
    while stack:
        node, where = stack.pop(0)
        if isinstance(node, str) and _MESSAGE.search(node):
            found.append(where)
        elif isinstance(node, dict):
            stack += [(child, f"{where}/{escape_token(str(key))}") for key, child in node.items()]
        elif isinstance(node, list):
            stack += [(child, f"{where}/{index}") for index, child in enumerate(node)]
    return found
