"""Arazzo 1.1.0 AsyncAPI steps: § Source Description Object (`type: asyncapi`), § Step Object
(`channelPath`, `action`, `correlationId`, `timeout`), § Defining Success for Asynchronous Steps
and `$message` (§ Runtime Expressions). Checked statically; run through a message transport
registered for the server's protocol (here an in-memory one), or failed with a clear message."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from pytest_arazzo.checks import check_file
from pytest_arazzo.transport.messaging import registered
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance_1_1.asyncapi_fixtures import (
    FakeBroker,
    confirming,
    orders_asyncapi_2,
    orders_asyncapi_3,
)
from tests.conformance_1_1.harness11 import OK, arazzo11

ORDERS = "./orders.asyncapi.yaml"
SOURCES = [
    {"name": "pets", "url": "./pets.openapi.yaml", "type": "openapi"},
    {"name": "orders", "url": ORDERS, "type": "asyncapi"},
]
INPUTS = {"type": "object", "properties": {"cid": {"type": "string"}}}


def _get_pet() -> dict[str, Any]:
    return {
        "stepId": "get",
        "operationId": "$sourceDescriptions.pets.getPet",
        "parameters": [{"name": "petId", "in": "path", "value": 7}],
        "successCriteria": OK,
        "outputs": {"petId": "$response.body#/id"},
    }


def _place(**extra: Any) -> dict[str, Any]:
    return {
        "stepId": "place",
        "channelPath": "{$sourceDescriptions.orders.url}#/channels/place-order",
        "action": "send",
        "parameters": [{"name": "orderRequestId", "in": "header", "value": "$inputs.cid"}],
        "requestBody": {"payload": {"petId": "$steps.get.outputs.petId"}},
        **extra,
    }


def _confirm(**extra: Any) -> dict[str, Any]:
    return {
        "stepId": "confirm",
        "operationId": "$sourceDescriptions.orders.confirmOrder",
        "action": "receive",
        "correlationId": "$inputs.cid",
        "timeout": 250,
        "dependsOn": ["place"],
        "successCriteria": [{"condition": "$message.payload#/status == 'confirmed'"}],
        "outputs": {
            "orderId": "$message.payload#/orderId",
            "requestId": "$message.header.orderRequestId",
        },
        **extra,
    }


def _document(*steps: dict[str, Any], version: str = "1.1", **fields: Any) -> dict[str, Any]:
    outputs = fields.pop("outputs", {"orderId": "$steps.confirm.outputs.orderId"})
    flow = workflow("purchase", list(steps), inputs=INPUTS, outputs=outputs)
    build = arazzo11 if version == "1.1" else arazzo
    return build(flow, sources=fields.pop("sources", SOURCES), **fields)


def _setup(harness: Harness, asyncapi: dict[str, Any] | None = None) -> None:
    harness.write(ORDERS, asyncapi or orders_asyncapi_3())
    harness.server.route("GET", r"/pets/(?P<id>\d+)", lambda r, m: {"id": int(m["id"])})


def test_send_and_receive_through_a_registered_transport(harness: Harness) -> None:
    """§ Defining Success for Asynchronous Steps: a `send` step publishes the message (its
    header parameters and payload) on the channel; a `receive` step takes the message "matching
    the `correlationId`" (other messages are skipped) within `timeout`, judges it with
    `successCriteria` on `$message.payload`, and its outputs read `$message`."""
    _setup(harness)
    broker = FakeBroker(confirming())
    with registered("kafka", broker):
        result = harness.run(_document(_get_pet(), _place(), _confirm()), inputs={"cid": "c-1"})
    assert result.outputs == {"orderId": 70}
    assert broker.closed  # unregistering a transport closes it
    ((channel, sent),) = broker.sent
    assert (channel.source, channel.name, channel.address) == (
        "orders",
        "place-order",
        "orders.place",
    )
    assert channel.protocol == "kafka" and channel.server["host"] == "localhost:9092"
    assert sent.headers == {"orderRequestId": "c-1"} and sent.payload == {"petId": 7}
    assert sent.content_type == "application/json"
    assert broker.waits[0] <= 0.25  # the step's timeout (ms), as seconds
    assert [(r.step_id, r.passed) for r in result.trace] == [
        ("get", True),
        ("place", True),
        ("confirm", True),
    ]


def test_without_a_transport_the_step_is_not_executed(harness: Harness) -> None:
    """Issue 13 item 3: an AsyncAPI step with no transport for its protocol fails the item with
    "AsyncAPI steps are not executed", naming the step, the workflow and the protocol; the HTTP
    step before it ran."""
    _setup(harness)
    report = harness.fail(_document(_get_pet(), _place(), _confirm()), inputs={"cid": "c-1"})
    assert (
        "AsyncAPI steps are not executed: step 'place' of workflow 'purchase' sends to channel "
        "'place-order' of source 'orders' (no message transport for protocol 'kafka' is "
        "configured)" in report
    )
    assert "register_transport" in report
    assert [r.path for r in harness.server.requests] == ["/pets/7"]


def test_receive__no_matching_message_within_the_timeout_fails_the_step(harness: Harness) -> None:
    """ "If no matching message is received within the `timeout` period, the step fails and
    triggers any defined `onFailure` actions": the failure names the channel, the correlation id
    and the messages skipped; a retry action applies to it."""
    _setup(harness)
    with registered("kafka", FakeBroker(confirming())):
        document = _document(_get_pet(), _place(), _confirm(correlationId="nobody"))
        report = harness.fail(document, inputs={"cid": "c-1"})
    assert (
        "no message with correlationId 'nobody' on channel 'orders.confirmed' within 250 ms "
        "(timeout) (2 other message(s) did not match)" in report
    )
    assert "confirm FAILED (no message)" in report
    retry = {"name": "again", "type": "retry", "retryLimit": 1}
    with registered("kafka", FakeBroker(confirming())):
        confirm = _confirm(correlationId="nobody", onFailure=[retry])
        report = harness.fail(_document(_get_pet(), _place(), confirm), inputs={"cid": "c-1"})
    assert "confirm FAILED (retry 1/1)" in report and "still failing after 1 retry" in report


def test_receive__success_criteria_judge_the_message(harness: Harness) -> None:
    """ "message payloads MAY represent either success or failure conditions": a message whose
    payload fails `successCriteria` fails the step, showing the criterion and the value."""
    _setup(harness)
    with registered("kafka", FakeBroker(confirming(status="rejected"))):
        report = harness.fail(_document(_get_pet(), _place(), _confirm()), inputs={"cid": "c-1"})
    assert "success criteria not met" in report
    assert "$message.payload#/status == 'confirmed'" in report and "rejected" in report


def test_receive__without_criteria_any_correlated_message_is_success(harness: Harness) -> None:
    """ "When `successCriteria` is omitted, receiving any message matching the `correlationId`
    ... within the `timeout` period is considered a successful step completion"."""
    _setup(harness)
    confirm = _confirm()
    del confirm["successCriteria"]
    with registered("kafka", FakeBroker(confirming(status="rejected"))):
        result = harness.run(_document(_get_pet(), _place(), confirm), inputs={"cid": "c-9"})
    assert result.outputs == {"orderId": 70}


