"""Issue 14: every run explains itself — step traces, the failing exchange in full, curl lines,
HAR traces, JUnit properties, the JSON report, one-line reasons and AZ310."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from requests.structures import CaseInsensitiveDict

from pytest_arazzo.cassette.scrub import Scrubber
from pytest_arazzo.execute.failures import Exchange
from pytest_arazzo.http.messages import OutgoingRequest, ReceivedResponse
from pytest_arazzo.report.exchange import exchange_lines
from tests.conftest import SEED_NODE, TEST_KEY, record_args
from tests.stripe_server import StripeServer
from tests.test_checks import HEADER, problems

HAR_SCHEMA = json.loads((Path(__file__).parent / "har_schema.json").read_text())
MISSING = ["--arazzo-input", "customer=cus_NOSUCHCUSTOMER"]


@pytest.fixture
def recorded(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> pytest.Pytester:
    seed_project.runpytest("specs/", *record_args(stripe_server)).assert_outcomes(passed=1)
    return seed_project


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide terminal, so pytest does not trim the one-line reasons."""
    monkeypatch.setenv("COLUMNS", "400")


def live_args(server: StripeServer, *extra: str) -> list[str]:
    return [
        "--live",
        "--arazzo-server",
        f"invoiceApi={server.url}",
        "-p",
        "no:cacheprovider",
        *extra,
    ]


# -- 1. step trace --------------------------------------------------------------------------------


