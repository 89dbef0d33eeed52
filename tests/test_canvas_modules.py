"""Modules with include[]=items: items Canvas leaves out are fetched."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest

from course_tutor.canvas import NotFoundError
from tests.canvas_fakes import (
    FakeCanvas,
    canvas_json,
    link_header,
    make_client,
    module,
    module_item,
)


def items(module_id: int, count: int) -> list[dict[str, Any]]:
    return [module_item(module_id * 1000 + n, module_id) for n in range(1, count + 1)]


def canvas_with_big_modules(big: dict[int, int], small: dict[int, int]) -> FakeCanvas:
    """Modules in ``small`` come with their items; those in ``big`` without,
    and serve them from items_url in pages of 100."""

    def answer(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path == "/api/v1/courses/1/modules":
            body = [
                module(mid, items_count=count, items=items(mid, count))
                for mid, count in small.items()
            ] + [module(mid, items_count=count) for mid, count in big.items()]
            return canvas_json(sorted(body, key=lambda m: m["id"]))

        module_id = int(path.split("/")[-2])
        page = int(request.url.params.get("page", "1"))
        everything = items(module_id, big[module_id])
        chunk = everything[(page - 1) * 100 : page * 100]
        headers = {}
        if page * 100 < len(everything):
            next_url = request.url.copy_set_param("page", page + 1)
            headers["Link"] = link_header(next=str(next_url))
        return canvas_json(chunk, headers=headers)

    return FakeCanvas(answer)


async def test_items_left_out_are_fetched_from_items_url() -> None:
    canvas = canvas_with_big_modules(big={2: 150, 4: 101}, small={1: 3, 3: 0})
    async with make_client(canvas) as client:
        modules = await client.list_modules(1, include=["items", "content_details"])

    counts = {m.id: len(m.items or []) for m in modules}
    assert counts == {1: 3, 2: 150, 3: 0, 4: 101}
    assert modules.truncated is False
    item_requests = [r for r in canvas.requests if r.url.path.endswith("/items")]
    assert {r.url.path for r in item_requests} == {
        "/api/v1/courses/1/modules/2/items",
        "/api/v1/courses/1/modules/4/items",
    }
    assert len(item_requests) == 4  # two pages each
    first_pages = [r for r in item_requests if "page" not in r.url.params]
    for request in first_pages:
        assert request.url.params["per_page"] == "100"
        assert request.url.params.get_list("include[]") == ["content_details"]


async def test_without_include_items_nothing_more_is_fetched() -> None:
    canvas = canvas_with_big_modules(big={2: 150}, small={})
    async with make_client(canvas) as client:
        modules = await client.list_modules(1)
    assert canvas.calls == 1
    assert modules[0].items is None


async def test_student_id_is_passed_on_to_the_items() -> None:
    canvas = canvas_with_big_modules(big={2: 120}, small={})
    async with make_client(canvas) as client:
        await client.list_modules(1, include=["items"], student_id=42)
    assert all(r.url.params["student_id"] == "42" for r in canvas.requests)


async def test_item_fetches_run_concurrently_within_the_limit() -> None:
    in_flight = 0
    peak = 0
    module_ids = list(range(1, 9))

    async def answer(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        if request.url.path == "/api/v1/courses/1/modules":
            return canvas_json([module(mid, items_count=101) for mid in module_ids])
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        module_id = int(request.url.path.split("/")[-2])
        return canvas_json(items(module_id, 101))

    canvas = FakeCanvas(answer)  # type: ignore[arg-type]
    async with make_client(canvas, max_concurrency=3) as client:
        modules = await client.list_modules(1, include=["items"])

    assert all(len(m.items or []) == 101 for m in modules)
    assert peak == 3


async def test_foreign_items_url_is_not_fetched() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return canvas_json(
            [
                module(
                    1,
                    items_count=150,
                    items_url="https://evil.test/api/v1/courses/1/modules/1/items",
                )
            ]
        )

    canvas = FakeCanvas(answer)
    async with make_client(canvas) as client:
        modules = await client.list_modules(1, include=["items"])
    assert canvas.calls == 1
    assert modules[0].items is None
    assert modules.truncated is True


async def test_missing_items_url_falls_back_to_the_module_path() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/modules"):
            return canvas_json([module(7, items_count=101, items_url=None)])
        return canvas_json(items(7, 101))

    canvas = FakeCanvas(answer)
    async with make_client(canvas) as client:
        modules = await client.list_modules("sis_course_id:A/1", include=["items"])
    assert len(modules[0].items or []) == 101
    assert canvas.last.url.raw_path.split(b"?")[0] == (
        b"/api/v1/courses/sis_course_id:A%2F1/modules/7/items"
    )


async def test_a_failing_item_fetch_raises_its_error() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/modules"):
            return canvas_json([module(1, items_count=101), module(2, items_count=101)])
        if "/modules/2/" in request.url.path:
            return canvas_json(
                {"errors": [{"message": "The specified resource does not exist."}]},
                status=404,
            )
        return canvas_json(items(1, 101))

    canvas = FakeCanvas(answer)
    async with make_client(canvas) as client:
        with pytest.raises(NotFoundError):
            await client.list_modules(1, include=["items"])
