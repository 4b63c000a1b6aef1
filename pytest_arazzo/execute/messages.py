"""Run one AsyncAPI step (Arazzo 1.1.0 § Defining Success for Asynchronous Steps) through the
:class:`~pytest_arazzo.transport.messaging.MessageTransport` registered for its server's protocol.

- No transport for any protocol the channel's servers use: the step fails at once, "AsyncAPI
  steps are not executed", naming the step, the workflow, the channel and the protocol (no failure
  action applies: nothing was tried).
- ``send``: the message is the step's ``in: header`` parameters and its ``requestBody`` payload
  (``in: path`` parameters fill ``{name}`` in the channel address); "the step completes
  immediately after the message is sent". ``$message`` then reads the sent message.
- ``receive``: messages are taken until one matches ``correlationId`` (read where the AsyncAPI
  message's ``correlationId.location`` says, e.g. ``$message.header#/orderRequestId``; without a
  location, any header or top-level payload field with that value matches) within ``timeout``
  (milliseconds; default 30 s, never past the item's deadline). None: the step fails ("triggers any
  defined onFailure actions"). ``$message.header.<name>`` / ``$message.payload#/...`` read it.
- ``successCriteria`` are then evaluated as for HTTP steps; without them the message is success.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from requests.structures import CaseInsensitiveDict

from pytest_arazzo.diagnostics.text import clip
from pytest_arazzo.document.pointer import PointerError, resolve_pointer
from pytest_arazzo.execute.failures import StepFailure
from pytest_arazzo.execute.state import Attempt
from pytest_arazzo.language.context import EvalContext, Message
from pytest_arazzo.language.errors import UnresolvedError
from pytest_arazzo.plan.model import MessagePlan, StepPlan
from pytest_arazzo.transport.messaging import (
    Channel,
    MessageTransport,
    OutgoingMessage,
    ReceivedMessage,
    transport_for,
)

__all__ = ["DEFAULT_RECEIVE_TIMEOUT", "message_attempt"]

DEFAULT_RECEIVE_TIMEOUT = 30.0  # seconds, for a receive step without `timeout`
_LOCATION = re.compile(r"\$message\.(header|payload)(?:#(.*))?", re.S)
_ABSENT = object()


def message_attempt(
    step: StepPlan,
    ctx: EvalContext,
    workflow_id: str,
    time_left: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Attempt:
    """One try of an AsyncAPI step; raises :class:`StepFailure` when it cannot run at all."""
    plan = step.message
    assert plan is not None
    transport, channel = _channel(step, plan, workflow_id, ctx)
    if plan.action == "send":
        outgoing = OutgoingMessage(
            _headers(step, ctx), _payload(step, ctx), step.body.content_type if step.body else ""
        )
        outgoing.content_type = outgoing.content_type or "application/json"
        try:
            transport.send(channel, outgoing)
        except Exception as error:  # a third-party transport: its failure is the step's
            return Attempt(False, ctx, error=f"sending to channel '{channel.address}': {error}")
        ctx.message = Message(headers=CaseInsensitiveDict(outgoing.headers), body=outgoing.payload)
    else:
        timeout = step.timeout if step.timeout is not None else DEFAULT_RECEIVE_TIMEOUT
        if time_left is not None:
            timeout = max(min(timeout, time_left), 0.0)
        expected = _evaluate(plan.correlation_id, ctx, step, "correlationId")
        received, why = _receive(transport, channel, plan, expected, timeout, clock)
        if received is None:
            return Attempt(False, ctx, error=why, hint=_receive_hint(step))
        ctx.message = Message(headers=CaseInsensitiveDict(received.headers), body=received.payload)
    if not step.success:
        return Attempt(True, ctx)
    outcomes = [criterion.evaluate(ctx) for criterion in step.success]
    failed = [outcome for outcome in outcomes if not outcome.passed]
    return Attempt(not failed, ctx, failed, checked=outcomes)


def _channel(
    step: StepPlan, plan: MessagePlan, workflow_id: str, ctx: EvalContext
) -> tuple[MessageTransport, Channel]:
    """The transport and channel of the step; :class:`StepFailure` when none is configured."""
    for protocol, server in zip(plan.protocols, plan.servers, strict=False):
        transport = transport_for(protocol)
        if transport is not None:
            address = _address(plan.address, step, ctx)
            return transport, Channel(plan.source, plan.channel, address, protocol, server)
    verb = "sends to" if plan.action == "send" else "receives from"
    if plan.protocols:
        names = ", ".join(f"'{protocol}'" for protocol in dict.fromkeys(plan.protocols))
        why = f"no message transport for protocol {names} is configured"
    else:
        why = "the AsyncAPI document names no server for the channel, so its protocol is unknown"
    raise StepFailure(
        step.step_id,
        step.where,
        f"AsyncAPI steps are not executed: step '{step.step_id}' of workflow '{workflow_id}' "
        f"{verb} channel '{plan.channel}' of source '{plan.source}' ({why})",
        hint="pytest-arazzo runs HTTP steps; to run this one, register a transport for the "
        "protocol (pytest_arazzo.transport.messaging.register_transport), or deselect the item",
    )


def _evaluate(compiled: Any, ctx: EvalContext, step: StepPlan, field: str) -> Any:
    if compiled is None:
        return _ABSENT
    try:
        return compiled.evaluate(ctx)
    except UnresolvedError as error:
        if error.is_absent_input:
            return _ABSENT
        raise StepFailure(
            step.step_id, step.where, f"{field}: {error.expression}: {error.reason}"
        ) from None


def _headers(step: StepPlan, ctx: EvalContext) -> dict[str, Any]:
    headers = {}
    for param in step.parameters:
        if param.location == "header":
            value = _evaluate(param.value, ctx, step, f"parameter '{param.name}'")
            if value is not _ABSENT:
                headers[param.name] = value
    return headers


def _payload(step: StepPlan, ctx: EvalContext) -> Any:
    if step.body is None or step.body.payload is None:
        return None
    value = _evaluate(step.body.payload, ctx, step, "requestBody.payload")
    return None if value is _ABSENT else value


def _address(address: str, step: StepPlan, ctx: EvalContext) -> str:
    """``{name}`` in the channel address filled from the step's ``in: path`` parameters."""
    for param in step.parameters:
        if param.location == "path" and "{" + param.name + "}" in address:
            value = _evaluate(param.value, ctx, step, f"parameter '{param.name}'")
            if value is not _ABSENT:
                address = address.replace("{" + param.name + "}", str(value))
    return address


