"""Static checks: every problem of an Arazzo file, with its code, position and hint.

Each test names the Arazzo 1.0.1 section whose rule it checks. Documents are written here, shaped
like real-world ones (Stripe-style OpenAPI descriptions with form-encoded bodies).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_arazzo import checks
from pytest_arazzo.checks import check_document, check_file, check_workflow, path_flaws
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.diagnostics.problems import CODES, Problem, sort_problems
from pytest_arazzo.document.loader import load_document
from pytest_arazzo.document.sources import SourceCache
from pytest_arazzo.plan.planner import ArazzoFile

SHOP = """\
openapi: 3.0.3
info: {title: Shop, version: '1'}
paths:
  /v1/orders:
    post:
      operationId: PostOrders
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/OrderRequest'}
      responses: {'200': {description: ok}}
  /v1/orders/{order}:
    get:
      operationId: GetOrdersOrder
      parameters:
      - {name: order, in: path, required: true, schema: {type: string}}
      - {name: expand, in: query, schema: {type: array}}
      - {name: Shop-Account, in: header, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
  /v1/Order Items:
    post:
      operationId: postOrder Items
      responses: {'200': {description: ok}}
  /v1/notes:
    post:
      operationId: PostNotes
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: {type: string}
                author:
                  type: object
                  properties: {name: {type: string}}
      responses: {'200': {description: ok}}
components:
  schemas:
    OrderRequest:
      type: object
      additionalProperties: false
      required: [currency]
      properties:
        currency: {type: string}
        amount: {type: integer}
        recurring:
          type: object
          required: [interval]
          properties:
            interval: {type: string}
        items:
          type: array
          items:
            type: object
            properties: {price: {type: string}, quantity: {type: integer}}
        metadata: {type: object, additionalProperties: {type: string}}
"""

BILLING = """\
openapi: 3.0.3
info: {title: Billing, version: '1'}
paths:
  /v1/prices:
    post:
      operationId: PostPrices
      responses: {'200': {description: ok}}
"""

HEADER = """\
arazzo: 1.0.1
info: {title: Shop, version: '1'}
sourceDescriptions:
- name: shop
  url: shop.openapi.yaml
workflows:
"""  # the first workflow starts on line 7


def write(tmp_path: Path, arazzo: str, **files: str) -> Path:
    (tmp_path / "shop.openapi.yaml").write_text(SHOP)
    for name, text in files.items():
        (tmp_path / name.replace("_", ".")).write_text(text)
    path = tmp_path / "wf.arazzo.yaml"
    path.write_text(arazzo)
    return path


def arazzo_file(tmp_path: Path, arazzo: str, **files: str) -> ArazzoFile:
    path = write(tmp_path, arazzo, **files)
    return ArazzoFile(load_document(path, "wf.arazzo.yaml"), SourceCache(tmp_path))


def problems(tmp_path: Path, arazzo: str, **files: str) -> list[str]:
    """Every problem of the file, rendered (hint on its own line)."""
    return [found.render() for found in check_file(arazzo_file(tmp_path, arazzo, **files))]


def codes(found: list[str]) -> list[str]:
    return [line.split(": ")[1] for line in found]


def test_valid_document__no_problems(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Arazzo Specification Object: a valid document has nothing to report."""
    text = HEADER + (
        "- workflowId: buy\n"
        "  inputs:\n"
        "    type: object\n"
        "    properties: {currency: {type: string}, account: {type: string}}\n"
        "  steps:\n"
        "  - stepId: create\n"
        "    operationId: PostOrders\n"
        "    requestBody:\n"
        "      contentType: application/x-www-form-urlencoded\n"
        "      payload:\n"
        "        currency: $inputs.currency\n"
        "        recurring[interval]: month\n"
        "        items:\n"
        "        - {price: p1, quantity: 2}\n"
        "        metadata: {anything: goes}\n"
        "    successCriteria:\n"
        "    - condition: $statusCode == 200\n"
        "    - context: $response.body\n"
        "      condition: $.items[0]\n"
        "      type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00}\n"
        "    outputs: {id: $response.body#/id}\n"
        "  - stepId: fetch\n"
        "    operationId: GetOrdersOrder\n"
        "    parameters:\n"
        "    - {name: order, in: path, value: $steps.create.outputs.id}\n"
        "    - {name: shop-account, in: header, value: $inputs.account}\n"
        "    successCriteria:\n"
        "    - condition: $statusCode == 200\n"
        "  outputs:\n"
        "    order: $steps.create.outputs.id\n"
    )
    assert problems(tmp_path, text) == []


# ------------------------------------------------------------------------------------------
# Structure (the Arazzo 1.0 JSON Schema)


def test_structure__every_violation_in_words_with_position(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Schema: all schema violations are reported, not only the first."""
    text = (
        "arazzo: 1.2.0\n"  # 1
        "info: {title: Shop, version: 1.0}\n"  # 2
        "sourceDescriptions:\n"  # 3
        "- name: shop\n"  # 4
        "  url: shop.openapi.yaml\n"  # 5
        "  typo: 1\n"  # 6
        "workflows:\n"  # 7
        "- workflowId: buy\n"  # 8
        "  input: {}\n"  # 9
        "  steps:\n"  # 10
        "  - stepId: a\n"  # 11
        "    operationId: PostOrders\n"  # 12
        "    workflowId: other\n"  # 13
        "  - stepId: b\n"  # 14
        "    onSuccess:\n"  # 15
        "    - {name: next, type: goto}\n"  # 16
        "    onFailure:\n"  # 17
        "    - {name: again, type: retyr, retryAfter: -1}\n"  # 18
        "- workflowId: empty\n"  # 19
        "  steps: []\n"  # 20
        "- steps:\n"  # 21
        "  - {stepId: x, workflowId: buy}\n"  # 22
        "- 5\n"  # 23
        "components:\n"  # 24
        "  parameters:\n"  # 25
        "    bad key: {name: x, in: query, value: 1}\n"  # 26
    )
    found = [line for line in problems(tmp_path, text) if " AZ1" in line.split("\n")[0]]
    assert found == [
        "wf.arazzo.yaml:1:1: error AZ105: 'arazzo' must be a 1.0.x or 1.1.x version such as "
        "'1.0.1' or '1.1.0', got '1.2.0'\n    hint: pytest-arazzo reads Arazzo 1.0.x or 1.1.x "
        "documents",
        "wf.arazzo.yaml:2:21: error AZ103: 'version' in info must be a string, got a number "
        "(1.0)\n    hint: quote the value in YAML so that it stays text, e.g. '1.0'",
        "wf.arazzo.yaml:6:3: error AZ102: 'typo' is not an allowed field in source description "
        "'shop' (allowed: name, url, type)\n    hint: did you mean 'type'?",
        "wf.arazzo.yaml:9:3: error AZ102: 'input' is not an allowed field in workflow 'buy' "
        "(allowed: workflowId, summary, description, inputs, dependsOn, steps, successActions, "
        "failureActions, outputs, parameters)\n    hint: did you mean 'inputs'?",
        "wf.arazzo.yaml:13:5: error AZ106: step 'a' must have exactly one of operationId, "
        "operationPath, workflowId, but it has operationId and workflowId\n"
        "    hint: keep one of operationId, workflowId",
        "wf.arazzo.yaml:14:5: error AZ106: step 'b' must have exactly one of operationId, "
        "operationPath, workflowId; it has none\n    hint: name the operation (operationId or "
        "operationPath) or the workflow (workflowId) to call",
        "wf.arazzo.yaml:16:7: error AZ106: success action 'next' of step 'b' must have exactly "
        "one of workflowId, stepId; it has none\n"
        "    hint: a goto action needs the stepId or workflowId to go to",
        "wf.arazzo.yaml:18:21: error AZ104: 'type' in failure action 'again' of step 'b' must be "
        "one of 'end', 'goto', 'retry', got 'retyr'\n    hint: did you mean 'retry'?",
        "wf.arazzo.yaml:18:34: error AZ108: 'retryAfter' in failure action 'again' of step 'b' "
        "must be at least 0, got -1",
        "wf.arazzo.yaml:20:3: error AZ107: 'steps' in workflow 'empty' must not be empty",
        "wf.arazzo.yaml:21:3: error AZ101: missing required field 'workflowId' in workflow #3",
        "wf.arazzo.yaml:23:3: error AZ103: workflow #4 must be a mapping, got an integer (5)",
        "wf.arazzo.yaml:26:5: error AZ105: component name 'bad key' in components.parameters must "
        "match ^[a-zA-Z0-9\\.\\-_]+$\n"
        "    hint: use letters, digits, '.', '-' and '_' (Arazzo 1.0.1 § Components Object)",
    ]


def test_structure__not_a_mapping(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Arazzo Specification Object: the document is an object."""
    assert problems(tmp_path, "- arazzo: 1.0.1\n") == [
        "wf.arazzo.yaml:1:1: error AZ006: an Arazzo Description is a mapping with the fields "
        "arazzo, info, sourceDescriptions and workflows; this document is a list\n"
        "    hint: start from 'arazzo: 1.0.1' (Arazzo 1.0.1 § Arazzo Specification Object)"
    ]


def test_structure__missing_top_level_fields(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Arazzo Specification Object: arazzo, info, sourceDescriptions, workflows."""
    assert problems(tmp_path, "arazzo: 1.0.1\nworkflow: []\n") == [
        "wf.arazzo.yaml:1:1: error AZ101: missing required field 'info' in the document",
        "wf.arazzo.yaml:1:1: error AZ101: missing required field 'sourceDescriptions' in the "
        "document",
        "wf.arazzo.yaml:1:1: error AZ101: missing required field 'workflows' in the document\n"
        "    hint: is it misspelled as 'workflow'?",
        "wf.arazzo.yaml:2:1: error AZ102: 'workflow' is not an allowed field in the document "
        "(allowed: arazzo, info, sourceDescriptions, workflows, components)\n"
        "    hint: did you mean 'workflows'?",
    ]


def test_structure__parameter_without_in_is_reported_once(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Parameter Object: 'in' MUST be given for operation steps (AZ220 only)."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: s\n"
        "    operationId: GetOrdersOrder\n"
        "    parameters:\n"
        "    - {name: order, value: o1}\n"  # 12
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    found = problems(tmp_path, text)
    assert [line for line in found if "AZ220" in line] == [
        "wf.arazzo.yaml:12:7: error AZ220: parameter 'order' has no 'in'\n"
        "    hint: a step that calls an operation needs in: path, query, header or cookie"
    ]
    assert "AZ100" not in " ".join(found) and "AZ101" not in " ".join(found)


def test_structure__criterion_expression_type_object_is_valid(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Criterion Expression Type Object: ``type`` may be an object (the bundled
    schema rejects it; the checks correct that)."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: s\n"
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: hi}}\n"
        "    successCriteria:\n"
        "    - context: $response.body\n"
        "      condition: $.id\n"
        "      type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00}\n"
    )
    assert problems(tmp_path, text) == []


# ------------------------------------------------------------------------------------------
# Duplicates and ids


def test_duplicate_key__warning_with_position(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Format: JSON/YAML objects have unique keys; the later one wins."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: s\n"
        "    operationId: PostNotes\n"
        "    operationId: PostOrders\n"  # 11
        "    requestBody: {payload: {currency: usd}}\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:11:5: warning AZ005: key 'operationId' appears twice in step 's'; the "
        "later value wins\n    hint: remove or rename one of them"
    ]


def test_unique_ids_and_id_patterns(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Workflow Object / § Step Object: ids are unique and SHOULD match
    ``[A-Za-z0-9_\\-]+``; § Source Description Object: names are unique."""
    text = (
        "arazzo: 1.0.1\n"
        "info: {title: Shop, version: '1'}\n"
        "sourceDescriptions:\n"
        "- {name: shop, url: shop.openapi.yaml}\n"  # 4
        "- {name: shop, url: shop.openapi.yaml}\n"  # 5
        "workflows:\n"
        "- workflowId: buy it\n"  # 7
        "  steps:\n"
        "  - {stepId: s, workflowId: other}\n"  # 9
        "  - {stepId: s, workflowId: other}\n"  # 10
        "  - {stepId: 's.2', workflowId: other}\n"  # 11
        "- workflowId: buy it\n"  # 12
        "  steps: [{stepId: t, workflowId: other}]\n"
        "- workflowId: other\n"
        "  steps: [{stepId: u, operationId: $sourceDescriptions.shop.PostNotes, "
        "successCriteria: [{condition: $statusCode == 200}]}]\n"
    )
    found = [line for line in problems(tmp_path, text) if " AZ2" in line.split("\n")[0]]
    assert found == [
        "wf.arazzo.yaml:5:4: error AZ202: source description name 'shop' is already used "
        "(line 4)\n    hint: names must be unique (Arazzo 1.0.1 § Source Description Object)",
        "wf.arazzo.yaml:10:6: error AZ251: stepId 's' is already used by step #1 (line 9) of "
        "workflow 'buy it'\n"
        "    hint: stepIds must be unique within a workflow (Arazzo 1.0.1 § Step Object)",
        "wf.arazzo.yaml:12:3: error AZ250: workflowId 'buy it' is already used by workflow #1 "
        "(line 7)\n    hint: workflowIds must be unique (Arazzo 1.0.1 § Workflow Object)",
        "wf.arazzo.yaml:7:3: warning AZ252: workflowId 'buy it' should match [A-Za-z0-9_\\-]+\n"
        "    hint: runtime expressions ($workflows.<id>...) and goto actions cannot name it "
        "otherwise",
        "wf.arazzo.yaml:11:6: warning AZ252: stepId 's.2' should match [A-Za-z0-9_\\-]+\n"
        "    hint: runtime expressions ($steps.<id>...) and goto actions cannot name it otherwise",
        "wf.arazzo.yaml:12:3: warning AZ252: workflowId 'buy it' should match [A-Za-z0-9_\\-]+\n"
        "    hint: runtime expressions ($workflows.<id>...) and goto actions cannot name it "
        "otherwise",
    ]


# ------------------------------------------------------------------------------------------
# Sources and operations (shaped like the Stripe examples)


def test_operation_id_letter_case__did_you_mean(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: operationId names an existing operation (case-sensitive)."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: s\n"
        "    operationId: postOrders\n"  # 10
        "    requestBody: {payload: {currency: usd}}\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "  - stepId: t\n"
        "    operationId: GetOrderOrder\n"  # 14
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:10:5: error AZ210: operationId 'postOrders' is not in source 'shop'\n"
        "    hint: did you mean 'PostOrders'? (differs only in letter case)",
        "wf.arazzo.yaml:14:5: error AZ210: operationId 'GetOrderOrder' is not in source 'shop'\n"
        "    hint: did you mean 'GetOrdersOrder'?",
    ]


def test_missing_source_file(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Source Description Object: the url names a document that exists."""
    text = (
        "arazzo: 1.0.1\n"
        "info: {title: Shop, version: '1'}\n"
        "sourceDescriptions:\n"
        "- name: subscriptions\n"  # 4
        "  url: ../openapi/subscriptions.yaml\n"
        "workflows:\n"
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: s\n"
        "    operationId: PostSubscriptions\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:5:3: error AZ201: source 'subscriptions' points at "
        "../openapi/subscriptions.yaml, but ../openapi/subscriptions.yaml does not exist\n"
        "    hint: fix the sourceDescriptions url (it is relative to the Arazzo file)"
    ]


def test_source_that_is_not_openapi(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Source Description Object: type openapi means an OpenAPI document."""
    text = HEADER.replace("shop.openapi.yaml", "notes.yaml") + (
        "- workflowId: w\n"
        "  steps: [{stepId: s, operationId: x, successCriteria: [{condition: 'true'}]}]\n"
    )
    assert problems(tmp_path, text, notes_yaml="swagger: '2.0'\n") == [
        "notes.yaml:1:1: error AZ201: source 'shop' (notes.yaml) is not an OpenAPI document "
        "(no 'openapi' field)"
    ]


SHOP_AND_BILLING = (
    "- {name: shop, url: shop.openapi.yaml, type: openapi}\n"
    "- {name: billing, url: billing.yaml, type: openapi}\n"
)


def several_sources(sources: str, operation_id: str, more_steps: str = "") -> str:
    """Workflow 'w' in a document with the ``sources`` given (two lines); its first step calls
    ``operation_id`` at line 10."""
    return (
        "arazzo: 1.0.1\n"
        "info: {title: Shop, version: '1'}\n"
        "sourceDescriptions:\n"
        f"{sources}"
        "workflows:\n"
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: price\n"
        f"    operationId: {operation_id}\n"  # 10
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        f"{more_steps}"
    )


def test_several_sources__operation_id_must_name_its_source(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: with several OpenAPI sources, operationId MUST be a runtime
    expression naming the source ($sourceDescriptions.<name>.<operationId>)."""
    text = several_sources(
        SHOP_AND_BILLING,
        "postPrices",
        "  - stepId: note\n"
        "    operationId: $sourceDescriptions.shop.PostNotes\n"
        "    requestBody: {payload: {text: hi}}\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n",
    )
    assert problems(tmp_path, text, billing_yaml=BILLING) == [
        "wf.arazzo.yaml:10:5: error AZ205: operationId 'postPrices' must name its source: this "
        "document has 2 OpenAPI source descriptions (shop, billing)\n"
        "    hint: write operationId: $sourceDescriptions.billing.PostPrices",
        "wf.arazzo.yaml:10:5: error AZ210: operationId 'postPrices' is not in source 'shop', "
        "'billing'\n    hint: did you mean 'PostPrices'? (differs only in letter case)",
    ]


def test_several_sources__unique_operation_id_is_an_error(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: an unqualified operationId that only one of several OpenAPI
    sources has breaks the MUST: an error (AZ205) with the qualified form, reported once; the
    step is still planned with that operation (the runner could call it)."""
    text = several_sources(SHOP_AND_BILLING, "PostPrices")
    assert problems(tmp_path, text, billing_yaml=BILLING) == [
        "wf.arazzo.yaml:10:5: error AZ205: operationId 'PostPrices' must name its source: this "
        "document has 2 OpenAPI source descriptions (shop, billing); only 'billing' has it\n"
        "    hint: write operationId: $sourceDescriptions.billing.PostPrices",
    ]
    plan = arazzo_file(tmp_path, text, billing_yaml=BILLING).plan("w")
    assert plan.errors == []
    assert plan.steps[0].operation is not None
    assert plan.steps[0].operation.source.name == "billing"


def test_several_sources__ambiguous_operation_id_is_one_error(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: an unqualified operationId that several sources have cannot
    be called: one AZ205 error (not one from the planner and one from the checks)."""
    text = several_sources(
        "- {name: billing, url: billing.yaml, type: openapi}\n"
        "- {name: prices, url: prices.yaml, type: openapi}\n",
        "PostPrices",
        "  - stepId: qualified\n"
        "    operationId: $sourceDescriptions.prices.PostPrices\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n",
    )
    assert problems(tmp_path, text, billing_yaml=BILLING, prices_yaml=BILLING) == [
        "wf.arazzo.yaml:10:5: error AZ205: operationId 'PostPrices' is in several sources "
        "('billing', 'prices'), so the step cannot tell which operation to call\n"
        "    hint: write operationId: $sourceDescriptions.billing.PostPrices",
    ]


def test_unknown_source_and_workflow_and_operation_path(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: operationPath and workflowId must resolve too."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: a\n"
        "    operationId: $sourceDescriptions.shp.PostNotes\n"  # 10
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "  - stepId: b\n"
        "    workflowId: chekout\n"  # 13
        "  - stepId: c\n"
        "    operationPath: '{$sourceDescriptions.shop.url}#/paths/~1v1~1notes/put'\n"  # 15
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "- workflowId: checkout\n"
        "  steps: [{stepId: d, workflowId: w}]\n"
    )
    found = problems(tmp_path, text)
    assert found[:3] == [
        "wf.arazzo.yaml:10:5: error AZ211: no source description named 'shp'\n"
        "    hint: did you mean 'shop'?",
        "wf.arazzo.yaml:13:5: error AZ212: workflow 'chekout' does not exist\n"
        "    hint: did you mean 'checkout'?",
        "wf.arazzo.yaml:15:5: error AZ213: operationPath "
        "'{$sourceDescriptions.shop.url}#/paths/~1v1~1notes/put': no operation at "
        "#/paths/~1v1~1notes/put in source 'shop'\n"
        "    hint: path '/v1/notes' has methods: post; the fragment is a JSON Pointer such as "
        "#/paths/~1pets~1{id}/get",
    ]


def test_path_with_a_space__cannot_be_sent(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: the operation is called as its OpenAPI path says; a path
    like ``/v1/Order Items`` cannot be sent as written (uppercase is fine, the space is not)."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: item\n"
        "    operationId: postOrder Items\n"  # 10
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:10:5: error AZ214: operation 'postOrder Items' (POST /v1/Order Items) "
        "has path '/v1/Order Items' (shop.openapi.yaml:21:3), which cannot be sent as written: "
        "it contains a space\n    hint: fix the path in the OpenAPI description; a URL path "
        "cannot contain spaces (perhaps '/v1/orderitems')",
        "wf.arazzo.yaml:10:5: warning AZ216: step 'item': operationId 'postOrder Items' contains "
        "whitespace; an operationId is an identifier (code generators and other Arazzo tools "
        "will not find or accept it)\n    hint: rename it in the OpenAPI description and here, "
        "e.g. 'postOrderItems'",
    ]


@pytest.mark.parametrize(
    ("path", "flaws"),
    [
        ("/v1/Invoice Items", ["it contains a space"]),
        ("/v1/Invoices/{id}", []),
        ("v1/orders", ["it does not start with '/'"]),
        ("/v1/orders/{id", ["it has a '{' without a matching '}'"]),
        ("/v1/orders/id}", ["it has a '}' without a matching '{'"]),
        ("/v1/orders/{}", ["it has an empty '{}' template"]),
        ("/v1/{a{b}}", ["it has a '{' inside a '{...}' template"]),
        ("/v1/orders?x=1", ["it contains '?' or '#' (query strings belong in parameters)"]),
    ],
)
def test_path_flaws(path: str, flaws: list[str]) -> None:
    """OpenAPI paths are URL path templates: ``/``-rooted, ``{name}`` variables, no spaces."""
    assert path_flaws(path) == flaws


def test_operation_path__prefer_operation_id(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: if the operation has an operationId, it SHOULD be used."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: note\n"
        "    operationPath: '{$sourceDescriptions.shop.url}#/paths/~1v1~1notes/post'\n"  # 10
        "    requestBody: {payload: {text: hi}}\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:10:5: info AZ215: operationPath points at operation 'PostNotes'\n"
        "    hint: prefer operationId: PostNotes (Arazzo 1.0.1 § Step Object)"
    ]


# ------------------------------------------------------------------------------------------
# Parameters and request bodies against the OpenAPI operation


def test_parameters__unknown_required_and_path(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Parameter Object: parameters are passed to the operation, so they must be
    ones it declares; its required ones (and every path template variable) must be given."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: fetch\n"  # 9
        "    operationId: GetOrdersOrder\n"
        "    parameters:\n"
        "    - {name: expnd, in: query, value: x}\n"  # 12
        "    - {name: order, in: header, value: o1}\n"  # 13
        "    - {name: expnd, in: query, value: y}\n"  # 14
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:9:5: error AZ223: path '/v1/orders/{order}' of operation "
        "'GetOrdersOrder' (GET /v1/orders/{order}) needs path parameter 'order', which step "
        "'fetch' does not give\n"
        "    hint: add to the step: parameters: [{name: order, in: path, value: ...}]",
        "wf.arazzo.yaml:14:7: error AZ224: parameter 'expnd' (in: query) is already listed as "
        "entry #1\n    hint: the list must not include duplicate parameters",
        "wf.arazzo.yaml:9:5: warning AZ222: required header parameter 'Shop-Account' of "
        "operation 'GetOrdersOrder' (GET /v1/orders/{order}) is not given by step 'fetch'\n"
        "    hint: add to the step: parameters: [{name: Shop-Account, in: header, value: ...}]",
        "wf.arazzo.yaml:13:7: warning AZ221: operation 'GetOrdersOrder' (GET /v1/orders/{order}) "
        "has no header parameter 'order'\n"
        "    hint: 'order' is a path parameter of this operation: write in: path",
        "wf.arazzo.yaml:14:7: warning AZ221: operation 'GetOrdersOrder' (GET /v1/orders/{order}) "
        "has no query parameter 'expnd'\n    hint: did you mean 'expand'?",
    ]


def test_form_payload__bracket_and_nested_fields(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Request Body Object: the payload is what the operation accepts; form
    keys in bracket notation (``recurring[interval]``) and nested mappings are the same field."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: order\n"
        "    operationId: PostOrders\n"
        "    requestBody:\n"
        "      contentType: application/x-www-form-urlencoded\n"
        "      payload:\n"
        "        amount: 100\n"  # 14
        "        recurring[intervall]: month\n"  # 15
        "        items:\n"
        "        - {price: p1, qty: 2}\n"  # 17
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "  - stepId: nested\n"
        "    operationId: PostOrders\n"
        "    requestBody:\n"
        "      payload:\n"
        "        currency: usd\n"
        "        recurring:\n"
        "          interval: month\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:13:7: warning AZ227: required field 'currency' of the request body of "
        "operation 'PostOrders' (POST /v1/orders) is not given\n    hint: add it to the payload",
        "wf.arazzo.yaml:15:9: warning AZ226: the request body of operation 'PostOrders' "
        "(POST /v1/orders) has no field 'recurring[intervall]'\n    hint: did you mean 'interval'?",
        "wf.arazzo.yaml:15:9: warning AZ227: required field 'recurring[interval]' of the request "
        "body of operation 'PostOrders' (POST /v1/orders) is not given\n"
        "    hint: add it to the payload",
        "wf.arazzo.yaml:17:23: warning AZ226: the request body of operation 'PostOrders' "
        "(POST /v1/orders) has no field 'items[0][qty]'\n    hint: known: price, quantity",
    ]


def test_json_payload__content_type_and_replacements(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Request Body Object / § Payload Replacement Object: replacements count
    as given; a contentType the operation does not declare is reported."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: a\n"
        "    operationId: PostNotes\n"
        "    requestBody:\n"
        "      payload: {author: {nam: x}}\n"  # 12
        "      replacements: [{target: /text, value: hi}]\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "  - stepId: b\n"
        "    operationId: PostNotes\n"
        "    requestBody:\n"
        "      contentType: text/plain\n"  # 18
        "      payload: hi\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:12:26: warning AZ226: the request body of operation 'PostNotes' "
        "(POST /v1/notes) has no field 'author.nam'\n    hint: did you mean 'name'?",
        "wf.arazzo.yaml:18:7: warning AZ228: operation 'PostNotes' (POST /v1/notes) does not "
        "declare contentType 'text/plain'\n    hint: it declares: application/json",
    ]


def test_bodies__missing_and_unexpected(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: requestBody is for operations that take one; a required
    body (OpenAPI ``requestBody.required``) must be given; a workflow step sends no body."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: a\n"  # 9
        "    operationId: PostOrders\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "  - stepId: b\n"
        "    operationId: postOrder Items\n"
        "    requestBody: {payload: {x: 1}}\n"  # 14
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "  - stepId: c\n"
        "    workflowId: w2\n"
        "    requestBody: {payload: {x: 1}}\n"  # 18
        "- workflowId: w2\n"
        "  steps: [{stepId: d, operationId: PostNotes, requestBody: {payload: {text: t}}, "
        "successCriteria: [{condition: $statusCode == 200}]}]\n"
    )
    found = [line for line in problems(tmp_path, text) if not ("AZ214" in line or "AZ216" in line)]
    assert found == [
        "wf.arazzo.yaml:9:5: warning AZ227: operation 'PostOrders' (POST /v1/orders) requires a "
        "request body, which step 'a' does not give\n"
        "    hint: add requestBody: {contentType: ..., payload: ...}",
        "wf.arazzo.yaml:14:5: warning AZ225: operation 'postOrder Items' (POST /v1/Order Items) "
        "declares no request body, but step 'b' sends one\n"
        "    hint: drop the requestBody, or check that the step calls the right operation",
        "wf.arazzo.yaml:18:5: warning AZ225: step 'c' calls a workflow, so its requestBody is "
        "not sent\n    hint: pass values to the workflow with parameters (they map to its inputs)",
    ]


def test_workflow_step__parameters_are_the_callee_inputs(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Parameter Object: when the step calls a workflow, parameters map to its
    inputs."""
    text = HEADER + (
        "- workflowId: main\n"
        "  steps:\n"
        "  - stepId: call\n"  # 9
        "    workflowId: note\n"
        "    parameters:\n"
        "    - {name: txt, value: hi}\n"  # 12
        "- workflowId: note\n"
        "  inputs: {type: object, required: [text], properties: {text: {type: string}}}\n"
        "  steps:\n"
        "  - stepId: post\n"
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: $inputs.text}}\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:9:5: warning AZ222: required input 'text' of workflow 'note' is not "
        "given by step 'call'\n    hint: add to the step: parameters: [{name: text, value: ...}]",
        "wf.arazzo.yaml:12:7: warning AZ221: workflow 'note' declares no input 'txt' (called by "
        "step 'call')\n    hint: did you mean 'text'?",
    ]


# ------------------------------------------------------------------------------------------
# Runtime expressions and criteria


def test_expressions__refer_to_declared_things(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Runtime Expressions: $inputs, $steps.<id>.outputs, $outputs,
    $workflows, $components and $sourceDescriptions must name what exists."""
    text = HEADER + (
        "- workflowId: w\n"
        "  inputs: {type: object, properties: {text: {type: string}}}\n"
        "  steps:\n"
        "  - stepId: a\n"
        "    operationId: PostNotes\n"
        "    requestBody:\n"
        "      payload:\n"
        "        text: $inputs.txt\n"  # 14
        "        author: {name: '{$steps.b.outputs.name}'}\n"  # 15
        "    successCriteria:\n"
        "    - condition: $steps.a.outputs.id == $inputs.text\n"  # 17
        "    outputs: {id: $response.body#/id}\n"
        "  - stepId: b\n"
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: $steps.a.outputs.idd}}\n"  # 21
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "    outputs: {name: $response.body#/author/name}\n"
        "  outputs:\n"
        "    x: $steps.c.outputs.id\n"  # 25
        "    y: $outputs.z\n"  # 26: declared, fine
        "    z: $workflows.v.outputs.q\n"  # 27
        "    p: $components.parameters.page\n"  # 28
        "    s: $sourceDescriptions.shp.url\n"  # 29
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:14:9: error AZ303: $inputs.txt: input 'txt' is not declared in the "
        "inputs of workflow 'w'\n    hint: did you mean 'text'?",
        "wf.arazzo.yaml:21:29: error AZ305: $steps.a.outputs.idd: step 'a' declares no output "
        "'idd'\n    hint: did you mean 'id'?",
        "wf.arazzo.yaml:25:5: error AZ304: $steps.c.outputs.id: workflow 'w' has no step 'c'\n"
        "    hint: known: a, b",
        "wf.arazzo.yaml:27:5: error AZ307: $workflows.v.outputs.q: no workflow 'v' in this "
        "document\n    hint: known: w",
        "wf.arazzo.yaml:28:5: error AZ308: $components.parameters.page: components.parameters "
        "has no 'page'\n    hint: there is no components.parameters section",
        "wf.arazzo.yaml:29:5: error AZ309: $sourceDescriptions.shp.url: no source description "
        "named 'shp'\n    hint: did you mean 'shop'?",
        "wf.arazzo.yaml:15:18: warning AZ306: $steps.b.outputs.name: step 'b' runs after this "
        "step, so its outputs do not exist yet when the request is built\n"
        "    hint: move step 'b' before the step that reads it",
    ]


def test_expressions__no_inputs_declared(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Workflow Object: inputs is the JSON Schema of what $inputs can read."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: a\n"
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: $inputs.text}}\n"  # 11
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:11:29: error AZ303: $inputs.text: workflow 'w' declares no inputs\n"
        "    hint: declare it: inputs: {type: object, properties: {text: {type: string}}}"
    ]


def test_expressions__inputs_through_components_ref(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Components Object: inputs may be a $ref to components.inputs."""
    text = HEADER + (
        "- workflowId: w\n"
        "  inputs: {$ref: '#/components/inputs/note'}\n"
        "  steps:\n"
        "  - stepId: a\n"
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: $inputs.text, author: {name: $inputs.who}}}\n"  # 12
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "components:\n"
        "  inputs:\n"
        "    note: {type: object, properties: {text: {type: string}}}\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:12:58: error AZ303: $inputs.who: input 'who' is not declared in the "
        "inputs of workflow 'w'\n    hint: known: text"
    ]


def test_criteria__jsonpath_comparison_and_regex(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Criterion Object: a jsonpath condition is an RFC 9535 query (it selects,
    it does not compare); a regex condition must compile."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: poll\n"
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: t}}\n"
        "    successCriteria:\n"
        "    - context: $response.body\n"
        '      condition: $.status == "requires_capture"\n'  # 14
        "      type: jsonpath\n"
        "    - context: $response.body#/id\n"
        "      condition: '^note_('\n"  # 17
        "      type: regex\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:14:7: error AZ302: step 'poll' successCriteria/0/condition: invalid "
        "criterion condition '$.status == \"requires_capture\"' at position 9: invalid JSONPath "
        "(RFC 9535): expected '.', '..' or a bracketed selection, found '='\n"
        "    hint: a JSONPath query selects nodes, it does not compare them; write a simple "
        "condition instead (no 'type', no 'context'): $response.body#/status == "
        "'requires_capture'",
        "wf.arazzo.yaml:17:7: error AZ302: step 'poll' successCriteria/1/condition: invalid "
        "criterion condition '^note_(' at position 6: invalid regular expression: missing ), "
        "unterminated subpattern\n    hint: the condition is a regular expression, searched for "
        "in the context value",
    ]


def test_invalid_expression_and_goto_targets(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Runtime Expressions / § Success Action Object: expressions parse; goto
    targets exist; § Reusable Object: references resolve."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: a\n"
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: $input.text}}\n"  # 11
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "    onSuccess:\n"
        "    - {name: next, type: goto, stepId: b}\n"  # 14
        "    onFailure:\n"
        "    - reference: $components.failureActions.retryy\n"  # 16
    )
    assert codes(problems(tmp_path, text)) == ["error AZ301", "error AZ240", "error AZ230"]


