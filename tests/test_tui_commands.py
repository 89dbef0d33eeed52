"""The command palette's commands and the chat's keys: new chat, export,
resume from the store, switch model, log, screenshot, copy."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.command import CommandInput, CommandList
from textual.pilot import Pilot

from course_tutor.store import Store
from course_tutor.tui.screens.log import LogScreen
from course_tutor.tui.screens.model import ModelScreen
from course_tutor.tui.screens.resume import ResumeScreen
from course_tutor.tui.widgets.course_panel import CoursePanel
from course_tutor.tui.widgets.turn import TurnView
from tests.test_tui_support import (
    SIZE,
    data_dir,  # noqa: F401 - a fixture
    demo_app,
    last_answer,
    send,
    settle,
)

pytestmark = pytest.mark.usefixtures("data_dir")


async def run_command(pilot: Pilot, title: str) -> None:
    """Open the palette, search for `title`, and run the command if it is the
    best match."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    palette = pilot.app.screen
    palette.query_one(CommandInput).value = title
    commands = palette.query_one(CommandList)

    def best() -> str:
        if commands.highlighted is None:
            return ""
        return str(commands.get_option_at_index(commands.highlighted).prompt)

    async with asyncio.timeout(5):
        while title.lower() not in best().lower():
            await pilot.pause(0.05)
    await pilot.press("enter")
    await pilot.pause()


async def test_the_palette_offers_the_chat_commands(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {
            "New chat",
            "Export the transcript",
            "Toggle the course panel",
            "Switch model",
            "Show the log",
            "Save a screenshot",
            "Copy the last answer",
            "Theme",
            "Quit",
        } <= titles
        assert "Resume a conversation" not in titles  # no store given


async def test_new_chat_from_the_palette_clears_the_conversation(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Give an overview of BIO 110.")
        assert app.chat.outline.course is not None

        await run_command(pilot, "New chat")
        await settle(pilot)
        assert not app.screen.query(TurnView)
        assert app.screen.query_one("#welcome").display
        assert [m["role"] for m in app.chat.history] == ["system"]
        assert app.chat.outline.course is None


async def test_ctrl_n_starts_a_new_chat(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "List all of my courses.")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not app.screen.query(TurnView)


async def test_export_writes_the_conversation_as_markdown(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "List all of my courses.")
        await run_command(pilot, "Export the transcript")

        [path] = (tmp_path / "exports").glob("conversation-*.md")
        text = path.read_text()
        assert text.startswith("# List all of my courses.")
        assert "- Canvas: canvas.northwood.example" in text
        assert "`listYourCourses`" in text
        assert "BIO 110" in text
        assert str(path) in [n.message for n in app._notifications]


async def test_the_course_panel_toggles_from_the_palette(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(CoursePanel)
        await run_command(pilot, "Toggle the course panel")
        assert panel.display


async def test_the_log_screen_shows_what_happened(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "List all of my courses.")
        await run_command(pilot, "Show the log")
        assert isinstance(app.screen, LogScreen)
        await pilot.pause(0.1)
        lines = [str(line.text) for line in app.screen.query_one("#log").lines]
        assert any("session open" in line for line in lines)
        assert any("listYourCourses" in line for line in lines)
        await pilot.press("escape")
        assert not isinstance(app.screen, LogScreen)


async def test_switching_model_changes_the_loop_and_the_header(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "Switch model")
        assert isinstance(app.screen, ModelScreen)
        await pilot.pause(0.2)
        models = app.screen.query_one("#model-list")
        assert models.option_count == 1  # the scripted server offers one

        name = app.screen.query_one("#model-name")
        name.value = "gpt-test"
        await pilot.press("enter")
        await pilot.pause()
        assert app.chat.session.agent.model == "gpt-test"
        assert app.screen.query_one("#header").model_label == "gpt-test"

        # The scripted server knows no such model: the failure says so.
        await send(pilot, "List all of my courses.")
        assert app._notifications
        assert list(app._notifications)[-1].title == "Unknown model"


async def test_a_screenshot_is_saved_as_svg(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "Save a screenshot")
        [svg] = (tmp_path / "exports").glob("*.svg")
        assert svg.read_text().lstrip().startswith("<svg")


async def test_ctrl_y_copies_the_last_answer(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "List all of my courses.")
        await pilot.press("ctrl+y")
        assert app.clipboard == last_answer(app)


async def test_a_conversation_is_saved_and_resumed_from_the_store(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "store.db")
    app = demo_app(tmp_path, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Give an overview of BIO 110.")
        [saved] = store.list()
        assert saved.title == "Give an overview of BIO 110."
        roles = [m["role"] for m in store.load(saved.id)]
        assert roles[0] == "user"
        assert roles[-1] == "assistant"
        assert "tool" in roles

        await pilot.press("ctrl+n")
        await settle(pilot)
        assert not app.screen.query(TurnView)

        await run_command(pilot, "Resume a conversation")
        assert isinstance(app.screen, ResumeScreen)
        await pilot.press("enter")
        await settle(pilot)

        [turn] = app.screen.query(TurnView)
        assert turn.question == "Give an overview of BIO 110."
        assert {r.tool_name for r in turn.query("ToolCallRow")} >= {"listModules"}
        assert app.chat.outline.course is not None  # the panel learned again

        # The export comes from the store, as `course-tutor export` writes it.
        await run_command(pilot, "Export the transcript")
        [path] = (tmp_path / "exports").glob("conversation-*.md")
        assert path.read_text() == store.export_markdown(saved.id)

        # Going on adds to the same conversation.
        await send(pilot, "1")
        [again] = store.list()
        assert again.id == saved.id
        assert len(store.load(saved.id)) > len(roles)
    store.close()
