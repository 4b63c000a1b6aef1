"""Client-side throttle: stay under the provider's test-mode rate (Stripe: 25 requests/s).

A sliding window: at most ``limit`` request starts in any ``window`` seconds, where ``rate`` =
limit / window (25/s → 25 per second; 0.5/s → 1 per 2 s). Bursts below the limit are not
delayed. One throttle is shared by all items of a pytest process; under pytest-xdist the workers
share one :class:`SharedThrottle`, whose window lives in a file locked with ``flock``, so
``-n 4`` still sends at most the provider's rate in all.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; each process throttles alone
    fcntl = None  # type: ignore[assignment]


class Throttle:
    """Blocks in :meth:`wait` until another request may start; ``rate <= 0`` disables it."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.limit = max(1, math.floor(rate)) if rate > 0 else 0
        self.window = self.limit / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.starts: deque[float] = deque()
        self.last_start = 0.0  # when the last claimed request may start (monotonic clock)
        self.lock = threading.Lock()

    def wait(self) -> float:
        """Sleep as needed, then count one request start; returns the seconds slept."""
        if self.limit == 0:
            return 0.0
        with self.lock:
            now = self.clock()
            start = self._claim(self.starts, now)
        delay = start - now
        if delay > 0:
            self.sleep(delay)
        return max(delay, 0.0)

    def _claim(self, starts: deque[float], now: float) -> float:
        """The start time of the next request in the window ``starts`` (updated in place)."""
        while starts and starts[0] <= now - self.window:
            starts.popleft()
        start = now
        if len(starts) >= self.limit:
            start = starts[-self.limit] + self.window
        starts.append(start)
        while len(starts) > self.limit:
            starts.popleft()
        self.last_start = start
        return start


class SharedThrottle(Throttle):
    """A :class:`Throttle` whose window is shared by every process naming the same ``path``.

    The window (request start times on the system-wide monotonic clock) is kept in ``path``;
    each claim holds an exclusive ``flock`` on it for a few microseconds. Where ``flock`` is not
    available the throttle falls back to this process's own window.
    """

    def __init__(
        self,
        rate: float,
        path: Path,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(rate, clock, sleep)
        self.path = path

    def wait(self) -> float:
        if self.limit == 0 or fcntl is None:
            return super().wait()
        with self.lock, open(self.path, "a+", encoding="ascii") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            starts = deque(_floats(handle.read().split()))
            now = self.clock()
            start = self._claim(starts, now)
            handle.seek(0)
            handle.truncate()
            handle.write(" ".join(f"{value:.6f}" for value in starts))
            handle.flush()
        delay = start - now
        if delay > 0:
            self.sleep(delay)
        return max(delay, 0.0)


def _floats(words: list[str]) -> list[float]:
    """The numbers in a window file; anything else (a torn or foreign file) is ignored."""
    values = []
    for word in words:
        try:
            values.append(float(word))
        except ValueError:
            continue
    return values
