"""How much smaller the tool results are than what Canvas sent for them.

The walk is the course-information flow over every course: list the
courses, then for each course the course itself, its modules and each
module's items. The raw side is every JSON body the demo Canvas sent for
those requests; the compact side is every tool result the model would read.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2

from course_tutor.canvas import CanvasClient
from course_tutor.demo import canvas_app
from course_tutor.tools import canvas_tools

TARGET = 0.35
"""The benchmark: results at most this share of the raw Canvas JSON."""


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
    async with CanvasClient(
        "https://canvas.northwood.example", "demo", transport=transport
    ) as client:
        tools = {tool.name: tool for tool in canvas_tools(client)}

        async def use(name: str, **arguments: Any) -> Any:
            text = await tools[name].run(json.dumps(arguments))
            results.append(text)
            data = json.loads(text)
            assert "error" not in data, data
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


async def test_results_are_a_small_share_of_the_raw_canvas_json() -> None:
    raw, compact = await course_information_walk()
    ratio = compact / raw

    assert raw > 100_000, "the walk covers the whole demo school"
    assert ratio <= TARGET, f"{ratio:.3f} of the raw JSON"