def test_asyncapi_2_channels_and_operations_resolve(harness: Harness) -> None:
    """AsyncAPI 2.x: a channel is keyed by its address (`#/channels/orders~1place`), an operation
    by the `operationId` of its publish/subscribe; the server's protocol picks the transport."""
    _setup(harness, orders_asyncapi_2())
    place = _place(channelPath="{$sourceDescriptions.orders.url}#/channels/orders~1place")
    broker = FakeBroker(confirming(address="orders/confirmed"))
    with registered("AMQP", broker):
        result = harness.run(_document(_get_pet(), place, _confirm()), inputs={"cid": "c-2"})
    assert result.outputs == {"orderId": 70}
    plan = harness.plan(_document(_get_pet(), place, _confirm()))
    message = plan.steps[2].message
    assert message is not None
    assert (message.channel, message.address, message.protocols) == (
        "orders/confirmed",
        "orders/confirmed",
        ["amqp"],
    )
    assert message.correlation_location == "$message.header#/orderRequestId"


def _errors(harness: Harness, document: dict[str, Any]) -> list[tuple[str, str]]:
    problems = check_file(harness.file(document))
    assert all(p.where.line > 0 for p in problems if p.code in ("AZ266", "AZ267"))
    return [(p.code, p.where.pointer) for p in problems if p.code in ("AZ266", "AZ267")]


def test_static_checks__channels_operations_and_sources(harness: Harness) -> None:
    """`channelPath` must point at a channel of an AsyncAPI 2.x/3.x source, an `operationId` at
    one of its operations (AZ266, with what exists); a malformed operationPath is explained."""
    _setup(harness)
    steps = [
        _get_pet(),
        _place(channelPath="{$sourceDescriptions.orders.url}#/channels/place-ordr"),
        _confirm(operationId="$sourceDescriptions.orders.confirmOrdr"),
    ]
    assert _errors(harness, _document(*steps)) == [
        ("AZ266", "/workflows/0/steps/1/channelPath"),
        ("AZ266", "/workflows/0/steps/2/operationId"),
    ]
    plan = harness.plan(_document(*steps))
    hints = [p.hint for p in plan.errors if p.code == "AZ266"]
    assert "#/channels/place-order" in hints[0] and "did you mean 'confirmOrder'?" in hints[1]
    spec_style = _place(channelPath=None, operationPath="$sourceDescriptions.orders.placeOrder")
    del spec_style["channelPath"]
    plan = harness.plan(_document(_get_pet(), spec_style, _confirm()))
    (problem,) = [p for p in plan.errors if p.code == "AZ266"]
    assert "operationId: $sourceDescriptions.orders.placeOrder" in problem.hint
    old = orders_asyncapi_3() | {"asyncapi": "1.2.0"}
    _setup(harness, old)
    plan = harness.plan(_document(_get_pet(), _place(), _confirm()))
    assert any("reads AsyncAPI 2.x and 3.x documents" in p.message for p in plan.errors)


