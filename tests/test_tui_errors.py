"""Failures on screen: notifications with a title per kind, never a
traceback; a turn stopped before anything came back; the set-up screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr

from course_tutor.agent.events import (
    TextStreamed,
    ToolCallFinished,
    ToolCallStarted,
    TurnFailed,
    TurnFinished,
)
from course_tutor.config import Settings
from course_tutor.tui.app import TutorApp
from course_tutor.tui.screens.chat import ChatScreen
from course_tutor.tui.screens.setup import SetupScreen
from course_tutor.tui.widgets.composer import Composer
from course_tutor.tui.widgets.turn import TurnView
from tests.test_tui_support import (
    SIZE,
    ScriptAgent,
    StallingAgent,
    data_dir,  # noqa: F401 - a fixture
    demo_app,
    demo_settings,
    fake_connect,
    misbehaving,
    send,
    settle,
    shown,
)

pytestmark = pytest.mark.usefixtures("data_dir")


def notifications(app: TutorApp) -> list[tuple[str, str, str]]:
    return [(n.title, n.message, n.severity) for n in app._notifications]


async def test_a_refused_api_key_is_a_titled_notification(tmp_path: Path) -> None:
    app = demo_app(tmp_path, connect=misbehaving("status:401"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "List all of my courses.")

        title, message, severity = notifications(app)[-1]
        assert title == "API key refused"
        assert "OPENAI_API_KEY" in message
        assert severity == "error"
        assert not app.chat.busy


async def test_a_stream_cut_keeps_the_partial_answer(tmp_path: Path) -> None:
    app = demo_app(tmp_path, connect=misbehaving("cut"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "List all of my courses.")

        titles = [title for title, _, _ in notifications(app)]
        assert "Answer cut off" in titles or "Unreadable reply" in titles
        assert app.return_code is None  # still running: nothing escaped


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("quota", "Out of credit"),
        ("offline", "Can't reach the model"),
        ("step_limit", "Too many steps"),
        ("something_new", "The tutor could not answer"),
    ],
)
async def test_each_kind_of_failure_has_its_title(
    tmp_path: Path, kind: str, title: str
) -> None:
    agent = ScriptAgent([TurnFailed(kind, "What to do next.")])
    app = demo_app(tmp_path, connect=fake_connect(agent))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Hello")
        assert (title, "What to do next.") in [(t, m) for t, m, _ in notifications(app)]


async def test_a_refused_canvas_token_says_how_to_get_a_new_one(
    tmp_path: Path,
) -> None:
    error = '{"error": {"type": "invalid_token", "message": "The token is invalid."}}'
    agent = ScriptAgent(
        [
            ToolCallStarted("c1", "listYourCourses", "{}"),
            ToolCallFinished(
                "c1", "listYourCourses", "{}", False, "failed", 0.1, error
            ),
            TextStreamed("Canvas refused the token."),
            TurnFinished("Canvas refused the token.", 2),
        ]
    )
    app = demo_app(tmp_path, connect=fake_connect(agent))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "List all of my courses.")
        title, message, _ = notifications(app)[-1]
        assert title == "Canvas token refused"
        assert "access token" in message
        assert "course-tutor init" in message
        row = app.screen.query_one("ToolCallRow")
        assert row.state == "failed"
        assert shown(row.query_one(".tool-line")).startswith("✗ listYourCourses")


class BrokenAgent:
    """A bug in the loop: it raises instead of reporting a failure."""

    model = "fake-model"

    async def run(self, history: list, text: str):  # type: ignore[no-untyped-def]
        history.append({"role": "user", "content": text})
        yield TextStreamed("Half an ans")
        raise RuntimeError("a bug")


async def test_a_bug_in_a_turn_is_a_notification_not_a_crash(tmp_path: Path) -> None:
    app = demo_app(tmp_path, connect=fake_connect(BrokenAgent()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Hello")
        assert notifications(app)[-1][0] == "Unexpected error"
        assert app.is_running
        assert not app.chat.busy
        assert any(
            "the turn failed unexpectedly" in r.getMessage()
            for r in app.recorder.records
        )


async def test_escape_before_anything_came_back_returns_the_question(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path, connect=fake_connect(StallingAgent()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        composer = app.screen.query_one(Composer)
        composer.text = "What is due this week?"
        await pilot.press("enter")
        await pilot.pause()
        assert app.chat.busy
        assert composer.text == ""

        await pilot.press("escape")
        await settle(pilot)

        assert composer.text == "What is due this week?"
        assert app.chat.history == [{"role": "system", "content": "fake"}]
        assert not app.screen.query(TurnView)
        assert app.screen.query_one("#welcome").display


async def test_sending_while_the_tutor_answers_is_refused_politely(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path, connect=fake_connect(StallingAgent()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        composer = app.screen.query_one(Composer)
        composer.text = "first"
        await pilot.press("enter")
        await pilot.pause()
        composer.text = "second"
        await pilot.press("enter")
        await pilot.pause()
        assert composer.text == "second"
        assert notifications(app)[-1][0] == "The tutor is still answering"
        await pilot.press("escape")


async def test_without_canvas_the_first_screen_explains_and_offers_the_demo(
    tmp_path: Path,
) -> None:
    app = TutorApp(demo_settings(tmp_path), pace_ms=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        steps = app.screen.query_one("#setup-steps")
        text = "\n".join(shown(block) for block in steps.query("MarkdownBlock"))
        assert "course-tutor init" in text
        assert "CANVAS_BASE_URL" in text
        assert "CANVAS_API_TOKEN" in text
        assert "OPENAI_API_KEY" in text
        assert "OPENAI_BASE_URL" in text

        await pilot.click("#start-demo")
        await settle(pilot)
        assert isinstance(app.screen, ChatScreen)
        assert app.screen.session is not None
        assert app.screen.session.demo


async def test_canvas_without_a_model_falls_back_to_the_setup_screen(
    tmp_path: Path,
) -> None:
    settings = Settings.model_construct(
        canvas_base_url="https://canvas.test.example",
        canvas_api_token=SecretStr("x" * 20),
    )
    app = TutorApp(settings, pace_ms=0)
    async with app.run_test(size=(80, 24)) as pilot:
        async with asyncio.timeout(10):
            while not isinstance(app.screen, SetupScreen):
                await pilot.pause(0.02)
        await pilot.pause()
        assert "No model is set up" in shown(app.screen.query_one("#setup-problem"))
