"""Hostile input, with hypothesis: whatever a model sends as tool calls and
whatever shape a stream or a Canvas answer takes.

- For any tool arguments, every request leaves for the configured Canvas
  only, on one of the five tools' path templates (or `users/self`), with
  known query parameters and never the token in the URL.
- For any tool calls and any stream chunks, no exception escapes the turn
  loop: the turn finishes or fails with a message, and the history stays
  valid.
- For Canvas records with fields added, dropped, nulled or of the wrong type,
  the tools answer with data or a `bad_response` error, never a crash.

The examples are bounded (see `settings` below) and derandomized in CI by
the `ci` hypothesis profile (tests/session_guards.py).
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Callable
from contextlib import aclosing
from functools import cache
from typing import Any

import httpx2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from course_tutor.agent.events import TurnFailed, TurnFinished
from course_tutor.agent.loop import Agent
from course_tutor.canvas import CanvasClient
from course_tutor.demo import canvas_app
from course_tutor.tools import canvas_tools
from tests.canvas_fakes import CountingSleep
from tests.fake_model import FakeModel, Reply, call_chunks, openai_client, text_chunks
from tests.test_agent_loop import assert_valid_history

CANVAS = "https://canvas.northwood.example"
TOOLS = (
    "listYourCourses",
    "getSingleCourse",
    "listModules",
    "listModuleItems",
    "searchCourses",
)
BOUNDED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TURNS = settings(BOUNDED, max_examples=40)  # each example plays a whole turn

# -- where requests may go ---------------------------------------------------------

_COURSE = r"(?:\d+|(?:sis_course_id|sis_integration_id|lti_context_id|uuid):[^/?#]+)"
PATH_TEMPLATES = [
    re.compile(rf"/api/v1/{template}")
    for template in (
        "courses",
        rf"courses/{_COURSE}",
        rf"courses/{_COURSE}/modules",
        rf"courses/{_COURSE}/modules/\d+/items",
        "search/all_courses",
        "users/self",
    )
]
QUERY_NAMES = {
    "include[]",
    "state[]",
    "enrollment_type",
    "enrollment_state",
    "teacher_limit",
    "search_term",
    "student_id",
    "search",
    "public_only",
    "open_enrollment_only",
    "per_page",
    "page",
}


class Watched(httpx2.AsyncBaseTransport):
    """The demo Canvas in-process, with every request's URL kept."""

    def __init__(self, app: Any = None) -> None:
        self.inner = httpx2.ASGITransport(app=app or canvas_app())
        self.urls: list[httpx2.URL] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.urls.append(request.url)
        return await self.inner.handle_async_request(request)


def assert_only_canvas_paths(urls: list[httpx2.URL]) -> None:
    for url in urls:
        assert (url.scheme, url.host, url.port) == (
            "https",
            "canvas.northwood.example",
            None,
        )
        path = url.raw_path.split(b"?", 1)[0].decode("ascii")
        assert ".." not in path.split("/"), url
        assert any(t.fullmatch(path) for t in PATH_TEMPLATES), url
        names = {name for name, _ in url.params.multi_items()}
        assert names <= QUERY_NAMES, url