def test_trace__steps_under_the_item_at_v(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest("specs/", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.re_match_lines(
        [
            r".*::create-and-finalize-invoice PASSED.*",
            r" +ok createDraftInvoice  POST /v1/invoices -> 200  [\d.]+ ms  criteria 1/1$",
            r" +ok addInvoiceItem  POST /v1/invoiceitems -> 200  [\d.]+ ms  criteria 1/1$",
            r" +ok finalizeInvoice  POST /v1/invoices/in_\w+/finalize -> 200  .*criteria 1/1",
        ]
    )
    assert "pass: $statusCode == 200" not in result.stdout.str()


def test_trace__every_criterion_with_its_values_at_vv(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest("specs/", "-vv", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["*ok createDraftInvoice*", "*pass: $statusCode == 200 with $statusCode = 200"]
    )


def test_trace__quiet_stays_quiet_and_xdist_workers_report(recorded: pytest.Pytester) -> None:
    quiet = recorded.runpytest("specs/", "-q", "-p", "no:cacheprovider")
    assert "createDraftInvoice" not in quiet.stdout.str()
    spread = recorded.runpytest("specs/", "-v", "-n", "2", "-p", "no:cacheprovider")
    spread.assert_outcomes(passed=1)
    spread.stdout.fnmatch_lines(["*PASSED*create-and-finalize-invoice*", "*ok finalizeInvoice*"])


def test_trace__live_steps_printed_as_they_finish(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    result = seed_project.runpytest("specs/", "-v", *live_args(stripe_server))
    result.assert_outcomes(passed=1)
    output = result.stdout.str()
    assert "Captured stdout" not in output
    assert output.count("ok addInvoiceItem") == 1  # printed while running, not again after
    assert output.index("ok finalizeInvoice") < output.index("PASSED")


# -- 2 and 10. the failing exchange, curl, one-line forms ------------------------------------------


def test_failure__full_exchange_curl_and_criterion_line(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    result = seed_project.runpytest("specs/", *live_args(stripe_server, *MISSING))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*criterion failed (specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml:51:7):"
            " $statusCode == 200 with $statusCode = 400",
            "  request:",
            f"    POST {stripe_server.url}/v1/invoices",
            "    Content-Type: application/x-www-form-urlencoded",
            "    body (application/x-www-form-urlencoded):",
            "      customer = cus_NOSUCHCUSTOMER",
            "      auto_advance = false",
            "  response:",
            "    400 Bad Request",
            "    Content-Type: application/json",
            "    body (application/json):",
            "      {",
            '        "error": {',
            '*"message": "No such customer: \'cus_NOSUCHCUSTOMER\'",',
            "  reproduce with curl:",
            f"    curl -X POST {stripe_server.url}/v1/invoices "
            '-H "Authorization: Bearer $STRIPE_API_KEY" '
            "-H 'Content-Type: application/x-www-form-urlencoded' "
            "--data-raw 'customer=cus_NOSUCHCUSTOMER&auto_advance=false'",
            "  trace: .arazzo-traces/*.har (HAR 1.2*",
        ]
    )
    assert TEST_KEY not in result.stdout.str()


def test_failure__bodies_clipped_unless_vv() -> None:
    """A JSON request body pretty-printed; credentials scrubbed as in cassettes; -vv: all."""
    body = json.dumps({"note": "x" * 3000, "token": TEST_KEY}).encode()
    request = OutgoingRequest(
        "POST",
        "http://127.0.0.1:1",
        "/notes",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TEST_KEY}"},
        body=body,
    )
    response = ReceivedResponse(
        201, CaseInsensitiveDict({"Content-Type": "application/json"}), b'{"id": 7}', "Created"
    )
    exchange = Exchange("note", request, response)
    clipped = "\n".join(exchange_lines(exchange, Scrubber([TEST_KEY]), 2000))
    assert "  Authorization: Bearer <scrubbed>" in clipped
    assert '    "note": "xxx' in clipped and "... (truncated; -vv shows all)" in clipped
    assert '    "id": 7' in clipped
    full = "\n".join(exchange_lines(exchange, Scrubber([TEST_KEY]), None))
    assert "x" * 3000 in full and '"token": "<scrubbed>"' in full
    assert TEST_KEY not in clipped + full


def test_one_line__short_summary_tb_line_and_tb_no(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str, wide: None
) -> None:
    reason = "step 'createDraftInvoice': $statusCode == 200 with $statusCode = 400"
    summary = seed_project.runpytest("specs/", "-rf", *live_args(stripe_server, *MISSING))
    summary.stdout.fnmatch_lines([f"FAILED {SEED_NODE} - {reason}"])
    line = seed_project.runpytest("specs/", "--tb=line", *live_args(stripe_server, *MISSING))
    line.stdout.fnmatch_lines(
        [f"specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml:51: {reason}"]
    )
    assert "reproduce with curl" not in line.stdout.str()
    none = seed_project.runpytest("specs/", "--tb=no", *live_args(stripe_server, *MISSING))
    none.assert_outcomes(failed=1)
    assert "FAILURES" not in none.stdout.str() and ":51:" not in none.stdout.str()


def test_one_line__survives_xdist(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str, wide: None
) -> None:
    result = seed_project.runpytest("specs/", "-rf", "-n", "2", *live_args(stripe_server, *MISSING))
    result.stdout.fnmatch_lines([f"FAILED {SEED_NODE} - step 'createDraftInvoice': *= 400"])


def test_workflow_output_reading_response__static_error(tmp_path: Path) -> None:
    text = HEADER + (
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: a\n"
        "    operationId: PostNotes\n"
        "    requestBody: {payload: {text: hi}}\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
        "  outputs:\n"
        "    id: $response.body#/id\n"  # 14
        "    code: $statusCode\n"  # 15
    )
    found = problems(tmp_path, text)
    assert found[0].startswith(
        "wf.arazzo.yaml:14:5: error AZ310: $response.body#/id: a workflow output cannot read "
        "$response"
    )
    assert found[1].startswith("wf.arazzo.yaml:15:5: error AZ310: $statusCode")


# -- 3. HAR traces ---------------------------------------------------------------------------------


def test_har__every_exchange_valid_and_scrubbed(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    traces = seed_project.path / "traces"
    result = seed_project.runpytest(
        "specs/",
        *record_args(stripe_server, "--arazzo-trace", str(traces), "-o", "arazzo_trace=all"),
    )
    result.assert_outcomes(passed=1)
    [path] = traces.glob("*.har")
    text = path.read_text()
    assert TEST_KEY not in text
    har = json.loads(text)
    jsonschema.validate(har, HAR_SCHEMA, format_checker=jsonschema.FormatChecker())
    entries = har["log"]["entries"]
    assert [e["request"]["url"].removeprefix(stripe_server.url) for e in entries] == [
        r["path"] for r in stripe_server.requests
    ]
    assert [e["_stepId"] for e in entries] == [
        "createDraftInvoice",
        "addInvoiceItem",
        "finalizeInvoice",
    ]
    assert entries[0]["comment"].startswith("step 'createDraftInvoice' of workflow")
    assert entries[1]["request"]["postData"]["params"][0] == {
        "name": "customer",
        "value": "cus_PYTESTARAZZO01",
    }
    assert all(e["response"]["status"] == 200 for e in entries)


def test_har__failed_only_by_default_and_named_in_the_failure(
    seed_project: pytest.Pytester, stripe_server: StripeServer, test_key: str
) -> None:
    passed = seed_project.runpytest("specs/", *live_args(stripe_server))
    passed.assert_outcomes(passed=1)
    assert not (seed_project.path / ".arazzo-traces").exists()
    failed = seed_project.runpytest("specs/", *live_args(stripe_server, *MISSING))
    [path] = (seed_project.path / ".arazzo-traces").glob("*.har")
    failed.stdout.fnmatch_lines([f"  trace: .arazzo-traces/{path.name} *"])
    entries = json.loads(path.read_text())["log"]["entries"]
    assert [e["response"]["status"] for e in entries] == [400]
    off = seed_project.runpytest(
        "specs/", "-o", "arazzo_trace=off", *live_args(stripe_server, *MISSING)
    )
    assert "trace:" not in off.stdout.str()


# -- 4. machine-readable results ------------------------------------------------------------------


def test_json_report_and_junit_properties(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest(
        "specs/", "--arazzo-report", "out/report.json", "--junitxml", "junit.xml", "-n", "2"
    )
    result.assert_outcomes(passed=1)
    report = json.loads((recorded.path / "out/report.json").read_text())
    [item] = report["items"]
    assert item["nodeid"] == SEED_NODE and item["verdict"] == "passed"
    assert item["mode"] == "replay" and item["workflow"] == "create-and-finalize-invoice"
    assert [s["step"] for s in item["steps"]] == [
        "createDraftInvoice",
        "addInvoiceItem",
        "finalizeInvoice",
    ]
    assert all(s["status"] == 200 and s["passed"] and s["ms"] >= 0 for s in item["steps"])
    assert item["outputs"]["status"] == "open"
    assert item["outputs"]["invoiceId"].startswith("in_")
    properties = {
        p.get("name"): p.get("value")
        for p in ET.parse(recorded.path / "junit.xml").iter("property")
    }
    steps = json.loads(properties["arazzo_steps"] or "")
    assert [s["step"] for s in steps] == [s["step"] for s in item["steps"]]
    assert json.loads(properties["arazzo_outputs"] or "") == item["outputs"]


def test_item_location__the_workflow_line_read_at_collection(
    seed_project: pytest.Pytester,
) -> None:
    """pytest's location of an item (``-v`` output, JUnit ``line``) is its Workflow Object's
    line, read while collecting (the file's parse is released before the items run)."""
    items, _ = seed_project.inline_genitems("specs/", "-p", "no:cacheprovider")
    assert items
    for item in items:
        path, line, name = item.location
        lines = (seed_project.path / path).read_text().splitlines()
        workflow_id = item.name.split("[")[0]
        assert lines[line].strip() == f"- workflowId: {workflow_id}", (path, line)
        assert name == f"arazzo workflow {item.name}"
