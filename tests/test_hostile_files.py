"""Hostile files: every file the plugin reads is confined, bounded and parsed without surprises.

Each case runs a project with one good workflow (replayed from its cassette) next to the hostile
one, and asserts the clean message, the bound, and that the good item still passed. Runs are
subprocesses with a timeout, so a regression that hangs fails here instead of hanging the suite.
Times are measured with generous margins (the bound a hang would break, never a tight budget).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pytest_arazzo.cassette.matching import same
from pytest_arazzo.cassette.scrub import SCRUBBED

API = """\
openapi: 3.1.0
info: {title: t, version: '1'}
servers: [{url: 'http://127.0.0.1:9'}]
paths:
  /ping:
    get:
      operationId: ping
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object}
"""

GOOD = """\
arazzo: 1.0.1
info: {title: good, version: '1'}
sourceDescriptions:
- {name: api, url: api.yaml, type: openapi}
workflows:
- workflowId: ping
  steps:
  - stepId: ping
    operationId: ping
    successCriteria:
    - condition: $statusCode == 200
"""

CASSETTE = """\
cassette_version: 1
item: specs/good.arazzo.yml::ping
workflow: ping
inputs: {}
interactions:
- step: ping
  request: {method: GET, url: 'http://127.0.0.1:9/ping'}
  response:
    status: 200
    headers: {Content-Type: application/json}
    json: %s
"""

GOOD_PASSED = "specs/good.arazzo.yml::ping PASSED"
LEAN = ("-p", "no:cacheprovider", "-p", "no:benchmark", "-p", "no:recording")  # fast start
HANG = 120  # seconds: a run this long hangs (the runs below take seconds, more under load)


def workflow(name: str, url: str = "api.yaml", kind: str = "openapi", extra: str = "") -> str:
    """An Arazzo file whose one workflow calls ``ping`` on the source at ``url``."""
    return f"""\
arazzo: 1.0.1
info: {{title: {name}, version: '1'}}
sourceDescriptions:
- {{name: api, url: '{url}', type: {kind}}}
workflows:
- workflowId: {name}
  steps:
  - stepId: ping
    operationId: ping{extra}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """specs/api.yaml, specs/good.arazzo.yml and the good item's cassette."""
    (pytester.path / "specs").mkdir()
    (pytester.path / "specs" / "api.yaml").write_text(API)
    (pytester.path / "specs" / "good.arazzo.yml").write_text(GOOD)
    cassettes = pytester.path / "fixtures" / "cassettes"
    (cassettes / "specs" / "good").mkdir(parents=True)
    (cassettes / "specs" / "good" / "ping.yaml").write_text(CASSETTE % "{ok: true}")
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    return pytester


def run(project: pytest.Pytester, *args: str) -> tuple[str, float]:
    """Run pytest in a subprocess (killed after :data:`HANG` s); its output and duration."""
    started = time.monotonic()
    result = project.runpytest_subprocess(*LEAN, "-rA", "-v", *args, timeout=HANG)
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output, output
    return output, time.monotonic() - started


def write(project: pytest.Pytester, relative: str, text: str) -> Path:
    path = project.path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- confinement (sources, $ref targets, input files, cassettes) ------------------------------


