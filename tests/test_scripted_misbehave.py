"""The scripted model's deliberate faults, each switched on by name: what
the client loop will see, and that "once" faults clear after their error
result comes back."""

from __future__ import annotations

import json

import httpx2
import openai
import pytest

from course_tutor.demo.scripted import MODEL_ID, scripted_model_app
from course_tutor.demo.scripted.misbehave import UNKNOWN_TOOL
from tests.scripted_history import History, client_for, request_body, step
from tests.test_scripted_model import URL, overview_history, sse_events


async def steps_until_answer(client, history: History, limit: int = 6) -> list[dict]:
    """Every assistant message until one without tool calls (or `limit`)."""
    messages = []
    for _ in range(limit):
        message = await step(client, history)
        history.assistant(message)
        messages.append(message)
        if not message.get("tool_calls"):
            break
        history.results(message)
    return messages


def call_names(message: dict) -> list[str]:
    return [c["function"]["name"] for c in message.get("tool_calls") or []]


async def test_index0_streams_parallel_calls_at_index_0() -> None:
    body = request_body(overview_history(), stream=True)
    async with client_for(scripted_model_app(misbehave=["index0"])) as client:
        response = await client.post(URL, json=body)
    chunks = [json.loads(e) for e in sse_events(response.content)[:-1]]
    starts = [
        call
        for chunk in chunks
        for call in chunk["choices"][0]["delta"].get("tool_calls") or []
        if "id" in call
    ]
    assert [c["function"]["name"] for c in starts] == ["getSingleCourse", "listModules"]
    assert {c["index"] for c in starts} == {0}
    assert len({c["id"] for c in starts}) == 2


async def test_unknown_tool_once_then_behaves() -> None:
    history = History().user("List all of my courses.")
    async with client_for(scripted_model_app(misbehave=["unknown_tool"])) as client:
        messages = await steps_until_answer(client, history)
    assert [call_names(m) for m in messages] == [
        [UNKNOWN_TOOL],
        ["listYourCourses"],
        [],
    ]
    assert "| Course | Code | Term | Status |" in messages[-1]["content"]


async def test_bad_json_once_then_behaves() -> None:
    history = History().user("List all of my courses.")
    async with client_for(scripted_model_app(misbehave=["bad_json"])) as client:
        messages = await steps_until_answer(client, history)
    broken = messages[0]["tool_calls"][0]["function"]["arguments"]
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken)
    assert json.loads(messages[1]["tool_calls"][0]["function"]["arguments"]) == {}
    assert messages[-1]["content"]


async def test_wrong_types_once_then_behaves() -> None:
    history = overview_history()
    async with client_for(scripted_model_app(misbehave=["wrong_types"])) as client:
        messages = await steps_until_answer(client, history)
    first = json.loads(messages[0]["tool_calls"][0]["function"]["arguments"])
    assert first == {"course_id": [48213]}
    assert call_names(messages[1]) == ["getSingleCourse"]
    assert json.loads(messages[1]["tool_calls"][0]["function"]["arguments"]) == {
        "course_id": "48213"
    }
    assert "## BIO 110" in messages[-1]["content"]


async def test_repeat_calls_the_same_tool_forever() -> None:
    history = History().user("hello")
    async with client_for(scripted_model_app(misbehave=["repeat"])) as client:
        messages = await steps_until_answer(client, history, limit=4)
    assert [call_names(m) for m in messages] == [["listYourCourses"]] * 4
    arguments = {m["tool_calls"][0]["function"]["arguments"] for m in messages}
    assert arguments == {"{}"}


async def test_cut_stops_the_stream_after_some_text() -> None:
    body = request_body(History().user("hello"), stream=True)
    async with client_for(scripted_model_app(misbehave=["cut"])) as client:
        response = await client.post(URL, json=body)
        plain = await client.post(URL, json={**body, "stream": False})
    events = sse_events(response.content)
    assert "[DONE]" not in events
    chunks = [json.loads(e) for e in events]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks)
    with pytest.raises(json.JSONDecodeError):
        json.loads(plain.content)


async def test_malformed_chunk_sends_one_line_that_is_not_json() -> None:
    body = request_body(History().user("hello"), stream=True)
    async with client_for(scripted_model_app(misbehave=["malformed_chunk"])) as client:
        response = await client.post(URL, json=body)
    events = sse_events(response.content)
    assert events[-1] == "[DONE]"
    broken = []
    for event in events[:-1]:
        try:
            json.loads(event)
        except json.JSONDecodeError:
            broken.append(event)
    assert len(broken) == 1


def sdk(app) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url="http://127.0.0.1/v1",
        api_key="test",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)),
    )


@pytest.mark.parametrize(
    ("fault", "error", "code"),
    [
        ("status:429", openai.RateLimitError, "rate_limit_exceeded"),
        ("status:500", openai.InternalServerError, None),
        ("status:401", openai.AuthenticationError, "invalid_api_key"),
        ("quota", openai.RateLimitError, "insufficient_quota"),
    ],
)
async def test_status_faults_reach_the_sdk_as_its_errors(fault, error, code) -> None:
    async with sdk(scripted_model_app(misbehave=[fault])) as client:
        with pytest.raises(error) as raised:
            await client.chat.completions.create(
                model=MODEL_ID, messages=[{"role": "user", "content": "hello"}]
            )
    assert raised.value.code == code


async def test_quota_has_openai_error_shape() -> None:
    async with client_for(scripted_model_app(misbehave=["quota"])) as client:
        response = await client.post(URL, json=request_body(History().user("hi")))
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == error["type"] == "insufficient_quota"


async def test_a_counted_fault_clears() -> None:
    body = request_body(History().user("hi"))
    async with client_for(scripted_model_app(misbehave=["status:500*2"])) as client:
        statuses = [(await client.post(URL, json=body)).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_an_unknown_misbehaviour_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown misbehaviour"):
        scripted_model_app(misbehave=["explode"])
