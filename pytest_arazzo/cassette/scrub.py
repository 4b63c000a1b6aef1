"""Scrubbing: what is replaced by ``<scrubbed>`` before a cassette is written.

- request ``Authorization``/``Proxy-Authorization`` (the scheme is kept: ``Bearer <scrubbed>``),
  ``Cookie`` and response ``Set-Cookie`` (cookie names and attributes kept, values scrubbed);
- headers named in ini ``arazzo_scrub_headers`` (requests and responses);
- fields named in ini ``arazzo_scrub_fields`` (:mod:`fields` rules: ``query.sig``,
  ``body.card.number``, ``header.X-Session``; body rules apply to responses too);
- every literal credential value anywhere in the cassette (URL, headers, bodies, inputs, keys of
  mappings), also URL-encoded and base64 (Basic auth) forms; values removed by the configured
  header and field rules are then removed wherever else they appear too (e.g. in inputs).

Replay matching treats ``<scrubbed>`` in a recorded value as a wildcard, so replay still works.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pytest_arazzo.cassette.fields import FieldRule, matches_any, parse_rules
from pytest_arazzo.http.formkeys import split_key
from pytest_arazzo.http.keys import MIN_SECRET, secret_variants

SCRUBBED = "<scrubbed>"
AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
_COOKIE_PAIR = re.compile(r"(^|;\s*)([^=;\s]+)=([^;]*)")
_SET_COOKIE_PAIR = re.compile(r"(^|,\s*)([^=;,\s]+)=([^;,]*)")


def scrub_literals(value: Any, secrets: list[str]) -> Any:
    """Replace every literal secret in strings (mapping keys too) with the placeholder."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, SCRUBBED)
        return value
    if isinstance(value, dict):
        return {
            scrub_literals(key, secrets): scrub_literals(child, secrets)
            for key, child in value.items()
        }
    if isinstance(value, list):
        return [scrub_literals(child, secrets) for child in value]
    return value


def _auth_value(value: str) -> str:
    scheme, space, _ = value.strip().partition(" ")
    return f"{scheme} {SCRUBBED}" if space else SCRUBBED


def _cookie_value(value: str) -> str:
    return _COOKIE_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}={SCRUBBED}", value)


def _set_cookie_value(value: str) -> str:
    return _SET_COOKIE_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}={SCRUBBED}", value)


class Scrubber:
    """Scrubs cassette data: headers, configured fields, literal credential values."""

    def __init__(
        self,
        secrets: Iterable[str] = (),
        headers: Iterable[str] = (),
        fields: Iterable[str] = (),
    ) -> None:
        self.raw_secrets = [secret for secret in secrets if secret]
        self.secrets = secret_variants(self.raw_secrets)
        self.headers = {name.strip().lower() for name in headers if name.strip()}
        self.rules: tuple[FieldRule, ...] = parse_rules(fields)
        self.found: set[str] = set()  # values removed by header/field rules

    def request(self, record: dict[str, Any]) -> dict[str, Any]:
        """A recorded request with sensitive headers, configured fields and secrets scrubbed."""
        record = dict(record)
        if record.get("headers"):
            record["headers"] = self._headers(record["headers"], response=False)
        if self._has_kind("query") or self._has_kind("path"):
            record["url"] = self._url(record["url"])
        return self._body(record)

    def response(self, record: dict[str, Any]) -> dict[str, Any]:
        record = dict(record)
        if record.get("headers"):
            record["headers"] = self._headers(record["headers"], response=True)
        return self._body(record)

    def cassette_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """The whole cassette mapping, scrubbed (interactions first, then literals everywhere)."""
        data = dict(data)
        data["interactions"] = [
            {
                **interaction,
                "request": self.request(interaction["request"]),
                "response": self.response(interaction["response"]),
            }
            for interaction in data.get("interactions") or []
        ]
        scrubbed: dict[str, Any] = scrub_literals(data, self.literals())
        return scrubbed

    def literals(self) -> list[str]:
        """Every value scrubbed wherever it appears: the credentials (all their forms), then
        what header and field rules removed so far, longest first."""
        found = sorted((v for v in self.found if len(v) >= MIN_SECRET), key=len, reverse=True)
        return [*self.secrets, *found]

    def leaked(self, text: str) -> list[str]:
        """The configured secrets still present in ``text`` (masked, for messages)."""
        return [f"{secret[:6]}..." for secret in self.raw_secrets if secret in text]

    # -- parts ---------------------------------------------------------------------------------

    def _has_kind(self, kind: str) -> bool:
        return any(kind in rule.kinds for rule in self.rules)

    def _headers(self, headers: dict[str, Any], response: bool) -> dict[str, Any]:
        scrubbed = {}
        for name, value in headers.items():
            lower, text = name.lower(), str(value)
            if lower in self.headers or matches_any(self.rules, "header", (lower,)):
                text = self._remove(value)
            elif lower in AUTH_HEADERS:
                self._remember_auth(text)
                text = _auth_value(text)
            elif lower == "cookie" and not response:
                self.found.update(m.group(3) for m in _COOKIE_PAIR.finditer(text) if m.group(3))
                text = _cookie_value(text)
            elif lower == "set-cookie" and response:
                text = _set_cookie_value(text)
            else:
                text = value
            scrubbed[name] = text
        return scrubbed

    def _remember_auth(self, value: str) -> None:
        """An Authorization value set by the workflow (e.g. from an input) is scrubbed everywhere:
        its token; for Basic also the decoded ``user:password``, the password, and the user name
        when there is no password (a key sent as the user name, Stripe style)."""
        scheme, space, token = value.strip().partition(" ")
        token = token.strip() if space else scheme  # no space: a bare token
        if not token:
            return
        self.found.add(token)
        if space and scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(token + "=" * (-len(token) % 4)).decode()
            except (ValueError, UnicodeDecodeError):
                return
            user, _, password = decoded.partition(":")
            self.found.update(part for part in (decoded, password or user) if part)

    def _url(self, url: str) -> str:
        parts = urlsplit(url)
        path = SCRUBBED if matches_any(self.rules, "path", ()) else parts.path
        query = parts.query
        if query and self._has_kind("query"):
            pairs = [
                (key, self._remove(v) if matches_any(self.rules, "query", split_key(key)) else v)
                for key, v in parse_qsl(query, keep_blank_values=True)
            ]
            query = urlencode(pairs, safe="<>[]")
        return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))

    def _body(self, record: dict[str, Any]) -> dict[str, Any]:
        if "form" in record and self._has_kind("form"):
            rules = self.rules
            record["form"] = {
                key: self._remove(value) if matches_any(rules, "form", split_key(key)) else value
                for key, value in record["form"].items()
            }
        if "json" in record and self._has_kind("json"):
            record["json"] = self._json(record["json"], ())
        return record

    def _remove(self, value: Any) -> str:
        """The placeholder; remembers the string leaves of ``value`` to scrub them everywhere."""
        if isinstance(value, str):
            self.found.add(value)
        elif isinstance(value, dict):
            for child in value.values():
                self._remove(child)
        elif isinstance(value, list):
            for child in value:
                self._remove(child)
        return SCRUBBED

    def _json(self, value: Any, parts: tuple[str, ...]) -> Any:
        if parts and matches_any(self.rules, "json", parts):
            return self._remove(value)
        if isinstance(value, dict):
            return {key: self._json(child, (*parts, str(key))) for key, child in value.items()}
        if isinstance(value, list):
            return [self._json(child, (*parts, str(i))) for i, child in enumerate(value)]
        return value
