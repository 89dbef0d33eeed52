"""The turn loop, without any screen, against a fake OpenAI-compatible server
that puts it in exact situations."""

from __future__ import annotations

import asyncio
import json
import socket
from contextlib import aclosing
from typing import Any

import httpx2
import openai
import pytest

from course_tutor.agent.budget import SHORTENED, ContextBudget, estimate_tokens
from course_tutor.agent.events import (
    TextStreamed,
    ToolCallFinished,
    ToolCallStarted,
    TurnFailed,
    TurnFinished,
    UsageReported,
)
from course_tutor.agent.loop import INTERRUPTED, Agent
from tests.fake_model import (
    EchoTool,
    FakeModel,
    Reply,
    call_chunks,
    openai_client,
    text_chunks,
)

SYSTEM = {"role": "system", "content": "You are a tutor."}


def _agent(model: FakeModel, tools: list[Any] | None = None, **options: Any) -> Agent:
    streaming = options.pop("streaming", False)
    return Agent(
        openai_client(model.app, streaming=streaming),
        "fake",
        tools if tools is not None else [EchoTool("listYourCourses")],
        **options,
    )


async def _play(agent: Agent, history: list[dict[str, Any]], text: str) -> list[Any]:
    async with aclosing(agent.run(history, text)) as events:
        return [event async for event in events]


def assert_valid_history(history: list[dict[str, Any]]) -> None:
    """Every tool call has exactly one result, right after its message."""
    open_calls: list[str] = []
    for message in history:
        if message["role"] == "tool":
            assert message["tool_call_id"] in open_calls, message
            open_calls.remove(message["tool_call_id"])
            continue
        assert not open_calls, f"calls left unanswered: {open_calls}"
        for call in message.get("tool_calls") or ():
            json.loads(call["function"]["arguments"])
            open_calls.append(call["id"])
    assert not open_calls, f"calls left unanswered: {open_calls}"


# -- plain turns -----------------------------------------------------------


async def test_text_turn_streams_and_is_stored() -> None:
    model = FakeModel([Reply(text_chunks("Hello, Jordan! How can I help?"))])
    history = [SYSTEM]
    events = await _play(_agent(model), history, "hi")

    streamed = "".join(e.text for e in events if isinstance(e, TextStreamed))
    assert streamed == "Hello, Jordan! How can I help?"
    assert sum(isinstance(e, TextStreamed) for e in events) > 1
    assert isinstance(events[-1], TurnFinished)
    assert events[-1].text == streamed
    assert any(isinstance(e, UsageReported) and e.total_tokens == 15 for e in events)
    assert history[1:] == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": streamed},
    ]


async def test_only_the_needed_parameters_are_sent() -> None:
    model = FakeModel([Reply(text_chunks("ok"))])
    await _play(_agent(model), [SYSTEM], "hi")
    sent = model.requests[0]
    assert set(sent) <= {"model", "messages", "stream", "stream_options", "tools"}
    assert sent["stream"] is True
    assert sent["tools"][0]["function"]["name"] == "listYourCourses"


async def test_request_options_are_passed_when_configured() -> None:
    model = FakeModel([Reply(text_chunks("ok"))])
    agent = _agent(model, request_options={"temperature": 0.2})
    await _play(agent, [SYSTEM], "hi")
    assert model.requests[0]["temperature"] == 0.2


async def test_server_refusing_stream_options_is_asked_again_without() -> None:
    refusal = {"message": "Unrecognized request argument: stream_options"}
    model = FakeModel([Reply(status=400, error=refusal), Reply(text_chunks("fine"))])
    events = await _play(_agent(model), [SYSTEM], "hi")
    assert isinstance(events[-1], TurnFinished)
    assert "stream_options" not in model.requests[1]


# -- tool calls ------------------------------------------------------------


