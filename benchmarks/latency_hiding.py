"""canvas_latency_hiding: six Canvas calls asked for in one step cost about
one round trip, not six.

The demo Canvas answers after 100 ms. After the overview of BIO 110, the
student picks modules "1 to 6" and the scripted model asks for the items of
the six in one step. The figure is the time from the first call starting to
the last finishing, in round trips (that time over the latency). The
baseline makes the same six tool calls one after another.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing

from benchmarks.common import OVERVIEW, SIX_MODULES, Row, Tutor, demo_tutor, median
from course_tutor.agent.events import ToolCallFinished, ToolCallStarted
from course_tutor.headless import play_turn

LATENCY_MS = 100.0
TARGET = 1.5


async def _concurrent_step(tutor: Tutor) -> tuple[float, list[tuple[str, str]]]:
    """Seconds the six-call step took in the loop, and its calls."""
    history = tutor.new_history()
    await play_turn(tutor.agent, history, OVERVIEW)

    calls: list[tuple[str, str]] = []
    started = finished = 0.0
    async with aclosing(tutor.agent.run(history, SIX_MODULES)) as events:
        async for event in events:
            match event:
                case ToolCallStarted(name=name, arguments=arguments):
                    started = started or time.perf_counter()
                    calls.append((name, arguments))
                case ToolCallFinished():
                    finished = time.perf_counter()
    names = {name for name, _ in calls}
    if len(calls) != 6 or names != {"listModuleItems"}:
        raise RuntimeError(f"expected six listModuleItems calls, got {calls}")
    return finished - started, calls


async def _one_after_another(tutor: Tutor, calls: list[tuple[str, str]]) -> float:
    started = time.perf_counter()
    for name, arguments in calls:
        await tutor.agent.tools[name].run(arguments)
    return time.perf_counter() - started


async def measure(rounds: int) -> tuple[float, float]:
    """Median round trips of the step in the loop, and one after another."""
    together: list[float] = []
    apart: list[float] = []
    async with demo_tutor(latency_ms=LATENCY_MS) as tutor:
        for _ in range(rounds):
            seconds, calls = await _concurrent_step(tutor)
            together.append(seconds)
            apart.append(await _one_after_another(tutor, calls))
    trip = LATENCY_MS / 1000
    return median(together) / trip, median(apart) / trip


def run(quick: bool = False) -> list[Row]:
    together, apart = asyncio.run(measure(rounds=1 if quick else 5))
    return [
        Row(
            name="canvas_latency_hiding",
            value=together,
            unit="round trips",
            baseline=apart,
            target=f"<= {TARGET} round trips",
            ok=together <= TARGET,
        )
    ]
