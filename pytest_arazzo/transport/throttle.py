"""Client-side throttle: stay under the provider's test-mode rate (Stripe: 25 requests/s).

A sliding window: at most ``limit`` request starts in any ``window`` seconds, where ``rate`` =
limit / window (25/s → 25 per second; 0.5/s → 1 per 2 s). Bursts below the limit are not
delayed. One throttle is shared by all items of a pytest process; under xdist the session divides
the rate among the workers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


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
        self.lock = threading.Lock()

    def wait(self) -> float:
        """Sleep as needed, then count one request start; returns the seconds slept."""
        if self.limit == 0:
            return 0.0
        with self.lock:
            now = self.clock()
            while self.starts and self.starts[0] <= now - self.window:
                self.starts.popleft()
            start = now
            if len(self.starts) >= self.limit:
                start = self.starts[-self.limit] + self.window
            self.starts.append(start)
            while len(self.starts) > self.limit:
                self.starts.popleft()
        delay = start - now
        if delay > 0:
            self.sleep(delay)
        return max(delay, 0.0)
