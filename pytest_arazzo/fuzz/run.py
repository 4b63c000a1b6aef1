"""Fuzzing: run an Arazzo item as a Hypothesis property over its workflow inputs.

Inputs are generated from the workflow's input schema (:mod:`strategies`); ``--arazzo-input``
values, and input-set values named in ini ``arazzo_fuzz_pin``, stay fixed. First draws, as
Hypothesis explicit examples: the item's input set, then the schema's ``examples``/``default``.

- Replay (default): every request is answered by the cassette's interaction recorded for the same
  step (the n-th run of a step gets its n-th recording), whatever its body: the replay transport
  with the :class:`~pytest_arazzo.transport.replay.ByStep` selector, network blocked. Criteria,
  expressions, outputs and the contract checks see generated inputs, offline.
- Live (``--live``): the server is the oracle. Bounded (25 examples unless configured), throttled
  by the live transport, and Hypothesis's re-checks that assume a deterministic target are off:
  no ``explain`` phase, no deadline, no too-slow health check, one bug reported; each distinct
  input is sent once (its verdict is remembered, so shrinking and the final replay never resend
  it) and shrinking stops after :data:`LIVE_SHRINK_BUDGET` further live runs.

The example database is the configured one (``settings.default.database``, so profiles apply)
with every key prefixed by the item's node id (:class:`ItemDatabase`, a public
``ExampleDatabase``): each item's failure is replayed first on its next run.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import hypothesis.core
from hypothesis import HealthCheck, Phase, example, find, given, reject, settings
from hypothesis.database import ExampleDatabase
from hypothesis.errors import (
    DeadlineExceeded,
    FailedHealthCheck,
    Flaky,
    HypothesisException,
    Unsatisfiable,
)
from hypothesis.statistics import collector, describe_statistics

from pytest_arazzo.cassette.format import Cassette, CassetteError, load_cassette
from pytest_arazzo.cassette.naming import CassetteNameError
from pytest_arazzo.execute.failures import Mask, StepFailure, WorkflowFailure, unmasked
from pytest_arazzo.fuzz.config import FuzzRequest, FuzzStats
from pytest_arazzo.fuzz.strategies import SchemaStrategyError, examples_of, from_schema
from pytest_arazzo.plan.model import WorkflowPlan
from pytest_arazzo.report.curl import credential_words, curl_command, masked
from pytest_arazzo.transport.live import LiveTransport
from pytest_arazzo.transport.netguard import NetworkGuard
from pytest_arazzo.transport.replay import ByStep, ReplayTransport

if TYPE_CHECKING:
    from pytest_arazzo.engine.session import ItemSpec, SessionState

LIVE_MAX_EXAMPLES = 25
LIVE_SHRINK_BUDGET = 100
MAX_EXPLICIT = 10
NOT_INPUT_STATUSES = (401, 403, 407, 429)


# -- the example database, keyed per item ---------------------------------------------------------


class ItemDatabase(ExampleDatabase):
    """The configured example database with every key prefixed by one item's node id.

    All items run the same property function, so Hypothesis's own key (a digest of the function)
    is the same for all; the prefix gives each item its own saved failures.
    """

    def __init__(self, inner: ExampleDatabase, nodeid: str) -> None:
        super().__init__()
        self.inner = inner
        self.prefix = b"pytest-arazzo:" + hashlib.sha256(nodeid.encode()).digest()[:12] + b":"

    def save(self, key: bytes, value: bytes) -> None:
        self.inner.save(self.prefix + key, value)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self.inner.fetch(self.prefix + key)

    def delete(self, key: bytes, value: bytes) -> None:
        self.inner.delete(self.prefix + key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.inner.move(self.prefix + src, self.prefix + dest, value)

    def __repr__(self) -> str:
        return f"{self.inner!r} (keys per item)"


def hypothesis_settings(request: FuzzRequest, nodeid: str, live: bool) -> settings:
    """The current profile's settings, adjusted for this item and mode."""
    base = settings.default
    if base is None:  # Hypothesis always loads a profile; this keeps the type checker informed
        base = settings()
    max_examples = request.max_examples or (
        min(base.max_examples, LIVE_MAX_EXAMPLES) if live else base.max_examples
    )
    deadline: Any = base.deadline if request.deadline == "profile" else request.deadline
    changes: dict[str, Any] = {
        "max_examples": max_examples,
        "deadline": None if live else deadline,
        "database": ItemDatabase(base.database, nodeid) if base.database is not None else None,
        "report_multiple_bugs": False,
    }
    if live:
        changes["phases"] = [phase for phase in base.phases if phase != Phase.explain]
        changes["suppress_health_check"] = [*base.suppress_health_check, HealthCheck.too_slow]
    return settings(base, **changes)


