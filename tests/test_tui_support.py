"""Helpers for the TUI tests: the app against the real demo session, sessions
whose model misbehaves, and a fake agent for what the scripted model cannot
do on cue (stall before anything comes back, fail a turn)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot

from course_tutor.agent.events import Event, TextStreamed, TurnFailed
from course_tutor.config import Settings
from course_tutor.instructions import load_instructions
from course_tutor.tui.app import TutorApp

SIZE = (100, 32)
SETTLE_SECONDS = 10.0


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Exports and the store go under the test's folder."""
    monkeypatch.setenv("COURSE_TUTOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def demo_settings(tmp_path: Path) -> Settings:
    """No Canvas, no model, nothing read from the environment or a file."""
    return Settings.model_construct(export_dir=tmp_path / "exports")


def demo_app(tmp_path: Path, **options: Any) -> TutorApp:
    options.setdefault("pace_ms", 0)
    return TutorApp(demo_settings(tmp_path), demo=True, **options)


async def settle(pilot: Pilot) -> None:
    """Wait until no turn runs and the screen has caught up."""
    app = pilot.app
    await pilot.pause()
    async with asyncio.timeout(SETTLE_SECONDS):
        while getattr(app.screen, "busy", False) or not _session_ready(app):
            await pilot.pause(0.02)
    await pilot.pause()
    for answer in app.screen.query("AnswerView"):
        await answer.finish()
    await pilot.pause()


def _session_ready(app: TutorApp) -> bool:
    chat = app.chat
    return chat is None or chat.session is not None


async def send(pilot: Pilot, text: str) -> None:
    """Type `text` into the composer, press enter, and wait for the answer."""
    composer = pilot.app.screen.query_one("#composer")
    composer.text = text
    await pilot.press("enter")
    await settle(pilot)


def shown(widget: Any) -> str:
    """The text a widget shows on screen now (empty when it is hidden)."""
    width, height = widget.size
    lines = widget.render_lines(Region(0, 0, width, height))
    return "\n".join(line.text.rstrip() for line in lines)


def last_answer(app: TutorApp) -> str:
    return next(
        str(m["content"])
        for m in reversed(app.chat.history)
        if m.get("role") == "assistant" and m.get("content")
    )


# -- a session with a misbehaving scripted model -------------------------------------


def misbehaving(*faults: str) -> Callable[..., Any]:
    """`connect` for the app: the demo session, its model told to misbehave."""

    @asynccontextmanager
    async def connect(settings: Settings, **options: Any) -> AsyncIterator[Any]:
        import httpx2
        import openai

        from course_tutor.demo.scripted import scripted_model_app
        from course_tutor.session import open_session

        async with open_session(settings, **options) as session:
            app = scripted_model_app(misbehave=list(faults))
            client = openai.AsyncOpenAI(
                base_url="http://scripted.localhost/v1",
                api_key="scripted",
                http_client=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)),
                max_retries=0,
            )
            session.agent.client = client
            async with client:
                yield session

    return connect


# -- a fake session, for turns on cue ----------------------------------------------


class StallingAgent:
    """Takes the question, then waits until cancelled: nothing comes back."""

    model = "fake-model"

    async def run(
        self, history: list[dict[str, Any]], text: str
    ) -> AsyncIterator[Event]:
        history.append({"role": "user", "content": text})
        await asyncio.Event().wait()
        yield TextStreamed("never")  # pragma: no cover


class ScriptAgent:
    """Plays a fixed list of events, then the last one."""

    model = "fake-model"

    def __init__(self, events: list[Event]) -> None:
        self.events = events

    async def run(
        self, history: list[dict[str, Any]], text: str
    ) -> AsyncIterator[Event]:
        history.append({"role": "user", "content": text})
        for event in self.events:
            yield event
            if isinstance(event, TurnFailed) and event.partial:
                history.append({"role": "assistant", "content": event.partial})


@dataclass
class FakeUser:
    name: str = "Test Student"


@dataclass
class FakeCanvas:
    async def get_self(self) -> FakeUser:
        return FakeUser()


@dataclass
class FakeSession:
    agent: Any
    model: str = "fake-model"
    model_label: str = "fake model"
    canvas_host: str = "canvas.test.example"
    demo: bool = True
    scripted: bool = False
    canvas: FakeCanvas = field(default_factory=FakeCanvas)
    instructions: Any = field(default_factory=lambda: load_instructions(None))

    def new_history(self) -> list[dict[str, Any]]:
        return [{"role": "system", "content": "fake"}]


def fake_connect(agent: Any) -> Callable[..., Any]:
    @asynccontextmanager
    async def connect(settings: Settings, **options: Any) -> AsyncIterator[Any]:
        yield FakeSession(agent)

    return connect
