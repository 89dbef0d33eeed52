"""The scripted model as an OpenAI-compatible server: routes, errors, the
`chat.completion` and chunk shapes, streaming, determinism, and the real
`openai` SDK talking to it in-process."""

from __future__ import annotations

import asyncio
import json
import time

import httpx2
import openai
import pytest

from course_tutor.demo.scripted import MODEL_ID, scripted_model_app
from course_tutor.demo.scripted.flow import DISCLOSURE, STARTERS
from tests.scripted_history import (
    History,
    client_for,
    courses_result,
    request_body,
    step,
)

URL = "/v1/chat/completions"


def sse_events(body: bytes) -> list[str]:
    """The `data:` payloads of an SSE body, in order."""
    text = body.decode()
    assert text.endswith("\n\n")
    events = []
    for block in text.split("\n\n")[:-1]:
        assert block.startswith("data: "), block
        events.append(block.removeprefix("data: "))
    return events


def chunks_of(body: bytes) -> list[dict]:
    events = sse_events(body)
    assert events[-1] == "[DONE]"
    return [json.loads(event) for event in events[:-1]]


def overview_history() -> History:
    """A history in which the student just named BIO 110 for an overview."""
    history = History().user("Give an overview of one of my courses.")
    history.assistant(
        {
            "content": None,
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "listYourCourses", "arguments": "{}"},
                }
            ],
        }
    )
    history.tool("call_a", courses_result())
    history.assistant({"content": "Which course would you like to explore?"})
    return history.user("BIO 110")


# -- routes and errors --------------------------------------------------------


async def test_models_lists_the_one_scripted_model() -> None:
    async with client_for(scripted_model_app()) as client:
        listed = (await client.get("/v1/models")).json()
        single = await client.get(f"/v1/models/{MODEL_ID}")
        other = await client.get("/v1/models/gpt-5")
    assert listed["object"] == "list"
    assert [m["id"] for m in listed["data"]] == [MODEL_ID]
    assert listed["data"][0]["owned_by"] == "course-tutor"
    assert single.json() == listed["data"][0]
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "model_not_found"


async def test_unknown_model_is_404_in_openai_shape() -> None:
    async with client_for(scripted_model_app()) as client:
        response = await client.post(
            URL, json={**request_body(History().user("hi")), "model": "gpt-4o"}
        )
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "The model `gpt-4o` does not exist",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }


async def test_any_key_is_accepted_but_none_is_refused() -> None:
    app = scripted_model_app()
    body = request_body(History().user("hi"))
    async with client_for(app) as client:
        keyed = await client.post(URL, json=body, headers={"Authorization": "Bearer x"})
        bare = await client.post(URL, json=body, headers={"Authorization": ""})
        models = await client.get("/v1/models", headers={"Authorization": ""})
    assert keyed.status_code == 200
    assert bare.status_code == 401
    assert bare.json()["error"]["type"] == "invalid_request_error"
    assert models.status_code == 401


async def test_bad_requests_are_400() -> None:
    async with client_for(scripted_model_app()) as client:
        not_json = await client.post(URL, content=b"{nope")
        no_messages = await client.post(URL, json={"model": MODEL_ID, "messages": []})
    assert not_json.status_code == 400
    assert no_messages.status_code == 400
    assert no_messages.json()["error"]["param"] == "messages"


# -- the non-streamed answer ------------------------------------------------------