def test_step_without_success_criteria__info(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: successCriteria decide success; without them any response
    passes."""
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: a\n"  # 9
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: t}}\n"
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:9:5: info AZ260: step 'a' has no successCriteria: any status below 400 "
        "counts as success\n    hint: add successCriteria such as: - condition: $statusCode == 200"
    ]


def test_workflow_calling_itself(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object: a step may call a workflow; not its own (it never ends)."""
    text = HEADER + (
        "- workflowId: a\n"
        "  steps: [{stepId: s, workflowId: b}]\n"
        "- workflowId: b\n"
        "  steps:\n"
        "  - {stepId: t, workflowId: a}\n"
    )
    found = problems(tmp_path, text)
    assert [line for line in found if "AZ254" in line] == [
        "wf.arazzo.yaml:11:17: error AZ254: workflow 'a' calls itself: a -> b -> a\n"
        "    hint: a workflow step cannot call its own workflow, directly or through others"
    ]


# ------------------------------------------------------------------------------------------
# Scope, guards and the code table


def test_check_workflow__only_its_problems_and_those_it_calls(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Workflow Object: each workflow is a test item; it fails for its own
    problems, its file's, and those of workflows it calls — not for unrelated ones."""
    text = HEADER + (
        "- workflowId: good\n"
        "  steps: [{stepId: s, operationId: PostNotes, requestBody: {payload: {text: t}}, "
        "successCriteria: [{condition: $statusCode == 200}]}]\n"
        "- workflowId: bad\n"
        "  steps: [{stepId: s, operationId: PostNote, successCriteria: [{condition: 'true'}]}]\n"
        "- workflowId: caller\n"
        "  steps: [{stepId: s, workflowId: bad}]\n"
    )
    file = arazzo_file(tmp_path, text)
    assert check_workflow(file, "good") == []
    assert codes([p.render() for p in check_workflow(file, "bad")]) == ["error AZ210"]
    assert codes([p.render() for p in check_workflow(file, "caller")]) == ["error AZ210"]


def test_a_crashing_check__becomes_az999(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in one check is reported as AZ999 naming it; the other checks still run."""

    def broken(report: object, step: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(checks, "_STEP_CHECKS", (("parameters", broken),))
    text = HEADER + (
        "- workflowId: w\n  steps: [{stepId: s, operationId: PostNote}]\n"  # 8
    )
    assert problems(tmp_path, text) == [
        "wf.arazzo.yaml:8:23: error AZ210: operationId 'PostNote' is not in source 'shop'\n"
        "    hint: did you mean 'PostNotes'?",
        "wf.arazzo.yaml:8:11: warning AZ999: internal error in check 'parameters of step 's'': "
        "RuntimeError: boom\n"
        "    hint: this is a bug in pytest-arazzo; please report it with the file",
        "wf.arazzo.yaml:8:11: info AZ260: step 's' has no successCriteria: any status below 400 "
        "counts as success\n    hint: add successCriteria such as: - condition: $statusCode == 200",
    ]


def test_unloadable_sources__still_reports_the_document(tmp_path: Path) -> None:
    """If building the file fails, the document's own problems are still reported."""
    path = write(tmp_path, "arazzo: 1.0.1\n")
    document = load_document(path, "wf.arazzo.yaml")

    def build(document: object) -> ArazzoFile:
        raise ValueError("cannot")

    found = [p.render().split("\n")[0] for p in check_document(document, build)]
    assert (
        "wf.arazzo.yaml:1:1: error AZ999: could not load the sources of this file: "
        "ValueError: cannot"
    ) in found
    assert "wf.arazzo.yaml:1:1: error AZ101: missing required field 'info' in the document" in (
        found
    )


def test_every_code_is_documented() -> None:
    """docs/diagnostics.md has a row for every code, and no row for an unknown one."""
    text = (Path(__file__).parent.parent / "docs" / "diagnostics.md").read_text()
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| AZ")}
    assert rows == set(CODES)


def test_the_documented_codes_match_the_registry() -> None:
    """Each row of docs/diagnostics.md says what :data:`CODES` says: severity, meaning, fix
    (e.g. AZ205 is an error: with several OpenAPI sources an operationId MUST name its source)."""
    text = (Path(__file__).parent.parent / "docs" / "diagnostics.md").read_text()
    rows = {
        cells[0]: tuple(cells[1:])
        for line in text.splitlines()
        if line.startswith("| AZ")
        for cells in [[cell.strip() for cell in line.strip().strip("|").split("|")]]
    }
    assert rows == {code: (c.severity, c.meaning, c.fix) for code, c in CODES.items()}
    assert rows["AZ205"][0] == "error"


def test_problem_rendering() -> None:
    where = Position("f.yml", 3, 5, "/workflows/0")
    problem = Problem("AZ210", "error", "operationId 'x' is not in source 'a'", where, "h")
    assert problem.render() == (
        "f.yml:3:5: error AZ210: operationId 'x' is not in source 'a'\n    hint: h"
    )


def test_problems_sort__errors_first_then_by_position_as_numbers() -> None:
    """Sorting uses the position's data: line 9 before line 10, a file without a line first."""
    found = [
        Problem("AZ221", "warning", "w", Position("f.yml", 2, 1)),
        Problem("AZ210", "error", "b", Position("f.yml", 10, 1)),
        Problem("AZ210", "error", "a", Position("f.yml", 9, 7)),
        Problem("AZ201", "error", "c", Position("f.yml")),
    ]
    assert [p.message for p in sort_problems(found)] == ["c", "a", "b", "w"]


# ------------------------------------------------------------------------------------------
# Where problems surface: pytest --arazzo-check, items, warnings (pytester)

GOOD = HEADER.replace("shop.openapi.yaml", "../openapi/shop.yaml") + (
    "- workflowId: note\n"
    "  steps:\n"
    "  - stepId: post\n"
    "    operationId: PostNotes\n"
    "    requestBody: {payload: {text: hi}}\n"
    "    successCriteria: [{condition: $statusCode == 200}]\n"
)
TYPO = GOOD.replace("operationId: PostNotes", "operationId: postNotes")  # line 10
UNKNOWN_PARAM = GOOD.replace(
    "    requestBody:", "    parameters: [{name: lang, in: query, value: en}]\n    requestBody:"
)


def project(pytester: pytest.Pytester, ini: str = "", **arazzo: str) -> None:
    """``specs/openapi/shop.yaml`` plus one ``specs/arazzo/<name>.arazzo.yaml`` per keyword."""
    (pytester.path / "specs" / "openapi").mkdir(parents=True)
    (pytester.path / "specs" / "arazzo").mkdir(parents=True)
    (pytester.path / "specs" / "openapi" / "shop.yaml").write_text(SHOP)
    for name, text in arazzo.items():
        (pytester.path / "specs" / "arazzo" / f"{name}.arazzo.yaml").write_text(text)
    pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\n{ini}")


def assert_clean(result: pytest.RunResult, *, located: bool = True) -> None:
    """No INTERNALERROR and no traceback; ``located``: no mention of the plugin's own files
    (warnings point at the Arazzo file)."""
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output
    if located:
        assert "pytest_arazzo/" not in output


def test_arazzo_check__lists_problems_and_exits_non_zero(pytester: pytest.Pytester) -> None:
    """``pytest --arazzo-check PATHS``: checks everything, runs nothing, exit 1 on errors;
    positions are relative to the rootdir (Arazzo 1.0.1 § Step Object, operationId)."""
    project(pytester, good=GOOD, typo=TYPO)
    pytester.makepyfile(test_other="def test_not_run():\n    raise AssertionError\n")
    result = pytester.runpytest("--arazzo-check", "specs", "test_other.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "specs/arazzo/typo.arazzo.yaml:10:5: error AZ210: operationId 'postNotes' is not in "
            "source 'shop'",
            "    hint: did you mean 'PostNotes'? (differs only in letter case)",
            "1 error",
        ]
    )
    result.assert_outcomes(passed=1, failed=1, deselected=1)
    assert_clean(result)


def test_arazzo_check__warnings_pass_and_go_to_the_summary(pytester: pytest.Pytester) -> None:
    """Warnings do not fail ``--arazzo-check``; pytest's warnings summary shows them."""
    project(pytester, lang=UNKNOWN_PARAM)
    result = pytester.runpytest("--arazzo-check", "specs")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*warnings summary*",
            "specs/arazzo/lang.arazzo.yaml::arazzo-check",
            "  specs/arazzo/lang.arazzo.yaml:11: ArazzoWarning: specs/arazzo/lang.arazzo.yaml:"
            "11:18: warning AZ221: operation 'PostNotes' (POST /v1/notes) has no query "
            "parameter 'lang'",
            "      hint: it declares no parameters",
            "    parameters: [{name: lang, in: query, value: en}]",
        ]
    )
    assert_clean(result)


