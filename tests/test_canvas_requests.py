"""What the client sends: headers, paths and query encoding per endpoint."""

from __future__ import annotations

import httpx2
import pytest

from course_tutor import __version__
from course_tutor.canvas import BadResponseError, Course
from tests.canvas_fakes import (
    TOKEN,
    FakeCanvas,
    canvas_json,
    canvas_text,
    course,
    make_client,
    module,
    module_item,
)


async def test_headers_carry_bearer_token_user_agent_and_accept() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([course(1)]))
    async with make_client(canvas) as client:
        await client.list_your_courses()

    request = canvas.last
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"] == f"course-tutor/{__version__}"
    assert request.headers["Accept"] == "application/json"
    assert "access_token" not in request.url.params
    assert TOKEN not in str(request.url)


async def test_no_token_means_no_authorization_header() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([]))
    async with make_client(canvas, token=None) as client:
        await client.search_courses("biology")
    assert "Authorization" not in canvas.last.headers


async def test_list_your_courses_query() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([course(1)]))
    async with make_client(canvas) as client:
        courses = await client.list_your_courses(
            enrollment_type="student",
            enrollment_state="active",
            state=["available", "completed"],
            include=["term", "teachers", "course_progress"],
        )

    params = canvas.last.url.params
    assert canvas.last.method == "GET"
    assert canvas.last.url.path == "/api/v1/courses"
    assert params.get_list("include[]") == ["term", "teachers", "course_progress"]
    assert params.get_list("state[]") == ["available", "completed"]
    assert params["enrollment_type"] == "student"
    assert params["enrollment_state"] == "active"
    assert params["per_page"] == "100"
    assert "include" not in params
    assert [c.id for c in courses] == [1]
    assert isinstance(courses[0], Course)


async def test_a_single_include_string_is_one_value() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([]))
    async with make_client(canvas) as client:
        await client.list_your_courses(include="term")  # type: ignore[arg-type]
    assert canvas.last.url.params.get_list("include[]") == ["term"]


async def test_unset_options_are_left_out() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([]))
    async with make_client(canvas) as client:
        await client.list_your_courses()
    assert dict(canvas.last.url.params) == {"per_page": "100"}


async def test_get_single_course_query() -> None:
    canvas = FakeCanvas(lambda request: canvas_json(course(5, syllabus_body="<p/>")))
    async with make_client(canvas) as client:
        found = await client.get_single_course(
            5, include=["syllabus_body", "term"], teacher_limit=3
        )

    params = canvas.last.url.params
    assert canvas.last.url.path == "/api/v1/courses/5"
    assert params.get_list("include[]") == ["syllabus_body", "term"]
    assert params["teacher_limit"] == "3"
    assert "per_page" not in params  # one object, not a listing
    assert found.syllabus_body == "<p/>"


@pytest.mark.parametrize(
    ("public_only", "open_only", "expected"),
    [
        (True, False, {"public_only": "true", "open_enrollment_only": "false"}),
        (False, True, {"public_only": "false", "open_enrollment_only": "true"}),
        (None, None, {}),
    ],
)
async def test_search_courses_booleans(
    public_only: bool | None, open_only: bool | None, expected: dict[str, str]
) -> None:
    canvas = FakeCanvas(lambda request: canvas_json([]))
    async with make_client(canvas) as client:
        await client.search_courses(
            "intro bio & chem", public_only=public_only, open_enrollment_only=open_only
        )

    params = canvas.last.url.params
    assert canvas.last.url.path == "/api/v1/search/all_courses"
    assert params["search"] == "intro bio & chem"
    assert {k: v for k, v in params.items() if k.endswith("_only")} == expected


async def test_search_courses_unwraps_course_objects() -> None:
    body = [
        {"course": course(1, name="Astronomy")},
        {"course": course(2, name="Botany")},
        course(3, name="Chemistry"),  # a bare course is accepted too
    ]
    canvas = FakeCanvas(lambda request: canvas_json(body))
    async with make_client(canvas, token=None) as client:
        found = await client.search_courses("a")
    assert [c.name for c in found] == ["Astronomy", "Botany", "Chemistry"]


async def test_list_modules_query() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([module(1)]))
    async with make_client(canvas) as client:
        await client.list_modules(
            "sis_course_id:BIO 1", include=["content_details"], search_term="cell"
        )
    assert canvas.last.url.raw_path.split(b"?")[0] == (
        b"/api/v1/courses/sis_course_id:BIO%201/modules"
    )
    assert canvas.last.url.params.get_list("include[]") == ["content_details"]
    assert canvas.last.url.params["search_term"] == "cell"


async def test_list_module_items_query() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([module_item(1, 2)]))
    async with make_client(canvas) as client:
        items = await client.list_module_items(
            1, 2, include=["content_details"], search_term="quiz", student_id=9
        )
    params = canvas.last.url.params
    assert canvas.last.url.path == "/api/v1/courses/1/modules/2/items"
    assert params.get_list("include[]") == ["content_details"]
    assert params["search_term"] == "quiz"
    assert params["student_id"] == "9"
    assert items[0].title == "Item 1"


async def test_get_self() -> None:
    canvas = FakeCanvas(lambda request: canvas_json({"id": 7, "name": "Sam"}))
    async with make_client(canvas) as client:
        me = await client.get_self()
    assert canvas.last.url.path == "/api/v1/users/self"
    assert (me.id, me.name) == (7, "Sam")


async def test_redirects_are_not_followed() -> None:
    canvas = FakeCanvas(
        lambda request: httpx2.Response(
            302, headers={"Location": "https://elsewhere.test/login"}
        )
    )
    async with make_client(canvas) as client:
        with pytest.raises(BadResponseError) as caught:
            await client.get_self()
    assert canvas.calls == 1
    assert caught.value.status == 302


@pytest.mark.parametrize(
    ("response", "method"),
    [
        (canvas_text("<html>Log in</html>", 200), "list"),
        (canvas_text("{not json", 200), "list"),
        (canvas_json({"id": 1}), "list"),  # an object where a list belongs
        (canvas_json([{"name": "no id"}]), "list"),
        (canvas_json([1, 2]), "list"),
        (canvas_json([]), "object"),  # a list where an object belongs
        (canvas_json({"name": "no id"}), "object"),
    ],
)
async def test_unreadable_answers(response: httpx2.Response, method: str) -> None:
    canvas = FakeCanvas(lambda request: response)
    async with make_client(canvas) as client:
        call = client.list_your_courses if method == "list" else client.get_self
        with pytest.raises(BadResponseError) as caught:
            await call()
    assert caught.value.kind == "bad_response"
    assert "could not read" in caught.value.message
    assert canvas.calls == 1


async def test_json_hijacking_prefix_is_tolerated() -> None:
    canvas = FakeCanvas(
        lambda request: httpx2.Response(200, text='while(1);[{"id": 3}]')
    )
    async with make_client(canvas) as client:
        courses = await client.list_your_courses()
    assert [c.id for c in courses] == [3]


async def test_client_can_be_closed_without_a_with_block() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([]))
    client = make_client(canvas)
    assert len(await client.list_your_courses()) == 0
    await client.aclose()