async def test_completion_object_for_a_text_answer() -> None:
    async with client_for(scripted_model_app()) as client:
        response = await client.post(URL, json=request_body(History().user("hello")))
    completion = response.json()
    assert completion["object"] == "chat.completion"
    assert completion["model"] == MODEL_ID
    assert completion["id"].startswith("chatcmpl-")
    choice = completion["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    assert "tool_calls" not in choice["message"]
    for starter in STARTERS:
        assert starter in choice["message"]["content"]
    usage = completion["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens"] == len(choice["message"]["content"]) // 4


async def test_completion_object_for_parallel_tool_calls() -> None:
    async with client_for(scripted_model_app()) as client:
        response = await client.post(URL, json=request_body(overview_history()))
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    calls = choice["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["getSingleCourse", "listModules"]
    assert len({c["id"] for c in calls}) == 2
    assert all(c["id"].startswith("call_") and c["type"] == "function" for c in calls)


async def test_prompt_tokens_follow_the_request_size() -> None:
    body = json.dumps(request_body(History().user("hello"))).encode()
    async with client_for(scripted_model_app()) as client:
        response = await client.post(
            URL, content=body, headers={"Content-Type": "application/json"}
        )
    assert response.json()["usage"]["prompt_tokens"] == len(body) // 4


# -- streaming ----------------------------------------------------------------


async def test_streamed_text_arrives_in_small_fragments() -> None:
    history = History().user("hello")
    async with client_for(scripted_model_app()) as client:
        whole = await step(client, history)
        streamed = await client.post(URL, json=request_body(history, stream=True))
    assert streamed.headers["content-type"].startswith("text/event-stream")
    chunks = chunks_of(streamed.content)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    pieces = [
        c["choices"][0]["delta"]["content"]
        for c in chunks[1:]
        if c["choices"] and c["choices"][0]["delta"].get("content")
    ]
    assert "".join(pieces) == whole["content"]
    assert len(pieces) > 5
    assert all(len(piece.split()) <= 3 for piece in pieces)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert all("usage" not in c for c in chunks)


async def test_streamed_tool_calls_split_their_arguments() -> None:
    body = request_body(
        overview_history(), stream=True, stream_options={"include_usage": True}
    )
    async with client_for(scripted_model_app()) as client:
        response = await client.post(URL, json=body)
    chunks = chunks_of(response.content)

    calls: dict[int, dict] = {}
    pieces: dict[int, list[str]] = {}
    for chunk in chunks[:-1]:
        for delta_call in chunk["choices"][0]["delta"].get("tool_calls") or []:
            index = delta_call["index"]
            if "id" in delta_call:
                assert delta_call["function"]["arguments"] == ""
                calls[index] = delta_call
                pieces[index] = []
            else:
                pieces[index].append(delta_call["function"]["arguments"])
    assert sorted(calls) == [0, 1]
    arguments = {
        calls[i]["function"]["name"]: json.loads("".join(pieces[i])) for i in calls
    }
    assert arguments == {
        "getSingleCourse": {"course_id": "48213"},
        "listModules": {"course_id": "48213"},
    }
    # Cut inside strings: some piece ends between two quote marks.
    assert any(
        piece.count('"') % 2 == 1 for parts in pieces.values() for piece in parts
    )
    assert all(len(parts) >= 2 for parts in pieces.values())

    finish = chunks[-2]
    assert finish["choices"][0]["finish_reason"] == "tool_calls"
    usage = chunks[-1]
    assert usage["choices"] == []
    assert usage["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])


async def test_pace_spaces_the_chunks() -> None:
    history = History().user("hello")
    async with client_for(scripted_model_app(pace_ms=2)) as client:
        began = time.perf_counter()
        response = await client.post(URL, json=request_body(history, stream=True))
        took = time.perf_counter() - began
    chunks = chunks_of(response.content)
    assert took >= len(chunks) * 0.002


# -- determinism --------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
async def test_same_request_same_bytes(stream: bool) -> None:
    body = request_body(
        overview_history(), stream=stream, stream_options={"include_usage": True}
    )
    async with client_for(scripted_model_app()) as first:
        one = await first.post(URL, json=body)
    async with client_for(scripted_model_app()) as second:
        two = await second.post(URL, json=body)
        three = await second.post(URL, json=body)
    assert one.content == two.content == three.content


async def test_ids_change_with_the_conversation() -> None:
    async with client_for(scripted_model_app()) as client:
        one = (await client.post(URL, json=request_body(History().user("hi")))).json()
        two = (await client.post(URL, json=request_body(History().user("hey")))).json()
    assert one["id"] != two["id"]
    assert one["created"] == two["created"]


async def test_the_disclosure_comes_once_per_conversation() -> None:
    history = History().user("hello")
    async with client_for(scripted_model_app()) as client:
        first = await step(client, history)
        history.assistant(first).user("what else?")
        second = await step(client, history)
    assert first["content"].endswith(DISCLOSURE)
    assert DISCLOSURE not in second["content"]


# -- the openai SDK -----------------------------------------------------------


def sdk(app) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url="http://127.0.0.1/v1",
        api_key="test",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)),
    )


async def test_sdk_streams_tool_calls_and_usage() -> None:
    body = request_body(overview_history())
    async with sdk(scripted_model_app()) as client:
        stream = await client.chat.completions.create(
            model=MODEL_ID,
            messages=body["messages"],
            tools=body["tools"],
            stream=True,
            stream_options={"include_usage": True},
        )
        names: dict[int, str] = {}
        arguments: dict[int, str] = {}
        finish, usage = None, None
        async for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                finish = choice.finish_reason or finish
                for call in choice.delta.tool_calls or []:
                    if call.function and call.function.name:
                        names[call.index] = call.function.name
                    if call.function and call.function.arguments:
                        arguments[call.index] = (
                            arguments.get(call.index, "") + call.function.arguments
                        )
    assert names == {0: "getSingleCourse", 1: "listModules"}
    assert all(json.loads(a)["course_id"] == "48213" for a in arguments.values())
    assert finish == "tool_calls"
    assert usage is not None
    assert usage.total_tokens > 0


async def test_sdk_reads_a_plain_answer_and_the_model_list() -> None:
    async with sdk(scripted_model_app()) as client:
        completion = await client.chat.completions.create(
            model=MODEL_ID, messages=[{"role": "user", "content": "hello"}]
        )
        models = await client.models.list()
    assert completion.choices[0].finish_reason == "stop"
    assert "practice exam" in (completion.choices[0].message.content or "")
    assert [m.id async for m in models] == [MODEL_ID]


async def test_sdk_raises_not_found_for_another_model() -> None:
    async with sdk(scripted_model_app()) as client:
        with pytest.raises(openai.NotFoundError) as raised:
            await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
            )
    assert raised.value.code == "model_not_found"


async def test_a_paced_stream_is_sent_piece_by_piece() -> None:
    """Called as plain ASGI (no buffering client): each chunk is its own
    body message, sent over time, so a demo really shows typing."""
    app = scripted_model_app(pace_ms=1)
    body = json.dumps(request_body(History().user("hello"), stream=True)).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", b"Bearer test"),
            (b"content-type", b"application/json"),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[tuple[float, dict]] = []

    async def receive() -> dict:
        if incoming:
            return incoming.pop(0)
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        sent.append((time.perf_counter(), message))

    await app(scope, receive, send)
    pieces = [
        (moment, m["body"])
        for moment, m in sent
        if m["type"] == "http.response.body" and m.get("body")
    ]
    assert len(pieces) > 5
    assert pieces[-1][1] == b"data: [DONE]\n\n"
    assert pieces[-1][0] - pieces[0][0] >= (len(pieces) - 1) * 0.001