async def test_tool_step_then_answer() -> None:
    arguments = '{"enrollment_state": "active"}'
    model = FakeModel(
        [
            Reply(call_chunks(0, "call_1", "listYourCourses", arguments, pieces=4)),
            Reply(text_chunks("You have 4 courses.")),
        ]
    )
    tool = EchoTool("listYourCourses")
    history = [SYSTEM]
    events = await _play(_agent(model, [tool]), history, "list my courses")

    started = [e for e in events if isinstance(e, ToolCallStarted)]
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert [(e.name, e.arguments) for e in started] == [("listYourCourses", arguments)]
    assert finished[0].ok
    assert finished[0].duration >= 0
    assert json.loads(finished[0].result)["echo"] == {"enrollment_state": "active"}
    assert tool.runs == [arguments]
    assert isinstance(events[-1], TurnFinished)
    assert events[-1].steps == 2

    assert [m["role"] for m in history] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    assert history[2]["tool_calls"][0]["function"]["arguments"] == arguments
    assert history[3]["tool_call_id"] == "call_1"
    # The second request carried the tool result back to the model.
    assert model.requests[1]["messages"][-1]["role"] == "tool"
    assert_valid_history(history)


async def test_parallel_calls_run_concurrently_and_are_stored_in_call_order() -> None:
    both_running = asyncio.Event()
    started: list[str] = []

    class Rendezvous(EchoTool):
        async def run(self, arguments_json: str) -> str:
            started.append(self.name)
            if len(started) == 2:
                both_running.set()
            # Sequential execution would wait here forever (well, 2 s).
            await asyncio.wait_for(both_running.wait(), timeout=2)
            if self.name == "getSingleCourse":
                await asyncio.sleep(0.05)  # finish last, though called first
            return await super().run(arguments_json)

    tools = [Rendezvous("getSingleCourse"), Rendezvous("listModules")]
    model = FakeModel(
        [
            Reply(
                call_chunks(0, "call_a", "getSingleCourse", '{"course_id": "1"}')
                + call_chunks(1, "call_b", "listModules", '{"course_id": "1"}')
            ),
            Reply(text_chunks("Here is the overview.")),
        ]
    )
    history = [SYSTEM]
    events = await _play(_agent(model, tools), history, "overview")

    finished = [e.call_id for e in events if isinstance(e, ToolCallFinished)]
    assert finished == ["call_b", "call_a"]  # as they completed
    results = [m["tool_call_id"] for m in history if m["role"] == "tool"]
    assert results == ["call_a", "call_b"]  # as they were called
    assert_valid_history(history)


async def test_parallel_calls_all_at_index_zero_are_told_apart_by_id() -> None:
    model = FakeModel(
        [
            Reply(
                call_chunks(0, "call_x", "getSingleCourse", '{"course_id": "7"}')
                + call_chunks(0, "call_y", "listModules", '{"course_id": "7"}')
            ),
            Reply(text_chunks("ok")),
        ]
    )
    tools = [EchoTool("getSingleCourse"), EchoTool("listModules")]
    history = [SYSTEM]
    await _play(_agent(model, tools), history, "overview")

    calls = history[2]["tool_calls"]
    assert [(c["id"], c["function"]["name"]) for c in calls] == [
        ("call_x", "getSingleCourse"),
        ("call_y", "listModules"),
    ]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"course_id": "7"},
        {"course_id": "7"},
    ]
    assert tools[0].runs == ['{"course_id": "7"}']
    assert tools[1].runs == ['{"course_id": "7"}']


async def test_unknown_tool_and_bad_json_become_results_the_model_can_read() -> None:
    model = FakeModel(
        [
            Reply(
                call_chunks(0, "call_1", "deleteCourse", "{}")
                + call_chunks(1, "call_2", "listYourCourses", '{"enrollment_state": ')
            ),
            Reply(text_chunks("Sorry about that.")),
        ]
    )
    history = [SYSTEM]
    events = await _play(_agent(model), history, "hi")

    finished = {e.name: e for e in events if isinstance(e, ToolCallFinished)}
    unknown = json.loads(finished["deleteCourse"].result)["error"]
    assert unknown["type"] == "unknown_tool"
    assert "listYourCourses" in unknown["message"]
    assert not finished["deleteCourse"].ok
    assert json.loads(finished["listYourCourses"].result)["error"]["type"] == (
        "invalid_arguments"
    )
    # The stored call holds valid JSON, so the next request is accepted.
    assert history[2]["tool_calls"][1]["function"]["arguments"] == "{}"
    assert isinstance(events[-1], TurnFinished)
    assert_valid_history(history)


