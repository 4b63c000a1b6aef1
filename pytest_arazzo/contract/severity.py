"""How seriously a contract violation is taken: ini ``arazzo_contract``."""

from __future__ import annotations

from typing import Any

CONTRACT_SEVERITIES = ("error", "warning", "off")


def contract_severity(value: Any) -> str:
    """The ini ``arazzo_contract`` value, checked (empty means ``error``)."""
    text = str(value or "error").strip().lower()
    if text not in CONTRACT_SEVERITIES:
        raise ValueError(f"arazzo_contract must be error, warning or off, not {value!r}")
    return text
