"""Load: one model step asking for 50 tool calls at once, against a demo
Canvas that throttles like Canvas (a 600-unit bucket per token, 50 reserved
by each request while Canvas works on it, draining 10 units a second).

Every call must come back with its data (a 403 or 429 that was not retried
would reach the model as `rate_limited`), and the whole step must finish
within the time the bucket takes to refill from empty (60 s).

Time is scaled so the test takes a fraction of a second: the bucket's clock
and the client's waits run `SPEED` times faster than real time, and Canvas's
latency is given in real milliseconds accordingly (40 ms here is 0.4 s of
Canvas time).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest

from course_tutor.agent.events import ToolCallFinished, TurnFinished
from course_tutor.agent.loop import Agent
from course_tutor.canvas import CanvasClient
from course_tutor.demo import canvas_app
from course_tutor.demo.dataset import load_school
from course_tutor.demo.faults import Throttle
from course_tutor.tools import canvas_tools
from tests.fake_model import FakeModel, Reply, call_chunks, openai_client, text_chunks

CANVAS = "https://canvas.northwood.example"
SPEED = 10.0
LATENCY_MS = 40.0  # real time: 0.4 s of Canvas time
REFILL = 600.0 / 10.0  # seconds for Canvas's bucket to drain from full
READABLE = ("BIO 110", "HIST 210", "STAT 201", "CHEM 101", "ASTR 101", "PHIL 150")


@dataclass
class ScaledTime:
    """Canvas time: `SPEED` times faster than the real clock."""

    started: float = field(default_factory=time.monotonic)
    waits: list[float] = field(default_factory=list)

    def now(self) -> float:
        return (time.monotonic() - self.started) * SPEED

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(seconds / SPEED)


class Statuses(httpx2.AsyncBaseTransport):
    """The demo Canvas in-process, with every response's status counted."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx2.ASGITransport(app=app)
        self.counted: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        self.counted[response.status_code] += 1
        return response


def fifty_calls() -> list[tuple[str, dict[str, Any]]]:
    """50 different calls over the courses the demo student may read."""
    courses = [c for c in load_school()["courses"] if c["course_code"] in READABLE]
    calls: list[tuple[str, dict[str, Any]]] = []
    for course in courses:
        calls.append(("getSingleCourse", {"course_id": course["id"]}))
        calls.append(("listModules", {"course_id": course["id"]}))
        calls.append(
            ("listModules", {"course_id": course["id"], "include_items": True})
        )
        calls += [
            ("listModuleItems", {"course_id": course["id"], "module_id": module["id"]})
            for module in course["modules"]
        ]
    calls += [
        ("listYourCourses", {"enrollment_state": "active"}),
        ("listYourCourses", {"enrollment_state": "completed"}),
    ]
    assert len(calls) == 50
    return calls


@dataclass
class Step:
    results: list[dict[str, Any] | list[Any]]
    statuses: Counter[int]
    took: float
    """Canvas time from the model's request to the last tool result."""


async def fifty_at_once(throttle: Throttle, clock: ScaledTime) -> Step:
    deltas: list[dict[str, Any]] = []
    for number, (name, arguments) in enumerate(fifty_calls()):
        deltas += call_chunks(number, f"call_{number}", name, json.dumps(arguments))
    model = FakeModel([Reply(deltas), Reply(text_chunks("Here is everything."))])
    canvas = Statuses(canvas_app(latency_ms=LATENCY_MS, throttle=throttle))

    async with CanvasClient(
        CANVAS, "demo", transport=canvas, sleep=clock.sleep
    ) as client:
        agent = Agent(openai_client(model.app), "fake", canvas_tools(client))
        started = clock.now()
        results = []
        async with aclosing(agent.run([], "everything, please")) as events:
            async for event in events:
                if isinstance(event, ToolCallFinished):
                    results.append(json.loads(event.result))
                    took = clock.now() - started
    assert isinstance(event, TurnFinished)
    return Step(results, canvas.counted, took)


def _errors(step: Step) -> list[Any]:
    return [r for r in step.results if isinstance(r, dict) and "error" in r]


@pytest.mark.parametrize(
    ("level", "status"),
    [(0.0, 403), (300.0, 403), (300.0, 429), (550.0, 403)],
    ids=["bucket-to-itself", "half-spent-403", "half-spent-429", "nearly-spent-403"],
)
async def test_fifty_calls_at_once_all_succeed_within_the_refill_time(
    level: float, status: int
) -> None:
    clock = ScaledTime()
    throttle = Throttle(level=level, status=status, clock=clock.now)

    step = await fifty_at_once(throttle, clock)

    assert len(step.results) == 50
    assert _errors(step) == []
    assert step.took < REFILL, step.took
    throttled = step.statuses[status] if status == 429 else step.statuses[403]
    if level == 0.0:
        # Eight requests in flight reserve 400 of 600: never throttled.
        assert throttled == 0
    else:
        # Another program spent part of the bucket: some were refused, and
        # every one of those was asked again until it got through.
        assert throttled > 0
    assert set(step.statuses) <= {200, status}


async def test_requests_in_flight_hold_their_reservation() -> None:
    """The demo Canvas keeps a request's 50 units reserved while it works,
    as Canvas does: two at once overflow a bucket that takes one at a time."""
    app = canvas_app(latency_ms=30, throttle=Throttle(high_water=80.0))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url=CANVAS,
        headers={"Authorization": "Bearer demo"},
    ) as http:
        one_by_one = [(await http.get("/api/v1/users/self")).status_code for _ in "ab"]
        together = await asyncio.gather(
            http.get("/api/v1/users/self"), http.get("/api/v1/users/self")
        )
    assert one_by_one == [200, 200]
    assert sorted(r.status_code for r in together) == [200, 403]