def test_arazzo_check__warnings_as_errors(pytester: pytest.Pytester) -> None:
    """ini ``arazzo_warnings_as_errors = true`` raises warnings to errors."""
    project(pytester, "arazzo_warnings_as_errors = true\n", lang=UNKNOWN_PARAM)
    result = pytester.runpytest("--arazzo-check", "specs")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "specs/arazzo/lang.arazzo.yaml:11:18: warning AZ221: *",
            "1 warning (warnings count as errors: arazzo_warnings_as_errors = true)",
        ]
    )


def test_arazzo_check__files_outside_the_rootdir(pytester: pytest.Pytester) -> None:
    """Arazzo files given by path are checked even without the ``.arazzo.`` suffix."""
    project(pytester)
    plain = pytester.path / "specs" / "arazzo" / "plain.yml"
    plain.write_text(TYPO)
    result = pytester.runpytest("--arazzo-check", str(plain))
    result.stdout.fnmatch_lines(["specs/arazzo/plain.yml:10:5: error AZ210: *"])


def test_run__errors_fail_at_setup_and_everything_else_runs(pytester: pytest.Pytester) -> None:
    """A workflow with errors fails before any request, listing all its problems; a file that
    cannot be parsed is one failing item; every other item still runs."""
    broken = "arazzo: 1.0.1\nworkflows: [\n"
    project(pytester, good=GOOD, typo=TYPO, broken=broken, lang=UNKNOWN_PARAM)
    pytester.makepyfile(test_other="def test_runs():\n    pass\n")
    result = pytester.runpytest("specs", "test_other.py", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=4)
    result.stdout.fnmatch_lines_random(
        [
            "specs/arazzo/broken.arazzo.yaml:3:1: error AZ001: invalid YAML: while parsing a "
            "flow node*",
            "  1 problem in the workflow file; no request was sent:",
            "  specs/arazzo/typo.arazzo.yaml:10:5: error AZ210: operationId 'postNotes' is not "
            "in source 'shop'",
            "*no cassette for this item*",  # the good workflows got as far as running
            "*specs/arazzo/lang.arazzo.yaml:11: ArazzoWarning: specs/arazzo/lang.arazzo.yaml:"
            "11:18: warning AZ221*",
        ]
    )
    assert_clean(result)  # the warning points at the Arazzo file, not at the plugin


