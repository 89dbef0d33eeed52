"""loop_overhead: what the tutor's machinery costs over the bare HTTP calls.

The measured turn is the three-step course overview ("Tell me about BIO
110") through `Agent.run`, against the in-process demo Canvas and scripted
model. The baseline is a minimal loop written here with the openai SDK and
httpx2: it streams the same completions, collects the tool calls, and makes
the same Canvas GETs for them. It does no validation, no compaction and no
event plumbing; it answers each call with the result the real tool gave in a
rehearsal, so the model receives byte-identical requests on both sides (this
is checked) and only the tutor's own work differs.

Turns alternate between the two sides; the figure is the ratio of medians.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai

from benchmarks.common import (
    CANVAS_URL,
    MODEL,
    OVERVIEW,
    Row,
    Tutor,
    canvas_transport,
    demo_tutor,
    median,
    model_client,
    model_transport,
)
from course_tutor.agent.loop import Agent
from course_tutor.canvas import CanvasClient
from course_tutor.headless import play_turn
from course_tutor.tools import canvas_tools

TARGET = 1.25

Key = tuple[str, str]


@dataclass
class Rehearsal:
    """For each tool call of the turn: the Canvas URLs its tool requested and
    the result it gave."""

    urls: dict[Key, list[str]] = field(default_factory=dict)
    results: dict[Key, str] = field(default_factory=dict)


class _RecordingTransport(httpx2.AsyncBaseTransport):
    """Passes requests on, keeping their URLs (or their bodies)."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, *, bodies: bool = False):
        self.inner = inner
        self.bodies = bodies
        self.seen: list[Any] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.bodies:
            self.seen.append(await request.aread())
        else:
            self.seen.append(str(request.url))
        return await self.inner.handle_async_request(request)


def _key(name: str, arguments: str) -> Key:
    return name, json.dumps(json.loads(arguments or "{}"), sort_keys=True)


async def rehearse() -> Rehearsal:
    """Play the turn once with the real tools, then run each of its calls
    alone to learn which Canvas requests it makes."""
    async with demo_tutor() as tutor:
        history = tutor.new_history()
        await play_turn(tutor.agent, history, OVERVIEW)
    calls = [
        (call["function"]["name"], call["function"]["arguments"])
        for message in history
        for call in message.get("tool_calls") or ()
    ]

    rehearsal = Rehearsal()
    for name, arguments in calls:
        transport = _RecordingTransport(canvas_transport())
        async with CanvasClient(CANVAS_URL, "demo", transport=transport) as client:
            tool = next(t for t in canvas_tools(client) if t.name == name)
            result = await tool.run(arguments)
        rehearsal.urls[_key(name, arguments)] = transport.seen
        rehearsal.results[_key(name, arguments)] = result
    return rehearsal


