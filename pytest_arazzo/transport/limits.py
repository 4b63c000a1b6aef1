"""Bounds on one live item: its deadline, and how much of each response is read.

Every live or recording item has a deadline (ini ``arazzo_item_timeout``): requests are sent only
while time remains, each wait for an answer is bounded by what remains, and a response body is
read in chunks with the time and the size (after decompression, ini
``arazzo_max_response_bytes``) checked between chunks, so neither a server that stalls or drips
one byte at a time nor a gzip bomb can hold a CI job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import urllib3

from pytest_arazzo.http.messages import TransportError, Unretriable

CHUNK = 64 * 1024  # decoded bytes per read: a bomb never inflates more than this at once
DEFAULT_ITEM_TIMEOUT = 120.0
DEFAULT_MAX_RESPONSE_BYTES = 50 * 1000 * 1000


class ItemTimeout(Unretriable):
    """The item's time ran out: the run stops here (no failure action applies)."""


class ResponseTooLarge(Unretriable):
    """A response body larger than ``arazzo_max_response_bytes`` once decompressed."""


@dataclass
class Deadline:
    """The time one item may take, counted from its creation."""

    seconds: float = DEFAULT_ITEM_TIMEOUT
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=-1.0)

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def spent(self) -> float:
        return self.clock() - self.started

    def remaining(self) -> float:
        return self.seconds - self.spent()

    def check(self, waiting_for: str) -> float:
        """The seconds left; raises :class:`ItemTimeout` naming ``waiting_for`` if none."""
        left = self.remaining()
        if left <= 0:
            raise self.expired(waiting_for)
        return left

    def expired(self, waiting_for: str) -> ItemTimeout:
        return ItemTimeout(
            f"the item ran out of time (arazzo_item_timeout = {self.seconds:g}s) after "
            f"{self.spent():.1f}s, {waiting_for}",
            "the server is stalled or too slow: check it, or raise ini arazzo_item_timeout",
        )


def read_body(
    response: requests.Response, what: str, max_bytes: int, deadline: Deadline | None
) -> bytes:
    """The decoded body of a streamed ``response``, read in chunks within the deadline and the
    size cap; ``what`` names the request (``GET https://...``) in failures."""
    size = f"arazzo_max_response_bytes = {max_bytes}"
    hint = "raise ini arazzo_max_response_bytes if the API really answers this much"
    declared = response.headers.get("Content-Length", "").strip()
    if (
        declared.isdigit()
        and int(declared) > max_bytes
        and "content-encoding" not in {name.lower() for name in response.headers}
    ):
        response.close()
        raise ResponseTooLarge(
            f"the response to {what} declares {declared} bytes, more than {size}", hint
        )
    # an answer without Content-Encoding is complete once its Content-Length is read: no read
    # is spent learning that nothing follows (urllib3 has released the connection by then)
    complete = int(declared) if declared.isdigit() and not _encoded(response) else None
    chunks: list[bytes] = []
    total = 0
    while True:
        if deadline is not None:
            deadline.check(f"reading the response to {what} ({total} bytes so far)")
        try:
            data = response.raw.read1(CHUNK, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            response.close()
            if deadline is not None and deadline.remaining() <= 0:
                raise deadline.expired(
                    f"reading the response to {what} ({total} bytes so far)"
                ) from None
            raise TransportError(
                f"reading the response to {what} failed after {total} bytes: "
                f"{type(error).__name__}",
                "the server broke off or sent a body that does not decode; check the server",
            ) from None
        if not data:
            break
        total += len(data)
        if total > max_bytes:
            response.close()
            raise ResponseTooLarge(
                f"the response to {what} is larger than {size} (after decompression); "
                f"stopped reading at {total} bytes",
                hint,
            )
        chunks.append(data)
        if total == complete:
            break
    response.close()
    return b"".join(chunks)


def _encoded(response: requests.Response) -> bool:
    """Whether the body comes with a Content-Encoding (its decoded size is not the declared)."""
    return bool(response.headers.get("Content-Encoding", "").strip())