def test_run__warnings_as_errors_fail_the_item_before_any_request(
    pytester: pytest.Pytester,
) -> None:
    """ini ``arazzo_warnings_as_errors`` applies to normal runs too, not only --arazzo-check."""
    project(pytester, lang=UNKNOWN_PARAM)
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\narazzo_warnings_as_errors = true\n")
    result = pytester.runpytest("specs", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "  1 problem in the workflow file; no request was sent:",
            "  specs/arazzo/lang.arazzo.yaml:11:18: warning AZ221*",
        ]
    )
    assert "no cassette" not in result.stdout.str()
    assert_clean(result)


def test_run__a_workflow_that_cannot_be_planned_is_a_clean_failure(
    pytester: pytest.Pytester,
) -> None:
    """Malformed workflows (wrong types everywhere) fail as items with diagnostics."""
    wrong = GOOD + (
        "- workflowId: wrong\n"
        "  dependsOn: 5\n"
        "  parameters: 7\n"
        "  successActions: [1, {reference: 5}]\n"
        "  steps:\n"
        "  - stepId: s\n"
        "    operationId: PostNotes\n"
        "    parameters: [{name: 1, in: 2, reference: 3}]\n"
        "    requestBody: [1]\n"
        "    successCriteria: [{condition: 1}, {context: 2, condition: x, type: regex}]\n"
        "    onSuccess: [{name: x, type: goto, stepId: [1]}]\n"
        "    outputs: [1]\n"
    )
    project(pytester, wrong=wrong)
    result = pytester.runpytest("specs", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines_random(["*error AZ103*", "*no cassette for this item*"])
    result.assert_outcomes(failed=2)
    assert_clean(result)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "specs/arazzo/odd.arazzo.yaml:1:1: error AZ004: the document is empty"),
        (b"\x00\x01", "specs/arazzo/odd.arazzo.yaml: error AZ013: this is a binary file*"),
        (b"- 1\n- 2\n", "*error AZ006: an Arazzo Description is a mapping*"),
        (b"just a scalar\n", "*error AZ006: an Arazzo Description is a mapping*"),
        (b"arazzo: 1.0.1\nworkflows: 5\n", "*error AZ103: 'workflows' in the document must be*"),
        (b"arazzo: 1.0.1\nworkflows: [{steps: 1}]\n", "*AZ101: missing required field 'work*"),
        (b"a: " + b"[" * 500 + b"]" * 500, "*error AZ003: nesting deeper than 200 levels"),
    ],
    ids=["empty", "binary", "list", "scalar", "workflows-int", "no-id", "deep"],
)
def test_run__unusable_files_are_one_clean_item(
    pytester: pytest.Pytester, content: bytes, expected: str
) -> None:
    """Arazzo 1.0.1 § Arazzo Specification Object: whatever the file holds, one item says
    what is wrong with it."""
    project(pytester)
    (pytester.path / "specs" / "arazzo" / "odd.arazzo.yaml").write_bytes(content)
    for args in (["specs"], ["--arazzo-check", "specs"]):
        result = pytester.runpytest(*args, "-p", "no:cacheprovider")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines([expected])
        assert_clean(result)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"arazzo: 1.0.1\n", True),
        (b"\xef\xbb\xbfarazzo: 1.0.1\n", True),
        (b'{"arazzo": "1.0.1"}', True),
        (b'{\n  "info": {},\n  "arazzo": "1.0.1"\n}', True),
        (b"{arazzo: 1.0.1}", True),
        (b"openapi: 3.0.0\n", False),
        (b"info:\n  x-arazzo-ish: 1\n", False),
    ],
)
def test_looks_like_arazzo(tmp_path: Path, head: bytes, expected: bool) -> None:
    """Files named on the command line are Arazzo when their top level has ``arazzo``."""
    from pytest_arazzo.plugin.hooks import _looks_like_arazzo

    path = tmp_path / "x.yaml"
    path.write_bytes(head)
    assert _looks_like_arazzo(path) is expected