# -- strategies ------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "../../users/self",
        "..",
        "48213/../../accounts/1",
        "48213?access_token=x",
        "48213#fragment",
        "48213%2F..%2Fusers",
        "https://evil.example/api/v1/courses",
        "//evil.example/x",
        "sis_course_id:../../x",
        "sis_course_id:a/b?c#d",
        "uuid:%00",
        "lti_context_id:" + "x" * 300,
        "48213\r\nX-Injected: 1",
        "４８２１３",  # full-width digits
        "48213 ",
        " 48213",
        "-1",
        "0",
        "99999999999999999999999",
        "1e3",
        "",
        "\x00",
        "😀",
        "course:48213",
    ]
)
_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | HOSTILE_TEXT
)
JSON_VALUE = st.recursive(
    _SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = st.sampled_from(
    [
        "course_id",
        "module_id",
        "include",
        "include_items",
        "search_term",
        "search",
        "enrollment_state",
        "enrollment_type",
        "public_only",
        "open_enrollment_only",
        "student_id",
        "access_token",
        "url",
    ]
)
# Mostly well-formed objects with hostile values, so that arguments get past
# validation and the ids reach the client; sometimes anything at all.
ARGUMENTS = (
    st.fixed_dictionaries(
        {"course_id": HOSTILE_TEXT | _SCALAR, "module_id": HOSTILE_TEXT | _SCALAR},
        optional={"search_term": HOSTILE_TEXT, "include_items": st.booleans()},
    ).map(json.dumps)
    | st.dictionaries(FIELDS, JSON_VALUE, max_size=4).map(json.dumps)
    | JSON_VALUE.map(json.dumps)
    | st.text(max_size=40)
)


def run(coroutine_function: Callable[[], Any]) -> Any:
    return asyncio.run(coroutine_function())


# -- tool arguments never leave the path templates --------------------------------


@BOUNDED
@given(name=st.sampled_from(TOOLS), arguments=ARGUMENTS)
def test_any_tool_arguments_stay_on_the_canvas_paths(name: str, arguments: str) -> None:
    transport = Watched(_APP)

    async def call() -> str:
        async with CanvasClient(
            CANVAS, "demo", transport=transport, sleep=CountingSleep()
        ) as client:
            tool = next(t for t in canvas_tools(client) if t.name == name)
            return await tool.run(arguments)

    result = json.loads(run(call))
    assert_only_canvas_paths(transport.urls)
    if isinstance(result, dict) and isinstance(result.get("error"), dict):
        assert result["error"]["type"] != "internal", result


_APP = canvas_app()


# -- no exception escapes the loop -------------------------------------------------

CALL = st.tuples(
    st.sampled_from(TOOLS) | st.text(max_size=12),
    ARGUMENTS,
)


async def _play(model: FakeModel, transport: Watched) -> list[Any]:
    async with CanvasClient(
        CANVAS, "demo", transport=transport, sleep=CountingSleep()
    ) as canvas:
        agent = Agent(
            openai_client(model.app), "fake", canvas_tools(canvas), max_steps=3
        )
        history: list[dict[str, Any]] = [{"role": "system", "content": "tutor"}]
        async with aclosing(agent.run(history, "hello")) as stream:
            events = [event async for event in stream]
    assert_valid_history(history)
    return events


@TURNS
@example(calls=[("listYourCourses", "")], same_index=False)  # stored as {}
@given(calls=st.lists(CALL, min_size=1, max_size=4), same_index=st.booleans())
def test_any_tool_calls_end_the_turn_cleanly(
    calls: list[tuple[str, str]], same_index: bool
) -> None:
    deltas: list[dict[str, Any]] = []
    for number, (name, arguments) in enumerate(calls):
        index = 0 if same_index else number
        deltas += call_chunks(index, f"call_{number}", name, arguments)
    model = FakeModel([Reply(deltas), Reply(text_chunks("All done."))])
    transport = Watched(_APP)

    events = run(lambda: _play(model, transport))

    assert isinstance(events[-1], TurnFinished | TurnFailed)
    assert_only_canvas_paths(transport.urls)


_ODD = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=6)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)
)
TOOL_CALL_PART = st.fixed_dictionaries(
    {},
    optional={
        "index": st.integers(min_value=-3, max_value=3) | _ODD,
        "id": st.sampled_from(["c1", "c2"]) | _ODD,
        "type": st.just("function") | _ODD,
        "function": st.fixed_dictionaries(
            {},
            optional={
                "name": st.sampled_from(TOOLS) | _ODD,
                "arguments": st.sampled_from(['{"course_id": 48213}', "{", "}"]) | _ODD,
            },
        )
        | _ODD,
    },
)
DELTA = st.fixed_dictionaries(
    {},
    optional={
        "role": st.just("assistant") | _ODD,
        "content": st.text(max_size=10) | _ODD,
        "tool_calls": st.lists(TOOL_CALL_PART | _ODD, max_size=2) | _ODD,
        "refusal": _ODD,
    },
)


@TURNS
@example(deltas=[{"content": 5}])
@example(deltas=[{"tool_calls": "0"}])
@example(deltas=[{"tool_calls": [None]}])
@example(deltas=[{"tool_calls": [{"index": 0, "function": {"arguments": 5}}]}])
@given(deltas=st.lists(DELTA, min_size=1, max_size=4))
def test_any_stream_chunks_end_the_turn_cleanly(deltas: list[dict[str, Any]]) -> None:
    model = FakeModel([Reply(deltas), Reply(text_chunks("All done."))])
    transport = Watched(_APP)

    events = run(lambda: _play(model, transport))

    assert isinstance(events[-1], TurnFinished | TurnFailed)
    for event in events:
        if isinstance(event, TurnFailed):
            assert event.message
    assert_only_canvas_paths(transport.urls)


