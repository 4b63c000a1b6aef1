"""Developer check: read the Arazzo 1.1 specification's examples folder and report each file.

    python benchmarks/spec_examples_1_1.py PATH/TO/Arazzo-Specification/examples/1.1.0

Not part of the test suite (the specification is a third-party checkout; its examples are not
copied into the project). Every YAML/JSON file in the folder is read:

- an Arazzo document (a top-level ``arazzo`` field) gets its dialect and every static problem
  (``--arazzo-check``), then each workflow is run as ``benchmarks/spec_examples.py`` runs them
  (loopback server, OpenAPI contract checked);
- a source description (``openapi`` / ``asyncapi``) is listed with what an Arazzo 1.1 step can
  reference in it (operationIds; for AsyncAPI also channels and each operation's action).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.spec_examples import INPUTS, run_file, serve_spec_examples  # noqa: E402
from pytest_arazzo.checks import check_document  # noqa: E402
from pytest_arazzo.document.dialect import dialect_of  # noqa: E402
from pytest_arazzo.document.loader import load_document  # noqa: E402
from pytest_arazzo.document.sources import SourceCache  # noqa: E402
from pytest_arazzo.plan.planner import ArazzoFile  # noqa: E402
from tests.conformance.server import LoopbackServer  # noqa: E402

SUFFIXES = (".yaml", ".yml", ".json")


def describe_source(data: dict[str, Any]) -> list[str]:
    """What an Arazzo step can reference in an OpenAPI or AsyncAPI description."""
    lines = []
    if "asyncapi" in data:
        for name, operation in (data.get("operations") or {}).items():
            channel = (operation or {}).get("channel", {}).get("$ref", "?")
            reply = "with reply" if (operation or {}).get("reply") else "no reply"
            action = (operation or {}).get("action")
            lines.append(f"operation {name}: action {action} on {channel}, {reply}")
        lines += [f"channel {name}" for name in data.get("channels") or {}]
    else:
        for path, item in (data.get("paths") or {}).items():
            for method, operation in (item or {}).items():
                if isinstance(operation, dict) and "operationId" in operation:
                    lines.append(f"{method.upper()} {path}: {operation['operationId']}")
    return lines


def report_arazzo(path: Path, server_url: str) -> list[bool]:
    document = load_document(path, path.name)
    print(f"ARAZZO {path.name}: read as {dialect_of(document.data).label}")
    problems = check_document(document, lambda doc: ArazzoFile(doc, SourceCache(path.parent)))
    for problem in problems:
        print(f"      {str(problem).splitlines()[0]}")
    print(f"      {len(problems)} static problem(s)")
    return run_file(path, server_url, INPUTS, 6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("folder", type=Path, help="the examples folder (e.g. examples/1.1.0)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    files = sorted(p for p in args.folder.iterdir() if p.suffix in SUFFIXES)
    outcomes: list[bool] = []
    with LoopbackServer() as server:
        serve_spec_examples(server)
        for path in files:
            data = yaml.safe_load(path.read_text("utf-8"))
            if isinstance(data, dict) and "arazzo" in data:
                outcomes += report_arazzo(path, server.url)
                continue
            kind = next((k for k in ("asyncapi", "openapi") if k in (data or {})), None)
            if kind is None:
                print(f"OTHER  {path.name}: neither Arazzo, OpenAPI nor AsyncAPI")
                continue
            print(f"SOURCE {path.name}: {kind} {data[kind]} (a source description, no workflow)")
            for line in describe_source(data):
                print(f"      {line}")
    arazzo_files = sum(1 for p in files if "arazzo" in (yaml.safe_load(p.read_text()) or {}))
    print(
        f"\n{outcomes.count(True)} workflows passed, {outcomes.count(False)} failed "
        f"({arazzo_files} Arazzo files, {len(files)} files)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
