"""Static checks of names (the last Arazzo 1.0.1 gaps): duplicate action names in one list
(AZ255), output names outside ``^[a-zA-Z0-9\\.\\-_]+$`` (AZ256), and, with several OpenAPI
sources, an operationId that does not name its source (AZ205, an error). Each test names the
section whose rule it checks, in the style of tests/test_checks.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_arazzo.checks import check_workflow
from tests.test_checks import BILLING, HEADER, SHOP_AND_BILLING, arazzo_file, problems

OK = "[{condition: $statusCode == 200}]"


def with_version(text: str, version: str) -> str:
    return text.replace("arazzo: 1.0.1\n", f"arazzo: {version}\n", 1)


ACTIONS = HEADER + (
    "- workflowId: w\n"  # 7
    "  successActions:\n"
    "  - {name: fin, type: end}\n"  # 9
    "  - {name: fin, type: end, criteria: [{condition: $statusCode == 201}]}\n"  # 10
    "  failureActions:\n"
    "  - {name: stop, type: end}\n"  # 12
    "  steps:\n"
    "  - stepId: note\n"  # 14
    "    operationId: PostNotes\n"
    "    requestBody: {payload: {text: hi}}\n"
    f"    successCriteria: {OK}\n"
    "    onSuccess:\n"
    "    - {name: fin, type: goto, stepId: note}\n"  # 19: overrides the workflow's 'fin'
    "    onFailure:\n"
    "    - {name: again, type: retry, retryLimit: 2}\n"  # 21
    "    - {name: again, type: retry, retryLimit: 2}\n"  # 22: a copy
    "    - {reference: $components.failureActions.again}\n"  # 23: the same name
    "    - {name: stop, type: end}\n"  # 24: overrides the workflow's 'stop'
    "components:\n"
    "  failureActions:\n"
    "    again: {name: again, type: end}\n"
)


@pytest.mark.parametrize("version", ["1.0.1", "1.1.0"])
def test_action_names__unique_within_each_list(tmp_path: Path, version: str) -> None:
    """Arazzo 1.0.1 § Workflow Object (successActions, failureActions) and § Step Object
    (onSuccess, onFailure): "The list MUST NOT include duplicate" actions; an action is known by
    its `name` (§ Success Action Object, § Failure Action Object), so a name used twice in one
    list is an error, reported once per repeat at its line, a Reusable Object counting with its
    target's name, and a copy not reported a second time as a repeated entry (AZ107). The same
    name in a step's list and the workflow's is an override, not a duplicate."""
    label = f"Arazzo {version[:3]}"  # the version the document is read by
    assert problems(tmp_path, with_version(ACTIONS, version)) == [
        "wf.arazzo.yaml:10:6: error AZ255: success action name 'fin' is already used by "
        "success action #1 (line 9) of successActions in workflow 'w'\n"
        "    hint: rename one, or drop the copy: the list MUST NOT include duplicate success "
        f"actions ({label} § Workflow Object)",
        "wf.arazzo.yaml:22:8: error AZ255: failure action name 'again' is already used by "
        "failure action #1 (line 21) of onFailure in step 'note'\n"
        "    hint: rename one, or drop the copy: the list MUST NOT include duplicate failure "
        f"actions ({label} § Step Object)",
        "wf.arazzo.yaml:23:8: error AZ255: failure action name 'again' is already used by "
        "failure action #1 (line 21) of onFailure in step 'note'\n"
        "    hint: rename one, or drop the copy: the list MUST NOT include duplicate failure "
        f"actions ({label} § Step Object)",
    ]


def test_action_names__fail_the_workflow_before_any_request(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object onFailure: a duplicate is an error of that workflow (what an
    item checks at setup), not of the file's other workflows."""
    other = ACTIONS.replace(
        "components:\n",
        "- workflowId: other\n"
        "  steps:\n"
        f"  - {{stepId: n, operationId: PostNotes, successCriteria: {OK}}}\n"
        "components:\n",
    )
    file = arazzo_file(tmp_path, other)
    assert [found.code for found in check_workflow(file, "w") if found.is_error] == [
        "AZ255",
        "AZ255",
        "AZ255",
    ]
    assert [found.code for found in check_workflow(file, "other") if found.is_error] == []


OUTPUTS = HEADER + (
    "- workflowId: w\n"  # 7
    "  steps:\n"
    "  - stepId: note\n"
    "    operationId: PostNotes\n"
    "    requestBody: {payload: {text: hi}}\n"
    f"    successCriteria: {OK}\n"
    "    outputs:\n"
    "      pet id: $response.body#/id\n"  # 14
    "      ok_1.x-Y: $statusCode\n"
    "      'né': $statusCode\n"  # 16
    "  outputs:\n"
    "    the/id: $steps.note.outputs.ok_1.x-Y\n"  # 18
    "    fine: $steps.note.outputs.ok_1.x-Y\n"
)


