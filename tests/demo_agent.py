"""The loop wired to the in-process demo Canvas and a model reached through
any transport (the scripted model, or a wrapper around it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import openai

from course_tutor.agent.loop import Agent
from course_tutor.canvas import CanvasClient
from course_tutor.demo import canvas_app
from course_tutor.tools import canvas_tools


@asynccontextmanager
async def demo_agent(
    model_transport: httpx2.AsyncBaseTransport, **agent_options: Any
) -> AsyncIterator[Agent]:
    async with (
        CanvasClient(
            "https://canvas.northwood.example",
            "demo",
            transport=httpx2.ASGITransport(app=canvas_app()),
        ) as canvas,
        openai.AsyncOpenAI(
            base_url="http://127.0.0.1/v1",
            api_key="sk-test",
            http_client=httpx2.AsyncClient(transport=model_transport),
            max_retries=0,
        ) as client,
    ):
        yield Agent(
            client, "course-tutor-scripted", canvas_tools(canvas), **agent_options
        )
