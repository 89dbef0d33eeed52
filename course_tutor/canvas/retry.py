"""When and how long to wait before asking Canvas again.

Rate limiting (403 ``Rate Limit Exceeded`` or 429) is retried more patiently
than server errors, timeouts and broken connections; both share one bound on
the total time spent waiting, so a single request can never hang for long.
Waits use exponential backoff with full jitter (a random wait between zero
and the exponential ceiling), so parallel requests do not retry in step, and
a ``Retry-After`` from Canvas takes precedence.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx2


@dataclass(frozen=True)
class RetryPolicy:
    """How many times, and for how long in total, a request is retried."""

    max_retries: int = 2
    """Retries after a server error (5xx), a timeout or a connection failure."""

    max_rate_limit_retries: int = 5
    """Retries after Canvas throttled the request."""

    max_total_wait: float = 30.0
    """Seconds one request may spend sleeping between attempts, all told."""

    backoff_base: float = 0.5
    """Ceiling of the first backoff wait, doubled for each further retry."""

    backoff_cap: float = 8.0
    """Highest ceiling a single backoff wait may reach."""

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """A full-jitter wait before retry ``retry_number`` (counted from 1)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (retry_number - 1))
        return rng.uniform(0.0, ceiling)


@dataclass
class RetryBudget:
    """The retries and waiting one request has used up so far."""

    policy: RetryPolicy
    rng: random.Random = field(default_factory=random.Random)
    retries: int = 0
    rate_limit_retries: int = 0
    waited: float = 0.0

    def wait_before_retry(
        self, *, rate_limited: bool, asked: float | None = None
    ) -> float | None:
        """Seconds to wait before the next try, or None to give up.

        ``asked`` is Canvas's Retry-After: it replaces our own backoff, and if
        it does not fit in what is left of the budget, waiting is pointless.
        """
        if rate_limited:
            if self.rate_limit_retries >= self.policy.max_rate_limit_retries:
                return None
            self.rate_limit_retries += 1
            guess = self.policy.backoff(self.rate_limit_retries, self.rng)
        else:
            if self.retries >= self.policy.max_retries:
                return None
            self.retries += 1
            guess = self.policy.backoff(self.retries, self.rng)

        left = self.policy.max_total_wait - self.waited
        if asked is not None:
            if asked > left:
                return None
            delay = asked
        elif left > 0:
            delay = min(guess, left)
        else:
            return None
        self.waited += delay
        return delay


def retry_after(
    response: httpx2.Response, *, now: datetime | None = None
) -> float | None:
    """Seconds Canvas asked to wait (``Retry-After`` as seconds or a date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value, now or datetime.now(UTC))
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()
