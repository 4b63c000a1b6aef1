"""Developer check: read the Arazzo 1.1 specification's examples folder and report each file.

    python benchmarks/spec_examples_1_1.py PATH/TO/Arazzo-Specification/examples/1.1.0

Not part of the test suite (the specification is a third-party checkout; its examples are not
copied into the project). Every YAML/JSON file in the folder is read:

- an Arazzo document (a top-level ``arazzo`` field) gets its dialect and every static problem
  (``--arazzo-check``), then each workflow is run as ``benchmarks/spec_examples.py`` runs them
  (loopback server, OpenAPI contract checked);
- a source description (``openapi`` / ``asyncapi``) is listed with what an Arazzo 1.1 step can
  reference in it (operationIds; for AsyncAPI also channels and each operation's action), and an
  AsyncAPI one with what pytest-arazzo reads of it (version, channels with their protocols);
- with ``--spec PATH/versions/1.1.0.md``, the Arazzo documents written in the specification's
  text (YAML blocks with ``arazzo`` and ``workflows``) are checked and run too: each is written
  to a temporary folder with copies of the examples folder's files, and a remote source URL
  whose file name is one of them (``.../examples/1.1.0/pet-asyncapi.yaml``) is pointed at the
  copy; other remote sources stay remote (and are reported). No message transport is
  registered, so an AsyncAPI step fails with "AsyncAPI steps are not executed".

    python benchmarks/spec_examples_1_1.py SPEC/examples/1.1.0 --spec SPEC/versions/1.1.0.md
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.spec_examples import INPUTS, run_file, serve_spec_examples  # noqa: E402
from pytest_arazzo.checks import check_document  # noqa: E402
from pytest_arazzo.document.asyncapi import AsyncApi  # noqa: E402
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


def describe_asyncapi(path: Path) -> list[str]:
    """What pytest-arazzo reads of an AsyncAPI file, through its own loader."""
    arazzo = path.parent / "_probe.arazzo.yaml"
    arazzo.write_text("arazzo: 1.1.0\n")
    try:
        cache = SourceCache(path.parent)
        source = cache.source(
            {"name": "probe", "url": path.name, "type": "asyncapi"}, load_document(arazzo)
        )
    except Exception as error:  # a file pytest-arazzo cannot read: say why
        return [f"pytest-arazzo: not readable: {error}"]
    finally:
        arazzo.unlink()
    api = AsyncApi(source)
    lines = [f"pytest-arazzo: {api.version_problem() or f'AsyncAPI {api.version}, usable'}"]
    for key in api.channel_keys:
        channel = api.channel(key)
        if channel is not None:
            protocols = ", ".join(str(s.get("protocol")) for s in channel.servers) or "none"
            lines.append(
                f"  channelPath #{channel.pointer}: address '{channel.address}', protocols "
                f"{protocols}, correlationId at {channel.correlation_location() or 'none'}"
            )
    for operation in api.operations.values():
        lines.append(f"  operationId {operation.operation_id} -> channel '{operation.channel.key}'")
    return lines


_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)


def spec_documents(spec: Path) -> list[str]:
    """The Arazzo documents (``arazzo`` and ``workflows`` at the top) in the specification text."""
    found = []
    for block in _YAML_BLOCK.findall(spec.read_text("utf-8")):
        try:
            data = yaml.safe_load(block)
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and "arazzo" in data and "workflows" in data:
            found.append(block)
    return found


def run_spec_documents(spec: Path, folder: Path, server_url: str) -> list[bool]:
    """Check and run each Arazzo document of the specification text (see the module doc)."""
    outcomes: list[bool] = []
    local = {p.name for p in folder.iterdir() if p.suffix in SUFFIXES}
    for index, block in enumerate(spec_documents(spec), start=1):
        with tempfile.TemporaryDirectory() as temporary:
            work = Path(temporary)
            for name in local:
                shutil.copy(folder / name, work / name)
            data = yaml.safe_load(block)
            for source in data.get("sourceDescriptions") or []:
                url = str(source.get("url", ""))
                if url.rsplit("/", 1)[-1] in local:
                    print(f"      source {source.get('name')}: {url} -> ./{url.rsplit('/', 1)[-1]}")
                    block = block.replace(url, "./" + url.rsplit("/", 1)[-1])
            path = work / f"spec-text-{index}.arazzo.yaml"
            path.write_text(block)
            outcomes += report_arazzo(path, server_url)
    return outcomes


def report_arazzo(path: Path, server_url: str) -> list[bool]:
    document = load_document(path, path.name)
    print(f"ARAZZO {path.name}: read as {dialect_of(document.data).label}")
    problems = check_document(document, lambda doc: ArazzoFile(doc, SourceCache(path.parent)))
    for problem in problems:
        print(f"      {problem.render().splitlines()[0]}")
    print(f"      {len(problems)} static problem(s)")
    return run_file(path, server_url, INPUTS, 6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("folder", type=Path, help="the examples folder (e.g. examples/1.1.0)")
    parser.add_argument("--spec", type=Path, help="the specification text (versions/1.1.0.md)")
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
            if kind == "asyncapi":
                for line in describe_asyncapi(path):
                    print(f"      {line}")
        if args.spec is not None:
            print(f"SPEC   {args.spec.name}: the Arazzo documents written in the text")
            outcomes += run_spec_documents(args.spec, args.folder, server.url)
    arazzo_files = sum(1 for p in files if "arazzo" in (yaml.safe_load(p.read_text()) or {}))
    print(
        f"\n{outcomes.count(True)} workflows passed, {outcomes.count(False)} failed "
        f"({arazzo_files} Arazzo files, {len(files)} files)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
