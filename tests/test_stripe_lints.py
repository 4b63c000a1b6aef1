"""What a careful linter says about real-world Stripe workflow files (issue 10, item 6).

Each wart is reproduced in a small file of our own: an operationId with a space (``AZ216``), a
goto to the step that runs next anyway (Arazzo 1.0.1 § Step Object, ``AZ242``), a
``$response.body`` pointer to a property the response schema does not have (``AZ320``), and an
RFC 9535 root filter (§ 2.3.5 Filter Selector) on an object (Arazzo 1.0.1 § Criterion Object,
``AZ321``).
"""

from __future__ import annotations

import re

import pytest

OPENAPI = """\
openapi: 3.0.3
info: {title: payments, version: '1'}
servers: [{url: 'https://api.example.test'}]
paths:
  /v1/payment_intents:
    post:
      operationId: createIntent
      responses:
        '200':
          description: the intent
          content: {application/json: {schema: {$ref: '#/components/schemas/intent'}}}
    get:
      operationId: listIntents
      responses:
        '200':
          description: a list
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {type: array, items: {$ref: '#/components/schemas/intent'}}
                  has_more: {type: boolean}
  /v1/payment_intents/{intent}/capture:
    post:
      operationId: capture Intent
      parameters:
      - {name: intent, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: the intent
          content: {application/json: {schema: {$ref: '#/components/schemas/intent'}}}
  /v1/tax/transactions:
    post:
      operationId: createTaxTransaction
      responses:
        '200':
          description: the transaction
          content:
            application/json:
              schema:
                allOf:
                - type: object
                  properties:
                    id: {type: string}
                    reference: {type: string}
                    type: {type: string, enum: [transaction, reversal]}
components:
  schemas:
    intent:
      type: object
      properties:
        id: {type: string}
        status: {type: string}
        amount_received: {type: integer}
        metadata: {type: object, additionalProperties: {type: string}}
"""

WARTS = """\
arazzo: 1.0.1
info: {title: warts, version: 1.0.0}
sourceDescriptions:
- {name: payments, url: ../openapi/payments.yaml, type: openapi}
workflows:
- workflowId: warts
  steps:
  - stepId: create
    operationId: createIntent
    successCriteria:
    - condition: $statusCode == 200
    - context: $response.body
      condition: $[?@.status == "requires_capture"]
      type: jsonpath
    outputs:
      id: $response.body#/id
      order: $response.body#/metadata/order
    onSuccess:
    - name: ready
      type: goto
      stepId: capture
  - stepId: capture
    operationId: capture Intent
    parameters:
    - {name: intent, in: path, value: $steps.create.outputs.id}
    successCriteria:
    - condition: $statusCode == 200
    outputs:
      received: $response.body#/amount_recieved
  - stepId: settle
    operationId: createTaxTransaction
    successCriteria:
    - condition: $statusCode == 200 && $response.body#/status == 'complete'
    outputs:
      status: $response.body#/status
"""

CLEAN = """\
arazzo: 1.0.1
info: {title: clean, version: 1.0.0}
sourceDescriptions:
- {name: payments, url: ../openapi/payments.yaml, type: openapi}
workflows:
- workflowId: clean
  steps:
  - stepId: list
    operationId: listIntents
    successCriteria:
    - condition: $statusCode == 200
    - context: $response.body#/data
      condition: $[?@.status == 'succeeded']
      type: jsonpath
    - condition: $response.body#/data/0/status == 'succeeded'
    onSuccess:
    - {name: again, type: goto, stepId: list, criteria: [{condition: $response.body#/has_more}]}
    outputs:
      first: $response.body#/data/0/id
  - stepId: create
    operationId: createIntent
    successCriteria:
    - condition: $response.body#/status == 'requires_capture'
    onSuccess:
    - {name: done, type: end, criteria: [{condition: $response.body#/status == 'succeeded'}]}
    - {name: onwards, type: goto, stepId: list}
    outputs:
      order: $response.body#/metadata/order
"""


