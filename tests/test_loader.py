"""Loading Arazzo/OpenAPI documents: YAML 1.2 meaning, positions, and clean errors.

Arazzo 1.0.1 § Format: a document is JSON or YAML, and YAML is read as YAML 1.2 (so a document
means what its text says, whatever PyYAML's YAML 1.1 defaults would make of it).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from pytest_arazzo.diagnostics.codes import CODES
from pytest_arazzo.diagnostics.position import Position
from pytest_arazzo.document import loader as loader_module
from pytest_arazzo.document.loader import (
    LoadError,
    load_document,
    load_problem,
    may_have_aliases,
    parse_text,
)


def test_yaml_1_2_scalars__mean_what_the_text_says() -> None:
    """Arazzo 1.0.1 § Format: YAML 1.2 core schema, not YAML 1.1 (``on``/``yes``/dates)."""
    text = (
        "on: yes\n"
        "off: no\n"
        "y: n\n"
        "date: 2001-01-01\n"
        "octal_looking: 0777\n"
        "octal: 0o17\n"
        "hex: 0x1F\n"
        "underscored: 1_000\n"
        "sexagesimal: 1:20\n"
        "float: .5\n"
        "exp: 1e3\n"
        "true_: true\n"
        "True_: True\n"
        "null_: ~\n"
        "empty:\n"
        "version: 1.0\n"
        "quoted: '1.0'\n"
    )
    data = parse_text(text, "x.yaml").data
    assert data == {
        "on": "yes",
        "off": "no",
        "y": "n",
        "date": "2001-01-01",
        "octal_looking": 777,
        "octal": 15,
        "hex": 31,
        "underscored": "1_000",
        "sexagesimal": "1:20",
        "float": 0.5,
        "exp": 1000.0,
        "true_": True,
        "True_": True,
        "null_": None,
        "empty": None,
        "version": 1.0,
        "quoted": "1.0",
    }
    assert isinstance(data["octal_looking"], int)


def test_mapping_keys__are_strings() -> None:
    """Arazzo 1.0.1 § Format: field names are strings; ``200:`` is the response code "200"."""
    data = parse_text("200: a\ntrue: b\n~: c\n1.5: d\n", "x.yaml").data
    assert data == {"200": "a", "true": "b", "null": "c", "1.5": "d"}


def test_positions__every_pointer_has_line_and_column() -> None:
    """Positions: mapping entries point at their key, list items at the item."""
    text = "workflows:\n- workflowId: a/b\n  steps:\n  - stepId: s1\n    operationId: op\n"
    document = parse_text(text, "wf.yaml")
    assert document.locate("/workflows") == (1, 1)
    assert document.locate("/workflows/0") == (2, 3)
    assert document.locate("/workflows/0/workflowId") == (2, 3)
    assert document.locate("/workflows/0/steps/0/operationId") == (5, 5)
    where = document.where("/workflows/0/steps/0/stepId")
    assert (where.file, where.line, where.column) == ("wf.yaml", 4, 5)
    assert where.pointer == "/workflows/0/steps/0/stepId"
    assert str(where) == "wf.yaml:4:5"
    # a pointer that does not exist: the nearest ancestor that does
    assert document.locate("/workflows/0/steps/0/outputs/x") == (4, 5)
    assert str(document.where("/nothing")) == "wf.yaml:1:1"


def test_position__renders_only_when_printed_and_sorts_numerically() -> None:
    """A position is data: ``str()`` gives ``file:line:col`` (just the file when the line is
    unknown); positions order by file, then line and column as numbers; the pointer a position
    was asked for does not make it another place."""
    assert str(Position("a.yaml", 9, 2)) == "a.yaml:9:2"
    assert str(Position("a.yaml")) == "a.yaml"
    assert Position("a.yaml", 9, 2) < Position("a.yaml", 10, 1) < Position("b.yaml", 1, 1)
    assert Position("a.yaml", 3, 1, "/x") == Position("a.yaml", 3, 1, "/x/y")


def test_positions__keys_with_slash_and_tilde_are_escaped() -> None:
    """RFC 6901 escaping in pointers: ``/`` is ``~1`` and ``~`` is ``~0``."""
    document = parse_text("paths:\n  /v1/a~b:\n    get: {}\n", "api.yaml")
    assert document.locate("/paths/~1v1~1a~0b/get") == (3, 5)


def test_json__strict_data_with_positions() -> None:
    """Arazzo 1.0.1 § Format: JSON documents get positions too."""
    text = '{\n  "arazzo": "1.0.1",\n  "workflows": [\n    {"workflowId": "w"}\n  ]\n}\n'
    document = parse_text(text, "wf.json")
    assert document.data == {"arazzo": "1.0.1", "workflows": [{"workflowId": "w"}]}
    assert document.locate("/workflows/0/workflowId") == (4, 6)


def test_duplicate_keys__recorded_with_position() -> None:
    """A duplicate key keeps the later value and is recorded (reported as AZ005)."""
    document = parse_text("a: 1\nb:\n  c: 1\n  c: 2\n", "x.yaml")
    assert document.data == {"a": 1, "b": {"c": 2}}
    assert document.duplicate_keys == [("/b/c", 4, 3)]


def test_duplicate_keys__in_json_too() -> None:
    document = parse_text('{"a": 1,\n "a": 2}', "x.json")
    assert document.data == {"a": 2}
    assert document.duplicate_keys == [("/a", 2, 2)]


@pytest.mark.parametrize(
    ("text", "name", "code", "where", "message"),
    [
        ("a: [1, 2\n", "x.yaml", "AZ001", "x.yaml:2:1", "invalid YAML: while parsing a flow"),
        ("a:\n\t- b\n", "x.yaml", "AZ007", "x.yaml:2:1", "invalid YAML: while scanning"),
        ("", "x.yaml", "AZ004", "x.yaml:1:1", "the document is empty"),
        ("# only a comment\n", "x.yaml", "AZ004", "x.yaml:1:1", "the document is empty"),
        ("a: 1\n---\nb: 2\n", "x.yaml", "AZ012", "x.yaml:2:1", "invalid YAML: expected a single"),
        ("a: !!int abc\n", "x.yaml", "AZ001", "x.yaml:1:4", "'abc' is not a valid !!int value"),
        ("a: !!bool maybe\n", "x.yaml", "AZ001", "x.yaml:1:4", "'maybe' is not a valid !!bool"),
        ("? [a]\n: 1\n", "x.yaml", "AZ001", "x.yaml:1:3", "a mapping key must be a plain value"),
        ("a: &x [*x]\n", "x.yaml", "AZ003", "x.yaml:1:4", "a YAML alias refers to itself"),
        ('{"a": 1,}', "x.json", "AZ001", "x.json:1:9", "invalid JSON: Expecting property name"),
        ("[" * 300 + "]" * 300, "x.yaml", "AZ003", "x.yaml:1:202", "nesting deeper than 200"),
        ("[" * 300 + "]" * 300, "x.json", "AZ003", "x.json", "nesting deeper than 200 levels"),
    ],
    ids=[
        "unclosed-flow",
        "tab",
        "empty",
        "comment-only",
        "two-documents",
        "bad-int-tag",
        "bad-bool-tag",
        "complex-key",
        "recursive-alias",
        "json-trailing-comma",
        "deep-yaml",
        "deep-json",
    ],
)
def test_parse_errors__have_code_and_position(
    text: str, name: str, code: str, where: str, message: str
) -> None:
    """A document that cannot be parsed: one error with a code and ``file:line:col``."""
    with pytest.raises(LoadError) as caught:
        parse_text(text, name)
    assert caught.value.code == code
    assert str(caught.value.where()) == where
    assert caught.value.message.startswith(message)


def test_huge_integer__is_an_error_not_a_crash() -> None:
    """Python refuses int() of more than 4300 digits; that must be a clean AZ001."""
    with pytest.raises(LoadError) as caught:
        parse_text("a: " + "9" * 5000 + "\n", "x.yaml")
    assert caught.value.code == "AZ001"
    with pytest.raises(LoadError):
        parse_text('{"a": ' + "9" * 5000 + "}", "x.json")


def test_alias_bomb__refused_quickly() -> None:
    """Billion laughs: aliases that multiply are refused before anything is built."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    started = time.perf_counter()
    with pytest.raises(LoadError) as caught:
        parse_text("\n".join(lines), "bomb.yaml")
    assert time.perf_counter() - started < 1.0
    assert caught.value.code == "AZ003"
    assert "aliases expand this document" in caught.value.message


