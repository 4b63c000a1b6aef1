"""Fixtures shared by the plugin's tests: the Stripe-shaped loopback server and seed projects."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import hypothesis.core
import jsonpath_rfc9535  # noqa: F401  (see below)
import pytest
import yaml  # noqa: F401  (see below)
from hypothesis import settings

from tests.stripe_server import StripeServer

# jsonpath_rfc9535 loads a PyO3 extension (iregexp_check) that cannot be initialized twice in one
# process. The plugin imports it lazily, and pytester's in-process runs drop the modules imported
# during an inner run, so the first import must happen here, before any inner run.
# PyYAML likewise: re-imported by a second inner run, its C parser would build nodes the new
# module's loader does not know (a None tag), so it is imported here once for the session.

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "specs" / "arazzo" / "stripe-create-and-finalize-invoice.arazzo.yml"
OPENAPI = ROOT / "specs" / "openapi" / "stripe-invoice-api-openapi.yml"
TEST_KEY = "sk_test_CANARYpytestarazzo0123456789"
SEED_NODE = (
    "specs/arazzo/stripe-create-and-finalize-invoice.arazzo.yml::create-and-finalize-invoice"
)

PYPROJECT = """
[tool.pytest.ini_options]
arazzo_credentials = ["invoiceApi=STRIPE_API_KEY"]
"""

SEED_INPUTS = """
create-and-finalize-invoice:
  default:
    customer: cus_PYTESTARAZZO01
    amount: 2000
    currency: usd
"""


@pytest.fixture
def stripe_server() -> Iterator[StripeServer]:
    """A fresh Stripe-shaped server on 127.0.0.1 (deterministic ids, seed 0)."""
    with StripeServer() as server:
        yield server


@pytest.fixture
def seed_project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project laid out like this repository: the seed workflow, its OpenAPI file, inputs."""
    (pytester.path / "specs" / "arazzo").mkdir(parents=True)
    (pytester.path / "specs" / "openapi").mkdir(parents=True)
    (pytester.path / "fixtures" / "inputs").mkdir(parents=True)
    shutil.copy(SEED, pytester.path / "specs" / "arazzo" / SEED.name)
    shutil.copy(OPENAPI, pytester.path / "specs" / "openapi" / OPENAPI.name)
    pytester.makepyprojecttoml(PYPROJECT)
    inputs = pytester.path / "fixtures" / "inputs" / "stripe-create-and-finalize-invoice.yaml"
    inputs.write_text(SEED_INPUTS)
    return pytester


@pytest.fixture
def test_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A test-mode key (a canary: it must never reach a cassette) in STRIPE_API_KEY."""
    monkeypatch.setenv("STRIPE_API_KEY", TEST_KEY)
    return TEST_KEY


def record_args(server: StripeServer, *extra: str) -> list[str]:
    """Command-line arguments that record against ``server``."""
    return [
        "--record",
        "--arazzo-server",
        f"invoiceApi={server.url}",
        "-p",
        "no:cacheprovider",
        *extra,
    ]


# -- fuzzing (tests/test_fuzzing*.py) ------------------------------------------------------------

SEED_CASSETTES = Path("fixtures/cassettes/specs/arazzo/stripe-create-and-finalize-invoice")
# derandomize=False: with CI set, Hypothesis's default is its derandomized "ci" profile,
# which the profiles below would inherit, and --hypothesis-seed would then change nothing.
PROFILES = (
    "from hypothesis import settings\n"
    "settings.register_profile('arazzo-test', database=None, deadline=None, derandomize=False)\n"
    "settings.register_profile('tiny', database=None, deadline=None, max_examples=7,"
    " derandomize=False)\n"
    "settings.register_profile('derandomized', database=None, deadline=None, derandomize=True)\n"
)


@pytest.fixture
def hypothesis_globals(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process pytester runs set Hypothesis globals (seed, profile): restore them after."""
    monkeypatch.setattr(hypothesis.core, "global_force_seed", None)
    profile = settings.get_current_profile_name()
    yield
    settings.load_profile(profile)


@pytest.fixture
def fuzz_project(seed_project: pytest.Pytester) -> pytest.Pytester:
    """The seed project with its shipped cassettes, and no example database on disk."""
    shutil.copytree(ROOT / SEED_CASSETTES, seed_project.path / SEED_CASSETTES)
    seed_project.makeconftest(PROFILES)
    return seed_project
