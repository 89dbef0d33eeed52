"""The client against the demo Canvas, in-process: the same code paths as
against a real Canvas, with the demo's own pagination, errors, throttling and
faults."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from course_tutor.canvas import (
    BadResponseError,
    CanvasClient,
    InvalidTokenError,
    NotFoundError,
    NotPermittedError,
)
from course_tutor.demo import canvas_app
from course_tutor.demo.faults import Fault, Throttle
from tests.canvas_fakes import CountingSleep

BASE = "http://127.0.0.1"
BIO = 48213
STATS = 48251
BIG_MODULE = 231524  # 120 items
NOT_ENROLLED = 49077


class DemoTransport(httpx2.AsyncBaseTransport):
    """The demo app in-process, recording each URL; ``page_size`` plays an
    install that serves smaller pages than the 100 asked for."""

    def __init__(self, app: Any, page_size: int | None = None) -> None:
        self.inner = httpx2.ASGITransport(app=app)
        self.page_size = page_size
        self.urls: list[httpx2.URL] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.urls.append(request.url)
        if self.page_size and "per_page" in request.url.params:
            request.url = request.url.copy_set_param("per_page", self.page_size)
        return await self.inner.handle_async_request(request)


def demo_client(
    transport: DemoTransport | None = None,
    *,
    token: str | None = "demo",
    sleep: CountingSleep | None = None,
    **options: Any,
) -> CanvasClient:
    return CanvasClient(
        BASE,
        token,
        transport=transport or DemoTransport(canvas_app()),
        sleep=sleep or CountingSleep(),
        **options,
    )


async def test_list_your_courses() -> None:
    async with demo_client() as client:
        courses = await client.list_your_courses(include=["term", "teachers"])

    assert courses.truncated is False
    by_id = {course.id: course for course in courses}
    assert BIO in by_id
    assert NOT_ENROLLED not in by_id
    bio = by_id[BIO]
    assert bio.name == "BIO 110: Introduction to Cell Biology"
    assert bio.term is not None
    assert bio.term.name
    assert bio.teachers


async def test_filters_reach_the_demo() -> None:
    async with demo_client() as client:
        active = await client.list_your_courses(enrollment_state="active")
        completed = await client.list_your_courses(enrollment_state="completed")
    assert active.items
    assert completed.items
    assert not {c.id for c in active} & {c.id for c in completed}


@pytest.mark.parametrize("bookmarks", [False, True])
async def test_paging_with_small_pages(bookmarks: bool) -> None:
    async with demo_client() as client:
        everything = await client.list_your_courses()

    transport = DemoTransport(canvas_app(bookmarks=bookmarks), page_size=2)
    async with demo_client(transport) as client:
        paged = await client.list_your_courses()

    assert [c.id for c in paged] == [c.id for c in everything]
    assert len(transport.urls) >= len(everything) // 2
    if bookmarks:
        assert transport.urls[1].params["page"].startswith("bookmark:")


async def test_module_with_more_than_100_items_is_filled_from_items_url() -> None:
    transport = DemoTransport(canvas_app())
    async with demo_client(transport) as client:
        modules = await client.list_modules(STATS, include=["items", "content_details"])

    big = next(module for module in modules if module.id == BIG_MODULE)
    assert big.items is not None
    assert len(big.items) == 120
    assert [item.position for item in big.items] == list(range(1, 121))
    assert all(module.items is not None for module in modules)
    assert modules.truncated is False
    item_paths = {url.path for url in transport.urls if url.path.endswith("/items")}
    assert item_paths == {f"/api/v1/courses/{STATS}/modules/{BIG_MODULE}/items"}


async def test_module_items_directly() -> None:
    async with demo_client() as client:
        items = await client.list_module_items(STATS, BIG_MODULE)
    assert len(items) == 120


async def test_sis_course_id() -> None:
    async with demo_client() as client:
        course = await client.get_single_course("sis_course_id:NSU-BIO110-F26")
    assert course.id == BIO


async def test_get_self() -> None:
    async with demo_client() as client:
        me = await client.get_self()
    assert me.name == "Jordan Rivera"


async def test_wrong_token_is_invalid_token() -> None:
    async with demo_client(token="not-the-demo-token") as client:
        with pytest.raises(InvalidTokenError) as caught:
            await client.list_your_courses()
    assert caught.value.status == 401
    assert "did not accept your access token" in caught.value.message
    assert "not-the-demo-token" not in str(caught.value)


async def test_no_token_is_told_to_make_one() -> None:
    async with demo_client(token=None) as client:
        with pytest.raises(InvalidTokenError) as caught:
            await client.list_your_courses()
    assert "no access token" in caught.value.message


async def test_unknown_course_is_not_found() -> None:
    async with demo_client() as client:
        with pytest.raises(NotFoundError):
            await client.get_single_course(999999)
        with pytest.raises(NotFoundError):
            await client.list_modules("sis_course_id:NSU-BIO110-F26/../48213")


async def test_course_not_enrolled_in_is_not_permitted() -> None:
    async with demo_client() as client:
        with pytest.raises(NotPermittedError):
            await client.list_modules(NOT_ENROLLED)


async def test_search_courses_without_a_token() -> None:
    async with demo_client(token=None) as client:
        found = await client.search_courses("solar")
        everything = await client.search_courses()
    assert [course.name for course in found] == ["ASTR 101: Exploring the Solar System"]
    assert len(everything) >= 2
    assert all(course.id for course in everything)


async def test_throttled_requests_recover_with_backoff() -> None:
    now = [0.0]
    throttle = Throttle(high_water=120, up_front=50, outflow=10, clock=lambda: now[0])
    throttle.level = 100  # as if other requests had just drained the bucket

    class AdvancingSleep(CountingSleep):
        async def __call__(self, seconds: float) -> None:
            await super().__call__(seconds)
            now[0] += seconds

    sleep = AdvancingSleep()
    async with demo_client(
        DemoTransport(canvas_app(throttle=throttle)), sleep=sleep
    ) as client:
        me = await client.get_self()
    assert me.id
    assert sleep.waits
    assert sleep.total <= 30.0


async def test_server_errors_from_the_demo_are_retried() -> None:
    app = canvas_app(faults=[Fault("status", status=503, times=2)])
    async with demo_client(DemoTransport(app)) as client:
        courses = await client.list_your_courses()
    assert courses.items


async def test_foreign_next_link_from_the_demo_is_not_followed() -> None:
    transport = DemoTransport(canvas_app(faults=[Fault("foreign-link")]), page_size=2)
    async with demo_client(transport) as client:
        courses = await client.list_your_courses()
    assert len(courses) == 2
    assert courses.truncated is True
    assert len(transport.urls) == 1
    assert all(url.host == "127.0.0.1" for url in transport.urls)


async def test_malformed_answer_from_the_demo() -> None:
    async with demo_client(
        DemoTransport(canvas_app(faults=[Fault("malformed")]))
    ) as client:
        with pytest.raises(BadResponseError):
            await client.list_your_courses()
