"""Pagination: Link headers followed as given, capped, and never off-site."""

from __future__ import annotations

import logging

import httpx2
import pytest

from tests.canvas_fakes import (
    API,
    FakeCanvas,
    canvas_json,
    course,
    link_header,
    make_client,
    paged,
)

COURSES = [course(i) for i in range(1, 251)]


async def test_follows_next_across_pages() -> None:
    canvas = FakeCanvas(paged(COURSES, page_size=100))
    async with make_client(canvas) as client:
        courses = await client.list_your_courses(include=["term"])

    assert [c.id for c in courses] == list(range(1, 251))
    assert courses.truncated is False
    assert canvas.calls == 3
    for request in canvas.requests:
        assert request.url.params["per_page"] == "100"
        assert request.url.params.get_list("include[]") == ["term"]


async def test_small_pages_are_followed_too() -> None:
    # An install that caps pages at 50 (or 10) without saying so.
    canvas = FakeCanvas(paged(COURSES[:95], page_size=10))
    async with make_client(canvas) as client:
        courses = await client.list_your_courses()
    assert len(courses) == 95
    assert canvas.calls == 10


@pytest.mark.parametrize("header_name", ["Link", "link", "LINK"])
async def test_link_header_name_in_any_case(header_name: str) -> None:
    canvas = FakeCanvas(paged(COURSES[:30], page_size=10, header_name=header_name))
    async with make_client(canvas) as client:
        assert len(await client.list_your_courses()) == 30


async def test_without_last_and_with_bookmarks() -> None:
    canvas = FakeCanvas(
        paged(COURSES[:25], page_size=10, with_last=False, bookmarks=True)
    )
    async with make_client(canvas) as client:
        courses = await client.list_your_courses()
    assert len(courses) == 25
    assert canvas.requests[1].url.params["page"].startswith("bookmark:")


async def test_next_url_is_requested_exactly_as_given() -> None:
    next_url = f"{API}/courses?page=bookmark:WyJCIiw0Ml0&per_page=100&include[]=term"

    def answer(request: httpx2.Request) -> httpx2.Response:
        if "page" not in request.url.params:
            return canvas_json(
                [course(1)], headers={"Link": link_header(next=next_url)}
            )
        return canvas_json([course(2)])

    canvas = FakeCanvas(answer)
    async with make_client(canvas) as client:
        courses = await client.list_your_courses(include=["term"])

    assert [c.id for c in courses] == [1, 2]
    second = canvas.requests[1]
    assert str(second.url) == next_url
    assert second.url.params["page"] == "bookmark:WyJCIiw0Ml0"


async def test_relative_next_link_is_resolved_against_canvas() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if "page" not in request.url.params:
            link = link_header(next="/api/v1/courses?page=2")
            return canvas_json([course(1)], headers={"Link": link})
        return canvas_json([course(2)])

    canvas = FakeCanvas(answer)
    async with make_client(canvas) as client:
        assert len(await client.list_your_courses()) == 2
    assert str(canvas.last.url) == f"{API}/courses?page=2"


async def test_stops_at_an_empty_page() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        page = int(request.url.params.get("page", "1"))
        link = link_header(next=f"{API}/courses?page={page + 1}")
        records = [course(page)] if page <= 2 else []
        return canvas_json(records, headers={"Link": link})

    canvas = FakeCanvas(answer)
    async with make_client(canvas) as client:
        courses = await client.list_your_courses()
    assert [c.id for c in courses] == [1, 2]
    assert courses.truncated is False
    assert canvas.calls == 3


async def test_cap_truncates_within_a_page() -> None:
    canvas = FakeCanvas(paged(COURSES, page_size=100))
    async with make_client(canvas, max_items=150) as client:
        courses = await client.list_your_courses()
    assert len(courses) == 150
    assert courses.truncated is True
    assert canvas.calls == 2


async def test_cap_reached_on_a_page_boundary_with_more_to_come() -> None:
    canvas = FakeCanvas(paged(COURSES, page_size=100))
    async with make_client(canvas, max_items=100) as client:
        courses = await client.list_your_courses()
    assert len(courses) == 100
    assert courses.truncated is True
    assert canvas.calls == 1


async def test_cap_exactly_met_by_the_last_page_is_not_truncation() -> None:
    canvas = FakeCanvas(paged(COURSES[:100], page_size=50))
    async with make_client(canvas, max_items=100) as client:
        courses = await client.list_your_courses()
    assert len(courses) == 100
    assert courses.truncated is False


async def test_default_cap_holds_a_120_item_module() -> None:
    items = [{"id": i, "title": f"Item {i}"} for i in range(1, 121)]
    canvas = FakeCanvas(paged(items, page_size=100))
    async with make_client(canvas) as client:
        listing = await client.list_module_items(1, 2)
    assert len(listing) == 120
    assert listing.truncated is False


@pytest.mark.parametrize(
    "foreign",
    [
        "https://evil.test/api/v1/courses?page=2",
        "http://canvas.test/api/v1/courses?page=2",
        "https://canvas.test:8443/api/v1/courses?page=2",
        "https://canvas.test.evil.test/api/v1/courses?page=2",
        "https://user@canvas.test/api/v1/courses?page=2",
        "//evil.test/api/v1/courses?page=2",
        "ftp://canvas.test/api/v1/courses?page=2",
    ],
)
async def test_next_link_elsewhere_is_not_followed(
    foreign: str, caplog: pytest.LogCaptureFixture
) -> None:
    canvas = FakeCanvas(
        lambda request: canvas_json(
            [course(1)], headers={"Link": link_header(next=foreign)}
        )
    )
    with caplog.at_level(logging.WARNING, logger="course_tutor.canvas"):
        async with make_client(canvas) as client:
            courses = await client.list_your_courses()

    assert canvas.calls == 1
    assert all(r.url.host == "canvas.test" for r in canvas.requests)
    assert [c.id for c in courses] == [1]
    assert courses.truncated is True
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Not following" in message for message in warnings)
    assert not any("page=2" in message for message in warnings)


async def test_explicit_default_port_counts_as_the_same_origin() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if "page" not in request.url.params:
            link = link_header(next="https://CANVAS.test:443/api/v1/courses?page=2")
            return canvas_json([course(1)], headers={"Link": link})
        return canvas_json([course(2)])

    canvas = FakeCanvas(answer)
    async with make_client(canvas) as client:
        assert len(await client.list_your_courses()) == 2


async def test_a_link_back_to_a_read_page_ends_the_listing() -> None:
    loop = f"{API}/courses?page=2"
    canvas = FakeCanvas(
        lambda request: canvas_json(
            [course(1)], headers={"Link": link_header(next=loop)}
        )
    )
    async with make_client(canvas) as client:
        courses = await client.list_your_courses()
    assert canvas.calls == 2
    assert len(courses) == 2
