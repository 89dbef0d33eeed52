"""A tiny OpenAI-compatible server for the loop's tests: it plays back the
replies a test lists, one per request, and keeps the requests it got.

Unlike the scripted model, it knows no tutoring; it exists to put the loop in
exact situations (a call split at index 0, a stream cut after two chunks).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


def text_chunks(text: str, size: int = 7) -> list[dict[str, Any]]:
    return [{"content": text[i : i + size]} for i in range(0, len(text), size)]


def call_chunks(
    index: int, call_id: str, name: str, arguments: str, pieces: int = 3
) -> list[dict[str, Any]]:
    """One tool call as a stream sends it: id and name, then argument pieces."""
    step = max(len(arguments) // pieces, 1)
    parts = [arguments[i : i + step] for i in range(0, len(arguments), step)] or [""]
    first = {
        "tool_calls": [
            {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": ""},
            }
        ]
    }
    rest = [
        {"tool_calls": [{"index": index, "function": {"arguments": part}}]}
        for part in parts
    ]
    return [first, *rest]


@dataclass
class Reply:
    """One reply: stream these deltas, or fail with `status`, or stop after
    `cut_after` chunks without finishing, or wait `delay` before each chunk."""

    deltas: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    error: dict[str, Any] | None = None
    cut_after: int | None = None
    delay: float = 0.0
    usage: tuple[int, int] = (10, 5)


@dataclass
class FakeModel:
    replies: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])]
        )

    async def _complete(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        reply = self.replies.pop(0) if self.replies else Reply(text_chunks("done"))
        if reply.status is not None:
            return JSONResponse(
                {"error": reply.error or {"message": "failed", "type": "error"}},
                status_code=reply.status,
            )
        return StreamingResponse(
            self._stream(reply, body), media_type="text/event-stream"
        )

    async def _stream(self, reply: Reply, body: dict[str, Any]) -> Any:
        has_calls = any("tool_calls" in delta for delta in reply.deltas)
        deltas = [{"role": "assistant"}, *reply.deltas]
        for number, delta in enumerate(deltas):
            if reply.cut_after is not None and number >= reply.cut_after:
                yield 'data: {"truncated'  # the connection dies mid-chunk
                return
            if reply.delay:
                await asyncio.sleep(reply.delay)
            yield _sse(_chunk(delta))
        yield _sse(_chunk({}, finish="tool_calls" if has_calls else "stop"))
        if body.get("stream_options", {}).get("include_usage"):
            prompt, completion = reply.usage
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            yield _sse({**_chunk({}), "choices": [], "usage": usage})
        yield "data: [DONE]\n\n"


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data)}\n\n"


def openai_client(app: Any, *, streaming: bool = False) -> openai.AsyncOpenAI:
    """An SDK client talking to `app` in-process, without retries."""
    if streaming:
        from course_tutor.demo.transport import StreamingASGITransport

        transport: Any = StreamingASGITransport(app)
    else:
        transport = httpx2.ASGITransport(app=app)
    return openai.AsyncOpenAI(
        base_url="http://127.0.0.1/v1",
        api_key="sk-test-fake-model-key",
        http_client=httpx2.AsyncClient(transport=transport),
        max_retries=0,
    )


@dataclass
class EchoTool:
    """A tool that answers with its arguments, after `delay` seconds."""

    name: str
    delay: float = 0.0
    runs: list[str] = field(default_factory=list)

    @property
    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": "echo",
                "parameters": {"type": "object", "properties": {}},
            },
        }

    async def run(self, arguments_json: str) -> str:
        self.runs.append(arguments_json)
        if self.delay:
            await asyncio.sleep(self.delay)
        try:
            arguments = json.loads(arguments_json)
        except ValueError:
            return json.dumps(
                {"error": {"type": "invalid_arguments", "message": "not JSON"}}
            )
        return json.dumps({"echo": arguments, "tool": self.name})


def names(tools: Iterable[EchoTool]) -> list[str]:
    return [tool.name for tool in tools]
