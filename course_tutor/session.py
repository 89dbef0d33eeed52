"""Wiring a tutoring session: Canvas, the tools, the model and the loop.

The TUI, `ask` and `eval` all start here, so the three see the same program.
In demo mode Canvas is the bundled demo app, in-process, and the model is the
scripted one unless a real model is configured.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_tutor.config import DEFAULT_MODEL, Settings

DEMO_CANVAS_URL = "https://canvas.northwood.example"
SCRIPTED_MODEL = "course-tutor-scripted"
SCRIPTED_LABEL = "scripted offline model"


class SetupError(Exception):
    """Something the session needs is not configured; the message says how
    to fix it."""


@dataclass
class Session:
    agent: Any  # course_tutor.agent.loop.Agent
    canvas: Any  # course_tutor.canvas.CanvasClient
    instructions: Any  # course_tutor.instructions.Instructions
    model: str
    model_label: str
    canvas_host: str
    demo: bool
    scripted: bool
    tools: list[Any] = field(default_factory=list)

    def new_history(self) -> list[dict[str, Any]]:
        return [{"role": "system", "content": self.instructions.text}]


@asynccontextmanager
async def open_session(
    settings: Settings,
    *,
    demo: bool,
    prompt: str | Path | None = None,
    pace_ms: float = 0.0,
    extra_tools: list[Any] | None = None,
) -> AsyncIterator[Session]:
    """Open Canvas and the model for a session; both close on exit."""
    import httpx2

    from course_tutor.agent.loop import Agent
    from course_tutor.canvas import CanvasClient
    from course_tutor.instructions import load_instructions
    from course_tutor.tools import canvas_tools

    instructions = load_instructions(prompt)
    async with AsyncExitStack() as stack:
        if demo:
            from course_tutor.demo import canvas_app

            canvas = CanvasClient(
                DEMO_CANVAS_URL,
                "demo",
                transport=httpx2.ASGITransport(app=canvas_app()),
            )
        else:
            base, token = settings.canvas_base_url, settings.canvas_api_token
            if not (base and token):
                raise SetupError(
                    "Canvas is not set up. Run `course-tutor init`, or set "
                    "CANVAS_BASE_URL and CANVAS_API_TOKEN. To look around first, "
                    "try `course-tutor --demo`."
                )
            canvas = CanvasClient(base, token.get_secret_value())
        await stack.enter_async_context(canvas)

        client, model, label, scripted = await _model(settings, demo, pace_ms, stack)
        tools = [*canvas_tools(canvas), *(extra_tools or [])]
        agent = Agent(client, model, tools, context_window=settings.context_window)
        yield Session(
            agent=agent,
            canvas=canvas,
            instructions=instructions,
            model=model,
            model_label=label,
            canvas_host=httpx2.URL(str(canvas.base_url)).host,
            demo=demo,
            scripted=scripted,
            tools=tools,
        )


async def _model(
    settings: Settings, demo: bool, pace_ms: float, stack: AsyncExitStack
) -> tuple[Any, str, str, bool]:
    """The OpenAI client, the model name, a label for the screen, scripted?"""
    import httpx2
    import openai

    if demo and not settings.model_configured:
        from course_tutor.demo.scripted import scripted_model_app
        from course_tutor.demo.transport import StreamingASGITransport

        transport = StreamingASGITransport(scripted_model_app(pace_ms=pace_ms))
        http_client = httpx2.AsyncClient(transport=transport)
        client = openai.AsyncOpenAI(
            base_url="http://scripted.localhost/v1",
            api_key="scripted",
            http_client=http_client,
            max_retries=0,
        )
        await stack.enter_async_context(client)
        return client, SCRIPTED_MODEL, SCRIPTED_LABEL, True

    if not settings.model_configured:
        raise SetupError(
            "No model is set up. Set OPENAI_API_KEY, or OPENAI_BASE_URL for an "
            "OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp), or "
            "run `course-tutor init`. `course-tutor --demo` works without one."
        )
    key = (
        settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    )
    client = openai.AsyncOpenAI(
        # Local servers accept any key; the SDK insists on having one.
        api_key=key or "not-needed",
        base_url=settings.openai_base_url or None,
    )
    await stack.enter_async_context(client)
    model = settings.model or await _first_model(client, settings) or DEFAULT_MODEL
    where = httpx2.URL(str(client.base_url)).host
    return client, model, f"{model} at {where}", False


async def _first_model(client: Any, settings: Settings) -> str | None:
    """For a server of one's own with no model named, the first it offers."""
    import openai

    if not settings.openai_base_url:
        return None
    try:
        page = await client.models.list()
    except openai.OpenAIError:
        return None  # the first real request will say what is wrong
    return next((model.id for model in page.data), None)
