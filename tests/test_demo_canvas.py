"""The demo Canvas answers like Canvas: shapes, includes, pagination, errors,
throttling and injected faults. Checked with a plain HTTP client, so these
tests hold the server to Canvas's behaviour, not to our client's."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx2
import pytest

from course_tutor.demo.canvas import DemoCanvas, canvas_app
from course_tutor.demo.dataset import load_school
from course_tutor.demo.faults import Fault, Throttle, parse_fault

BASE = "http://127.0.0.1:8765"
AUTH = {"Authorization": "Bearer demo"}


def _client(app=None, **options) -> httpx2.AsyncClient:
    app = app or canvas_app(**options)
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    )


def _enrolled():
    return [c for c in load_school()["courses"] if c.get("enrollment")]


def _with_modules():
    return [
        c
        for c in _enrolled()
        if c.get("modules") and not c.get("access_restricted_by_date")
    ]


def _big_module():
    for course in load_school()["courses"]:
        for module in course.get("modules") or []:
            if len(module["items"]) > 100:
                return course, module
    raise AssertionError("the dataset has no module with more than 100 items")


async def _all_pages(client: httpx2.AsyncClient, url: str) -> list:
    records = []
    while url:
        response = await client.get(url)
        assert response.status_code == 200
        records += response.json()
        url = response.links.get("next", {}).get("url")
    return records


# -- authentication ------------------------------------------------------


async def test_no_token_is_unauthenticated() -> None:
    async with _client() as client:
        response = await client.get("/api/v1/courses", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="canvas-lms"'
    assert response.json()["status"] == "unauthenticated"


async def test_wrong_token_is_invalid() -> None:
    async with _client() as client:
        response = await client.get(
            "/api/v1/users/self", headers={"Authorization": "Bearer nope"}
        )
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Invalid access token."}]}


async def test_expired_token_is_invalid() -> None:
    demo = DemoCanvas(tokens={"old": 100.0}, clock=lambda: 200.0)
    async with _client(demo.app) as client:
        response = await client.get(
            "/api/v1/users/self", headers={"Authorization": "Bearer old"}
        )
    assert response.status_code == 401


async def test_users_self_names_the_demo_student() -> None:
    async with _client() as client:
        response = await client.get("/api/v1/users/self")
    assert response.json()["name"] == load_school()["user"]["name"]


# -- courses -------------------------------------------------------------


async def test_courses_lists_every_enrollment_across_pages() -> None:
    async with _client() as client:
        courses = await _all_pages(client, "/api/v1/courses?per_page=2")
    assert [c["id"] for c in courses] == [c["id"] for c in _enrolled()]
    restricted = [c for c in courses if c.get("access_restricted_by_date")]
    assert restricted
    assert all(set(c) == {"id", "access_restricted_by_date"} for c in restricted)


async def test_enrollment_state_filters() -> None:
    async with _client() as client:
        response = await client.get("/api/v1/courses?enrollment_state=active")
    active = [
        c["id"] for c in _enrolled() if c["enrollment"]["enrollment_state"] == "active"
    ]
    assert [c["id"] for c in response.json()] == active
    assert len(active) < len(_enrolled())


async def test_includes_add_fields_only_when_asked() -> None:
    course = _with_modules()[0]
    async with _client() as client:
        plain = (await client.get(f"/api/v1/courses/{course['id']}")).json()
        full = (
            await client.get(
                f"/api/v1/courses/{course['id']}",
                params=[
                    ("include[]", "term"),
                    ("include[]", "syllabus_body"),
                    ("include[]", "teachers"),
                ],
            )
        ).json()
    assert "syllabus_body" not in plain
    assert "term" not in plain
    assert full["syllabus_body"] == course["syllabus_body"]
    assert full["term"]["id"] == course["enrollment_term_id"]
    assert full["teachers"] == course["teachers"]


async def test_course_by_sis_id_and_encoded_segment() -> None:
    course = next(c for c in load_school()["courses"] if c.get("sis_course_id"))
    segment = quote(f"sis_course_id:{course['sis_course_id']}", safe="")
    async with _client() as client:
        found = await client.get(f"/api/v1/courses/{segment}")
        slashed = await client.get(
            f"/api/v1/courses/sis_course_id:a%2F..%2F{course['id']}"
        )
    assert found.json()["id"] == course["id"]
    assert slashed.status_code == 404


async def test_unknown_course_is_not_found() -> None:
    async with _client() as client:
        response = await client.get("/api/v1/courses/999999999")
    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"message": "The specified resource does not exist."}]
    }


async def test_course_not_visible_is_unauthorized() -> None:
    hidden = next(
        c
        for c in load_school()["courses"]
        if not c.get("enrollment") and not c.get("is_public")
    )
    async with _client() as client:
        response = await client.get(f"/api/v1/courses/{hidden['id']}")
    assert response.status_code == 401
    assert response.json()["status"] == "unauthorized"


# -- pagination ----------------------------------------------------------


async def test_per_page_defaults_to_ten_and_caps_at_100() -> None:
    course, module = _big_module()
    path = f"/api/v1/courses/{course['id']}/modules/{module['id']}/items"
    async with _client() as client:
        default = await client.get(path)
        capped = await client.get(path, params={"per_page": 1000})
    assert len(default.json()) == 10
    assert len(capped.json()) == 100
    links = capped.links
    assert links["next"]["url"].startswith(BASE + path)
    assert "last" in links


async def test_past_the_end_is_an_empty_page() -> None:
    async with _client() as client:
        response = await client.get("/api/v1/courses", params={"page": 99})
    assert response.status_code == 200
    assert response.json() == []


async def test_bookmark_pages_have_no_last_link() -> None:
    course, module = _big_module()
    path = f"/api/v1/courses/{course['id']}/modules/{module['id']}/items"
    async with _client(bookmarks=True) as client:
        first = await client.get(path, params={"per_page": 50})
        items = await _all_pages(client, first.links["next"]["url"])
    assert "bookmark:" in first.links["next"]["url"]
    assert "last" not in first.links
    assert len(first.json()) + len(items) == len(module["items"])


async def test_links_follow_the_requests_own_base() -> None:
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=canvas_app()),
        base_url="https://canvas.example.edu:8443",
        headers=AUTH,
    ) as client:
        response = await client.get("/api/v1/courses", params={"per_page": 1})
    assert response.links["next"]["url"].startswith("https://canvas.example.edu:8443/")


# -- modules and items ---------------------------------------------------


async def test_big_module_has_no_items_inline() -> None:
    course, module = _big_module()
    async with _client() as client:
        modules = await _all_pages(
            client,
            f"/api/v1/courses/{course['id']}/modules?include[]=items&per_page=100",
        )
    shown = {m["id"]: m for m in modules}
    big = shown[module["id"]]
    assert "items" not in big
    assert big["items_count"] == len(module["items"])
    assert big["items_url"].startswith(BASE)
    others = [m for m in modules if m["id"] != module["id"]]
    assert all("items" in m for m in others)


async def test_module_search_matches_names_and_item_titles() -> None:
    course = _with_modules()[0]
    module = course["modules"][1]
    item = module["items"][-1]
    async with _client() as client:
        by_name = await client.get(
            f"/api/v1/courses/{course['id']}/modules",
            params={"search_term": module["name"]},
        )
        by_item = await client.get(
            f"/api/v1/courses/{course['id']}/modules",
            params=[("include[]", "items"), ("search_term", item["title"])],
        )
    assert module["id"] in [m["id"] for m in by_name.json()]
    hits = {m["id"]: m for m in by_item.json()}
    assert module["id"] in hits
    assert item["id"] in [i["id"] for i in hits[module["id"]]["items"]]


async def test_items_have_canvas_shapes() -> None:
    kinds = {}
    async with _client() as client:
        for course in _with_modules():
            for module in course["modules"]:
                if len(module["items"]) > 100:
                    continue
                response = await client.get(
                    f"/api/v1/courses/{course['id']}/modules/{module['id']}/items",
                    params={"include[]": "content_details", "per_page": 100},
                )
                for item in response.json():
                    kinds.setdefault(item["type"], item)
    assert "html_url" not in kinds["SubHeader"]
    assert kinds["Page"]["page_url"]
    assert "content_id" not in kinds["Page"]
    assert kinds["ExternalUrl"]["external_url"].startswith("http")
    assert kinds["Assignment"]["url"].startswith(f"{BASE}/api/v1/courses/")
    assert all("content_details" in item for item in kinds.values())


async def test_restricted_course_modules_are_refused() -> None:
    restricted = next(c for c in _enrolled() if c.get("access_restricted_by_date"))
    async with _client() as client:
        response = await client.get(f"/api/v1/courses/{restricted['id']}/modules")
    assert response.status_code == 401


# -- search --------------------------------------------------------------


async def test_search_works_without_login_and_wraps_courses() -> None:
    public = [c for c in load_school()["courses"] if c.get("in_public_index")]
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=canvas_app()), base_url=BASE
    ) as client:
        everything = await _all_pages(client, "/api/v1/search/all_courses")
        one = await client.get(
            "/api/v1/search/all_courses", params={"search": public[0]["name"][:6]}
        )
    assert {e["course"]["id"] for e in everything} == {c["id"] for c in public}
    assert public[0]["id"] in [e["course"]["id"] for e in one.json()]
    assert all(set(e) == {"course"} for e in everything)


# -- throttling and faults -----------------------------------------------


async def test_throttle_refuses_with_canvas_body_then_recovers() -> None:
    now = [0.0]
    throttle = Throttle(high_water=120, up_front=50, outflow=10, clock=lambda: now[0])
    async with _client(throttle=throttle) as client:
        first = await client.get("/api/v1/users/self")
        throttle.level = 100  # as if other requests were in flight
        refused = await client.get("/api/v1/users/self")
        now[0] += 10
        again = await client.get("/api/v1/users/self")
    assert float(first.headers["x-rate-limit-remaining"]) < 120
    assert "x-request-cost" in first.headers
    assert refused.status_code == 403
    assert refused.text == "403 Forbidden (Rate Limit Exceeded)"
    assert again.status_code == 200


async def test_throttle_can_answer_429() -> None:
    throttle = Throttle(high_water=10, up_front=50, status=429)
    async with _client(throttle=throttle) as client:
        response = await client.get("/api/v1/users/self")
    assert response.status_code == 429
    assert response.headers["retry-after"]


async def test_status_fault_fires_the_given_number_of_times() -> None:
    fault = Fault("status", status=503, times=2)
    async with _client(faults=[fault]) as client:
        codes = [(await client.get("/api/v1/users/self")).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


async def test_malformed_fault_breaks_the_json() -> None:
    async with _client(faults=[Fault("malformed", match="/courses")]) as client:
        broken = await client.get("/api/v1/courses")
        fine = await client.get("/api/v1/users/self")
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.text)
    assert fine.json()["id"]


async def test_fault_can_target_the_second_page() -> None:
    async with _client(faults=[parse_fault("500@page=2")]) as client:
        first = await client.get("/api/v1/courses", params={"per_page": 2})
        second = await client.get(first.links["next"]["url"])
    assert first.status_code == 200
    assert second.status_code == 500


async def test_foreign_link_fault_points_next_elsewhere() -> None:
    async with _client(faults=[Fault("foreign-link")]) as client:
        response = await client.get("/api/v1/courses", params={"per_page": 1})
    assert httpx2.URL(response.links["next"]["url"]).host == "evil.example"


async def test_requests_are_recorded() -> None:
    app = canvas_app()
    async with _client(app) as client:
        await client.get("/api/v1/users/self")
    assert app.state.canvas.requests == ["/api/v1/users/self"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("500", Fault("status", status=500)),
        ("503:0.25", Fault("status", status=503, rate=0.25)),
        ("slow:0.1", Fault("slow", rate=0.1)),
        ("malformed@/modules", Fault("malformed", match="/modules")),
        ("foreign-link", Fault("foreign-link")),
    ],
)
def test_fault_specs(spec: str, expected: Fault) -> None:
    assert parse_fault(spec) == expected


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("teapot", "unknown fault kind"),
        ("500:often", "must be a number"),
        ("500:2", "between 0 and 1"),
    ],
)
def test_bad_fault_specs_are_refused(spec: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_fault(spec)