def test_static_checks__asyncapi_fields_only_where_they_apply(harness: Harness) -> None:
    """`action` is required in an AsyncAPI step and "Only applicable for `asyncapi` steps";
    `correlationId` is "Only applicable to `asyncapi` steps with action `receive`"; `$message`
    has no value in an HTTP step or a workflow output (AZ267)."""
    _setup(harness)
    place = _place(correlationId="$inputs.cid")
    confirm = _confirm()
    del confirm["action"]
    http = _get_pet() | {"action": "send", "outputs": {"x": "$message.payload#/a"}}
    document = _document(http, place, confirm, outputs={"m": "$message.header.a"})
    assert sorted(_errors(harness, document)) == [
        ("AZ267", "/workflows/0/outputs/m"),
        ("AZ267", "/workflows/0/steps/0/action"),
        ("AZ267", "/workflows/0/steps/0/outputs/x"),
        ("AZ267", "/workflows/0/steps/1/correlationId"),
        ("AZ267", "/workflows/0/steps/2"),
    ]


def test_a_source_that_is_not_asyncapi_is_reported(harness: Harness) -> None:
    """§ Source Description Object `type: asyncapi`: the file must be an AsyncAPI document."""
    harness.write(ORDERS, {"openapi": "3.1.0", "info": {"title": "x", "version": "1"}})
    plan = harness.plan(_document(_get_pet()))
    assert any(
        "is not an AsyncAPI document (no 'asyncapi' field)" in p.message for p in plan.errors
    )


def test_1_0_documents_have_no_asyncapi_steps(harness: Harness) -> None:
    """A 1.0.1 document keeps its meaning: `type: asyncapi` and `channelPath` are not 1.0 fields
    (schema errors), and no step is planned as an AsyncAPI step."""
    _setup(harness)
    document = _document(_get_pet(), _place(), version="1.0", outputs={})
    found = [p.where.pointer for p in check_file(harness.file(document)) if p.is_error]
    assert any(pointer.startswith("/sourceDescriptions/1") for pointer in found)
    assert any(pointer.startswith("/workflows/0/steps/1") for pointer in found)
    assert all(step.message is None for step in harness.plan(document).steps)


PLUGIN_CONFTEST = """
from pytest_arazzo.transport.messaging import ReceivedMessage
from pytest_arazzo.transport.messaging import register_transport, unregister_transport


class Echo:
    '''Answers each order on orders.place with a confirmation on orders.confirmed.'''

    def __init__(self):
        self.queue = []

    def send(self, channel, message):
        headers = {"orderRequestId": message.headers["orderRequestId"]}
        payload = {"orderId": message.payload["petId"] * 10, "status": "confirmed"}
        self.queue.append(ReceivedMessage(headers, payload))

    def receive(self, channel, timeout):
        return self.queue.pop(0) if self.queue and channel.address == "orders.confirmed" else None

    def close(self):
        pass


def pytest_configure(config):
    register_transport("kafka", Echo())


def pytest_unconfigure(config):
    unregister_transport("kafka")
"""


def test_the_plugin_runs_asyncapi_items_live(pytester: pytest.Pytester) -> None:
    """Through pytest: an item whose AsyncAPI steps have a transport (registered by a conftest)
    passes with `--live`; without one it fails with the "not executed" message, no traceback."""
    (pytester.path / ORDERS).write_text(yaml.safe_dump(orders_asyncapi_3()))
    place = _place(requestBody={"payload": {"petId": 3}})
    place["parameters"][0]["value"] = "r-1"
    confirm = _confirm(correlationId="r-1", dependsOn=[])
    sources = [SOURCES[1]]
    document = _document(place, confirm, sources=sources)
    (pytester.path / "order.arazzo.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    failed = pytester.runpytest("order.arazzo.yaml", "--live", "-p", "no:cacheprovider")
    failed.assert_outcomes(failed=1)
    failed.stdout.fnmatch_lines(["*AsyncAPI steps are not executed: step 'place' of workflow *"])
    assert "Traceback" not in failed.stdout.str()
    pytester.makeconftest(PLUGIN_CONFTEST)
    passed = pytester.runpytest("order.arazzo.yaml", "--live", "-p", "no:cacheprovider", "-v")
    passed.assert_outcomes(passed=1)
    passed.stdout.fnmatch_lines(["*ok confirm  criteria 1/1*"])