def _receive(
    transport: MessageTransport,
    channel: Channel,
    plan: MessagePlan,
    expected: Any,
    timeout: float,
    clock: Callable[[], float],
) -> tuple[ReceivedMessage | None, str]:
    """The first message that matches the correlation id within ``timeout`` seconds."""
    ends = clock() + timeout
    skipped = 0
    while True:
        left = max(ends - clock(), 0.0)
        try:
            received = transport.receive(channel, left)
        except Exception as error:  # a third-party transport: its failure is the step's
            return None, f"receiving from channel '{channel.address}': {error}"
        if received is None:
            break
        if expected is _ABSENT or _correlates(received, plan.correlation_location, expected):
            return received, ""
        skipped += 1
        if clock() >= ends:
            break
    wanted = "" if expected is _ABSENT else f" with correlationId {clip(repr(expected), 60)}"
    other = f" ({skipped} other message(s) did not match)" if skipped else ""
    return None, (
        f"no message{wanted} on channel '{channel.address}' within {timeout * 1000:g} ms "
        f"(timeout){other}"
    )


def _correlates(message: ReceivedMessage, location: str | None, expected: Any) -> bool:
    """Whether ``message`` carries ``expected`` where the AsyncAPI ``location`` says."""
    found = _LOCATION.fullmatch(location or "")
    if found is None:
        payload = message.payload if isinstance(message.payload, dict) else {}
        return any(str(v) == str(expected) for v in [*message.headers.values(), *payload.values()])
    part = CaseInsensitiveDict(message.headers) if found[1] == "header" else message.payload
    pointer = found[2] or ""
    try:
        if found[1] == "header" and pointer:
            name, _, rest = pointer.lstrip("/").partition("/")
            value = resolve_pointer(part[name], f"/{rest}" if rest else "")
        else:
            value = resolve_pointer(part, pointer)
    except (PointerError, KeyError, TypeError):
        return False
    return str(value) == str(expected)


def _receive_hint(step: StepPlan) -> str:
    if step.timeout is None:
        return (
            f"no timeout is set, so {DEFAULT_RECEIVE_TIMEOUT:g}s were waited: set timeout (ms) "
            "on the step, or check that a message is published on the channel"
        )
    return "check that a message is published on the channel (and its correlation id)"
