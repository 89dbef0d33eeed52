"""The loop with the real tools, the demo Canvas and the scripted model, all
in-process: the flows, and each way a model can misbehave."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx2
import pytest

from course_tutor.agent.loop import Agent
from course_tutor.demo import scripted_model_app
from course_tutor.demo.dataset import load_school
from course_tutor.headless import TurnRecord, play_turn
from course_tutor.instructions import load_instructions
from tests.demo_agent import demo_agent
from tests.test_agent_loop import assert_valid_history

Opener = Callable[..., AbstractAsyncContextManager[Agent]]


@asynccontextmanager
async def _open(*misbehave: str, max_steps: int = 8) -> AsyncIterator[Agent]:
    model = httpx2.ASGITransport(app=scripted_model_app(misbehave=misbehave))
    async with demo_agent(model, max_steps=max_steps) as agent:
        yield agent


def _history() -> list[dict[str, Any]]:
    return [{"role": "system", "content": load_instructions().text}]


def _tool_errors(history: list[dict[str, Any]]) -> list[str | None]:
    """The error type of each tool result, None for those that succeeded."""
    results = [json.loads(m["content"]) for m in history if m["role"] == "tool"]
    return [
        r["error"]["type"] if isinstance(r, dict) and "error" in r else None
        for r in results
    ]


def _course(code: str) -> dict[str, Any]:
    return next(c for c in load_school()["courses"] if c["course_code"] == code)


async def test_overview_asks_for_course_and_modules_in_one_step() -> None:
    history = _history()
    async with _open() as agent:
        await play_turn(agent, history, "Give an overview of one of my courses.")
        record = await play_turn(agent, history, "HIST 210")

    assert record.failure is None
    calls = [m for m in history if m.get("tool_calls")][-1]["tool_calls"]
    assert sorted(c["function"]["name"] for c in calls) == [
        "getSingleCourse",
        "listModules",
    ]
    hist = _course("HIST 210")
    assert all(m["name"] in record.answer for m in hist["modules"])
    assert_valid_history(history)


async def test_study_guide_is_a_markdown_table() -> None:
    history = _history()
    async with _open() as agent:
        record = await play_turn(agent, history, "Make a study guide for BIO 110")
    assert record.tool_calls[-1]["name"] == "listModules"
    assert record.tool_calls[-1]["arguments"]["include_items"] is True
    assert "| Module |" in record.answer
    assert "|---" in record.answer


async def test_a_course_the_student_is_not_in_is_searched() -> None:
    history = _history()
    async with _open() as agent:
        await play_turn(agent, history, "Give an overview of one of my courses.")
        record = await play_turn(agent, history, "Exploring the Solar System")
    assert "searchCourses" in [c["name"] for c in record.tool_calls]
    assert "ASTR 101" in record.answer


async def test_parallel_calls_at_index_zero_all_run() -> None:
    history = _history()
    async with _open("index0") as agent:
        await play_turn(agent, history, "Give an overview of one of my courses.")
        record = await play_turn(agent, history, "BIO 110")

    names = sorted(c["name"] for c in record.tool_calls)
    assert names == ["getSingleCourse", "listModules"]
    assert all(c["ok"] for c in record.tool_calls)
    assert record.failure is None
    assert_valid_history(history)


@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        ("unknown_tool", "unknown_tool"),
        ("bad_json", "invalid_arguments"),
        ("wrong_types", "invalid_arguments"),
    ],
)
async def test_bad_tool_calls_are_answered_and_the_turn_recovers(
    fault: str, error_type: str
) -> None:
    history = _history()
    async with _open(fault) as agent:
        record = await play_turn(agent, history, "List all of my courses.")

    errors = [kind for kind in _tool_errors(history) if kind]
    assert errors == [error_type]
    assert record.failure is None
    assert "BIO 110" in record.answer  # it carried on and listed the courses
    assert_valid_history(history)


async def test_a_model_stuck_in_a_loop_is_stopped() -> None:
    history = _history()
    async with _open("repeat", max_steps=5) as agent:
        record: TurnRecord = await play_turn(agent, history, "List all of my courses.")

    assert record.failure is not None
    assert record.failure[0] == "step_limit"
    assert (
        _tool_errors(history).count("repeated_call") == 3
    )  # calls 3 to 5 were refused
    assert_valid_history(history)


async def test_a_cut_stream_keeps_the_partial_answer() -> None:
    history = _history()
    async with _open("cut") as agent:
        record = await play_turn(agent, history, "Help me take a practice exam.")
    assert record.failure is not None
    assert record.failure[0] == "stream_cut"
    assert record.answer
    assert history[-1]["content"].startswith(record.answer)
    assert history[-1]["content"].endswith("[answer interrupted]_")


async def test_a_malformed_chunk_is_reported_not_raised() -> None:
    history = _history()
    async with _open("malformed_chunk") as agent:
        record = await play_turn(agent, history, "Help me take a practice exam.")
    assert record.failure is not None
    assert record.failure[0] in {"stream_cut", "bad_stream"}


async def test_item_links_point_at_the_students_canvas() -> None:
    history = _history()
    async with _open() as agent:
        await play_turn(agent, history, "Give an overview of one of my courses.")
        await play_turn(agent, history, "BIO 110")
        record = await play_turn(agent, history, "1")
    item_results = json.loads(history[-2]["content"])
    assert all("path" in item for item in item_results if item["type"] != "SubHeader")
    assert "](https://canvas.northwood.example/courses/48213/modules/items/" in (
        record.answer
    )
