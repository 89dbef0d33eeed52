"""`kill -9` in the middle of a streamed answer: the `ask` process dies with
no chance to clean up, and the store still holds every earlier message, the
file passes `PRAGMA integrity_check`, and the conversation goes on."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from course_tutor.demo.scripted import scripted_model_app
from course_tutor.store import Store
from tests.servers import serving

PACE_MS = 150  # between streamed chunks: an answer takes seconds to arrive


class StreamWatch:
    """ASGI middleware: notes when the model starts streaming words after a
    tool round (the answer the test interrupts)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.streaming = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = b""

        async def receiving() -> Any:
            nonlocal body
            message = await receive()
            body += message.get("body", b"")
            return message

        async def sending(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and _has_words(
                message.get("body") or b""
            ):
                request = json.loads(body or b"{}")
                last = (request.get("messages") or [{}])[-1]
                if last.get("role") == "tool":
                    self.streaming.set()

        await self.app(scope, receiving, sending)


def _has_words(chunk: bytes) -> bool:
    """Whether a piece of an SSE stream carries answer text."""
    for line in chunk.decode(errors="replace").splitlines():
        data = line.removeprefix("data: ")
        if not line.startswith("data: ") or data == "[DONE]":
            continue
        for choice in json.loads(data).get("choices") or []:
            if (choice.get("delta") or {}).get("content"):
                return True
    return False


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "CANVAS_", "COURSE_TUTOR_"))
    }
    env["COURSE_TUTOR_DATA_DIR"] = str(tmp_path / "data")
    env["COURSE_TUTOR_CONFIG"] = str(tmp_path / "config.toml")
    env["OPENAI_API_KEY"] = "sk-test-not-a-real-key"
    return env


def ask(env: dict[str, str], *words: str, **options: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "course_tutor", "ask", "--demo", *words],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out


def test_kill_9_while_an_answer_streams_loses_only_that_answer(
    environment: dict[str, str], tmp_path: Path
) -> None:
    model = scripted_model_app()
    watch = StreamWatch(model)
    with serving(watch) as base:
        environment["OPENAI_BASE_URL"] = base + "/v1"
        finish(ask(environment, "Help me take a practice exam."))
        finish(ask(environment, "-c", "3 questions"))
        path = tmp_path / "data" / "course-tutor.db"
        with Store.open(path) as store:
            (conversation,) = store.list()
            before = store.load(conversation.id)

        # The third turn looks up the modules, then streams the topic list.
        watch.streaming.clear()
        model.state.scripted_model.pace_ms = PACE_MS
        doomed = ask(environment, "-c", "BIO 110")
        assert watch.streaming.wait(timeout=60), "the answer never streamed"
        time.sleep(2 * PACE_MS / 1000)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        assert doomed.returncode == -signal.SIGKILL

        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        raw.close()
        with Store.open(path) as store:
            after = store.load(conversation.id)
        assert after[: len(before)] == before
        added = after[len(before) :]
        assert added[0] == {"role": "user", "content": "BIO 110"}
        assert [c["function"]["name"] for c in added[1]["tool_calls"]] == [
            "listModules"
        ]
        assert added[2]["role"] == "tool"
        assert len(added) == 3  # the topic list was in flight, and is lost

        # The conversation goes on from what was kept.
        model.state.scripted_model.pace_ms = 0
        answer = finish(ask(environment, "-c", "1"))
    assert "Question 1 of 3" in answer