def test_a_few_aliases__are_fine() -> None:
    document = parse_text("base: &b {x: 1}\none: *b\ntwo: *b\n", "x.yaml")
    assert document.data == {"base": {"x": 1}, "one": {"x": 1}, "two": {"x": 1}}


# Every place YAML lets an alias start (block and flow, after ':', '?', ',', '[', '{', a tab,
# a line break or a byte-order mark); each text composes to a node tree with a shared node.
ALIAS_PLACES = [
    "a: &x 1\nb: *x\n",
    "a: &x 1\nb:\n- *x\n",
    "a: &x 1\nb: [*x]\n",
    "a: &x 1\nb: [1,*x]\n",
    "a: &x 1\nb: {c: *x}\n",
    '{"a": &x 1, "b":*x}',
    "a: &x k\nb: {? *x : 1}\n",
    "a: &x k\nb: {?*x : 1}\n",
    "a: &x 1\nb:\t*x\n",
    "- &x 1\n-\n  *x\n",
    "\ufeff- &x 1\n- *x\n",
    "&x a: *x\n",
    "? &x k\n: *x\n",
]


@pytest.mark.parametrize("text", ALIAS_PLACES)
def test_alias_anywhere__is_measured(text: str) -> None:
    """YAML 1.2 § Alias Nodes: the quick look for an alias (which skips the bomb guard when
    there is none) finds every alias that composes; the guard then counts it."""
    loader = yaml.CSafeLoader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    assert _has_shared_node(root), "the example must really hold an alias"
    assert may_have_aliases(text)
    parse_text(text, "x.yaml")  # and the guard accepts these small ones


