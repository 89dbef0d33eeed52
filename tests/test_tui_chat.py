"""The chat screen against the real demo session: the in-process demo Canvas
and the scripted model (pace 0), driven with Pilot."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from course_tutor.tui.screens.confirm_link import ConfirmLinkScreen
from course_tutor.tui.widgets.answer import AnswerView
from course_tutor.tui.widgets.composer import Composer
from course_tutor.tui.widgets.course_panel import CoursePanel
from course_tutor.tui.widgets.exam_choices import ExamChoices
from course_tutor.tui.widgets.header import TutorHeader
from course_tutor.tui.widgets.tool_row import ToolCallRow
from course_tutor.tui.widgets.turn import TurnView, UserMessage
from tests.test_tui_support import (
    SIZE,
    data_dir,  # noqa: F401 - a fixture
    demo_app,
    last_answer,
    send,
    settle,
    shown,
)

pytestmark = pytest.mark.usefixtures("data_dir")


async def test_header_names_the_canvas_the_student_and_the_scripted_model(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = app.screen.query_one(TutorHeader)
        assert header.canvas_host == "canvas.northwood.example"
        assert header.model_label == "scripted offline model"
        assert header.student  # the demo student's name, from Canvas
        assert header.student in shown(app.screen.query_one("#header-canvas"))


async def test_an_empty_chat_offers_the_starters_and_one_click_sends_it(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        starters = [b.name for b in app.screen.query(".starter")]
        assert starters == list(app.instructions.starters)

        await pilot.click("#starter-2")  # "List all of my courses."
        await settle(pilot)

        turn = app.screen.query_one(TurnView)
        assert turn.query_one(UserMessage).text == "List all of my courses."
        assert not app.screen.query_one("#welcome").display
        assert "BIO 110" in last_answer(app)
        assert app.focused is app.screen.query_one(Composer)


async def test_enter_sends_and_ctrl_j_adds_a_line(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"List", "ctrl+j", *"courses")
        composer = app.screen.query_one(Composer)
        assert composer.text == "List\ncourses"

        await pilot.press("enter")
        await settle(pilot)
        assert composer.text == ""
        assert app.chat.history[1] == {"role": "user", "content": "List\ncourses"}


async def test_tool_calls_show_as_rows_that_open_on_enter_and_click(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Give an overview of BIO 110.")

        rows = {row.tool_name: row for row in app.screen.query(ToolCallRow)}
        assert {"getSingleCourse", "listModules"} <= set(rows)
        modules = rows["listModules"]
        assert modules.state == "ok"
        line = shown(modules.query_one(".tool-line"))
        assert line.startswith("✓ listModules")
        assert "course 48213" in line
        assert "7 results" in line or "7 modules" in line
        assert " ms" in line or " s" in line

        modules.focus()
        await pilot.press("enter")
        assert modules.expanded
        await pilot.pause()
        details = shown(modules.query_one(".tool-details"))
        assert '"course_id"' in details
        assert "Unit 3: Membranes and Transport" in details

        await pilot.click(modules)
        assert not modules.expanded


async def test_the_course_panel_follows_the_tool_results(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(CoursePanel)
        assert not panel.display
        await pilot.press("ctrl+t")
        assert panel.display

        await send(pilot, "Give an overview of BIO 110.")
        await send(pilot, "1 and 3")

        course = app.chat.outline.course
        assert course is not None
        assert course.code == "BIO 110"
        tree = panel.query_one("#course-tree")
        labels = [str(node.label) for node in tree.root.children]
        assert any("Unit 3: Membranes and Transport" in label for label in labels)
        with_items = [m for m in course.modules.values() if m.items]
        assert len(with_items) == 2

        await pilot.press("ctrl+t")
        assert not panel.display


async def test_a_practice_exam_is_answered_with_letter_keys_and_buttons(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#starter-0")  # "Help me take a practice exam."
        await settle(pilot)
        await send(pilot, "3")
        await send(pilot, "BIO 110")
        await send(pilot, "Unit 3")

        choices = app.screen.query_one(ExamChoices)
        assert choices.display
        progress = shown(choices.query_one("#exam-progress"))
        assert "Question 1 of 3" in progress
        assert "Membrane structure" in progress
        assert "A) It is a rigid sheet" in str(choices.query_one("#choice-A").label)

        await pilot.press("d")  # one key, with the composer empty
        await settle(pilot)
        assert app.chat.history[-2] == {"role": "user", "content": "D"}
        progress = shown(choices.query_one("#exam-progress"))
        assert "Question 2 of 3" in progress
        assert "score 1/1" in progress

        await pilot.click("#choice-C")
        await settle(pilot)
        assert app.chat.history[-2] == {"role": "user", "content": "C"}
        assert "score 2/2" in shown(choices.query_one("#exam-progress"))

        await pilot.press("a")
        await settle(pilot)
        assert not choices.display  # the exam is over
        assert "Would you like a PDF" in last_answer(app)


async def test_letters_are_typed_normally_when_no_question_waits(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "b")
        assert app.screen.query_one(Composer).text == "ab"
        assert len(app.chat.history) == 1


async def test_escape_keeps_a_partial_answer_and_marks_it(tmp_path: Path) -> None:
    app = demo_app(tmp_path, pace_ms=30)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(Composer).text = "Give an overview of BIO 110."
        await pilot.press("enter")
        async with asyncio.timeout(10):
            while not any(a.text for a in app.screen.query(AnswerView)):
                await pilot.pause(0.02)
        await pilot.press("escape")
        await settle(pilot)

        assert not app.chat.busy
        assert app.chat.history[-1]["content"].endswith("_[answer interrupted]_")
        note = app.screen.query_one(".turn-note")
        assert "interrupted" in shown(note)
        assert app.screen.query_one(Composer).text == ""


async def test_a_link_to_the_demo_canvas_is_explained_not_opened(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.chat.open_link("https://canvas.northwood.example/courses/48213")
        await pilot.pause()
        assert opened == []
        assert any("fictional" in n.message for n in app._notifications)


async def test_a_link_elsewhere_asks_first_and_shows_the_whole_address(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    url = "https://example.org/a/very/long/path?with=query"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.chat.open_link(url)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmLinkScreen)
        assert url in shown(app.screen.query_one("#link-url"))
        await pilot.press("escape")
        assert opened == []

        app.chat.open_link(url)
        await pilot.pause()
        await pilot.click("#open")
        await pilot.pause()
        assert opened == [url]


async def test_a_canvas_link_opens_straight_away_outside_the_demo(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.chat.demo = False  # as if this were the student's own Canvas
        app.chat.open_link("/courses/48213/assignments/1")
        await pilot.pause()
        assert opened == [
            "https://canvas.northwood.example/courses/48213/assignments/1"
        ]
        assert not isinstance(app.screen, ConfirmLinkScreen)


async def test_clicking_a_link_in_an_answer_goes_through_the_policy(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        turn = await app.screen.query_one("#transcript").add_turn("links please")
        turn.end()
        answer = AnswerView(
            "See [the reading](https://example.org/read).", streaming=False
        )
        await turn.mount(answer)
        await pilot.pause()
        await pilot.click(answer, offset=(6, 0))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmLinkScreen)
        assert app.screen.url == "https://example.org/read"
