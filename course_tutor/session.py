"""Wiring a tutoring session: Canvas, the tools, the model and the loop.

The TUI, `ask` and `eval` all start here, so the three see the same program.
In demo mode Canvas is the bundled demo app, in-process, and the model is the
scripted one unless a real model is configured. Besides the Canvas tools the
model gets `exportPracticeExam`, which writes into the export folder and keeps
attempts in the store given (set `Session.conversation_id` so an attempt is
linked to its conversation).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
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
    conversation_id: int | None = None
    """The stored conversation being played, once there is one."""

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
    store: Any = None,  # course_tutor.store.Store
    scripted: bool | None = None,
    model_transport: Callable[[Any], Any] | None = None,
) -> AsyncIterator[Session]:
    """Open Canvas and the model for a session; both close on exit.

    `scripted` chooses the model instead of the settings: True for the
    scripted one whatever is configured, False for the configured one even in
    demo mode. `model_transport` wraps the transport the model's requests go
    through (`eval` records and replays them there); Canvas's are untouched.
    """
    import httpx2

    from course_tutor.agent.loop import Agent
    from course_tutor.canvas import CanvasClient
    from course_tutor.instructions import load_instructions
    from course_tutor.tools import canvas_tools
    from course_tutor.tools.export import ExportPracticeExam, export_dir

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
            # A personal token, or else a saved OAuth login (refreshed as needed).
            from course_tutor.setup.connect import open_canvas

            canvas = await open_canvas(settings)
        await stack.enter_async_context(canvas)

        if scripted is None:
            scripted = demo and not settings.model_configured
        client, model, label = await _model(
            settings, scripted, pace_ms, model_transport, stack
        )
        exporter = ExportPracticeExam(export_dir(settings), store=store)
        tools = [*canvas_tools(canvas), exporter, *(extra_tools or [])]
        agent = Agent(client, model, tools, context_window=settings.context_window)
        session = Session(
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
        exporter.conversation_id = lambda: session.conversation_id
        yield session


async def _model(
    settings: Settings,
    scripted: bool,
    pace_ms: float,
    wrap: Callable[[Any], Any] | None,
    stack: AsyncExitStack,
) -> tuple[Any, str, str]:
    """The OpenAI client, the model name and a label for the screen."""
    import httpx2
    import openai

    if scripted:
        from course_tutor.demo.scripted import scripted_model_app
        from course_tutor.demo.transport import StreamingASGITransport

        transport = StreamingASGITransport(scripted_model_app(pace_ms=pace_ms))
        http_client = httpx2.AsyncClient(
            transport=wrap(transport) if wrap else transport
        )
        client = openai.AsyncOpenAI(
            base_url="http://scripted.localhost/v1",
            api_key="scripted",
            http_client=http_client,
            max_retries=0,
        )
        await stack.enter_async_context(client)
        return client, SCRIPTED_MODEL, SCRIPTED_LABEL

    if not settings.model_configured:
        raise SetupError(
            "No model is set up. Set OPENAI_API_KEY, or OPENAI_BASE_URL for an "
            "OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp), or "
            "run `course-tutor init`. `course-tutor --demo` works without one."
        )
    key = (
        settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    )
    from course_tutor.agent.http import model_http_client

    through = wrap(httpx2.AsyncHTTPTransport()) if wrap is not None else None
    client = openai.AsyncOpenAI(
        # Local servers accept any key; the SDK insists on having one.
        api_key=key or "not-needed",
        base_url=settings.openai_base_url or None,
        # The SDK's own client, except that running out of credit is final.
        http_client=model_http_client(through),
    )
    await stack.enter_async_context(client)
    model = settings.model or await _first_model(client, settings) or DEFAULT_MODEL
    where = httpx2.URL(str(client.base_url)).host
    return client, model, f"{model} at {where}"


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
