"""Arazzo 1.0.1 § Security Considerations: "Arazzo Descriptions are frequently written by
untrusted third parties"; nothing in a description is ever executed as code.

Expressions and conditions are parsed by the package's own grammars (see
test_runtime_expressions.py and test_criterion_object.py); values cannot inject headers or path
segments (test_parameter_object.py).
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest_arazzo

PACKAGE = Path(pytest_arazzo.__file__).resolve().parent
FORBIDDEN = {"eval", "exec", "compile", "__import__"}


def _calls(path: Path) -> list[str]:
    """``name(`` calls of the forbidden builtins (not attributes, definitions, strings)."""
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)
    ]
    found = []
    for before, token, after in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if (
            token.type == tokenize.NAME
            and token.string in FORBIDDEN
            and after.string == "("
            and before.string not in (".", "def")
        ):
            found.append(f"{path.name}:{token.start[0]}: {token.line.strip()}")
    return found


def test_security_considerations__no_eval_or_exec_in_the_package() -> None:
    """No `eval`/`exec` (nor `compile`/`__import__`) anywhere in the package source."""
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 10
    found = [call for path in sources for call in _calls(path)]
    assert found == []
    text = "\n".join(path.read_text() for path in sources)
    assert "import builtins" not in text


def test_security_considerations__the_scanner_finds_a_call(tmp_path: Path) -> None:
    """The check itself works: it flags a real call and ignores methods and strings."""
    sample = tmp_path / "sample.py"
    sample.write_text("x.eval(1)\ndef exec(a): pass\ny = 'eval(2)'\nz = eval('3')\n")
    assert _calls(sample) == ["sample.py:4: z = eval('3')"]
