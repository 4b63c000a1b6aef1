"""``x-pytest-markers`` on a workflow: real pytest markers on its items, registered so
``--strict-markers`` accepts them; any other shape is a clean error naming file:line."""

from __future__ import annotations

import pytest

from tests.test_checks import GOOD, assert_clean, project


def fnmatch_escape(text: str) -> str:
    return "".join(f"[{char}]" if char in "[]*?" else char for char in text)


def marked(markers: str) -> str:
    """GOOD with ``x-pytest-markers: <markers>`` on its workflow (line 8)."""
    return GOOD.replace(
        "- workflowId: note\n", f"- workflowId: note\n  x-pytest-markers: {markers}\n"
    )


def test_markers_select_with_strict_markers(pytester: pytest.Pytester) -> None:
    project(pytester, slow=marked("[slow, stripe]"), plain=GOOD)
    result = pytester.runpytest("specs", "--strict-markers", "-m", "slow", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["specs/arazzo/slow.arazzo.yaml::note", "*1/2 tests collected*"])
    assert "plain.arazzo.yaml" not in result.stdout.str()
    both = pytester.runpytest("specs", "--strict-markers", "-m", "slow and stripe", "--co", "-q")
    both.stdout.fnmatch_lines(["specs/arazzo/slow.arazzo.yaml::note"])
    unmarked = pytester.runpytest("specs", "--strict-markers", "-m", "not slow", "--co", "-q")
    unmarked.stdout.fnmatch_lines(["specs/arazzo/plain.arazzo.yaml::note"])
    assert "slow.arazzo.yaml" not in unmarked.stdout.str()


def test_markers_are_listed_by_pytest_markers(pytester: pytest.Pytester) -> None:
    project(pytester, slow=marked("[slow]"))
    result = pytester.runpytest("specs", "--strict-markers", "-p", "no:cacheprovider")
    assert "PytestUnknownMarkWarning" not in result.stdout.str()
    assert_clean(result)


@pytest.mark.parametrize(
    ("markers", "outcome"),
    [
        ("[skip]", {"skipped": 1}),
        ("[{skip: {reason: not in CI}}]", {"skipped": 1}),
        ("{skip: not in CI}", {"skipped": 1}),
        # no cassette: the run fails, which strict xfail turns into an expected failure
        ("[{xfail: {reason: no cassette yet, strict: true}}]", {"xfailed": 1}),
    ],
)
def test_skip_and_xfail(pytester: pytest.Pytester, markers: str, outcome: dict[str, int]) -> None:
    project(pytester, m=marked(markers))
    result = pytester.runpytest("specs", "--strict-markers", "-rsx", "-p", "no:cacheprovider")
    result.assert_outcomes(**outcome)
    if "reason" in markers or "CI}" in markers:
        result.stdout.fnmatch_lines(["*not in CI*" if "CI" in markers else "*no cassette yet*"])


@pytest.mark.parametrize(
    ("markers", "what"),
    [
        ("42", "got int 42"),
        ("[[slow]]", "the entry list ['slow']"),
        ("[{skip: x, slow: y}]", "the entry dict"),
        ("['not a name']", "the marker name str 'not a name' (not a Python name)"),
        ("[{xfail: {not-ok: x}}]", "marker 'xfail': argument names ['not-ok']"),
    ],
)
def test_unknown_shapes_are_a_clean_error(
    pytester: pytest.Pytester, markers: str, what: str
) -> None:
    project(pytester, m=marked(markers), plain=GOOD)
    result = pytester.runpytest("specs", "-p", "no:cacheprovider")
    assert_clean(result)
    result.assert_outcomes(failed=2)  # the marked workflow's error, the plain one's no cassette
    result.stdout.fnmatch_lines(
        [
            "*specs/arazzo/m.arazzo.yaml:8:*: error: x-pytest-markers must be a list of marker "
            f"names or one-key mappings*; {fnmatch_escape(what)}* is not",
            "FAILED specs/arazzo/m.arazzo.yaml::note[[]x-pytest-markers[]]*",
        ]
    )
    assert "m.arazzo.yaml::note " not in result.stdout.str()  # the workflow itself did not run
