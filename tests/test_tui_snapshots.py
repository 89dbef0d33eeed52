"""What the screen looks like, at fixed sizes, against accepted SVGs.

Update them with `uv run pytest tests/test_tui_snapshots.py --snapshot-update`
after checking the change by eye (the report shows both images)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from course_tutor.tui.app import TutorApp
from course_tutor.tui.widgets import tool_row
from tests.test_tui_support import data_dir, demo_app, demo_settings, send, settle

_ = data_dir  # a fixture, used below by name


@pytest.fixture(autouse=True)
def _steady(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """Tool durations vary from run to run; show a fixed one."""
    monkeypatch.setattr(tool_row, "_seconds", lambda duration: "4 ms")


async def _ready(pilot: Pilot) -> None:
    await settle(pilot)
    for composer in pilot.app.screen.query("Composer"):
        composer.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.wait_for_scheduled_animations()
    # A scrollbar can be drawn from the frame before the last layout.
    for scrolling in pilot.app.screen.query("#transcript"):
        scrolling.vertical_scrollbar.refresh()
    await pilot.pause(0.1)


def test_welcome_at_80_by_24(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(demo_app(tmp_path), terminal_size=(80, 24), run_before=_ready)


def test_setup_screen_at_80_by_24(snap_compare, tmp_path: Path) -> None:
    app = TutorApp(demo_settings(tmp_path), pace_ms=0)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_ready)


def test_overview_with_the_course_panel_at_110_by_36(
    snap_compare, tmp_path: Path
) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        await send(pilot, "Give an overview of BIO 110.")
        await send(pilot, "3")
        await pilot.press("ctrl+t")
        await _ready(pilot)

    app = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=(110, 36), run_before=run_before)


def test_exam_question_with_the_answer_bar_at_80_by_24(
    snap_compare, tmp_path: Path
) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        for text in ("Help me take a practice exam.", "3", "BIO 110", "Unit 3"):
            await send(pilot, text)
        await pilot.press("b")
        await _ready(pilot)

    app = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_an_opened_tool_row_at_100_by_30(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        await send(pilot, "List all of my courses.")
        row = pilot.app.screen.query_one("ToolCallRow")
        row.focus()
        await pilot.press("enter")
        pilot.app.screen.query_one("#transcript").scroll_home(animate=False)
        await _ready(pilot)

    app = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_the_link_question_at_80_by_24(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        pilot.app.chat.open_link("https://example.org/reading?week=3")  # type: ignore[attr-defined]
        await pilot.pause()

    app = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