def test_check__other_yaml_and_json_files_in_the_tree_are_not_reported(
    pytester: pytest.Pytester,
) -> None:
    """``--arazzo-check DIR`` looks at every YAML/JSON file, but only Arazzo documents (a
    top-level ``arazzo`` field) are checked: an ``"arazzo"`` key nested in a JSON config is not
    one."""
    project(pytester)
    other = pytester.path / "specs" / "other"
    other.mkdir()
    (other / "package.json").write_text('{"name": "x", "config": {\n  "arazzo": "1.0.1"}}\n')
    (other / "compose.yml").write_text('version: "3"\nservices:\n  web: {image: x}\n')
    (other / "notes.yaml").write_text("text: |\n  arazzo: 1.0.1 is the spec\n")
    result = pytester.runpytest("--arazzo-check", "specs", "-p", "no:cacheprovider")
    assert "other/" not in result.stdout.str()
    assert_clean(result)


def test_check__named_files_that_are_no_arazzo_documents_pass(pytester: pytest.Pytester) -> None:
    """pre-commit style: ``--arazzo-check`` given every changed YAML file. Files that are no
    Arazzo document are not checked (no "not found" usage error), and a run that met no Arazzo
    document at all exits 0; an Arazzo file among them is still checked."""
    project(pytester, typo=TYPO)
    (pytester.path / "compose.yml").write_text('version: "3"\nservices:\n  web: {image: x}\n')
    (pytester.path / "broken.yaml").write_text("a: [1,\n")
    only_other = pytester.runpytest("--arazzo-check", "compose.yml", "broken.yaml")
    assert only_other.ret == pytest.ExitCode.OK
    assert_clean(only_other)
    mixed = pytester.runpytest(
        "--arazzo-check", "compose.yml", "specs/arazzo/typo.arazzo.yaml", "-p", "no:cacheprovider"
    )
    assert mixed.ret == pytest.ExitCode.TESTS_FAILED
    mixed.stdout.fnmatch_lines(["specs/arazzo/typo.arazzo.yaml:10:5: error AZ210: *"])
