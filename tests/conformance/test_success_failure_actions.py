"""Arazzo 1.0.1 § Success Action Object, § Failure Action Object, § Step Object (onSuccess,
onFailure) and § Workflow Object (successActions, failureActions), run end to end.
"""

from __future__ import annotations

import socket
from typing import Any

from pytest_arazzo.execute.runner import Limits
from tests.conformance.harness import Harness, arazzo, workflow
from tests.conformance.server import Reply

OK = [{"condition": "$statusCode == 200"}]


def _step(step_id: str, operation: str = "health", **fields: Any) -> dict[str, Any]:
    return {"stepId": step_id, "operationId": operation, "successCriteria": OK, **fields}


def _paths(harness: Harness) -> list[str]:
    return [f"{request.method} {request.path}" for request in harness.server.requests]


def test_step_object__no_actions_success_runs_the_next_step(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object onSuccess: "If omitted, the next sequential step shall be
    executed"."""
    harness.server.route("GET", "/health", {"ok": True})
    harness.server.route("GET", "/pets", [])
    harness.run(arazzo(workflow("w", [_step("a"), _step("b", "listPets")])))
    assert _paths(harness) == ["GET /health", "GET /pets"]


def test_step_object__no_actions_failure_fails_the_workflow(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object onFailure: "If omitted, the default behavior is to break and
    return": the workflow fails and later steps do not run."""
    harness.server.route("GET", "/health", Reply(500, {"error": {"message": "db down"}}))
    report = harness.fail(arazzo(workflow("w", [_step("a"), _step("b", "listPets")])))
    assert "at step 'a'" in report and "criterion failed: $statusCode == 200" in report
    assert "API error: db down" in report
    assert _paths(harness) == ["GET /health"]


def test_step_object__failure_without_criteria_shows_a_body_that_is_no_api_error(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Step Object successCriteria omitted: a status >= 400 fails the step; when
    the body has no recognizable API error, the report shows the body (the only explanation)."""
    harness.server.route("GET", "/health", Reply(503, "upstream timed out"))
    report = harness.fail(arazzo(workflow("w", [{"stepId": "a", "operationId": "health"}])))
    assert "the step did not succeed (status >= 400 and no successCriteria)" in report
    assert "response body: upstream timed out" in report


def test_success_action_object__end_skips_the_rest_and_keeps_applicable_outputs(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Success Action Object `end`: "The workflow ends, and context returns to
    the caller with applicable outputs" (outputs of steps that did not run are left out)."""
    harness.server.route("GET", "/health", {"version": 3})
    steps = [
        _step(
            "a",
            outputs={"version": "$response.body#/version"},
            onSuccess=[{"name": "stop", "type": "end"}],
        ),
        _step("b", "listPets", outputs={"pets": "$response.body"}),
    ]
    outputs = {"version": "$steps.a.outputs.version", "pets": "$steps.b.outputs.pets"}
    result = harness.run(arazzo(workflow("w", steps, outputs=outputs)))
    assert result.outputs == {"version": 3}
    assert _paths(harness) == ["GET /health"]


def test_success_action_object__goto_step_loops_until_criteria_stop_it(harness: Harness) -> None:
    """Arazzo 1.0.1 § Success Action Object `goto` with `stepId` and `criteria`: a pagination
    loop that goes back while the response says there is a next page."""
    pages = [{"next": True, "page": 1}, {"next": True, "page": 2}, {"next": False, "page": 3}]
    harness.server.replies("GET", "/pets", pages)
    harness.server.route("GET", "/health", {})
    steps = [
        _step(
            "page",
            "listPets",
            outputs={"page": "$response.body#/page"},
            onSuccess=[
                {
                    "name": "more",
                    "type": "goto",
                    "stepId": "page",
                    "criteria": [{"condition": "$response.body#/next == true"}],
                }
            ],
        ),
        _step("done"),
    ]
    result = harness.run(arazzo(workflow("w", steps, outputs={"last": "$steps.page.outputs.page"})))
    assert result.outputs == {"last": 3}
    assert _paths(harness) == ["GET /pets"] * 3 + ["GET /health"]


def test_success_action_object__first_matching_action_wins(harness: Harness) -> None:
    """Arazzo 1.0.1 § Step Object onSuccess: "the first sequential action matching the criteria
    SHALL be the action executed"."""
    harness.server.route("GET", "/health", {"kind": "b"})
    for path in ("/pets", "/ping"):
        harness.server.route("*", path, {})
    actions = [
        {
            "name": "toA",
            "type": "goto",
            "stepId": "a",
            "criteria": [{"condition": "$response.body#/kind == 'a'"}],
        },
        {
            "name": "toB",
            "type": "goto",
            "stepId": "b",
            "criteria": [{"condition": "$statusCode == 200"}],
        },
        {"name": "toC", "type": "goto", "stepId": "c"},
    ]
    steps = [
        _step("start", onSuccess=actions),
        _step("a", "listPets", onSuccess=[{"name": "end", "type": "end"}]),
        _step("b", "ping", onSuccess=[{"name": "end", "type": "end"}]),
        _step("c", "listPets"),
    ]
    harness.run(arazzo(workflow("w", steps)))
    assert _paths(harness) == ["GET /health", "POST /ping"]


def test_failure_action_object__criteria_see_status_and_response(harness: Harness) -> None:
    """Arazzo 1.0.1 § Failure Action Object `criteria`: they are evaluated on the failed step's
    response ($statusCode, $response.header, $response.body); goto handles the failure."""
    harness.server.route(
        "GET", r"/pets/\d+", Reply(404, {"code": "not_found"}, {"X-Reason": "gone"})
    )
    harness.server.route("POST", "/pets", Reply(200, {"id": 5}))
    steps = [
        _step(
            "get",
            "getPet",
            parameters=[{"name": "petId", "in": "path", "value": 5}],
            onFailure=[
                {"name": "other", "type": "end", "criteria": [{"condition": "$statusCode == 500"}]},
                {
                    "name": "create",
                    "type": "goto",
                    "stepId": "create",
                    "criteria": [
                        {"condition": "$statusCode == 404"},
                        {"condition": "$response.header.x-reason == 'GONE'"},
                        {"context": "$response.body", "condition": "$.code", "type": "jsonpath"},
                    ],
                },
            ],
        ),
        _step("create", "createPet", requestBody={"payload": {"name": "x"}}),
    ]
    harness.run(arazzo(workflow("w", steps)))
    assert _paths(harness) == ["GET /pets/5", "POST /pets"]


def test_failure_action_object__retry_limit_defaults_to_one(harness: Harness) -> None:
    """Arazzo 1.0.1 § Failure Action Object retryLimit: "If not specified then a single retry
    SHALL be attempted"; then the step fails, saying it was retried."""
    harness.server.replies("GET", "/health", [Reply(503), Reply(503), Reply(200)])
    retry = {"name": "again", "type": "retry", "criteria": [{"condition": "$statusCode == 503"}]}
    report = harness.fail(arazzo(workflow("w", [_step("a", onFailure=[retry])])))
    assert len(harness.server.requests) == 2
    assert "(still failing after 1 retry)" in report
    assert "a 503 FAILED (retry 1/1), a 503 FAILED" in report


def test_failure_action_object__retry_until_success_with_fractional_retry_after(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Failure Action Object retryAfter: "A non-negative decimal indicating the
    seconds to delay"; retryLimit bounds the attempts."""
    harness.server.replies("GET", "/health", [Reply(503), Reply(503), Reply(200, {"ok": 1})])
    retry = {"name": "again", "type": "retry", "retryAfter": 0.25, "retryLimit": 3}
    result = harness.run(
        arazzo(workflow("w", [_step("a", onFailure=[retry], outputs={"ok": "$response.body#/ok"})]))
    )
    assert len(harness.server.requests) == 3
    assert harness.sleeps == [0.25, 0.25]
    assert [record.render() for record in result.trace] == [
        "a 503 FAILED (retry 1/3 after 0.25s [retryAfter 0.25])",
        "a 503 FAILED (retry 2/3 after 0.25s [retryAfter 0.25])",
        "a 200 ok",
    ]


def test_failure_action_object__retry_after_header_overrules_retry_after(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Failure Action Object retryAfter: "if an HTTP Retry-After response header
    was returned ... then it SHOULD overrule this particular field value" (seconds or a date)."""
    harness.server.replies(
        "GET",
        "/health",
        [
            Reply(429, headers={"Retry-After": "2"}),
            Reply(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
            Reply(200),
        ],
    )
    retry = {"name": "again", "type": "retry", "retryAfter": 0.5, "retryLimit": 5}
    harness.run(arazzo(workflow("w", [_step("a", onFailure=[retry])])))
    assert harness.sleeps == [2.0]  # a date in the past means: retry now


def test_failure_action_object__a_wait_over_the_cap_fails_the_step_at_once(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Failure Action Object: bounded retries: a Retry-After of an hour over
    Limits.max_retry_wait (ini arazzo_max_backoff) is not waited at all, not even the cap (the
    server said it cannot answer before then): the step fails, naming the value and the cap."""
    harness.server.replies(
        "GET", "/health", [Reply(503, headers={"Retry-After": "3600"}), Reply(200)]
    )
    retry = {"name": "again", "type": "retry"}
    report = harness.fail(
        arazzo(workflow("w", [_step("a", onFailure=[retry])])), limits=Limits(max_retry_wait=1.5)
    )
    assert harness.sleeps == []
    assert (
        "the retry asks to wait 3600s [Retry-After: 3600], more than arazzo_max_backoff (1.5s)"
        in report
    )
    assert "still failing after" not in report


def test_failure_action_object__exhausted_retry_then_next_matching_action(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Failure Action Object retryLimit: "The retryLimit MUST be exhausted prior
    to executing subsequent failure actions"."""
    harness.server.route("GET", "/health", Reply(503))
    harness.server.route("GET", "/pets", [])
    on_failure = [
        {"name": "again", "type": "retry", "retryLimit": 2},
        {"name": "fallback", "type": "goto", "stepId": "fallback"},
    ]
    steps = [
        _step("a", onFailure=on_failure, onSuccess=[{"name": "e", "type": "end"}]),
        _step("fallback", "listPets"),
    ]
    harness.run(arazzo(workflow("w", steps)))
    assert _paths(harness) == ["GET /health"] * 3 + ["GET /pets"]


def test_failure_action_object__retry_with_step_id_runs_it_then_retries(harness: Harness) -> None:
    """Arazzo 1.0.1 § Failure Action Object `retry` + `stepId`: "the reference is executed and
    the context is returned, after which the current step is retried"."""
    tokens = iter(["old", "new"])
    harness.server.route("POST", "/login", lambda request, match: {"token": next(tokens)})
    harness.server.route(
        "GET",
        "/pets",
        lambda request, match: (
            (200, [])
            if request.header("authorization") == "Bearer new"
            else (401, {"error": "expired"})
        ),
    )
    steps = [
        _step(
            "login",
            "login",
            requestBody={"payload": {"user": "u"}},
            outputs={"token": "$response.body#/token"},
        ),
        _step(
            "list",
            "listPets",
            parameters=[
                {
                    "name": "Authorization",
                    "in": "header",
                    "value": "Bearer {$steps.login.outputs.token}",
                }
            ],
            onFailure=[
                {
                    "name": "relogin",
                    "type": "retry",
                    "stepId": "login",
                    "criteria": [{"condition": "$statusCode == 401"}],
                }
            ],
        ),
    ]
    harness.run(arazzo(workflow("w", steps)))
    assert _paths(harness) == ["POST /login", "GET /pets", "POST /login", "GET /pets"]


def test_failure_action_object__retry_with_workflow_id_runs_it_then_retries(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Failure Action Object `retry` + `workflowId`: "When used with retry,
    context transfers back upon completion of the specified workflow"."""
    harness.server.replies("GET", "/pets", [Reply(401), Reply(200, [])])
    harness.server.route("POST", "/login", {"token": "t"})
    refresh = workflow("refresh", [_step("login", "login", requestBody={"payload": {"u": 1}})])
    main = workflow(
        "main",
        [
            _step(
                "list",
                "listPets",
                onFailure=[{"name": "refresh", "type": "retry", "workflowId": "refresh"}],
            )
        ],
    )
    result = harness.run(arazzo([main, refresh]), "main")
    assert _paths(harness) == ["GET /pets", "POST /login", "GET /pets"]
    assert "workflow:refresh ok" in [record.render() for record in result.trace]


def test_failure_action_object__end_fails_the_workflow_naming_the_action(harness: Harness) -> None:
    """Arazzo 1.0.1 § Failure Action Object `end`: the workflow ends; the step failed, so the
    run fails, naming the action (decision: an explicit `end` is the default behaviour)."""
    harness.server.route("GET", "/health", Reply(400))
    harness.server.route("GET", "/pets", [])
    steps = [
        _step("a", onFailure=[{"name": "giveUp", "type": "end"}]),
        _step("b", "listPets"),
    ]
    report = harness.fail(arazzo(workflow("w", steps)))
    assert "failure action 'giveUp' (type: end) ended the workflow" in report
    assert _paths(harness) == ["GET /health"]


def test_failure_action_object__goto_handles_the_failure(harness: Harness) -> None:
    """Arazzo 1.0.1 § Failure Action Object `goto`: "A one-way transfer of workflow control":
    the workflow continues at the target step and can pass."""
    harness.server.route("GET", "/health", Reply(500))
    harness.server.route("GET", "/pets", [])
    steps = [
        _step("a", onFailure=[{"name": "recover", "type": "goto", "stepId": "c"}]),
        _step("b", "ping"),
        _step("c", "listPets"),
    ]
    result = harness.run(arazzo(workflow("w", steps)))
    assert _paths(harness) == ["GET /health", "GET /pets"]
    assert [record.render() for record in result.trace] == [
        "a 500 FAILED (onFailure 'recover': goto)",
        "c 200 ok",
    ]


def test_success_action_object__goto_workflow_runs_it_and_ends_this_one(harness: Harness) -> None:
    """Arazzo 1.0.1 § Success Action Object `goto` + `workflowId`: control transfers to that
    workflow (with the inputs its schema declares); the rest of this workflow does not run."""
    harness.server.route("GET", "/health", {})
    harness.server.route("GET", "/pets", lambda request, match: {"limit": request.args["limit"]})
    other = workflow(
        "other",
        [
            _step(
                "list",
                "listPets",
                parameters=[{"name": "limit", "in": "query", "value": "$inputs.limit"}],
            )
        ],
        inputs={"type": "object", "properties": {"limit": {"type": "integer"}}},
        outputs={"sent": "$steps.list.outputs.sent"},
    )
    other["steps"][0]["outputs"] = {"sent": "$response.body#/limit"}
    main = workflow(
        "main",
        [
            _step("a", onSuccess=[{"name": "go", "type": "goto", "workflowId": "other"}]),
            _step("b", "ping"),
        ],
        inputs={"type": "object", "properties": {"limit": {"type": "integer"}, "x": {}}},
        outputs={"fromOther": "$workflows.other.outputs.sent"},
    )
    result = harness.run(arazzo([main, other]), "main", {"limit": 4, "x": 1})
    assert _paths(harness) == ["GET /health", "GET /pets"]
    assert result.outputs == {"fromOther": "4"}


def test_failure_action_object__goto_workflow_that_fails_is_reported_inside_this_one(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Failure Action Object `goto` + `workflowId`: when the target workflow
    fails, the report is this workflow's: it names the step and the action that went there, then
    shows the target's own failure."""
    harness.server.route("GET", "/health", Reply(500, {"message": "down"}))
    harness.server.route("GET", "/pets", Reply(404, {"message": "no pets"}))
    main = workflow(
        "main",
        [_step("a", onFailure=[{"name": "fallback", "type": "goto", "workflowId": "other"}])],
    )
    other = workflow("other", [_step("list", "listPets")])
    report = harness.fail(arazzo([main, other]), "main")
    assert report.startswith("workflow 'main' (main.arazzo.yaml:")
    assert "at step 'a'" in report.splitlines()[0]
    assert "action 'fallback' (goto) ran workflow 'other', which failed:" in report
    assert "    workflow 'other' (main.arazzo.yaml:" in report and "API error: no pets" in report
    assert "steps run: a 500 FAILED (onFailure 'fallback': goto), workflow:other FAILED" in report


def test_workflow_object__workflow_actions_apply_unless_a_step_overrides_by_name(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Workflow Object successActions/failureActions: "applicable for all steps
    ... can be overridden at the step level but cannot be removed there"."""
    harness.server.replies("GET", "/health", [Reply(503), Reply(200)])
    harness.server.replies("GET", "/pets", [Reply(503), Reply(503), Reply(200, [])])
    main = workflow(
        "w",
        [
            _step("a"),  # uses the workflow's retry (limit 1)
            _step("b", "listPets", onFailure=[{"name": "again", "type": "retry", "retryLimit": 2}]),
        ],
        failureActions=[{"name": "again", "type": "retry", "retryLimit": 1}],
        successActions=[
            {
                "name": "stopAfterB",
                "type": "end",
                "criteria": [{"condition": "$url == '" + harness.server.url + "/pets'"}],
            }
        ],
    )
    main["steps"].append(_step("c", "ping"))
    harness.run(arazzo(main))
    assert _paths(harness) == ["GET /health"] * 2 + ["GET /pets"] * 3


def test_reusable_object__actions_from_components(harness: Harness) -> None:
    """Arazzo 1.0.1 § Reusable Object: `reference: $components.failureActions.x` (and
    successActions) in step and workflow action lists."""
    harness.server.replies("GET", "/health", [Reply(503), Reply(200)])
    components = {
        "failureActions": {"retryOnce": {"name": "retryOnce", "type": "retry", "retryAfter": 0.1}},
        "successActions": {"finish": {"name": "finish", "type": "end"}},
    }
    steps = [
        _step("a", onFailure=[{"reference": "$components.failureActions.retryOnce"}]),
        _step("b", "listPets"),
    ]
    document = arazzo(
        workflow("w", steps, successActions=[{"reference": "$components.successActions.finish"}]),
        components=components,
    )
    harness.run(document)
    assert harness.sleeps == [0.1]
    assert _paths(harness) == ["GET /health"] * 2


def test_reusable_object__unknown_action_component_is_a_plan_error(harness: Harness) -> None:
    """Arazzo 1.0.1 § Reusable Object: "it MUST link to failure actions defined in the
    components"; a dangling reference fails before any request."""
    steps = [_step("a", onFailure=[{"reference": "$components.failureActions.retryOnec"}])]
    document = arazzo(
        workflow("w", steps),
        components={"failureActions": {"retryOnce": {"name": "r", "type": "retry"}}},
    )
    report = harness.fail(document)
    assert "'$components.failureActions.retryOnec' does not resolve" in report
    assert "did you mean 'retryOnce'?" in report
    assert harness.server.requests == []


def test_goto_targets_that_do_not_exist_are_plan_errors(harness: Harness) -> None:
    """Arazzo 1.0.1 § Success Action Object stepId: "The referenced stepId MUST be within the
    current workflow"; a workflowId must exist (also in workflow-level actions)."""
    steps = [
        _step(
            "a",
            onSuccess=[{"name": "g", "type": "goto", "stepId": "nope"}],
            onFailure=[{"name": "h", "type": "goto", "workflowId": "ghost"}],
        )
    ]
    document = arazzo(
        workflow("w", steps, successActions=[{"name": "x", "type": "goto", "stepId": "A"}])
    )
    report = harness.fail(document)
    assert "goto target step 'nope' does not exist in workflow 'w'" in report
    assert "goto target workflow 'ghost' does not exist" in report
    assert "goto target step 'A' does not exist" in report
    assert "did you mean 'a'?" in report
    assert harness.server.requests == []


def test_limits__a_goto_loop_stops_at_the_maximum_step_count(harness: Harness) -> None:
    """Arazzo 1.0.1 § Success Action Object goto: a loop that never ends is stopped with a clear
    failure after Limits.max_steps step executions."""
    harness.server.route("GET", "/health", {})
    steps = [_step("a", onSuccess=[{"name": "again", "type": "goto", "stepId": "a"}])]
    report = harness.fail(arazzo(workflow("w", steps)), limits=Limits(max_steps=5))
    assert "more than 5 step executions in this run (at step 'a'): a goto or retry loop?" in report
    assert len(harness.server.requests) == 5


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_failure_action_object__transport_errors_go_through_failure_actions(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Failure Action Object: a request with no response is a step failure;
    a retry without criteria applies to it (decision), then the report names the error."""
    url = f"http://127.0.0.1:{_closed_port()}"
    retry = {"name": "again", "type": "retry", "retryAfter": 0.5}
    report = harness.fail(
        arazzo(workflow("w", [_step("a", onFailure=[retry])])), servers={"pets": url}
    )
    assert f"GET {url}/health: connection refused" in report
    assert "(still failing after 1 retry)" in report
    assert harness.sleeps == [0.5]


def test_failure_action_object__retry_limit_zero_never_retries(harness: Harness) -> None:
    """Arazzo 1.0.1 § Failure Action Object retryLimit: "A non-negative integer"; 0 means the
    action never retries and the next matching failure action applies."""
    harness.server.route("GET", "/health", Reply(503))
    on_failure = [
        {"name": "never", "type": "retry", "retryLimit": 0},
        {"name": "stop", "type": "end"},
    ]
    report = harness.fail(arazzo(workflow("w", [_step("a", onFailure=on_failure)])))
    assert "failure action 'stop' (type: end) ended the workflow" in report
    assert len(harness.server.requests) == 1


def test_failure_action_object__retry_steps_that_retry_each_other_are_bounded(
    harness: Harness,
) -> None:
    """Arazzo 1.0.1 § Failure Action Object `retry` + `stepId`: two failing steps whose retry
    actions run each other stop with a clear failure (Limits.max_depth), not a crash."""
    harness.server.route("GET", "/health", Reply(500))
    harness.server.route("GET", "/pets", Reply(500))
    steps = [
        _step("a", onFailure=[{"name": "viaB", "type": "retry", "stepId": "b"}]),
        _step("b", "listPets", onFailure=[{"name": "viaA", "type": "retry", "stepId": "a"}]),
    ]
    report = harness.fail(arazzo(workflow("w", steps)))
    assert "retry actions run steps inside steps deeper than 16 levels" in report
