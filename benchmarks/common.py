"""What the benchmarks share: the row each one reports, a few statistics,
and the demo tutor wired by hand.

The wiring follows `course_tutor.session.open_session` in demo mode (the
in-process demo Canvas, the scripted model behind the streaming transport)
but lets a benchmark set Canvas's latency, the model's transport and the
context window, and reach the pieces it measures.
"""

from __future__ import annotations

import statistics
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

import httpx2
import openai

from course_tutor.agent.loop import Agent
from course_tutor.canvas import CanvasClient
from course_tutor.demo import canvas_app, scripted_model_app
from course_tutor.demo.transport import StreamingASGITransport
from course_tutor.instructions import load_instructions
from course_tutor.tools import canvas_tools

CANVAS_URL = "https://canvas.northwood.example"
MODEL_URL = "http://scripted.localhost/v1"
MODEL = "course-tutor-scripted"

OVERVIEW = "Tell me about BIO 110"
"""Three steps: listYourCourses; getSingleCourse with listModules; the answer."""

SIX_MODULES = "1 to 6"
"""After the overview: listModuleItems for modules 1 to 6, in one step."""


@dataclass
class Row:
    """One figure of the table: `value` against `baseline`, and whether it
    meets its `target` (a phrase for the reader; `ok` is the verdict)."""

    name: str
    value: float
    unit: str
    baseline: float | None
    target: str
    ok: bool
    ratio: float | None = None
    """`value / baseline` unless given (a median of paired ratios, say)."""

    def __post_init__(self) -> None:
        if self.ratio is None and self.baseline:
            self.ratio = self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], share: float) -> float:
    """The value `share` (0 to 1) of the way up the sorted values, nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Tutor:
    agent: Agent
    canvas: CanvasClient
    model: openai.AsyncOpenAI
    system: str

    def new_history(self) -> list[dict[str, Any]]:
        return [{"role": "system", "content": self.system}]


def model_transport() -> httpx2.AsyncBaseTransport:
    """The scripted model in-process, streamed chunk by chunk as in the demo."""
    return StreamingASGITransport(scripted_model_app())


def model_client(
    transport: httpx2.AsyncBaseTransport | None = None,
) -> openai.AsyncOpenAI:
    """An OpenAI client for the scripted model, wired as the demo session
    wires it."""
    transport = transport or model_transport()
    return openai.AsyncOpenAI(
        base_url=MODEL_URL,
        api_key="scripted",
        http_client=httpx2.AsyncClient(transport=transport),
        max_retries=0,
    )


def canvas_transport(latency_ms: float = 0.0) -> httpx2.AsyncBaseTransport:
    return httpx2.ASGITransport(app=canvas_app(latency_ms=latency_ms))


@asynccontextmanager
async def demo_tutor(
    *,
    latency_ms: float = 0.0,
    context_window: int = 128_000,
    model: openai.AsyncOpenAI | None = None,
) -> AsyncIterator[Tutor]:
    """The loop, the Canvas tools, the demo Canvas and the scripted model."""
    async with (
        CanvasClient(
            CANVAS_URL, "demo", transport=canvas_transport(latency_ms)
        ) as canvas,
        model or model_client() as client,
    ):
        agent = Agent(
            client, MODEL, canvas_tools(canvas), context_window=context_window
        )
        yield Tutor(agent, canvas, client, load_instructions().text)