async def test_a_tool_that_raises_does_not_end_the_turn() -> None:
    class Broken(EchoTool):
        async def run(self, arguments_json: str) -> str:
            raise RuntimeError("boom")

    model = FakeModel(
        [Reply(call_chunks(0, "c", "listYourCourses", "{}")), Reply(text_chunks("ok"))]
    )
    history = [SYSTEM]
    events = await _play(_agent(model, [Broken("listYourCourses")]), history, "x")
    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    assert json.loads(finished.result)["error"]["type"] == "internal"
    assert isinstance(events[-1], TurnFinished)


async def test_step_limit_ends_a_runaway_turn_with_a_valid_history() -> None:
    replies = [
        Reply(call_chunks(0, f"call_{n}", "listYourCourses", f'{{"page": {n}}}'))
        for n in range(10)
    ]
    model = FakeModel(replies)
    history = [SYSTEM]
    events = await _play(_agent(model, max_steps=3), history, "loop forever")

    assert isinstance(events[-1], TurnFailed)
    assert events[-1].kind == "step_limit"
    assert "3 rounds" in events[-1].message
    assert len(model.requests) == 3
    assert_valid_history(history)


async def test_the_same_call_repeated_is_refused_after_two() -> None:
    replies = [
        Reply(call_chunks(0, f"c{n}", "listYourCourses", "{}")) for n in range(3)
    ]
    model = FakeModel([*replies, Reply(text_chunks("ok"))])
    tool = EchoTool("listYourCourses")
    events = await _play(_agent(model, [tool]), [SYSTEM], "x")

    results = [e for e in events if isinstance(e, ToolCallFinished)]
    assert len(tool.runs) == 2
    assert json.loads(results[2].result)["error"]["type"] == "repeated_call"


# -- cancellation and failures ---------------------------------------------


async def _cancel_when(
    agent: Agent, history: list[dict[str, Any]], condition: Any
) -> list[Any]:
    """Play a turn in a task and cancel it once `condition(events so far)`."""
    seen: list[Any] = []
    reached = asyncio.Event()

    async def consume() -> None:
        async with aclosing(agent.run(history, "go")) as events:
            async for event in events:
                seen.append(event)
                if condition(seen):
                    reached.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(reached.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return seen


async def test_cancel_during_tools_answers_every_call() -> None:
    model = FakeModel(
        [
            Reply(
                call_chunks(0, "c1", "slow", "{}")
                + call_chunks(1, "c2", "slow", '{"n": 2}')
            )
        ]
    )
    history = [SYSTEM]
    agent = _agent(model, [EchoTool("slow", delay=30)])
    await _cancel_when(
        agent, history, lambda seen: any(isinstance(e, ToolCallStarted) for e in seen)
    )

    assert_valid_history(history)
    results = [json.loads(m["content"]) for m in history if m["role"] == "tool"]
    assert [r["error"]["type"] for r in results] == ["cancelled", "cancelled"]


async def test_cancel_mid_answer_keeps_the_partial_text_marked() -> None:
    model = FakeModel(
        [Reply(text_chunks("Here are your courses: BIO 110, " * 5), delay=0.05)]
    )
    history = [SYSTEM]
    agent = _agent(model, streaming=True)
    seen = await _cancel_when(
        agent, history, lambda seen: sum(isinstance(e, TextStreamed) for e in seen) >= 2
    )

    partial = "".join(e.text for e in seen if isinstance(e, TextStreamed))
    assert history[-1] == {"role": "assistant", "content": partial + INTERRUPTED}


async def test_consumer_closing_early_leaves_a_valid_history() -> None:
    model = FakeModel([Reply(call_chunks(0, "c1", "slow", "{}"))])
    history = [SYSTEM]
    agent = _agent(model, [EchoTool("slow", delay=30)])
    events = agent.run(history, "go")
    async for event in events:
        if isinstance(event, ToolCallStarted):
            break
    await events.aclose()
    assert_valid_history(history)
    assert history[-1]["role"] == "tool"


async def test_stream_cut_mid_answer_keeps_what_arrived() -> None:
    model = FakeModel(
        [Reply(text_chunks("The first module covers cells"), cut_after=3)]
    )
    history = [SYSTEM]
    events = await _play(_agent(model), history, "tell me")

    failure = events[-1]
    assert isinstance(failure, TurnFailed)
    assert failure.partial
    assert "The first module covers cells".startswith(failure.partial)
    assert failure.kind in {"stream_cut", "bad_stream"}
    assert history[-1]["content"] == failure.partial + INTERRUPTED


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (
            401,
            {"message": "Incorrect API key provided", "code": "invalid_api_key"},
            "bad_key",
        ),
        (
            404,
            {"message": "The model `x` does not exist", "code": "model_not_found"},
            "unknown_model",
        ),
        (
            429,
            {"message": "Rate limit reached", "code": "rate_limit_exceeded"},
            "rate_limited",
        ),
        (
            429,
            {"message": "You exceeded your quota", "code": "insufficient_quota"},
            "quota",
        ),
        (500, {"message": "oops"}, "server_error"),
        (400, {"message": "too long", "code": "context_length_exceeded"}, "context"),
    ],
)
async def test_model_errors_become_messages_a_student_can_act_on(
    status: int, error: dict[str, Any], kind: str
) -> None:
    model = FakeModel([Reply(status=status, error=error)])
    history = [SYSTEM]
    events = await _play(_agent(model), history, "hi")

    failure = events[-1]
    assert isinstance(failure, TurnFailed)
    assert failure.kind == kind
    assert failure.message.endswith(".")
    assert "sk-test-fake-model-key" not in failure.message
    assert history[-1] == {"role": "user", "content": "hi"}