# -- failures and how to reproduce them -----------------------------------------------------------


class ExampleFailed(Exception):
    """Raised inside the property: one generated input made the workflow fail."""

    def __init__(self, inputs: dict[str, Any], failure: WorkflowFailure) -> None:
        super().__init__(failure.message)
        self.inputs, self.failure = inputs, failure


class FuzzFailure(WorkflowFailure):
    """A fuzzed item failed: the minimal example, how to reproduce it, the failing run."""

    def __init__(self, message: str, lines: list[str], original: WorkflowFailure | None, hint: str):
        super().__init__(message, hint=hint)
        self.lines, self.original = lines, original

    def details(self, mask: Mask = unmasked) -> list[str]:
        details = [mask(self.message), *(_mask_value_line(line, mask) for line in self.lines)]
        if self.original is not None:
            details.append("the failing run:")
            details += [f"  {line}" for line in self.original.render(mask=mask).splitlines()]
        return details


def _mask_value_line(line: str, mask: Mask) -> str:
    """A report line masked after its label (``name = value``, ``API error: ...``); a line that
    is only a label (``reproduce:``) stays as written."""
    if line.endswith(":") and not line.startswith(" "):
        return line
    label, sep, value = line.partition(": ") if line.startswith("API error: ") else ("", "", line)
    return f"{label}{sep}{mask(value)}"


def input_flags(inputs: Mapping[str, Any]) -> list[str]:
    """``--arazzo-input name=value`` words that give back exactly these values."""
    return [
        f"--arazzo-input {shlex.quote(f'{name}={_input_text(value)}')}"
        for name, value in sorted(inputs.items())
    ]


def _input_text(value: Any) -> str:
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return value  # read back as the same string
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- running ------------------------------------------------------------------------------------


class _Property:
    """The workflow run Hypothesis calls with generated inputs."""

    def __init__(
        self, runner: Any, plan: WorkflowPlan, pinned: dict[str, Any], live: bool, stats: FuzzStats
    ) -> None:
        self.runner, self.plan, self.pinned, self.live = runner, plan, pinned, live
        self.stats = stats
        self.memo: dict[str, WorkflowFailure | None] = {}
        self.digest = hashlib.sha256()
        self.first_failure_at: int | None = None
        self.last: ExampleFailed | None = None

    def __call__(self, generated: dict[str, Any]) -> None:
        inputs = {**generated, **self.pinned}
        key = json.dumps(inputs, sort_keys=True, default=repr)
        self.stats.examples += 1
        self.digest.update(key.encode() + b"\n")
        if key in self.memo:
            outcome = self.memo[key]
        else:
            if self.budget_spent():
                reject()  # shrinking budget spent: keep the smallest failure found so far
            outcome = self.run(inputs)
            if self.live:
                self.memo[key] = outcome
        if outcome is not None:
            if self.first_failure_at is None:
                self.first_failure_at = self.stats.sent
            self.last = ExampleFailed(inputs, outcome)
            raise self.last

    def budget_spent(self) -> bool:
        """Live: further runs after the first failure are bounded."""
        if not self.live or self.first_failure_at is None:
            return False
        return self.stats.sent - self.first_failure_at >= LIVE_SHRINK_BUDGET

    def run(self, inputs: dict[str, Any]) -> WorkflowFailure | None:
        self.stats.sent += 1
        transport = self.runner.transport
        if isinstance(transport, ReplayTransport):
            transport.restart()
        try:
            self.runner.run(self.plan, inputs)
        except WorkflowFailure as failure:
            return failure
        return None


