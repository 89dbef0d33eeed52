"""Whole turns replayed from cassettes: the loop, the real tools and the
Canvas client, with the scripted model and the demo Canvas recorded over
loopback. Model requests are matched on their body, so a change to the
prompt, the tool schemas or the history a turn sends shows up as a failure.

To record again: `uv run pytest tests/test_cassettes_turns.py --record-mode=rewrite`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack
from typing import Any

import openai
import pytest

from course_tutor.agent.loop import Agent
from course_tutor.canvas import CanvasClient
from course_tutor.demo import canvas_app, scripted_model_app
from course_tutor.demo.dataset import load_school
from course_tutor.headless import play_turn
from course_tutor.instructions import load_instructions
from course_tutor.tools import canvas_tools
from tests.fake_keys import openai_key
from tests.recording import vcr_settings
from tests.servers import serving

CANVAS = "http://127.0.0.1:18765"
MODEL = "http://127.0.0.1:18766/v1"
KEY = openai_key("test-cassette-key-0123456789")


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    return {
        **vcr_settings(),
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
    }


@pytest.fixture
async def agent(record_mode: str) -> AsyncIterator[Agent]:
    with ExitStack() as servers:
        if record_mode != "none":
            servers.enter_context(serving(canvas_app(), 18765))
            servers.enter_context(serving(scripted_model_app(), 18766))
        async with (
            CanvasClient(CANVAS, "demo") as canvas,
            openai.AsyncOpenAI(base_url=MODEL, api_key=KEY, max_retries=0) as model,
        ):
            yield Agent(model, "course-tutor-scripted", canvas_tools(canvas))


def _history() -> list[dict[str, Any]]:
    return [{"role": "system", "content": load_instructions().text}]


@pytest.mark.vcr
async def test_listing_courses_replays(agent: Agent, vcr, record_mode: str) -> None:
    record = await play_turn(agent, _history(), "List all of my courses.")

    assert record.failure is None
    assert [c["name"] for c in record.tool_calls] == ["listYourCourses"]
    for course in load_school()["courses"]:
        if course.get("enrollment") and not course.get("access_restricted_by_date"):
            assert course["name"] in record.answer
    if record_mode == "none":
        assert vcr.all_played


@pytest.mark.vcr
async def test_course_overview_replays(agent: Agent, vcr, record_mode: str) -> None:
    history = _history()
    first = await play_turn(agent, history, "Give an overview of one of my courses.")
    second = await play_turn(agent, history, "BIO 110")
    third = await play_turn(agent, history, "2")

    assert "Which course" in first.answer
    assert sorted(c["name"] for c in second.tool_calls) == [
        "getSingleCourse",
        "listModules",
    ]
    bio = next(c for c in load_school()["courses"] if c["course_code"] == "BIO 110")
    assert bio["modules"][0]["name"] in second.answer
    assert [c["name"] for c in third.tool_calls] == ["listModuleItems"]
    assert bio["modules"][1]["items"][0]["title"] in third.answer
    if record_mode == "none":
        assert vcr.all_played