def _project(pytester: pytest.Pytester, **arazzo: str) -> None:
    (pytester.path / "specs/openapi").mkdir(parents=True)
    (pytester.path / "specs/arazzo").mkdir(parents=True)
    (pytester.path / "specs/openapi/payments.yaml").write_text(OPENAPI)
    for name, text in arazzo.items():
        (pytester.path / "specs/arazzo" / f"{name}.arazzo.yaml").write_text(text)


@pytest.fixture
def warts(pytester: pytest.Pytester) -> str:
    """The ``--arazzo-check -rP`` output for the file with every wart (warnings do not fail it;
    ``-rP`` lists infos too)."""
    _project(pytester, warts=WARTS)
    result = pytester.runpytest("--arazzo-check", "specs", "-rP", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    output = result.stdout.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output
    return output


FILE = "specs/arazzo/warts.arazzo.yaml"


def test_operation_id_with_whitespace(warts: str) -> None:
    assert (
        f"{FILE}:23:5: warning AZ216: step 'capture': operationId 'capture Intent' contains "
        "whitespace; an operationId is an identifier" in warts
    )
    assert "hint: rename it in the OpenAPI description and here, e.g. 'captureIntent'" in warts


def test_response_pointer_to_a_property_the_schema_lacks(warts: str) -> None:
    assert (
        f"{FILE}:29:7: warning AZ320: step 'capture' reads $response.body#/amount_recieved, but "
        "the documented 2XX response schema of POST /v1/payment_intents/{intent}/capture has no "
        "property 'amount_recieved' at / (it has: amount_received, id, metadata, status); this "
        "always reads nothing" in warts
    )
    assert "hint: did you mean 'amount_received'?" in warts


def test_response_pointer__conditions_and_all_of_schemas(warts: str) -> None:
    """Simple conditions are read too; a schema behind allOf lists its properties."""
    assert (
        f"{FILE}:33:7: warning AZ320: step 'settle' reads $response.body#/status, but the "
        "documented 2XX response schema of POST /v1/tax/transactions has no property 'status' "
        "at / (it has: id, reference, type)" in warts
    )
    assert f"{FILE}:35:7: warning AZ320: step 'settle' reads $response.body#/status" in warts


def test_jsonpath_root_filter_on_an_object(warts: str) -> None:
    assert (
        f"{FILE}:13:7: warning AZ321: step 'create': the JSONPath filter "
        "'$[?@.status == \"requires_capture\"]' is applied to $response.body (documented as an "
        "object); under RFC 9535 a filter at the root selects the object's member values" in warts
    )
    assert (
        "hint: write a simple condition instead (no 'type', no 'context'): "
        "$response.body#/status == 'requires_capture'" in warts
    )


def test_goto_to_the_step_that_runs_next_anyway(warts: str) -> None:
    assert (
        f"{FILE}:21:7: info AZ242: step 'create': success action 'ready' goes to step "
        "'capture', which runs next anyway" in warts
    )


def test_each_wart_is_reported_once_and_nothing_else(warts: str) -> None:
    listed = re.findall(rf"^{re.escape(FILE)}:\d+:\d+: (\w+ AZ\d+):", warts, re.MULTILINE)
    codes = list(listed)
    expected = ["warning AZ216", "warning AZ320", "warning AZ320", "warning AZ320"]
    assert sorted(codes) == sorted([*expected, "warning AZ321", "info AZ242"])


def test_a_clean_file_has_none_of_them(pytester: pytest.Pytester) -> None:
    """A filter over a list, pointers into arrays and maps, a goto that is not the next step,
    and a goto to the next step that is not the last action: none is reported."""
    _project(pytester, clean=CLEAN)
    result = pytester.runpytest("--arazzo-check", "specs", "-p", "no:cacheprovider")
    output = result.stdout.str()
    for code in ("AZ216", "AZ242", "AZ320", "AZ321"):
        assert code not in output
    assert result.ret == pytest.ExitCode.OK