class MinimalLoop:
    """The baseline: a function-calling loop with nothing but the SDK."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        http: httpx2.AsyncClient,
        schemas: list[dict[str, Any]],
        rehearsal: Rehearsal,
    ) -> None:
        self.client = client
        self.http = http
        self.schemas = schemas
        self.rehearsal = rehearsal

    async def turn(self, system: str, text: str) -> str:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system},
            {"role": "user", "content": text},
        ]
        while True:
            answer, calls = await self._step(messages)
            if not calls:
                return answer
            messages.append(
                {"role": "assistant", "content": answer or None, "tool_calls": calls}
            )
            results = await asyncio.gather(*(self._call(c) for c in calls))
            for call, result in zip(calls, results, strict=True):
                messages.append(
                    {"role": "tool", "tool_call_id": call["id"], "content": result}
                )

    async def _step(
        self, messages: list[dict[str, Any]]
    ) -> tuple[str, list[dict[str, Any]]]:
        stream = await self.client.chat.completions.create(  # type: ignore[call-overload]
            model=MODEL,
            messages=messages,
            stream=True,
            tools=self.schemas,
            stream_options={"include_usage": True},
        )
        answer = ""
        calls: dict[int, dict[str, Any]] = {}
        async with stream:
            async for chunk in stream:
                for choice in chunk.choices:
                    answer += choice.delta.content or ""
                    for part in choice.delta.tool_calls or ():
                        call = calls.setdefault(
                            part.index,
                            {
                                "id": part.id,
                                "type": "function",
                                "function": {"name": "", "arguments": ""},
                            },
                        )
                        if part.function and part.function.name:
                            call["function"]["name"] += part.function.name
                        if part.function and part.function.arguments:
                            call["function"]["arguments"] += part.function.arguments
        return answer, list(calls.values())

    async def _call(self, call: dict[str, Any]) -> str:
        key = _key(call["function"]["name"], call["function"]["arguments"])
        for url in self.rehearsal.urls[key]:
            response = await self.http.get(url)
            response.raise_for_status()
            json.loads(response.content)
        return self.rehearsal.results[key]


async def _timed(play: Callable[[], Awaitable[object]]) -> float:
    gc.collect()
    started = time.perf_counter()
    await play()
    return time.perf_counter() - started


async def measure(rounds: int) -> tuple[float, float, float]:
    """Median seconds of a turn through the tutor and through the baseline,
    and the median of the ratios of turns played back to back."""
    rehearsal = await rehearse()
    async with (
        demo_tutor() as tutor,
        model_client() as bare_model,
        httpx2.AsyncClient(
            transport=canvas_transport(),
            headers={"Authorization": "Bearer demo", "Accept": "application/json"},
        ) as http,
    ):
        schemas = [tool.schema for tool in tutor.agent.tools.values()]
        minimal = MinimalLoop(bare_model, http, schemas, rehearsal)
        await _check_same_requests(tutor, minimal)

        async def ours() -> None:
            await play_turn(tutor.agent, tutor.new_history(), OVERVIEW)

        async def theirs() -> None:
            await minimal.turn(tutor.system, OVERVIEW)

        for _ in range(3):  # warm caches on both sides
            await ours()
            await theirs()
        mine: list[float] = []
        bare: list[float] = []
        for number in range(rounds):
            # Back to back, so both see the same load on a shared machine;
            # the side that goes first alternates.
            if number % 2 == 0:
                mine.append(await _timed(ours))
                bare.append(await _timed(theirs))
            else:
                bare.append(await _timed(theirs))
                mine.append(await _timed(ours))
    ratios = [a / b for a, b in zip(mine, bare, strict=True)]
    return median(mine), median(bare), median(ratios)


async def _check_same_requests(tutor: Tutor, minimal: MinimalLoop) -> None:
    """Both sides must send the model the very same bytes."""
    sent = []
    for side in ("ours", "theirs"):
        recorder = _RecordingTransport(model_transport(), bodies=True)
        async with model_client(recorder) as client:
            if side == "ours":
                agent = Agent(client, MODEL, list(tutor.agent.tools.values()))
                await play_turn(agent, tutor.new_history(), OVERVIEW)
            else:
                bare = MinimalLoop(
                    client, minimal.http, minimal.schemas, minimal.rehearsal
                )
                await bare.turn(tutor.system, OVERVIEW)
        sent.append(recorder.seen)
    if sent[0] != sent[1]:
        raise RuntimeError("the baseline does not send the model what the loop sends")
    if len(sent[0]) != 3:
        raise RuntimeError(f"expected a three-step turn, got {len(sent[0])} steps")


def run(quick: bool = False) -> list[Row]:
    ours, theirs, ratio = asyncio.run(measure(rounds=6 if quick else 100))
    return [
        Row(
            name="loop_overhead",
            value=ours * 1000,
            unit="ms",
            baseline=theirs * 1000,
            target=f"ratio <= {TARGET}",
            ok=ratio <= TARGET,
            ratio=ratio,
        )
    ]