def test_no_alias__skips_the_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    """A text without an alias token (a ``*`` in strings and URLs is no alias) is never
    measured: its nodes form a tree, so there is nothing to expand; with one, it is."""
    calls: list[object] = []
    monkeypatch.setattr(loader_module, "_measure", calls.append)
    plain = "a: '*/*'\nb: \"*\"\nc: http://x/?q=a*b\nd: 2*3\n"
    assert parse_text(plain, "x.yaml").data["a"] == "*/*"
    assert calls == []
    parse_text("a: &x 1\nb: *x\n", "x.yaml")
    assert len(calls) == 1


def test_shipped_files__with_shared_nodes_are_all_measured() -> None:
    """Every YAML file the project ships: when its node tree shares a node, the quick look
    says so (no false "no alias")."""
    root = Path(__file__).resolve().parent.parent
    files = [*root.glob("specs/**/*.y*ml"), *root.glob("fixtures/**/*.y*ml")]
    assert files
    for path in files:
        text = path.read_text()
        loader = yaml.CSafeLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if _has_shared_node(node):
            assert may_have_aliases(text), path


def _has_shared_node(root: yaml.Node) -> bool:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return False


@pytest.mark.parametrize(
    ("content", "code", "message", "hint"),
    [
        (
            b"\x00\x01\x02binary",
            "AZ013",
            "this is a binary file, not YAML or JSON",
            "Arazzo files are YAML or JSON text",
        ),
        (b"a: \xff\xfe\n", "AZ014", "not UTF-8 text (byte 3)", "save the file as UTF-8"),
    ],
)
def test_files_that_are_not_text__own_code_and_hint(
    tmp_path: Path, content: bytes, code: str, message: str, hint: str
) -> None:
    path = tmp_path / "x.arazzo.yaml"
    path.write_bytes(content)
    with pytest.raises(LoadError) as caught:
        load_document(path, "specs/x.arazzo.yaml")
    assert caught.value.code == code
    assert str(caught.value) == f"specs/x.arazzo.yaml: {message}"
    assert load_problem(caught.value).hint == hint


def test_missing_file__az002(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        load_document(tmp_path / "nope.yaml", "nope.yaml")
    assert (caught.value.code, str(caught.value)) == ("AZ002", "nope.yaml: file not found")


def test_byte_order_mark__is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbfarazzo: 1.0.1\n")
    assert load_document(path).data == {"arazzo": "1.0.1"}


def test_display_name__used_in_positions(tmp_path: Path) -> None:
    """Messages name the file as given (relative to the rootdir), not by absolute path."""
    path = tmp_path / "wf.yaml"
    path.write_text("a:\n  b: 1\n")
    document = load_document(path, "specs/wf.yaml")
    assert str(document.where("/a/b")) == "specs/wf.yaml:2:3"


def test_load_problem__renders_like_a_compiler() -> None:
    """A parse error becomes ``file:line:col: error AZ007: ...`` with a hint."""
    with pytest.raises(LoadError) as caught:
        parse_text("a:\n\tb: 1\n", "specs/wf.arazzo.yaml")
    rendered = load_problem(caught.value).render()
    assert rendered == (
        "specs/wf.arazzo.yaml:2:1: error AZ007: invalid YAML: while scanning for the next token "
        "found character '\\t' that cannot start any token\n"
        "    hint: YAML indents with spaces; a tab or '@'/'`' cannot start a value"
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a:\n\tb: 1\n", "AZ007"),
        ("a: @x\n", "AZ007"),
        ("a: b: c\n", "AZ008"),
        ("a: 1\nb\nc: 2\n", "AZ009"),
        ("a:\n  b: 1\n c: 2\n", "AZ010"),
        ("a: *nope\n", "AZ011"),
        ("a: 1\n---\nb: 2\n", "AZ012"),
    ],
    ids=["tab", "at-sign", "colon-in-value", "no-colon", "indent", "no-anchor", "two-documents"],
)
def test_yaml_slips__own_code_and_its_documented_fix_as_hint(text: str, code: str) -> None:
    """Each kind of YAML slip has its code, and the hint is that code's documented fix (chosen
    by code, not by searching the message)."""
    with pytest.raises(LoadError) as caught:
        parse_text(text, "x.yaml")
    assert caught.value.code == code, caught.value
    found = load_problem(caught.value)
    assert (found.code, found.hint) == (code, CODES[code].fix)


def test_other_syntax_errors__az001_without_a_hint() -> None:
    with pytest.raises(LoadError) as caught:
        parse_text("a: [1, 2\n", "x.yaml")
    found = load_problem(caught.value)
    assert (found.code, found.hint) == ("AZ001", "")
    assert found.render().startswith("x.yaml:2:1: error AZ001: invalid YAML: while parsing a flow")


def test_control_characters__az001_with_position() -> None:
    """YAML 1.2 forbids most control characters; the error says where."""
    with pytest.raises(LoadError) as caught:
        parse_text("a: 1\nb: \x07\n", "x.yaml")
    message = str(caught.value)  # libyaml says "control", PyYAML "special" characters
    assert message.startswith("x.yaml:2:4: invalid YAML: ")
    assert message.endswith("characters are not allowed (U+0007)")