async def test_unreachable_server_is_reported_as_offline() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens here
    client = openai.AsyncOpenAI(
        base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test", max_retries=0
    )
    events = await _play(Agent(client, "fake", []), [SYSTEM], "hi")
    assert isinstance(events[-1], TurnFailed)
    assert events[-1].kind == "offline"
    assert f"127.0.0.1:{port}" in events[-1].message


# -- the context budget ----------------------------------------------------


def _exchange(n: int, size: int) -> list[dict[str, Any]]:
    call = {
        "id": f"c{n}",
        "type": "function",
        "function": {"name": "t", "arguments": "{}"},
    }
    return [
        {"role": "user", "content": f"question {n}"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"c{n}", "content": "x" * size},
        {"role": "assistant", "content": f"answer {n}"},
    ]


def test_budget_leaves_a_small_history_alone() -> None:
    history = [SYSTEM, *_exchange(1, 100)]
    assert ContextBudget(window=10_000, reserve=0).fit(history) == history


def test_budget_shortens_old_tool_results_first() -> None:
    history = [SYSTEM, *_exchange(1, 8_000), *_exchange(2, 8_000), *_exchange(3, 400)]
    budget = ContextBudget(window=2_500, reserve=0)
    fitted = budget.fit(history)

    assert len(fitted) == len(history)  # nothing dropped yet
    tools = [m["content"] for m in fitted if m["role"] == "tool"]
    assert tools[0] == SHORTENED  # the oldest went first ...
    assert tools[1] == "x" * 8_000  # ... and that was enough
    assert tools[2] == "x" * 400  # the latest turn is kept whole
    assert sum(estimate_tokens(m) for m in fitted) <= budget.limit
    assert history[3]["content"] == "x" * 8_000  # the stored history is untouched


def test_budget_drops_whole_old_exchanges_when_shortening_is_not_enough() -> None:
    history = [SYSTEM]
    for n in range(200):
        history += _exchange(n, 50)
    budget = ContextBudget(window=2_000, reserve=0)
    fitted = budget.fit(history)

    assert fitted[0] == SYSTEM
    assert fitted[-4:] == history[-4:]
    assert fitted[1]["role"] == "user"
    assert sum(estimate_tokens(m) for m in fitted) <= budget.limit
    assert_valid_history(fitted)


def test_budget_keeps_system_and_latest_turn_even_when_they_alone_are_too_big() -> None:
    history = [SYSTEM, *_exchange(1, 100), {"role": "user", "content": "y" * 50_000}]
    fitted = ContextBudget(window=2_000, reserve=0).fit(history)
    assert fitted[0] == SYSTEM
    assert fitted[-1]["content"] == "y" * 50_000


def test_budget_counts_the_tool_schemas() -> None:
    agent = Agent(
        openai_client(FakeModel([]).app),
        "fake",
        [EchoTool("a"), EchoTool("b")],
        context_window=10_000,
    )
    assert 0 < agent.budget.tools < 200
    assert agent.budget.limit == 10_000 - agent.budget.reserve - agent.budget.tools


async def test_httpx2_is_the_only_http_stack() -> None:
    import sys

    assert isinstance(openai_client(FakeModel([]).app)._client, httpx2.AsyncClient)
    assert "httpx" not in sys.modules