def run_fuzz(
    state: SessionState, spec: ItemSpec, plan: WorkflowPlan, nodeid: str, request: FuzzRequest
) -> None:
    """Fuzz one item; raises :class:`FuzzFailure` with a reproducible minimal example."""
    settings_ = state.settings
    live = bool(settings_.live)
    request.stats.mode = "live" if live else "replay"
    pinned = _pinned(spec.inputs, settings_.cli_inputs, request.pins)
    schema = plan.inputs_schema
    try:
        strategy = from_schema(_unpinned_schema(schema, pinned), {"components": plan.components})
    except SchemaStrategyError as error:
        raise WorkflowFailure(
            f"cannot generate inputs from the workflow's input schema: {error}"
        ).at(plan.workflow_id, plan.where) from None
    known_good = dict(spec.inputs)
    if live:
        transport: Any = LiveTransport(options=state.live_options(nodeid))
        runner = state.runner(transport, state.credentials())
    else:
        if settings_.record_mode != "none":
            raise WorkflowFailure(
                "fuzzing does not record: it replays the item's cassette, or runs --live",
                hint="record without --arazzo-fuzz first, then fuzz",
            ).at(plan.workflow_id, plan.where)
        cassette = _cassette(state, spec, plan, nodeid)
        known_good = {**cassette.inputs, **known_good}
        transport = ReplayTransport(cassette, selector=ByStep(cassette))
        runner = state.runner(transport, None)
    prop = _Property(runner, plan, pinned, live, request.stats)
    in_force = hypothesis_settings(request, nodeid, live)
    test: Any = None
    try:
        explicit = explicit_examples(schema, known_good, pinned)
        state.contract.prepare(step.operation for step in plan.steps)  # not timed by Hypothesis
        test = in_force(_hypothesis_test(prop, strategy, explicit))
        with collector.with_value(_statistics_note(request.stats, nodeid)):
            _run(test, live)
    except ExampleFailed as failed:
        request.stats.failed = True
        digest, line = finding(failed.failure)
        secrets = state.credentials().secrets()
        first = request.findings.get(digest)
        if first is not None and first[0] != nodeid:
            raise _same_finding(first, failed, plan, secrets) from None
        irrelevant = None if live else _inputs_that_do_not_matter(prop, plan, failed, pinned)
        hypothesis_lines = [_seed_line(test, in_force), _settings_line(in_force)]
        report = _report(state, plan, nodeid, failed, pinned, live, irrelevant, hypothesis_lines)
        request.findings.setdefault(digest, (nodeid, masked(line, secrets)))
        raise report from None
    except (Flaky, Unsatisfiable, FailedHealthCheck, HypothesisException) as error:
        request.stats.failed = True
        raise _hypothesis_problem(error, prop, plan) from None
    finally:
        transport.close()
        request.stats.digest = prop.digest.hexdigest()[:16]


def _statistics_note(stats: FuzzStats, nodeid: str) -> Any:
    """Keeps Hypothesis's description of the run, for ``--hypothesis-show-statistics``."""

    def note(found: Any) -> None:
        found["nodeid"] = nodeid
        stats.statistics = describe_statistics(found)

    return note


def _run(test: Any, live: bool) -> None:
    if live:
        test()
        return
    guard = NetworkGuard()
    with guard:
        test()


def _hypothesis_test(prop: _Property, strategy: Any, explicit: list[dict[str, Any]]) -> Any:
    def workflow_inputs(inputs: dict[str, Any]) -> None:
        prop(inputs)

    test = given(inputs=strategy)(workflow_inputs)
    for value in reversed(explicit):
        test = example(inputs=value)(test)
    return test


def _cassette(state: SessionState, spec: ItemSpec, plan: WorkflowPlan, nodeid: str) -> Cassette:
    try:
        path = state.cassette_path(spec)
    except CassetteNameError as error:
        raise WorkflowFailure(str(error), hint=error.hint).at(
            plan.workflow_id, plan.where
        ) from None
    if not path.exists():
        raise WorkflowFailure(
            f"no cassette for this item at {path}: replay fuzzing answers generated requests "
            "from the recorded ones",
            hint=f"record it first (pytest '{nodeid}' --record), or fuzz live with --live",
        ).at(plan.workflow_id, plan.where)
    try:
        return load_cassette(path, state.settings.max_file_bytes, state.parse_cache)
    except CassetteError as error:
        raise WorkflowFailure(str(error), hint="re-record it with --record").at(
            plan.workflow_id, plan.where
        ) from None


def _pinned(
    input_set: Mapping[str, Any], cli_inputs: Mapping[str, Any], pins: tuple[str, ...]
) -> dict[str, Any]:
    kept = {k: v for k, v in input_set.items() if "*" in pins or k in pins}
    return {**kept, **cli_inputs}


def _unpinned_schema(schema: dict[str, Any], pinned: Mapping[str, Any]) -> dict[str, Any]:
    """The input schema without the pinned properties (they are not generated)."""
    if not schema:
        return {"type": "object", "properties": {}}
    reduced = dict(schema)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        reduced["properties"] = {k: v for k, v in properties.items() if k not in pinned}
    if isinstance(schema.get("required"), list):
        reduced["required"] = [name for name in schema["required"] if name not in pinned]
    return reduced


