"""Credentials for live runs: read from environment variables, applied per OpenAPI security scheme.

Configured per source (ini ``arazzo_credentials = invoiceApi=STRIPE_API_KEY``; the NAME ``*``
gives every source without an entry of its own that credential). Live-mode keys
(:mod:`keys`: Stripe ``sk_live_``/``rk_live_``/``pk_live_`` and any ``arazzo_refuse_keys`` pattern)
are refused, always.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping

from pytest_arazzo.http.encoding import cookie_header
from pytest_arazzo.http.keys import DEFAULT_REFUSED, find_live_key, masked
from pytest_arazzo.http.messages import OutgoingRequest
from pytest_arazzo.plan.model import OperationPlan

DEFAULT_VARIABLE = "STRIPE_API_KEY"  # suggested in messages when no mapping names another


def suggested_variable(variables: Mapping[str, str]) -> str:
    """The environment variable to suggest: the one the mappings use, if only one is."""
    used = sorted(set(variables.values()))
    return used[0] if len(used) == 1 else DEFAULT_VARIABLE


class CredentialError(Exception):
    """A missing or refused credential; the message says what to set."""


def credentials_line(variables: Mapping[str, str], added: Iterable[str]) -> str:
    """The ini line ``arazzo_credentials = [...]`` that keeps the mappings of ``variables`` and
    maps each source name of ``added`` to a variable (the one already used, if only one is)."""
    variable = suggested_variable(variables)
    entries = {**variables, **{name: variable for name in added}}
    shown = ", ".join(f'"{name}={value}"' for name, value in entries.items())
    return f"arazzo_credentials = [{shown}]"


class Credentials:
    """Resolves and applies the credential of each source for live requests."""

    def __init__(
        self,
        variables: Mapping[str, str],
        environ: Mapping[str, str],
        refused: tuple[str, ...] = DEFAULT_REFUSED,
    ) -> None:
        self.variables = dict(variables)
        self.environ = environ
        self.refused = tuple(refused)

    def for_source(self, source: str) -> str | None:
        """The credential value for ``source`` (``None``: none configured); raises
        :class:`CredentialError` when its variable is unset or holds a live-mode key."""
        variable = self.variables.get(source) or self.variables.get("*")
        if not variable:
            return None
        value = self.environ.get(variable, "")
        if not value:
            raise CredentialError(
                f"source '{source}' needs a credential: set the environment variable {variable} "
                "(a test-mode key, e.g. sk_test_... for Stripe)"
            )
        live = find_live_key(value, self.refused)
        if live is not None:
            raise CredentialError(
                f"{variable} holds a live-mode key ({masked(live)}); pytest-arazzo refuses "
                "live keys, always: use a test-mode key (sk_test_... for Stripe)"
            )
        return value

    def missing_hint(self, source: str) -> str:
        """What to add when ``source`` has no credential mapping (and there is no ``*``), so its
        requests go out without a key; ``''`` when it has one."""
        if source in self.variables or "*" in self.variables:
            return ""
        line = credentials_line(self.variables, [source])
        every = f'arazzo_credentials = ["*={suggested_variable(self.variables)}"]'
        return (
            f"no credential is configured for source '{source}', so its requests were sent "
            f"without one: add to the ini (pyproject.toml [tool.pytest.ini_options]) "
            f"{line} (or {every} for every source) and set the environment variable"
        )

    def secrets(self) -> list[str]:
        """Every configured credential value that is set (for scrubbing)."""
        values = (self.environ.get(variable, "") for variable in self.variables.values())
        return [value for value in values if value]

    def apply(self, request: OutgoingRequest, operation: OperationPlan) -> None:
        """Add the source's credential to ``request`` per the operation's security scheme."""
        credential = self.for_source(operation.source.name)
        if credential is None:
            return
        security = operation.security
        if security == []:  # OpenAPI `security: []`: this operation takes no authentication
            return
        schemes = operation.source.security_schemes
        for requirement in security or [{name: [] for name in schemes}]:
            for name in requirement:
                scheme = schemes.get(name)
                if scheme and _apply_scheme(request, scheme, credential):
                    return
        request.headers["Authorization"] = f"Bearer {credential}"


def _apply_scheme(request: OutgoingRequest, scheme: Mapping[str, object], secret: str) -> bool:
    kind = str(scheme.get("type", "")).lower()
    if kind == "http":
        http_scheme = str(scheme.get("scheme", "")).lower()
        if http_scheme == "bearer":
            request.headers["Authorization"] = f"Bearer {secret}"
            return True
        if http_scheme == "basic":
            user, _, password = secret.partition(":")
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            request.headers["Authorization"] = f"Basic {token}"
            return True
        return False
    if kind == "apikey":
        name, where = str(scheme.get("name", "")), str(scheme.get("in", ""))
        if where == "header":
            request.headers[name] = secret
        elif where == "query":
            request.query.append((name, secret))
        elif where == "cookie":
            existing = request.headers.get("Cookie")
            added = cookie_header([(name, secret)])
            request.headers["Cookie"] = f"{existing}; {added}" if existing else added
        else:
            return False
        return True
    return False
