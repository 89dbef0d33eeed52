"""Slowing down before Canvas has to throttle us.

Canvas meters each token with a leaky bucket and reports what is left in
``X-Rate-Limit-Remaining`` (600 when full on a default install). When that
falls below a threshold, each following request waits a little first, in
proportion to how far below the threshold the bucket is; the wait is small and
bounded, and goes away once the bucket refills.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx2


@dataclass
class Throttle:
    """The pause to take before the next request, learned from responses."""

    threshold: float = 100.0
    """Remaining quota below which requests start to wait; 0 turns it off."""

    max_delay: float = 2.0
    """The pause when the bucket is empty, in seconds."""

    delay: float = 0.0
    """The pause before the next request, in seconds."""

    def observe(self, response: httpx2.Response) -> None:
        """Update the pause from a response's ``X-Rate-Limit-Remaining``."""
        try:
            remaining = float(response.headers["x-rate-limit-remaining"])
        except (KeyError, ValueError):
            return
        if not math.isfinite(remaining) or remaining >= self.threshold:
            self.delay = 0.0
            return
        shortfall = (self.threshold - max(remaining, 0.0)) / self.threshold
        self.delay = self.max_delay * shortfall
