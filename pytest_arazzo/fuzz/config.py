"""What the command line, ini and markers say about fuzzing one item, and what it did."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_arazzo.engine.settings import integer


@dataclass
class FuzzConfig:
    """What the command line and ini say about fuzzing."""

    enabled: bool = False
    max_examples: int | None = None  # None: the Hypothesis profile's (live: at most 25)
    deadline: float | str | None = "profile"  # milliseconds, None (off) or the profile's
    pins: tuple[str, ...] = ()  # input-set names that stay fixed ("*": all)
    # the session's findings: digest → (node id of the item that reported it, its one line)
    findings: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)

    def request(self, marker_kwargs: Mapping[str, Any] | None) -> FuzzRequest | None:
        """The request to fuzz an item (``marker_kwargs`` when marked ``arazzo_fuzz``), or None."""
        if marker_kwargs is None and not self.enabled:
            return None
        kwargs = dict(marker_kwargs or {})
        unknown = set(kwargs) - {"max_examples", "deadline", "pin"}
        if unknown:
            names = ", ".join(sorted(unknown))
            raise ValueError(f"arazzo_fuzz marker: unknown argument(s) {names}")
        return FuzzRequest(
            max_examples=max_examples_of(kwargs.get("max_examples", self.max_examples)),
            deadline=deadline_of(kwargs["deadline"]) if "deadline" in kwargs else self.deadline,
            pins=tuple(pins_of(kwargs["pin"])) if "pin" in kwargs else self.pins,
            findings=self.findings,
        )


def max_examples_of(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    return integer(value, "arazzo_fuzz_max_examples")


def deadline_of(value: Any) -> float | str | None:
    text = "" if value is None else str(value).strip().lower()
    if text in ("", "profile"):
        return "profile"
    if text in ("none", "off", "0"):
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"arazzo_fuzz_deadline must be milliseconds or none, not {value!r}"
        ) from None


def pins_of(value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,\s]+", str(value or ""))
    return [str(item).strip() for item in items if str(item).strip()]


@dataclass
class FuzzStats:
    """What one fuzzed item did (attached to the report's user properties)."""

    mode: str = "replay"
    examples: int = 0
    sent: int = 0
    failed: bool = False
    digest: str = ""
    statistics: str = ""  # Hypothesis's own description of the run (--hypothesis-show-statistics)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "examples": self.examples,
            "runs": self.sent,
            "failed": self.failed,
            "inputs_digest": self.digest,
        }


@dataclass
class FuzzRequest:
    """Fuzz one item: the settings in force for it, and what happened."""

    max_examples: int | None = None
    deadline: float | str | None = "profile"
    pins: tuple[str, ...] = ()
    stats: FuzzStats = field(default_factory=FuzzStats)
    # shared by every item of the session: one finding is reported in full once
    findings: dict[str, tuple[str, str]] = field(default_factory=dict)