def explicit_examples(
    schema: dict[str, Any], input_set: Mapping[str, Any], pinned: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """First draws (without pinned names): the input set, the schema's examples and defaults
    (whole-object ``examples``, then per-property ``examples``/``default`` filled from the set).
    Only complete examples are kept."""
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = [name for name in schema.get("required") or [] if name not in pinned]
    candidates: list[dict[str, Any]] = [dict(input_set)]
    candidates += [dict(value) for value in examples_of(schema) if isinstance(value, dict)]
    per_property = {name: examples_of(child) for name, child in (properties or {}).items()}
    rounds = max((len(values) for values in per_property.values()), default=0)
    for index in range(rounds):
        candidate = dict(input_set)
        for name, values in per_property.items():
            if values:
                candidate[name] = values[index % len(values)]
        candidates.append(candidate)
    found: list[dict[str, Any]] = []
    for candidate in candidates:
        value = {k: v for k, v in candidate.items() if k not in pinned}
        if all(name in value for name in required) and value not in found:
            found.append(value)
    return found[:MAX_EXPLICIT]


def _report(
    state: SessionState,
    plan: WorkflowPlan,
    nodeid: str,
    failed: ExampleFailed,
    pinned: Mapping[str, Any],
    live: bool,
    irrelevant: set[str] | None,
    hypothesis_lines: list[str],
) -> FuzzFailure:
    failure = failed.failure
    exchange = getattr(failure, "exchange", None)
    secrets = state.credentials().secrets()
    status = exchange.response.status if exchange is not None else None
    rejected = live and status is not None and 400 <= status < 500
    rejected = rejected and status not in NOT_INPUT_STATUSES
    if rejected:
        assert exchange is not None
        reason = f" {exchange.response.reason}" if exchange.response.reason else ""
        message = (
            "the input schema admits values the API rejects: step "
            f"'{exchange.step_id}' got {status}{reason} for inputs the workflow's input schema "
            "allows"
        )
        hint = (
            "tighten the workflow's input schema (enum, pattern, minLength, minimum/maximum...) "
            "so it admits only values the API accepts, or fix the workflow"
        )
    else:
        mode = "live" if live else "replay"
        message = f"the workflow fails for inputs its input schema allows ({mode})"
        hint = failure.hint or "fix the workflow, or tighten its input schema"
    lines = ["falsifying example (shrunk):"]
    for name, value in sorted(failed.inputs.items()):
        note = " (pinned)" if name in pinned else ""
        note += " (does not matter)" if irrelevant and name in irrelevant else ""
        lines.append(f"  {name} = {masked(repr(value), secrets)}{note}")
    if irrelevant is None:
        lines.append("  (live: not checked which inputs matter, to send no extra requests)")
    elif irrelevant:
        lines.append("  (does not matter: the same failure with its schema's simplest value)")
    if exchange is not None and exchange.response.api_error():
        lines.append(f"API error: {masked(str(exchange.response.api_error()), secrets)}")
    lines.append("reproduce:")
    flags = [masked(flag, secrets) for flag in input_flags(failed.inputs)]
    lines.append("  " + " ".join(flags))
    lines.append("  " + _pytest_line(state, nodeid, flags, live))
    if exchange is not None:
        words = credential_words(state.settings.credentials, plan, exchange.step_id)
        lines.append("  " + curl_command(exchange.request, words, secrets))
    elif isinstance(failure, StepFailure):
        lines.append("  (no request was sent for the failing step)")
    lines += hypothesis_lines
    report = FuzzFailure(message, lines, failure, hint)
    report.at(plan.workflow_id, plan.where)
    return report


def _pytest_line(state: SessionState, nodeid: str, flags: list[str], live: bool) -> str:
    words = ["pytest", shlex.quote(nodeid)]
    if live:
        words.append("--live")
        words += [
            f"--arazzo-server {shlex.quote(f'{name}={url}' if name != '*' else url)}"
            for name, url in state.settings.servers.items()
        ]
    else:
        words.append("--arazzo-fuzz")  # all inputs given: fuzzing runs exactly this example
    return " ".join(words + flags)


def _hypothesis_problem(error: Exception, prop: _Property, plan: WorkflowPlan) -> WorkflowFailure:
    if isinstance(error, Flaky):
        message = "the failure did not happen again when Hypothesis replayed the same inputs"
        hint = "the workflow or the API is not deterministic for these inputs"
    elif isinstance(error, DeadlineExceeded):
        message = f"a workflow run took longer than the Hypothesis deadline: {error}"
        hint = "raise ini arazzo_fuzz_deadline (milliseconds), or set it to none"
    elif isinstance(error, Unsatisfiable):
        message = f"could not generate inputs that satisfy the input schema: {error}"
        hint = "simplify the input schema, or pin inputs with --arazzo-input"
    else:
        message = f"Hypothesis stopped: {str(error).splitlines()[0] if str(error) else error!r}"
        hint = "see Hypothesis's message; settings come from its profiles and arazzo_fuzz_* ini"
    original = prop.last.failure if prop.last is not None else None
    lines = []
    if prop.last is not None:
        lines = ["last failing inputs:"]
        lines += [f"  {name} = {value!r}" for name, value in sorted(prop.last.inputs.items())]
    report = FuzzFailure(message, lines, original, hint)
    report.at(plan.workflow_id, plan.where)
    return report


# -- what a failure says beyond the example: its finding, which inputs matter, Hypothesis -------

_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|-?\b\d+(?:\.\d+)?\b")


def finding(failure: WorkflowFailure) -> tuple[str, str]:
    """(digest, one line) of what failed, whatever the inputs: the step, the failed criteria
    (else the message with its values left out), the response status."""
    exchange = getattr(failure, "exchange", None)
    status = exchange.response.status if exchange is not None else None
    step = str(getattr(failure, "step_id", ""))
    failed_at = list(getattr(failure, "failed_at", []) or [])
    what = failed_at or [_VALUES.sub("_", failure.message)]
    key = json.dumps([type(failure).__name__, step, status, what], sort_keys=True, default=repr)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    text = [line.strip().removeprefix("- ") for line in failure.message.splitlines()]
    text = [line for line in text if line]
    summary = text[0] if text else type(failure).__name__
    if summary.endswith(":") and len(text) > 1:
        summary = f"{summary} {text[1]}"
    where = f"step '{step}'" + (f" got {status}" if status is not None else "") if step else ""
    return digest, f"{where}: {summary}" if where else summary


def _same_finding(
    first: tuple[str, str], failed: ExampleFailed, plan: WorkflowPlan, secrets: Any
) -> FuzzFailure:
    nodeid, line = first
    shown = ", ".join(f"{name}={value!r}" for name, value in sorted(failed.inputs.items()))
    report = FuzzFailure(
        f"same finding as {nodeid}: {line}",
        [f"falsifying example: {masked(shown, secrets)}"],
        None,
        f"see the full report of {nodeid} (one finding is reported once per session)",
    )
    report.at(plan.workflow_id, plan.where)
    return report


def _simplest(schema: dict[str, Any], components: Any) -> tuple[bool, Any]:
    """(found, value): the simplest value the schema admits (Hypothesis's minimal example)."""
    try:
        strategy = from_schema(schema, {"components": components})
        value = find(
            strategy,
            lambda _: True,
            settings=settings(
                database=None,
                derandomize=True,
                deadline=None,
                max_examples=50,
                phases=[Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            ),
        )
    except (SchemaStrategyError, HypothesisException):
        return False, None
    return True, value


def _inputs_that_do_not_matter(
    prop: _Property, plan: WorkflowPlan, failed: ExampleFailed, pinned: Mapping[str, Any]
) -> set[str]:
    """Replay: the generated inputs whose simplest value fails the same way (one run each)."""
    schema = plan.inputs_schema or {}
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    digest = finding(failed.failure)[0]
    found = set()
    for name, value in sorted(failed.inputs.items()):
        child = (properties or {}).get(name)
        if name in pinned or not isinstance(child, dict):
            continue
        ok, simple = _simplest(child, plan.components)
        if not ok or _same_value(simple, value):
            continue
        with NetworkGuard():
            outcome = prop.run({**failed.inputs, name: simple})
        if outcome is not None and finding(outcome)[0] == digest:
            found.add(name)
    return found


def _same_value(first: Any, second: Any) -> bool:
    return json.dumps(first, sort_keys=True, default=repr) == json.dumps(
        second, sort_keys=True, default=repr
    )


def _seed_line(test: Any, in_force: settings) -> str:
    if in_force.derandomize:
        return (
            "seed: none, derandomize=True (the same inputs every run; --hypothesis-seed has "
            "no effect)"
        )
    seed = getattr(hypothesis.core, "global_force_seed", None)
    if seed is None:
        seed = getattr(test, "_hypothesis_internal_use_generated_seed", None)
    if seed is None:
        return "seed: unknown"
    return f"seed: {seed} (reproduce with --hypothesis-seed={seed})"


def _settings_line(in_force: settings) -> str:
    deadline = in_force.deadline
    shown = "none" if deadline is None else f"{deadline.total_seconds() * 1000:g}ms"
    database = "none" if in_force.database is None else repr(in_force.database)
    phases = ", ".join(phase.name for phase in in_force.phases)
    return (
        f"hypothesis settings (profile '{settings.get_current_profile_name()}'): "
        f"max_examples={in_force.max_examples}, deadline={shown}, "
        f"derandomize={in_force.derandomize}, database={database}, phases=[{phases}]"
    )
