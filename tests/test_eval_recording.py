"""Cassettes on their own: replies assembled from streams and streamed back,
requests reduced and compared, files written and read, and the two
transports that record and replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from course_tutor.evals.recording import (
    Cassette,
    CassetteError,
    Interaction,
    Player,
    Recorder,
    cassette_path,
    difference,
    read_reply,
    request_key,
    stream_reply,
)

EXPORTS = Path("/tmp/course-tutor-eval-abc123")


def sse(*chunks: dict[str, Any]) -> bytes:
    lines = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def delta(content: Any = None, calls: Any = None, finish: str | None = None) -> dict:
    part: dict[str, Any] = {}
    if content is not None:
        part["content"] = content
    if calls is not None:
        part["tool_calls"] = calls
    return {"choices": [{"index": 0, "delta": part, "finish_reason": finish}]}


def body(*messages: dict[str, Any], tools: list[str] = ("listModules",)) -> dict:
    return {
        "model": "gpt-4.1-mini",
        "messages": [{"role": "system", "content": "Be a tutor."}, *messages],
        "tools": [
            {"type": "function", "function": {"name": name, "parameters": {}}}
            for name in tools
        ],
        "stream": True,
    }


def test_a_stream_is_assembled_into_one_reply() -> None:
    stream = sse(
        delta("Let me "),
        delta("look."),
        delta(calls=[{"index": 0, "id": "c1", "function": {"name": "listModules"}}]),
        delta(calls=[{"index": 0, "function": {"arguments": '{"course_'}}]),
        delta(calls=[{"index": 0, "function": {"arguments": 'id":"1"}'}}]),
        delta(finish="tool_calls"),
        {"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 3}},
    )
    assert read_reply(stream, "text/event-stream; charset=utf-8") == {
        "content": "Let me look.",
        "tool_calls": [
            {"id": "c1", "name": "listModules", "arguments": '{"course_id":"1"}'}
        ],
        "finish_reason": "tool_calls",
        "usage": {"prompt_tokens": 10, "completion_tokens": 3},
    }


def test_a_replayed_stream_reads_back_the_same() -> None:
    reply = {
        "content": "Here.",
        "tool_calls": [{"id": "c1", "name": "listModules", "arguments": "{}"}],
        "finish_reason": "tool_calls",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    response = stream_reply(reply, "m")
    assert response.headers["content-type"] == "text/event-stream"
    assert read_reply(response.content, "text/event-stream") == reply


def test_a_cut_stream_replays_cut() -> None:
    reply = read_reply(sse(delta("Half an ans")), "text/event-stream")
    assert reply == {"content": "Half an ans", "finish_reason": None}
    assert b'finish_reason": "' not in stream_reply(reply, "m").content


def test_a_request_is_reduced_to_what_decides_the_reply() -> None:
    key = request_key(
        body({"role": "user", "content": f"Save it in {EXPORTS}"}), EXPORTS
    )
    assert key["model"] == "gpt-4.1-mini"
    assert len(key["instructions"]) == 12
    assert list(key["tools"]) == ["listModules"]
    assert key["options"] == {"stream": True}
    assert key["messages"] == [{"role": "user", "content": "Save it in $EXPORT_DIR"}]


def test_export_paths_and_secrets_never_reach_a_cassette() -> None:
    result = {
        "pdf": f"{EXPORTS}/practice-exam_bio_2026-01-01_1200.pdf",
        "markdown": f"{EXPORTS}/practice-exam_bio_2026-01-01_1200.md",
        "score": {"correct": 2, "total": 3},
    }
    messages = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "e1", "function": {"name": "exportPracticeExam"}},
                {"id": "t1", "function": {"name": "getSingleCourse"}},
            ],
        },
        {"role": "tool", "tool_call_id": "e1", "content": json.dumps(result)},
        {
            "role": "tool",
            "tool_call_id": "t1",
            "content": '{"access_token": "7~secret", "key": "sk-abcdefghijklmnop"}',
        },
    ]
    key = request_key(body(*messages), EXPORTS)
    export, other = key["messages"][1]["content"], key["messages"][2]["content"]
    assert json.loads(export) == {
        "pdf": "(differs on every run)",
        "markdown": "(differs on every run)",
        "score": {"correct": 2, "total": 3},
    }
    assert "secret" not in other
    assert "sk-abcdefgh" not in other
    assert '"access_token": "FILTERED"' in other


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            lambda b: b.update(model="gpt-5"),
            "the model differs (recorded gpt-4.1-mini, now gpt-5)",
        ),
        (
            lambda b: b["messages"][0].update(content="Be terse."),
            "the instructions differ from the recorded ones",
        ),
        (
            lambda b: b["tools"][0]["function"].update(description="new words"),
            "the tool definitions differ (changed: listModules)",
        ),
        (
            lambda b: b["tools"].append({"function": {"name": "exportPracticeExam"}}),
            "the tool definitions differ (new: exportPracticeExam)",
        ),
        (
            lambda b: b["messages"][1].update(content="B"),
            "the student's message differs (recorded “A”, now “B”): the scenario",
        ),
        (
            lambda b: b["messages"][3].update(content="[]"),
            "the result of listModules differs from the recorded one",
        ),
        (
            lambda b: b.update(temperature=0),
            "the request options differ",
        ),
    ],
)
def test_differences_are_told_in_words(change: Any, said: str) -> None:
    messages = [
        {"role": "user", "content": "A"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "x", "function": {"name": "listModules"}}],
        },
        {"role": "tool", "tool_call_id": "x", "content": '[{"id": 1}]'},
    ]
    recorded = body(*messages)
    live = json.loads(json.dumps(recorded))
    change(live)
    assert difference(request_key(recorded, None), request_key(recorded, None)) is None
    found = difference(request_key(recorded, None), request_key(live, None))
    assert found is not None
    assert found.startswith(said)


def test_a_cassette_is_written_and_read_back(tmp_path: Path) -> None:
    path = cassette_path(tmp_path, "list-courses", "llama3.1:8b", "0123456789ab")
    assert path == tmp_path / "list-courses" / "llama3.1_8b--0123456789ab.yaml"
    cassette = Cassette(
        scenario="list-courses",
        model="llama3.1:8b",
        model_label="llama3.1:8b at localhost",
        scripted=False,
        prompt="student_course_assistant.md",
        prompt_digest="0123456789ab",
        interactions=[
            Interaction(
                1,
                {"model": "m"},
                {"content": "Two lines\nof text", "finish_reason": "stop"},
            )
        ],
    )
    cassette.save(path)
    text = path.read_text(encoding="utf-8")
    assert "content: |-\n      Two lines\n      of text" in text  # readable blocks
    assert "SCRIPTED" not in text
    assert Cassette.load(path) == cassette


def test_a_scripted_recording_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    Cassette(
        "s", "course-tutor-scripted", "scripted offline model", True, "p.md", "d"
    ).save(path)
    assert "Made with the SCRIPTED offline model" in path.read_text(encoding="utf-8")


def test_an_unreadable_cassette_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("interactions: 3\n", encoding="utf-8")
    with pytest.raises(CassetteError, match=r"bad\.yaml"):
        Cassette.load(path)


# -- the transports ----------------------------------------------------------------


def _server(request: httpx2.Request) -> httpx2.Response:
    if request.url.path.endswith("/models"):
        return httpx2.Response(200, json={"data": [{"id": "m"}]})
    if json.loads(request.content)["messages"][-1]["content"] == "fail":
        return httpx2.Response(429, json={"error": {"message": "slow down"}})
    return httpx2.Response(
        200,
        headers={"content-type": "text/event-stream"},
        content=sse(delta("Hello!"), delta(finish="stop")),
    )


async def test_the_recorder_keeps_successful_chat_replies_only() -> None:
    recorder = Recorder(httpx2.MockTransport(_server), EXPORTS)
    async with httpx2.AsyncClient(transport=recorder, base_url="http://m/v1") as client:
        await client.get("/models")
        recorder.turn = 1
        first = await client.post(
            "/chat/completions", json=body({"role": "user", "content": "hi"})
        )
        failed = await client.post(
            "/chat/completions", json=body({"role": "user", "content": "fail"})
        )

    assert first.status_code == 200
    assert b"Hello!" in first.content
    assert failed.status_code == 429
    assert [(i.turn, i.reply["content"]) for i in recorder.interactions] == [
        (1, "Hello!")
    ]


async def test_the_player_replays_in_order_and_stops_at_a_difference() -> None:
    request = body({"role": "user", "content": "hi"})
    cassette = Cassette("s", "gpt-4.1-mini", "x", False, "p.md", "d")
    cassette.interactions.append(
        Interaction(
            1,
            request_key(request, EXPORTS),
            {"content": "Hello!", "finish_reason": "stop"},
        )
    )
    player = Player(cassette, EXPORTS)
    async with httpx2.AsyncClient(
        transport=player, base_url="http://replay/v1"
    ) as client:
        player.turn = 1
        replayed = await client.post("/chat/completions", json=request)
        assert (
            read_reply(replayed.content, replayed.headers["content-type"])["content"]
            == "Hello!"
        )
        assert player.unplayed == 0

        player.turn = 2
        refused = await client.post("/chat/completions", json=request)
        assert refused.status_code == 400
        assert player.mismatch == "turn 2: the recording ends before this request"
        # the refusal must not look like a complaint about stream options,
        # which the loop would retry without
        assert "stream_options" not in refused.text
