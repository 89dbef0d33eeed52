"""An in-process transport that streams.

httpx2's `ASGITransport` hands back a response only once the app has sent all
of it, which is right for tests but makes a streamed answer arrive in one
piece. The demo screen wants to see the scripted model type, so this
transport runs the app as a task and passes body chunks on as they are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx2

_Message = MutableMapping[str, Any]


class _ChunkStream(httpx2.AsyncByteStream):
    def __init__(self, chunks: asyncio.Queue[bytes | None], task: asyncio.Task[None]):
        self._chunks = chunks
        self._task = task

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self._chunks.get()) is not None:
            yield chunk
        await self._task  # surfaces an exception the app raised mid-stream

    async def aclose(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class StreamingASGITransport(httpx2.AsyncBaseTransport):
    def __init__(self, app: Any) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 0),
            "root_path": "",
        }
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        started = asyncio.get_running_loop().create_future()
        finished = asyncio.Event()
        sent_body = False

        async def receive() -> _Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: _Message) -> None:
            if message["type"] == "http.response.start":
                started.set_result((message["status"], message.get("headers", [])))
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    chunks.put_nowait(message["body"])
                if not message.get("more_body", False):
                    chunks.put_nowait(None)
                    finished.set()

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as error:
                if started.done():
                    raise
                started.set_exception(error)  # raised to the caller instead
            finally:
                finished.set()
                chunks.put_nowait(None)

        task = asyncio.create_task(run())
        status, headers = await started
        return httpx2.Response(
            status, headers=headers, stream=_ChunkStream(chunks, task)
        )