@pytest.mark.parametrize("version", ["1.0.1", "1.1.0"])
def test_output_names__must_match_the_pattern(tmp_path: Path, version: str) -> None:
    """Arazzo 1.0.1 § Workflow Object / § Step Object outputs: "The name MUST use keys that
    match the regular expression: ^[a-zA-Z0-9\\.\\-_]+$" (the JSON Schema's patternProperties
    leave other keys unchecked): an error at the key's line, with a name that matches."""
    label = f"Arazzo {version[:3]}"  # the version the document is read by
    assert problems(tmp_path, with_version(OUTPUTS, version)) == [
        "wf.arazzo.yaml:14:7: error AZ256: output name 'pet id' of step 'note' does not match "
        f"^[a-zA-Z0-9\\.\\-_]+$ ({label} § Step Object outputs)\n"
        "    hint: rename it, e.g. to 'pet_id'; $steps.<stepId>.outputs.<name> cannot name it "
        "otherwise",
        "wf.arazzo.yaml:16:7: error AZ256: output name 'n\\xe9' of step 'note' does not match "
        f"^[a-zA-Z0-9\\.\\-_]+$ ({label} § Step Object outputs)\n"
        "    hint: rename it, e.g. to 'n'; $steps.<stepId>.outputs.<name> cannot name it "
        "otherwise",
        "wf.arazzo.yaml:18:5: error AZ256: output name 'the/id' of workflow 'w' does not match "
        f"^[a-zA-Z0-9\\.\\-_]+$ ({label} § Workflow Object outputs)\n"
        "    hint: rename it, e.g. to 'the_id'; $workflows.<workflowId>.outputs.<name> cannot "
        "name it otherwise",
    ]


def several_sources(operation_id: str) -> str:
    return (
        "arazzo: 1.0.1\n"
        "info: {title: Shop, version: '1'}\n"
        "sourceDescriptions:\n"
        f"{SHOP_AND_BILLING}"
        "workflows:\n"
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: price\n"
        f"    operationId: {operation_id}\n"  # 10
        f"    successCriteria: {OK}\n"
    )


def test_several_sources__unqualified_operation_id_is_an_error(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object operationId: "If multiple (non arazzo type)
    sourceDescriptions are defined, then the operationId MUST be specified using a Runtime
    Expression". Unique across the sources, it is still an error of the checks (and so of the
    item, at setup), with the qualified form as hint; the plan keeps the operation, so the
    runner could still call it."""
    text = several_sources("PostPrices")
    assert problems(tmp_path, text, billing_yaml=BILLING) == [
        "wf.arazzo.yaml:10:5: error AZ205: operationId 'PostPrices' must name its source: this "
        "document has 2 OpenAPI source descriptions (shop, billing); only 'billing' has it\n"
        "    hint: write operationId: $sourceDescriptions.billing.PostPrices",
    ]
    file = arazzo_file(tmp_path, text, billing_yaml=BILLING)
    assert [found.render() for found in check_workflow(file, "w") if found.is_error] == [
        "wf.arazzo.yaml:10:5: error AZ205: operationId 'PostPrices' must name its source: this "
        "document has 2 OpenAPI source descriptions (shop, billing); only 'billing' has it\n"
        "    hint: write operationId: $sourceDescriptions.billing.PostPrices",
    ]
    plan = file.plan("w")
    assert plan.errors == []
    assert plan.steps[0].operation is not None
    assert plan.steps[0].operation.source.name == "billing"


def test_several_sources__qualified_operation_id_is_fine(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object operationId: `$sourceDescriptions.<name>.<operationId>` is the
    form the MUST asks for: nothing to report."""
    text = several_sources("$sourceDescriptions.billing.PostPrices")
    assert problems(tmp_path, text, billing_yaml=BILLING) == []


def test_several_sources__misspelled_keeps_the_did_you_mean(tmp_path: Path) -> None:
    """Arazzo 1.0.1 § Step Object operationId: unqualified and misspelled, the error asks for the
    qualified form of the operation meant, and AZ210 keeps its did-you-mean."""
    assert problems(tmp_path, several_sources("postprices"), billing_yaml=BILLING) == [
        "wf.arazzo.yaml:10:5: error AZ205: operationId 'postprices' must name its source: this "
        "document has 2 OpenAPI source descriptions (shop, billing)\n"
        "    hint: write operationId: $sourceDescriptions.billing.PostPrices",
        "wf.arazzo.yaml:10:5: error AZ210: operationId 'postprices' is not in source 'shop', "
        "'billing'\n    hint: did you mean 'PostPrices'? (differs only in letter case)",
    ]