# -- Canvas payloads of any shape -------------------------------------------------


@cache
def canvas_records() -> dict[str, Any]:
    """What the demo Canvas answers for each tool, to mutate."""

    async def fetch() -> dict[str, Any]:
        answers = {}
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=canvas_app()),
            base_url=CANVAS + "/api/v1",
            headers={"Authorization": "Bearer demo"},
        ) as http:
            for name, path in (
                ("listYourCourses", "/courses?include[]=term&per_page=3"),
                (
                    "getSingleCourse",
                    "/courses/48213?include[]=term&include[]=teachers"
                    "&include[]=syllabus_body&include[]=course_progress",
                ),
                (
                    "listModules",
                    "/courses/48213/modules?include[]=items&include[]=content_details"
                    "&per_page=2",
                ),
                (
                    "listModuleItems",
                    "/courses/48213/modules/231427/items?include[]=content_details",
                ),
                ("searchCourses", "/search/all_courses?per_page=2"),
            ):
                answers[name] = (await http.get(path)).json()
        return answers

    return asyncio.run(fetch())


TOOL_ARGUMENTS = {
    "listYourCourses": {},
    "getSingleCourse": {"course_id": 48213},
    "listModules": {"course_id": 48213, "include_items": True},
    "listModuleItems": {"course_id": 48213, "module_id": 231427},
    "searchCourses": {"search": "a"},
}


def _places(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every field in a JSON value (lists through their first
    element)."""
    places = []
    if isinstance(value, dict):
        for key, inner in value.items():
            places.append((*at, key))
            places += _places(inner, (*at, key))
    elif isinstance(value, list) and value:
        places += _places(value[0], (*at, 0))
    return places


def _mutated(value: Any, changes: list[tuple[tuple[Any, ...], str, Any]]) -> Any:
    value = copy.deepcopy(value)
    for place, how, new in changes:
        *parents, last = place
        holder = value
        try:
            for step in parents:
                holder = holder[step]
            if how == "drop":
                del holder[last]
            elif how == "null":
                holder[last] = None
            elif how == "wrong":
                holder[last] = new
            elif isinstance(holder, dict):
                holder[f"new_{last}"] = new  # a field Canvas added
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed what this one would touch
    return value


@st.composite
def mutated_answer(draw: st.DrawFn) -> tuple[str, Any, bool]:
    name = draw(st.sampled_from(TOOLS))
    answer = canvas_records()[name]
    places = _places(answer)
    changes = draw(
        st.lists(
            st.tuples(
                st.sampled_from(places),
                st.sampled_from(["drop", "null", "wrong", "extra"]),
                JSON_VALUE,
            ),
            min_size=1,
            max_size=4,
        )
    )
    extra_key = draw(st.text(min_size=1, max_size=8))
    mutated = _mutated(answer, changes)
    if isinstance(mutated, dict):
        mutated[extra_key] = draw(JSON_VALUE)
    # Canvas may leave out or null any field but the ids (and searchCourses'
    # wrapper), and add any it likes: none of that may cost the answer.
    harmless = all(
        how != "wrong" and place[-1] not in ("id", "course")
        for place, how, _ in changes
    )
    return name, mutated, harmless


@BOUNDED
@given(case=mutated_answer())
def test_any_canvas_payload_gives_data_or_bad_response(
    case: tuple[str, Any, bool],
) -> None:
    name, answer, harmless = case

    def answering(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=answer)

    async def call() -> str:
        async with CanvasClient(
            CANVAS,
            "demo",
            transport=httpx2.MockTransport(answering),
            sleep=CountingSleep(),
        ) as client:
            tool = next(t for t in canvas_tools(client) if t.name == name)
            return await tool.run(json.dumps(TOOL_ARGUMENTS[name]))

    text = run(call)
    result = json.loads(text)
    failed = isinstance(result, dict) and isinstance(result.get("error"), dict)
    if failed:
        assert result["error"]["type"] == "bad_response", result
    assert not (failed and harmless), result
