"""Helpers for the Canvas client tests: a recording MockTransport handler
that answers like Canvas, a sleep that only counts, and a few shapes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import httpx2

from course_tutor.canvas import CanvasClient

BASE = "https://canvas.test"
API = f"{BASE}/api/v1"
TOKEN = "7~SeCrEtT0kEn-abcdefghijklmnop1234567890"

Answer = Callable[[httpx2.Request], httpx2.Response]


class FakeCanvas:
    """A MockTransport handler: records each request, answers with ``answer``."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.answer = answer or (lambda request: canvas_json([]))
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.answer(request)

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def last(self) -> httpx2.Request:
        return self.requests[-1]

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self)


class CountingSleep:
    """Stands in for asyncio.sleep: records every wait, waits for none."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    @property
    def total(self) -> float:
        return sum(self.waits)


def make_client(
    canvas: FakeCanvas,
    *,
    base_url: str = BASE,
    token: str | None = TOKEN,
    sleep: CountingSleep | None = None,
    **options: Any,
) -> CanvasClient:
    return CanvasClient(
        base_url,
        token,
        transport=canvas.transport(),
        sleep=sleep or CountingSleep(),
        **options,
    )


def canvas_json(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> httpx2.Response:
    return httpx2.Response(
        status,
        content=json.dumps(data).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def canvas_text(
    text: str, status: int, headers: dict[str, str] | None = None
) -> httpx2.Response:
    return httpx2.Response(
        status, text=text, headers={"Content-Type": "text/plain", **(headers or {})}
    )


def link_header(**relations: str) -> str:
    """``Link`` as Canvas writes it: ``<url>; rel="name"`` joined by commas."""
    return ",".join(f'<{url}>; rel="{rel}"' for rel, url in relations.items())


def paged(
    records: Sequence[Any],
    *,
    page_size: int,
    header_name: str = "Link",
    with_last: bool = True,
    bookmarks: bool = False,
) -> Answer:
    """An answer that serves ``records`` in pages linked like Canvas does,
    with ``[]`` past the last page."""

    def page_url(request: httpx2.Request, number: int) -> str:
        page = f"bookmark:{number:04x}==" if bookmarks else str(number)
        return str(request.url.copy_set_param("page", page))

    def answer(request: httpx2.Request) -> httpx2.Response:
        raw = request.url.params.get("page", "1")
        number = int(raw.removeprefix("bookmark:").rstrip("="), 16 if bookmarks else 10)
        chunk = records[(number - 1) * page_size : number * page_size]
        pages = max(1, -(-len(records) // page_size))
        relations = {"current": page_url(request, number)}
        if number < pages:
            relations["next"] = page_url(request, number + 1)
        relations["first"] = page_url(request, 1)
        if with_last:
            relations["last"] = page_url(request, pages)
        return canvas_json(list(chunk), headers={header_name: link_header(**relations)})

    return answer


def course(course_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": course_id,
        "name": f"Course {course_id}",
        "course_code": f"C{course_id}",
        "workflow_state": "available",
        "account_id": 1,
        "enrollment_term_id": 1,
        "start_at": "2025-01-13T08:00:00Z",
        "end_at": None,
        **fields,
    }


def module_item(item_id: int, module_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "module_id": module_id,
        "position": item_id,
        "title": f"Item {item_id}",
        "indent": 0,
        "type": "Page",
        "html_url": f"{BASE}/courses/1/modules/items/{item_id}",
        "page_url": f"page-{item_id}",
        "url": f"{API}/courses/1/pages/page-{item_id}",
        "published": True,
        **fields,
    }


def module(module_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": module_id,
        "name": f"Week {module_id}",
        "position": module_id,
        "unlock_at": None,
        "require_sequential_progress": False,
        "prerequisite_module_ids": [],
        "items_count": 0,
        "items_url": f"{API}/courses/1/modules/{module_id}/items",
        "published": True,
        **fields,
    }
