"""tool_result_compaction: how much smaller the tool results are than what
Canvas sent for them.

The walk is the course-information flow over every course: list the
courses, then for each course the course itself, its modules and each
module's items. The raw side is every JSON body the demo Canvas sent for
those requests; the compact side is every tool result the model would read.
`tests/test_tools_size.py` checks the same walk.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2

from benchmarks.common import CANVAS_URL, Row
from course_tutor.canvas import CanvasClient
from course_tutor.demo import canvas_app
from course_tutor.tools import canvas_tools

TARGET = 0.35
"""Results at most this share of the raw Canvas JSON."""


class RecordingTransport(httpx2.AsyncBaseTransport):
    """The demo app in-process, keeping the size of every body it sends."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx2.ASGITransport(app=app)
        self.sizes: list[int] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.sizes.append(len(body))
        return httpx2.Response(
            response.status_code, headers=response.headers, content=body
        )


async def course_information_walk() -> tuple[int, int]:
    """Bytes of raw Canvas JSON, and of tool results."""
    transport = RecordingTransport(canvas_app())
    results: list[str] = []
    async with CanvasClient(CANVAS_URL, "demo", transport=transport) as client:
        tools = {tool.name: tool for tool in canvas_tools(client)}

        async def use(name: str, **arguments: Any) -> Any:
            text = await tools[name].run(json.dumps(arguments))
            results.append(text)
            data = json.loads(text)
            if "error" in data:
                raise RuntimeError(f"{name} failed: {data}")
            return data

        for course in await use("listYourCourses"):
            if course.get("access_restricted_by_date"):
                continue
            await use("getSingleCourse", course_id=course["id"])
            for module in await use("listModules", course_id=course["id"]):
                await use(
                    "listModuleItems", course_id=course["id"], module_id=module["id"]
                )

    compact = sum(len(text.encode()) for text in results)
    return sum(transport.sizes), compact


def run(quick: bool = False) -> list[Row]:
    raw, compact = asyncio.run(course_information_walk())
    return [
        Row(
            name="tool_result_compaction",
            value=compact,
            unit="bytes",
            baseline=raw,
            target=f"ratio <= {TARGET}",
            ok=compact / raw <= TARGET,
        )
    ]