def test_sources_outside_the_rootdir__refused_naming_file_line_and_rule(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Arazzo 1.0.1 § Source Description Object: ``url`` is read only under the rootdir."""
    outside = tmp_path_factory.mktemp("outside") / "api.yaml"
    outside.write_text(API)
    relative = os.path.relpath(outside, project.path / "specs")
    write(project, "specs/dotdot.arazzo.yml", workflow("dotdot", relative))
    write(project, "specs/absolute.arazzo.yml", workflow("absolute", str(outside)))
    write(project, "specs/fileurl.arazzo.yml", workflow("fileurl", outside.as_uri()))
    (project.path / "specs" / "link.yaml").symlink_to(outside)
    write(project, "specs/symlink.arazzo.yml", workflow("symlink", "link.yaml"))
    output, _ = run(project)
    assert GOOD_PASSED in output
    for name in ("dotdot", "absolute", "fileurl", "symlink"):
        assert f"specs/{name}.arazzo.yml:4:15: error AZ016: source 'api' (" in output, name
        assert f"specs/{name}.arazzo.yml::{name} FAILED" in output
    assert f"reads {outside.resolve()}, which is outside the rootdir" in output
    assert "add its folder to the ini arazzo_allowed_paths" in output


def test_allowed_paths__names_more_folders(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("shared") / "api.yaml"
    outside.write_text(API)
    write(project, "specs/shared.arazzo.yml", workflow("shared", str(outside)))
    project.makepyprojecttoml(
        f'[tool.pytest.ini_options]\narazzo_allowed_paths = ["{outside.parent}"]\n'
    )
    output, _ = run(project)
    assert "AZ016" not in output
    assert "no cassette for this item" in output  # it got past loading its source


def test_ref_outside_the_rootdir__refused(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("refs") / "schemas.yaml"
    outside.write_text("Thing: {type: object}\n")
    api = API.replace("schema: {type: object}", f"schema: {{$ref: '{outside}#/Thing'}}")
    write(project, "specs/refapi.yaml", api)
    write(project, "specs/ref.arazzo.yml", workflow("ref", "refapi.yaml"))
    write(project, "fixtures/cassettes/specs/ref/ref.yaml", CASSETTE % "{ok: true}")
    output, _ = run(project)
    assert GOOD_PASSED in output
    # the schema is never read: its contract check is skipped with a warning saying why
    assert f"$ref '{outside}' in specs/refapi.yaml reads {outside.resolve()}" in output
    assert "outside the rootdir" in output


def test_input_file_symlinked_outside__refused(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("inputs") / "secret.yaml"
    outside.write_text("inputs:\n  default: {}\n")
    write(project, "specs/inputs.arazzo.yml", workflow("inputs"))
    (project.path / "fixtures" / "inputs").mkdir(parents=True)
    (project.path / "fixtures" / "inputs" / "inputs.yaml").symlink_to(outside)
    output, _ = run(project)
    assert GOOD_PASSED in output
    assert "cannot read the input file: fixtures/inputs/inputs.yaml" in output
    assert f"the input file reads {outside.resolve()}, which is outside the rootdir" in output


def test_input_folder_symlinked_outside__refused(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each inputs folder is resolved once a session: one that is a symlink out of the rootdir
    is refused like a symlinked file."""
    outside = tmp_path_factory.mktemp("input-folder")
    (outside / "inputs.yaml").write_text("inputs:\n  default: {}\n")
    write(project, "specs/inputs.arazzo.yml", workflow("inputs"))
    (project.path / "fixtures").mkdir(exist_ok=True)
    (project.path / "fixtures" / "inputs").symlink_to(outside)
    output, _ = run(project)
    assert GOOD_PASSED in output
    assert "cannot read the input file: fixtures/inputs/inputs.yaml" in output
    resolved = (outside / "inputs.yaml").resolve()
    assert f"the input file reads {resolved}, which is outside the rootdir" in output


def test_cassette_symlinked_outside__refused_in_replay_and_fuzzing(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("cassettes") / "stolen.yaml"
    outside.write_text(CASSETTE % "{ok: true}")
    write(project, "specs/stolen.arazzo.yml", workflow("stolen"))
    folder = project.path / "fixtures" / "cassettes" / "specs" / "stolen"
    folder.mkdir(parents=True)
    (folder / "stolen.yaml").symlink_to(outside)
    for args in ((), ("--arazzo-fuzz",)):
        output, _ = run(project, *args)
        assert "specs/stolen.arazzo.yml::stolen FAILED" in output, args
        assert f"resolves to {outside.resolve()}, outside the cassette folder" in output


def test_cassette_folder_symlinked_outside__refused(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The session resolves each cassette folder once: a folder that is itself a symlink out
    of the cassette folder is refused like a symlinked file, for every item in it."""
    outside = tmp_path_factory.mktemp("cassette-folder")
    (outside / "stolen.yaml").write_text(CASSETTE % "{ok: true}")
    write(project, "specs/stolen.arazzo.yml", workflow("stolen"))
    (project.path / "fixtures" / "cassettes" / "specs").mkdir(parents=True, exist_ok=True)
    (project.path / "fixtures" / "cassettes" / "specs" / "stolen").symlink_to(outside)
    output, _ = run(project)
    assert "specs/stolen.arazzo.yml::stolen FAILED" in output
    resolved = (outside / "stolen.yaml").resolve()
    assert f"resolves to {resolved}, outside the cassette folder" in output


def test_fuzz_workflow_id_with_dotdot__never_reads_outside_the_cassette_folder(
    project: pytest.Pytester,
) -> None:
    write(project, "fixtures/secret.yaml", CASSETTE % "{ok: true}")
    write(project, "specs/escape.arazzo.yml", workflow("../../secret"))
    output, _ = run(project, "--arazzo-fuzz")
    assert GOOD_PASSED in output
    assert "would be written outside its folder" in output


# -- bounded files ------------------------------------------------------------------------------


def test_fifo_and_device_sources__refused_without_reading(project: pytest.Pytester) -> None:
    os.mkfifo(project.path / "specs" / "pipe.yaml")
    write(project, "specs/fifo.arazzo.yml", workflow("fifo", "pipe.yaml"))
    write(project, "specs/zero.arazzo.yml", workflow("zero", "/dev/zero"))
    project.makepyprojecttoml('[tool.pytest.ini_options]\narazzo_allowed_paths = ["/dev"]\n')
    output, took = run(project)
    assert GOOD_PASSED in output
    assert "specs/pipe.yaml: error AZ201: a FIFO (named pipe), not a regular file" in output
    assert "/dev/zero: error AZ201: a device, not a regular file" in output
    assert took < HANG  # a hang is killed at HANG; a loaded machine may take a while


def test_oversize_files__refused_by_size_before_reading(project: pytest.Pytester) -> None:
    write(project, "specs/big.yaml", API + "x-padding: '" + "x" * 5000 + "'\n")
    write(project, "specs/big.arazzo.yml", workflow("big", "big.yaml"))
    project.makepyprojecttoml("[tool.pytest.ini_options]\narazzo_max_file_bytes = 4000\n")
    output, _ = run(project)
    assert GOOD_PASSED in output
    assert "specs/big.yaml: error AZ201: file is larger than 4000 bytes" in output
    assert "the ini arazzo_max_file_bytes sets the limit" in output


def test_alias_bomb_cassette__refused_fast(project: pytest.Pytester) -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    text = (CASSETTE % "{ok: true}").replace("inputs: {}", "\n".join(bomb) + "\ninputs: {}")
    assert len(text) < 1500
    write(project, "specs/bomb.arazzo.yml", workflow("bomb"))
    write(project, "fixtures/cassettes/specs/bomb/bomb.yaml", text)
    output, took = run(project)
    assert GOOD_PASSED in output
    bomb = "fixtures/cassettes/specs/bomb/bomb.yaml"
    assert f"{bomb}:1:1: corrupt cassette: YAML aliases expand" in output
    assert took < HANG  # a hang is killed at HANG; a loaded machine may take a while


def test_yaml_tags_outside_the_core_schema__refused_with_position(
    project: pytest.Pytester,
) -> None:
    tagged = workflow("tagged") + "x-run: !!python/object/apply:os.system ['echo pwned']\n"
    write(project, "specs/tagged.arazzo.yml", tagged)
    write(project, "specs/binary.yaml", API + "x-blob: !!binary aGVsbG8=\n")
    write(project, "specs/binary.arazzo.yml", workflow("binary", "binary.yaml"))
    write(project, "specs/custom.arazzo.yml", workflow("custom") + "x-set: !!set {a, b}\n")
    write(project, "specs/when.arazzo.yml", workflow("when") + "x-date: 2024-01-01\n")
    write(project, "fixtures/cassettes/specs/when/when.yaml", CASSETTE % "{ok: true}")
    output, _ = run(project)
    assert GOOD_PASSED in output
    assert "specs/when.arazzo.yml::when PASSED" in output  # a timestamp is just a string
    assert (
        "specs/tagged.arazzo.yml:10:8: error AZ015: the YAML tag !!python/object/apply:os.system"
        " is not allowed" in output
    )
    assert "specs/binary.yaml:14:9: error AZ015: the YAML tag !!binary is not allowed" in output
    assert "specs/custom.arazzo.yml:10:8: error AZ015: the YAML tag !!set is not allowed" in output
    assert "pwned" not in output.replace("['echo pwned']", "")


def test_deep_nesting__in_a_cassette_body_and_in_arazzo_input(project: pytest.Pytester) -> None:
    write(project, "specs/deep.arazzo.yml", workflow("deep"))
    deep = "[" * 5000 + "]" * 5000
    write(project, "fixtures/cassettes/specs/deep/deep.yaml", CASSETTE % deep)
    output, _ = run(project)
    assert GOOD_PASSED in output
    assert "fixtures/cassettes/specs/deep/deep.yaml" in output
    assert "nesting deeper than 200 levels" in output or "exceeded maximum nesting depth" in output
    output, _ = run(project, "--arazzo-input", "x=" + deep)
    assert "--arazzo-input x: the value nests deeper than 200 levels" in output


# -- cycles -----------------------------------------------------------------------------------


def test_source_description_cycle__one_problem_naming_the_cycle(project: pytest.Pytester) -> None:
    """Arazzo 1.0.1 § Source Description Object (type arazzo): a → b → a is reported."""
    for name, other in (("a", "b"), ("b", "a")):
        text = workflow(f"w{name}", f"{other}.arazzo.yml", "arazzo").replace(
            "operationId: ping", f"workflowId: $sourceDescriptions.api.w{other}"
        )
        write(project, f"specs/cycle/{name}.arazzo.yml", text)
    output, _ = run(project)
    assert GOOD_PASSED in output
    assert (
        "specs/cycle/a.arazzo.yml:4:15: error AZ017: source 'api' leads back to this file: "
        "sourceDescriptions cycle specs/cycle/a.arazzo.yml -> specs/cycle/b.arazzo.yml -> "
        "specs/cycle/a.arazzo.yml" in output
    )


def test_ref_cycle_across_files__reported_not_hung(project: pytest.Pytester) -> None:
    api = API.replace("schema: {type: object}", "schema: {$ref: 'one.yaml#/Thing'}")
    write(project, "specs/cycapi.yaml", api)
    write(project, "specs/one.yaml", "Thing: {$ref: 'two.yaml#/Thing'}\n")
    write(project, "specs/two.yaml", "Thing: {$ref: 'one.yaml#/Thing'}\n")
    write(project, "specs/refcycle.arazzo.yml", workflow("refcycle", "cycapi.yaml"))
    write(project, "fixtures/cassettes/specs/refcycle/refcycle.yaml", CASSETTE % "{ok: true}")
    output, took = run(project)
    assert GOOD_PASSED in output
    # the cycle is found when the contract schema is resolved: that check is skipped, saying why
    assert "$ref cycle through 'one.yaml#/Thing'" in output or "recursive $ref" in output
    assert took < HANG  # a hang is killed at HANG; a loaded machine may take a while


# -- regular expressions ----------------------------------------------------------------------


def test_catastrophic_regex__criterion_and_input_pattern_fail_within_the_limit(
    project: pytest.Pytester,
) -> None:
    """Arazzo 1.0.1 § Criterion Object (type regex) and the workflow ``inputs`` JSON Schema."""
    evil = "^(a|aa)+$"
    criterion = (
        "\n    successCriteria:\n    - context: $response.body#/text\n"
        f"      condition: '{evil}'\n      type: regex"
    )
    write(project, "specs/evil.arazzo.yml", workflow("evil", extra=criterion))
    body = "{text: '" + "a" * 60 + "!'}"
    write(project, "fixtures/cassettes/specs/evil/evil.yaml", CASSETTE % body)
    pattern = workflow("pattern").replace(
        "  steps:",
        "  inputs:\n    type: object\n    properties:\n"
        f"      word: {{type: string, pattern: '{evil}'}}\n  steps:",
    )
    write(project, "specs/pattern.arazzo.yml", pattern)
    word = "a" * 60 + "!"
    recorded = (CASSETTE % "{ok: true}").replace("inputs: {}", f"inputs: {{word: {word}}}")
    write(project, "fixtures/cassettes/specs/pattern/pattern.yaml", recorded)  # replay's inputs
    output, took = run(project)
    assert GOOD_PASSED in output
    assert "specs/evil.arazzo.yml::evil FAILED" in output
    assert "specs/pattern.arazzo.yml::pattern FAILED" in output
    assert output.count("(catastrophic backtracking)") >= 2
    assert took < HANG  # a hang is killed at HANG; a loaded machine may take a while


# -- replay matching ----------------------------------------------------------------------------


def test_scrubbed_markers__linear_matching() -> None:
    recorded = SCRUBBED.join(["a"] * 1001)
    sent = "ab" * 50_000
    started = time.monotonic()
    assert not same(recorded, sent + "c")
    assert same(recorded, "ax" * 1000 + "a")
    assert not same(recorded, "a" * 1001)  # <scrubbed> never matches empty text
    assert time.monotonic() - started < 2
