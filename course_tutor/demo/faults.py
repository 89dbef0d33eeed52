"""What can go wrong on the demo Canvas, on purpose: latency, Canvas's
rate-limit bucket, and injected faults.

Tests and benchmarks use these to reproduce the failures a real Canvas shows
(throttling, outages, slow or broken responses) without a real Canvas.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

FAULT_KINDS = ("status", "slow", "malformed", "foreign-link")


@dataclass
class Fault:
    """One injected failure.

    `kind` is "status" (answer `status` with a Canvas-like body), "slow" (wait
    `delay` seconds before answering), "malformed" (cut the JSON body short)
    or "foreign-link" (point the `Link` next URL at another host). A fault
    applies to requests that `match` (all when None): a `key=value` match is
    one of the query's parameters, anything else a part of the path. It fires
    with probability `rate`, and only for the first `times` matching requests
    when `times` is set.
    """

    kind: str
    status: int | None = None
    rate: float = 1.0
    times: int | None = None
    match: str | None = None
    delay: float = 2.0
    fired: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.kind == "status" and self.status is None:
            raise ValueError("a status fault needs a status code")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("a fault rate is between 0 and 1")

    def applies(self, path: str, query: str, rng: random.Random) -> bool:
        """Decide whether this fault fires for a request."""
        if self.match is not None and not self._matches(path, query):
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        if self.rate < 1.0 and rng.random() >= self.rate:
            return False
        self.fired += 1
        return True

    def _matches(self, path: str, query: str) -> bool:
        assert self.match is not None
        if "=" in self.match:
            return self.match in unquote(query).split("&")
        return self.match in path


def parse_fault(spec: str) -> Fault:
    """Read a fault from the command line: `KIND[:RATE][@MATCH]`.

    KIND is a status code (500, 503, 429, ...), `slow`, `malformed` or
    `foreign-link`; RATE is a probability (default 1); MATCH limits the fault
    to requests whose path contains it, or, written `key=value`, to requests
    with that query parameter. Examples: `500:0.2`, `slow:0.1`,
    `malformed@/modules`, `503@page=2`.
    """
    head, _, match = spec.partition("@")
    kind, _, rate_text = head.partition(":")
    try:
        rate = float(rate_text) if rate_text else 1.0
    except ValueError:
        raise ValueError(f"fault rate must be a number, got {rate_text!r}") from None
    if kind.isdigit():
        return Fault("status", status=int(kind), rate=rate, match=match or None)
    return Fault(kind, rate=rate, match=match or None)


@dataclass
class Throttle:
    """Canvas's per-token leaky bucket, with the defaults of its source.

    Every request adds `up_front` to the bucket when it starts and swaps that
    for its real `cost` when it ends; the bucket drains at `outflow` units a
    second. A request that would push the bucket past `high_water` is refused.
    `X-Rate-Limit-Remaining` is what is left below the high-water mark.
    """

    high_water: float = 600.0
    outflow: float = 10.0
    up_front: float = 50.0
    cost: float = 1.0
    status: int = 403
    clock: Callable[[], float] = time.monotonic
    level: float = 0.0
    _updated: float | None = None

    def _drain(self) -> None:
        now = self.clock()
        if self._updated is not None:
            self.level = max(0.0, self.level - (now - self._updated) * self.outflow)
        self._updated = now

    def start(self) -> bool:
        """Reserve room for a request; False when it must be throttled."""
        self._drain()
        if self.level + self.up_front > self.high_water:
            return False
        self.level += self.up_front
        return True

    def finish(self) -> None:
        self._drain()
        self.level = max(0.0, self.level - self.up_front + self.cost)

    @property
    def remaining(self) -> float:
        self._drain()
        return max(0.0, self.high_water - self.level)
