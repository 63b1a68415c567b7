"""A sliding-window limit per key, in memory (one process): the web page's votes, the console's
sign-in tries per address. No Rasa import."""
from __future__ import annotations

import time
from collections import deque


class SlidingWindow:
    """At most ``limit`` tries per ``window`` seconds and key; keys without a try in the last window
    are forgotten, so memory stays bounded."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self.hits: dict[str, deque] = {}
        self._next_sweep = 0.0

    def allow(self, key: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, seconds until the next try would be allowed)."""
        now = time.monotonic() if now is None else now
        if now >= self._next_sweep or len(self.hits) >= self.max_keys:
            self.hits = {k: q for k, q in self.hits.items() if q and q[-1] > now - self.window}
            self._next_sweep = now + self.window
        recent = self.hits.setdefault(key, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return False, max(1, int(recent[0] + self.window - now + 0.999))
        recent.append(now)
        return True, 0
