"""Whatever goes wrong, a tool answers with ``{"error": {"type", "message"}}``
JSON and never raises: bad arguments, hostile ids, Canvas errors, faults,
timeouts and bugs."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_tutor.canvas import CanvasClient
from course_tutor.demo import canvas_app
from course_tutor.demo.faults import Fault
from course_tutor.tools import Tool, canvas_tools
from tests.canvas_fakes import CountingSleep
from tests.test_hostile_input import FIELDS, JSON_VALUE

BASE = "https://canvas.northwood.example"
BIO = 48213
BIO_MODULE = 231427
TOOL_NAMES = (
    "listYourCourses",
    "getSingleCourse",
    "listModules",
    "listModuleItems",
    "searchCourses",
)


def make_client(app: Any, token: str = "demo", **options: Any) -> CanvasClient:
    return CanvasClient(
        BASE,
        token,
        transport=httpx2.ASGITransport(app=app),
        sleep=CountingSleep(),
        **options,
    )


async def run(
    name: str,
    arguments: Any,
    *,
    app: Any = None,
    token: str = "demo",
    tool_timeout: float | None = 60.0,
) -> dict[str, Any]:
    """The error a call answers with (failing if it did not fail)."""
    app = app or canvas_app()
    async with make_client(app, token) as client:
        tool = _tool(canvas_tools(client, timeout=tool_timeout), name)
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        result = json.loads(await tool.run(text))
    assert set(result) == {"error"}, result
    assert set(result["error"]) == {"type", "message"}
    assert result["error"]["message"]
    return result["error"]


def _tool(tools: list[Tool[Any]], name: str) -> Tool[Any]:
    return next(tool for tool in tools if tool.name == name)


def requests_of(app: Any) -> list[str]:
    return app.state.canvas.requests


# -- arguments -------------------------------------------------------------------


async def test_arguments_that_are_not_json() -> None:
    error = await run("listModules", '{"course_id": 48213,')
    assert error["type"] == "invalid_arguments"
    assert "not valid JSON" in error["message"]
    assert "course_id (required)" in error["message"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("[48213]", "an array"), ('"48213"', "a string"), ("48213", "a number")],
)
async def test_arguments_that_are_not_an_object(text: str, kind: str) -> None:
    error = await run("getSingleCourse", text)
    assert error["type"] == "invalid_arguments"
    assert f"must be a JSON object, not {kind}" in error["message"]


@pytest.mark.parametrize(
    ("name", "arguments", "field", "expected"),
    [
        (
            "listModules",
            {"course_id": BIO, "include_items": "maybe"},
            "include_items",
            "valid boolean",
        ),
        ("getSingleCourse", {"course_id": [BIO]}, "course_id", "Canvas id"),
        ("getSingleCourse", {"course_id": True}, "course_id", "Canvas id"),
        ("getSingleCourse", {"course_id": 48213.5}, "course_id", "Canvas id"),
        ("searchCourses", {"search": 5}, "search", "valid string"),
        (
            "listYourCourses",
            {"enrollment_state": "current"},
            "enrollment_state",
            "'active', 'completed' or 'invited_or_pending'",
        ),
        ("listYourCourses", {"include": ["grades"]}, "include.0", "'teachers'"),
        (
            "getSingleCourse",
            {"course_id": BIO, "include": "syllabus"},
            "include.0",
            "'total_students'",
        ),
        (
            "listModuleItems",
            {"course_id": BIO, "module_id": {"id": 1}},
            "module_id",
            "Canvas id",
        ),
        ("searchCourses", {"search": "x" * 500}, "search", "at most 200"),
    ],
)
async def test_arguments_of_the_wrong_type(
    name: str, arguments: dict[str, Any], field: str, expected: str
) -> None:
    error = await run(name, arguments)
    assert error["type"] == "invalid_arguments"
    assert f"`{field}`" in error["message"]
    assert expected in error["message"]


async def test_a_missing_argument_is_named_with_what_it_expects() -> None:
    error = await run("listModules", {"include_items": True})
    assert error["type"] == "invalid_arguments"
    assert "`course_id` is required (the course id, such as 48213" in error["message"]


async def test_every_problem_is_reported_at_once() -> None:
    error = await run("listModuleItems", {"search_term": 3})
    message = error["message"]
    assert "`course_id` is required" in message
    assert "`module_id` is required" in message
    assert "`search_term`" in message


async def test_an_unknown_argument_is_refused_not_ignored() -> None:
    error = await run("listModules", {"course_id": BIO, "searchTerm": "Unit"})
    assert error["type"] == "invalid_arguments"
    assert "`searchTerm` is not one of its arguments" in error["message"]


async def test_no_arguments_at_all_is_an_empty_object() -> None:
    async with make_client(canvas_app()) as client:
        tool = _tool(canvas_tools(client), "listYourCourses")
        for nothing in ("", "  ", None):
            assert isinstance(json.loads(await tool.run(nothing)), list)  # type: ignore[arg-type]


async def test_strict_mode_nulls_are_accepted() -> None:
    async with make_client(canvas_app()) as client:
        tool = _tool(canvas_tools(client, strict=True), "listModules")
        arguments = {"course_id": BIO, "include_items": None, "search_term": None}
        modules = json.loads(await tool.run(json.dumps(arguments)))
    assert isinstance(modules, list)
    assert modules


# -- ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "course_id",
    ["../1", "48213/../48227", "48213?include[]=x", "%2e%2e", "-1", "0", " ", "1e5"],
)
async def test_hostile_course_ids_never_reach_canvas(course_id: str) -> None:
    app = canvas_app()
    for name in ("getSingleCourse", "listModules"):
        error = await run(name, {"course_id": course_id}, app=app)
        assert error["type"] == "invalid_id"
        assert "not a valid Canvas course id" in error["message"]
    assert requests_of(app) == []


async def test_a_hostile_module_id_never_reaches_canvas() -> None:
    app = canvas_app()
    error = await run(
        "listModuleItems", {"course_id": BIO, "module_id": "1 OR 1=1"}, app=app
    )
    assert error["type"] == "invalid_id"
    assert "module id" in error["message"]
    assert requests_of(app) == []


# -- Canvas errors ---------------------------------------------------------------


async def test_an_unknown_course_is_not_found() -> None:
    error = await run("getSingleCourse", {"course_id": 999999})
    assert error["type"] == "not_found"
    assert "course 999999" in error["message"]


async def test_an_unknown_module_is_not_found() -> None:
    error = await run("listModuleItems", {"course_id": BIO, "module_id": 1})
    assert error["type"] == "not_found"


async def test_a_course_the_student_is_not_in_is_not_permitted() -> None:
    error = await run("listModules", {"course_id": 49077})
    assert error["type"] == "not_permitted"


async def test_a_wrong_token_is_invalid_token() -> None:
    error = await run("listYourCourses", {}, token="not-the-demo-token")
    assert error["type"] == "invalid_token"
    assert "access token" in error["message"]
    assert "not-the-demo-token" not in error["message"]


async def test_server_errors_are_retried_then_reported() -> None:
    app = canvas_app(faults=[Fault("status", status=500)])
    error = await run("listModules", {"course_id": BIO}, app=app)
    assert error["type"] == "unavailable"
    assert "3 tries" in error["message"]
    assert len(requests_of(app)) == 3


async def test_a_server_error_that_clears_up_is_not_seen() -> None:
    app = canvas_app(faults=[Fault("status", status=503, times=2)])
    async with make_client(app) as client:
        tool = _tool(canvas_tools(client), "listModules")
        modules = json.loads(await tool.run(json.dumps({"course_id": BIO})))
    assert isinstance(modules, list)
    assert modules


async def test_a_malformed_answer_is_bad_response() -> None:
    app = canvas_app(faults=[Fault("malformed")])
    error = await run(
        "listModuleItems", {"course_id": BIO, "module_id": BIO_MODULE}, app=app
    )
    assert error["type"] == "bad_response"


async def test_a_slow_canvas_times_out() -> None:
    app = canvas_app(faults=[Fault("slow", delay=5.0)])
    error = await run("getSingleCourse", {"course_id": BIO}, app=app, tool_timeout=0.05)
    assert error["type"] == "timeout"
    assert "0.05 seconds" in error["message"]


async def test_an_unexpected_failure_is_internal_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("internal detail 7f3a")

    async with make_client(canvas_app()) as client:
        monkeypatch.setattr(client, "list_modules", broken)
        tool = _tool(canvas_tools(client), "listModules")
        with caplog.at_level(logging.ERROR):
            result = json.loads(await tool.run(json.dumps({"course_id": BIO})))

    assert result["error"]["type"] == "internal"
    assert "7f3a" not in result["error"]["message"]
    assert "RuntimeError: internal detail 7f3a" in caplog.text


async def test_cancellation_is_not_swallowed() -> None:
    app = canvas_app(faults=[Fault("slow", delay=5.0)])
    async with make_client(app) as client:
        tool = _tool(canvas_tools(client), "listYourCourses")
        task = asyncio.ensure_future(tool.run("{}"))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


# -- never raises ----------------------------------------------------------------

_ARGUMENTS = (
    st.dictionaries(FIELDS, JSON_VALUE, max_size=4).map(json.dumps)
    | JSON_VALUE.map(json.dumps)
    | st.text(max_size=30)
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(TOOL_NAMES), text=_ARGUMENTS)
def test_run_never_raises(name: str, text: str) -> None:
    async def attempt() -> str:
        async with make_client(canvas_app()) as client:
            return await _tool(canvas_tools(client), name).run(text)

    result = json.loads(asyncio.run(attempt()))
    if isinstance(result, dict) and "error" in result:
        assert result["error"]["type"] != "internal", result
        assert result["error"]["message"]
