"""A ready-to-paste ``curl`` line for a request: the credential as ``$ENV_VAR``, never its value."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping

from pytest_arazzo.http.auth import Credentials
from pytest_arazzo.http.keys import secret_variants
from pytest_arazzo.http.messages import OutgoingRequest
from pytest_arazzo.plan.model import WorkflowPlan

__all__ = ["credential_words", "curl_command", "masked"]

MASK = "<masked>"
_TOKEN = "PYTEST_ARAZZO_SECRET_PLACEHOLDER"


def curl_command(
    request: OutgoingRequest, credential: list[str] | None = None, secrets: Iterable[str] = ()
) -> str:
    """A ``curl`` line for ``request``; ``credential`` words (e.g. ``-H "...: Bearer $KEY"``)
    go first, any known secret value left in the request is masked."""
    words = ["curl", "-X", shlex.quote(request.method), shlex.quote(request.url)]
    words += credential or []
    for name, value in request.headers.items():
        if name.lower() != "content-length":
            words += ["-H", shlex.quote(f"{name}: {value}")]
    if request.body:
        words += ["--data-raw", shlex.quote(request.body.decode("utf-8", "replace"))]
    return masked(" ".join(words), secrets)


def masked(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every form of each secret (URL-encoded, Basic auth...) masked."""
    for form in secret_variants(secrets):
        text = text.replace(form, MASK)
    return text


def credential_words(credentials: Mapping[str, str], plan: WorkflowPlan, step_id: str) -> list[str]:
    """curl words adding the step's credential from its environment variable, never its value:
    ``-H "Authorization: Bearer $STRIPE_API_KEY"`` (or ``-u "$VAR:"`` for basic auth).

    ``plan`` is searched with every workflow it may run, so a step of a called workflow is
    found too."""
    steps = [step for reached in plan.reachable() for step in reached.steps]
    step = next((s for s in steps if s.step_id == step_id and s.operation is not None), None)
    if step is None or step.operation is None:
        return []
    source = step.operation.source.name
    variable = credentials.get(source) or credentials.get("*")
    if not variable:
        return []
    probe = OutgoingRequest("GET", "http://localhost", "/")
    Credentials({source: variable}, {variable: _TOKEN}, ()).apply(probe, step.operation)
    for name, value in probe.headers.items():
        if value.startswith("Basic "):
            return ["-u", f'"${variable}:"']
        if _TOKEN in value:
            return ["-H", '"' + f"{name}: {value}".replace(_TOKEN, f"${variable}") + '"']
    return []
