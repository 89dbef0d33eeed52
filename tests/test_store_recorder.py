"""The recorder follows real turns (the loop, the demo Canvas and the scripted
model, in-process): every message is on disk before the next request to the
model, and what the store gives back is the history the loop built."""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractAsyncContextManager, aclosing
from pathlib import Path
from typing import Any

import httpx2
import pytest

from course_tutor.agent.events import (
    TextStreamed,
    ToolCallFinished,
    TurnFailed,
    TurnFinished,
)
from course_tutor.agent.loop import Agent
from course_tutor.demo import scripted_model_app
from course_tutor.store import Recorder, Store
from tests.demo_agent import demo_agent

SYSTEM = {"role": "system", "content": "You are a tutor."}


class CheckingTransport(httpx2.ASGITransport):
    """Before each request reaches the model, compares what the request sends
    with what the store already holds."""

    def __init__(self, store_path: Path) -> None:
        super().__init__(app=scripted_model_app())
        self.store_path = store_path
        self.requests = 0

    async def handle_async_request(self, request: httpx2.Request) -> Any:
        if request.url.path.endswith("/chat/completions"):
            self.requests += 1
            sent = json.loads(await request.aread())["messages"]
            with Store.open(self.store_path) as store:
                (conversation,) = store.list()
                saved = store.load(conversation.id)
            assert _canonical(saved) == _canonical(sent[1:])
        return await super().handle_async_request(request)


def _canonical(messages: list[dict[str, Any]]) -> list[str]:
    """Messages comparable whatever the order of a round's tool results."""
    shown = [json.dumps(m, sort_keys=True) for m in messages]
    return sorted(shown)


def agent_for(
    transport: httpx2.AsyncBaseTransport,
) -> AbstractAsyncContextManager[Agent]:
    return demo_agent(transport)


async def play(agent: Agent, history: list[Any], text: str, recorder: Recorder) -> str:
    """One turn, recorded as it goes, the way `ask` and the TUI play one."""
    recorder.question(text)
    answer = ""
    async with aclosing(recorder.follow(agent.run(history, text))) as events:
        async for event in events:
            if isinstance(event, TurnFinished):
                answer = event.text
            assert not isinstance(event, TurnFailed), event
    return answer


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "tutor.db") as opened:
        yield opened


async def test_every_message_is_saved_before_the_next_request(
    store: Store,
) -> None:
    transport = CheckingTransport(store.path)
    conversation = store.new_conversation(title="t")
    history = [SYSTEM]
    recorder = Recorder(store, conversation.id, history)
    async with agent_for(transport) as agent:
        for text in ("Give an overview of one of my courses.", "BIO 110"):
            await play(agent, history, text, recorder)

    assert transport.requests == 4  # two turns, each a tool round then words
    assert store.load(conversation.id) == history[1:]
    assert recorder.failure is None


async def test_a_resumed_conversation_goes_on_where_it_was(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    history = [SYSTEM]
    recorder = Recorder(store, conversation.id, history)
    async with agent_for(httpx2.ASGITransport(app=scripted_model_app())) as agent:
        await play(agent, history, "Help me take a practice exam.", recorder)

        resumed = [SYSTEM, *store.load(conversation.id)]
        again = Recorder(store, conversation.id, resumed)
        answer = await play(agent, resumed, "3 questions", again)

    assert "Which course" in answer
    assert store.load(conversation.id) == resumed[1:]
    assert [m["role"] for m in resumed[1:]] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]


async def test_a_turn_stopped_midway_keeps_what_was_finished(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    history = [SYSTEM]
    recorder = Recorder(store, conversation.id, history)
    text = "Give an overview of one of my courses."
    async with agent_for(httpx2.ASGITransport(app=scripted_model_app())) as agent:
        recorder.question(text)
        # The student stops the turn at the first words of the answer.
        async with aclosing(recorder.follow(agent.run(history, text))) as events:
            async for event in events:
                if isinstance(event, TextStreamed):
                    break

    saved = store.load(conversation.id)
    assert saved == history[1:]
    assert saved[-1]["content"].endswith("_[answer interrupted]_")
    assert saved[-2]["role"] == "tool"


async def test_tool_results_are_saved_as_each_finishes(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    history = [SYSTEM]
    recorder = Recorder(store, conversation.id, history)
    seen_on_disk = []
    text = "Give an overview of one of my courses."
    async with agent_for(httpx2.ASGITransport(app=scripted_model_app())) as agent:
        recorder.question(text)
        async with aclosing(recorder.follow(agent.run(history, text))) as events:
            async for event in events:
                if isinstance(event, ToolCallFinished):
                    roles = [m["role"] for m in _raw(store.path)]
                    seen_on_disk.append(roles)
    # The loop adds the result to the history only after the round; the
    # store had it as soon as the call finished.
    assert seen_on_disk == [["user", "assistant", "tool"]]
    assert store.load(conversation.id) == history[1:]


def _raw(path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT role FROM messages ORDER BY id").fetchall()
    raw.close()
    return [{"role": role} for (role,) in rows]


async def test_a_store_that_fails_is_retried_in_order(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from course_tutor.store import StoreError

    conversation = store.new_conversation(title="t")
    history = [SYSTEM]
    recorder = Recorder(store, conversation.id, history)
    real_append = store.append
    broken = {"on": True}

    def flaky(conversation_id: int, message: dict[str, Any]) -> int:
        if broken["on"] and message["role"] == "assistant":
            raise StoreError("Could not save the message: the disk is full.")
        return real_append(conversation_id, message)

    monkeypatch.setattr(store, "append", flaky)
    history.append({"role": "user", "content": "hi"})
    history.append({"role": "assistant", "content": "hello"})
    history.append({"role": "user", "content": "again"})
    recorder.sync()
    assert "disk is full" in str(recorder.failure)
    assert store.load(conversation.id) == [{"role": "user", "content": "hi"}]

    broken["on"] = False
    recorder.sync()
    assert store.load(conversation.id) == history[1:]
