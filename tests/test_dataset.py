"""The demo dataset keeps the promises other features rely on.

Each rule is a `check_*` function that raises AssertionError when the data
breaks it. The checks run on the bundled data, and `test_check_rejects` feeds
each one a deliberately broken copy, so a check that could never fail is
caught too.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from course_tutor.demo.dataset import load_question_banks, load_school

TODAY = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
HOST = "canvas.northwood.example"
ITEM_TYPES = {
    "File",
    "Page",
    "Discussion",
    "Assignment",
    "Quiz",
    "SubHeader",
    "ExternalUrl",
    "ExternalTool",
}
REQUIREMENTS = {
    "must_view",
    "must_submit",
    "must_contribute",
    "min_score",
    "must_mark_done",
}
MODULE_STATES = {"locked", "unlocked", "started", "completed"}
BIG_MODULE = 100

School = dict[str, Any]
Banks = dict[str, Any]


# --- views on the data ------------------------------------------------------


def _when(stamp: str) -> dt.datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp), stamp
    return dt.datetime.fromisoformat(stamp)


def _enrolled(school: School) -> list[dict]:
    return [c for c in school["courses"] if c["enrollment"]]


def _active(school: School) -> list[dict]:
    return [
        c
        for c in _enrolled(school)
        if c["enrollment"]["enrollment_state"] == "active"
        and c["workflow_state"] == "available"
    ]


def _content_courses(school: School) -> list[dict]:
    """Active enrolled courses that have modules: the ones the tutor studies."""
    return [c for c in _active(school) if c["modules"]]


def _modules(courses: list[dict]) -> Iterator[tuple[dict, dict]]:
    for course in courses:
        for module in course["modules"]:
            yield course, module


def _items(courses: list[dict]) -> Iterator[tuple[dict, dict]]:
    for _, module in _modules(courses):
        for item in module["items"]:
            yield module, item


def _requirements(module: dict) -> list[dict]:
    return [
        i["completion_requirement"]
        for i in module["items"]
        if "completion_requirement" in i
    ]


def _by_name(school: School, name: str) -> dict:
    return next(c for c in school["courses"] if c["name"] == name)


# --- the rules --------------------------------------------------------------


def check_people_and_terms(school: School) -> None:
    assert school["school"] == {"name": "Northwood State University", "host": HOST}
    assert school["user"]["id"] == 1201
    assert school["user"]["name"] == "Jordan Rivera"

    terms = {t["name"]: t for t in school["terms"]}
    assert set(terms) == {"Spring 2026", "Fall 2026"}
    fall, spring = terms["Fall 2026"], terms["Spring 2026"]
    assert _when(fall["start_at"]) < TODAY < _when(fall["end_at"])
    assert _when(spring["end_at"]) < _when(fall["start_at"])

    term_ids = {t["id"] for t in school["terms"]}
    assert all(c["enrollment_term_id"] in term_ids for c in school["courses"])


def check_ids(school: School) -> None:
    courses = school["courses"]
    modules = [m for _, m in _modules(courses)]
    items = [i for _, i in _items(courses)]
    ids = (
        [c["id"] for c in courses]
        + [m["id"] for m in modules]
        + [i["id"] for i in items]
    )
    assert len(ids) == len(set(ids)), "course, module and item ids must be unique"

    assert all(1000 <= c["id"] < 100_000 for c in courses)
    assert all(100_000 <= m["id"] < 1_000_000 for m in modules)
    assert all(100_000 <= i["id"] < 10_000_000 for i in items)

    sis = [c["sis_course_id"] for c in courses if c["sis_course_id"]]
    assert sis
    assert len(sis) == len(set(sis))
    assert "NSU-BIO110-F26" in sis


def check_enrollments(school: School) -> None:
    enrolled = _enrolled(school)
    assert len(enrolled) >= 4
    assert {c["enrollment_term_id"] for c in enrolled} == {
        t["id"] for t in school["terms"]
    }
    for course in enrolled:
        assert course["enrollment"]["type"] == "student"
        assert course["enrollment"]["role"] == "StudentEnrollment"

    concluded = [
        c
        for c in enrolled
        if c["workflow_state"] == "completed"
        and c["enrollment"]["enrollment_state"] == "completed"
        and not c.get("access_restricted_by_date")
    ]
    assert concluded, "the student needs an open concluded course"

    spring = next(t["id"] for t in school["terms"] if t["name"] == "Spring 2026")
    for course in enrolled:
        finished = course["enrollment"]["enrollment_state"] == "completed"
        assert finished == (course["workflow_state"] == "completed")
        assert finished == (course["enrollment_term_id"] == spring)


def check_special_courses(school: School) -> None:
    empty = [c for c in _active(school) if not c["modules"]]
    assert len(empty) == 1, "exactly one active enrolled course without modules"

    restricted = [c for c in school["courses"] if c.get("access_restricted_by_date")]
    assert len(restricted) == 1
    assert restricted[0]["enrollment"]["enrollment_state"] == "completed"
    assert restricted[0]["workflow_state"] == "completed"
    assert restricted[0]["name"]
    assert restricted[0]["course_code"]

    nicknamed = [c for c in school["courses"] if c.get("original_name")]
    assert len(nicknamed) == 1
    course = nicknamed[0]
    assert course in _content_courses(school)
    assert course["name"] != course["original_name"]
    assert course["course_code"] in course["original_name"]
    assert course["course_code"] not in course["name"]


def check_catalogue(school: School) -> None:
    outside = [c for c in school["courses"] if not c["enrollment"]]
    public = [c for c in outside if c["is_public"] and c["in_public_index"]]
    assert len(public) >= 2
    for course in public:
        assert course["public_description"]
        assert course["modules"]
        assert course["course_progress"] is None

    hidden = [c for c in outside if not c["is_public"] and not c["in_public_index"]]
    assert hidden, "a course that search must not find"


def check_content_courses(school: School) -> None:
    courses = _content_courses(school)
    assert len(courses) >= 3
    for course in courses:
        assert 5 <= len(course["modules"]) <= 8, course["name"]
        types = {i["type"] for m in course["modules"] for i in m["items"]}
        assert {"SubHeader", "ExternalUrl"} <= types, course["name"]
        for module in course["modules"]:
            if len(module["items"]) <= BIG_MODULE:
                assert 4 <= len(module["items"]) <= 12, module["name"]

    big = [m for _, m in _modules(school["courses"]) if len(m["items"]) > BIG_MODULE]
    assert len(big) == 1, "exactly one module too big for include[]=items"
    assert big[0] in [m for _, m in _modules(courses)]


def check_progress(school: School) -> None:
    for course in _enrolled(school):
        if not course["modules"]:
            assert course["course_progress"] is None
            continue
        requirements = [r for m in course["modules"] for r in _requirements(m)]
        pending = [
            i
            for _, i in _items([course])
            if not i.get("completion_requirement", {"completed": True})["completed"]
        ]
        progress = course["course_progress"]
        assert progress["requirement_count"] == len(requirements)
        assert progress["requirement_completed_count"] == len(requirements) - len(
            pending
        )
        if pending:
            url = progress["next_requirement_url"]
            assert url == (
                f"https://{HOST}/courses/{course['id']}/modules/items/{pending[0]['id']}"
            )
            assert progress["completed_at"] is None
        else:
            assert progress["next_requirement_url"] is None
            assert progress["completed_at"]


def check_item_shapes(school: School) -> None:
    for course, module in _modules(school["courses"]):
        positions = [m["position"] for m in course["modules"]]
        assert positions == list(range(1, len(positions) + 1))
        assert module["published"] is True

    for _, item in _items(school["courses"]):
        kind = item["type"]
        assert kind in ITEM_TYPES, kind
        assert item["title"]
        assert isinstance(item["indent"], int)
        assert ("content_id" in item) == (
            kind not in {"Page", "SubHeader", "ExternalUrl"}
        )
        assert ("page_url" in item) == (kind == "Page")
        external = kind in {"ExternalUrl", "ExternalTool"}
        assert ("external_url" in item) == external
        assert ("new_tab" in item) == external
        if external:
            assert item["external_url"].startswith("https://")
        if kind == "Page":
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item["page_url"])
        assert all(item["content_details"].values()), item["title"]
        _check_requirement(item)


def _check_requirement(item: dict) -> None:
    requirement = item.get("completion_requirement")
    if requirement is None:
        return
    assert item["type"] != "SubHeader"
    assert requirement["type"] in REQUIREMENTS
    assert isinstance(requirement["completed"], bool)
    if requirement["type"] == "min_score":
        assert isinstance(requirement["min_score"], int | float)
        assert requirement["min_score"] <= item["content_details"]["points_possible"]
    else:
        assert "min_score" not in requirement


def check_coverage(school: School) -> None:
    courses = school["courses"]
    assert {i["type"] for _, i in _items(courses)} == ITEM_TYPES
    kinds = {r["type"] for _, m in _modules(courses) for r in _requirements(m)}
    assert kinds == REQUIREMENTS
    assert {m["state"] for _, m in _modules(_content_courses(school))} == MODULE_STATES

    active_items = [i for _, i in _items(_content_courses(school))]
    dues = [
        _when(i["content_details"]["due_at"])
        for i in active_items
        if "due_at" in i["content_details"]
    ]
    assert any(d < TODAY for d in dues)
    assert any(d > TODAY for d in dues)
    assert any("points_possible" in i["content_details"] for i in active_items)


def check_module_states(school: School) -> None:
    for _, module in _modules(_enrolled(school)):
        done = [r["completed"] for r in _requirements(module)]
        state = module["state"]
        assert state in MODULE_STATES
        assert (module["completed_at"] is not None) == (state == "completed"), module[
            "name"
        ]
        if state == "completed":
            assert all(done), module["name"]
        elif state == "started":
            assert any(done), module["name"]
            assert not all(done), module["name"]
        else:
            assert not any(done), module["name"]


def check_prerequisites(school: School) -> None:
    for course in school["courses"]:
        seen: set[int] = set()
        for module in course["modules"]:
            assert set(module["prerequisite_module_ids"]) <= seen, module["name"]
            seen.add(module["id"])


def check_locked_module(school: School) -> None:
    locked = [
        m for _, m in _modules(_content_courses(school)) if m["state"] == "locked"
    ]
    assert locked
    for module in locked:
        assert module["prerequisite_module_ids"]
        assert module["unlock_at"]
        assert _when(module["unlock_at"]) > TODAY
        for item in module["items"]:
            details = item["content_details"]
            assert details.get("locked_for_user") is True, item["title"]
            assert details.get("lock_explanation"), item["title"]


def check_syllabi(school: School) -> None:
    for course in _content_courses(school):
        html = course["syllabus_body"]
        assert re.search(r"<h[1-6]>", html), course["name"]
        assert "<ul>" in html or "<ol>" in html
        assert "<table>" in html
        assert "<td>" in html
        links = re.findall(r'href="([^"]+)"', html)
        assert any(f"//{HOST}/" in link for link in links)
        assert any(HOST not in link for link in links)
    for course in _active(school):
        assert course["syllabus_body"]
    for course in _content_courses(school) + _catalogue(school):
        assert course["public_description"]
    for course in school["courses"]:
        for teacher in course["teachers"]:
            assert set(teacher) == {
                "id",
                "display_name",
                "avatar_image_url",
                "html_url",
            }
        assert course["teachers"]
        assert course["total_students"] > 0


def _catalogue(school: School) -> list[dict]:
    return [
        c for c in school["courses"] if not c["enrollment"] and c["in_public_index"]
    ]


def check_timestamps(school: School) -> None:
    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key.endswith("_at") and value is not None:
            _when(value)

    walk(school)


def check_banks(school: School, banks: Banks) -> None:
    modules = banks["modules"]
    all_ids = {str(m["id"]) for _, m in _modules(school["courses"])}
    assert set(modules) <= all_ids
    for _, module in _modules(_content_courses(school)):
        assert str(module["id"]) in modules, f"no bank for {module['name']}"

    questions = [q for bank in modules.values() for q in bank]
    for bank in modules.values():
        assert 5 <= len(bank) <= 8
    for question in questions:
        assert set(question) == {
            "question",
            "choices",
            "answer",
            "explanation",
            "topic",
        }
        assert list(question["choices"]) == ["A", "B", "C", "D"]
        assert question["answer"] in question["choices"]
        texts = [question["question"], question["explanation"], question["topic"]]
        assert all(isinstance(t, str) and t.strip() for t in texts)
        choices = list(question["choices"].values())
        assert all(isinstance(c, str) and c.strip() for c in choices)
        assert len(set(choices)) == 4, question["question"]

    answers = Counter(q["answer"] for q in questions)
    assert all(answers[letter] >= len(questions) / 6 for letter in "ABCD"), answers
    assert any(
        not t.isascii()
        for q in questions
        for t in (q["question"], *q["choices"].values())
    )


# --- the tests --------------------------------------------------------------

CHECKS: list[Callable[[School], None]] = [
    check_people_and_terms,
    check_ids,
    check_enrollments,
    check_special_courses,
    check_catalogue,
    check_content_courses,
    check_progress,
    check_item_shapes,
    check_coverage,
    check_module_states,
    check_prerequisites,
    check_locked_module,
    check_syllabi,
    check_timestamps,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_school_keeps_rule(check: Callable[[School], None]) -> None:
    check(load_school())


def test_question_banks_cover_every_studied_module() -> None:
    check_banks(load_school(), load_question_banks())


def test_loaders_are_cached() -> None:
    assert load_school() is load_school()
    assert load_question_banks() is load_question_banks()


def _stat(school: School) -> dict:
    return next(c for c in school["courses"] if c.get("original_name"))


def _locked(school: School) -> dict:
    return next(m for _, m in _modules(school["courses"]) if m["state"] == "locked")


def _first_item(school: School, kind: str) -> dict:
    return next(i for _, i in _items(school["courses"]) if i["type"] == kind)


def _dup_item_id(s: School) -> None:
    items = [i for _, i in _items(s["courses"])]
    items[1]["id"] = items[0]["id"]


def _reopen_concluded(s: School) -> None:
    course = next(c for c in s["courses"] if c["workflow_state"] == "completed")
    course["enrollment"]["enrollment_state"] = "active"


def _drop_subheaders(s: School) -> None:
    for module in _stat(s)["modules"]:
        module["items"] = [i for i in module["items"] if i["type"] != "SubHeader"]


def _shrink_big_module(s: School) -> None:
    module = max((m for _, m in _modules(s["courses"])), key=lambda m: len(m["items"]))
    del module["items"][BIG_MODULE - 1 :]


def _forward_prerequisite(s: School) -> None:
    modules = _stat(s)["modules"]
    modules[0]["prerequisite_module_ids"] = [modules[1]["id"]]


def _unlock_locked_item(s: School) -> None:
    del _locked(s)["items"][0]["content_details"]["locked_for_user"]


def _undo_completed_requirement(s: School) -> None:
    module = next(m for _, m in _modules(s["courses"]) if m["state"] == "completed")
    _requirements(module)[0]["completed"] = False


def _falsy_detail(s: School) -> None:
    _first_item(s, "Assignment")["content_details"]["locked_for_user"] = False


def _page_without_slug(s: School) -> None:
    del _first_item(s, "Page")["page_url"]


def _local_timestamp(s: School) -> None:
    s["terms"][0]["start_at"] = "2026-01-12T00:00:00-06:00"


def _syllabus_without_table(s: School) -> None:
    course = _by_name(s, "BIO 110: Introduction to Cell Biology")
    course["syllabus_body"] = re.sub(r"<table>.*</table>", "", course["syllabus_body"])


def _stale_progress(s: School) -> None:
    _stat(s)["course_progress"]["requirement_completed_count"] += 1


@pytest.mark.parametrize(
    ("check", "breakage"),
    [
        (check_ids, _dup_item_id),
        (check_enrollments, _reopen_concluded),
        (check_content_courses, _drop_subheaders),
        (check_content_courses, _shrink_big_module),
        (check_prerequisites, _forward_prerequisite),
        (check_locked_module, _unlock_locked_item),
        (check_module_states, _undo_completed_requirement),
        (check_item_shapes, _falsy_detail),
        (check_item_shapes, _page_without_slug),
        (check_timestamps, _local_timestamp),
        (check_syllabi, _syllabus_without_table),
        (check_progress, _stale_progress),
    ],
    ids=lambda f: f.__name__,
)
def test_check_rejects(
    check: Callable[[School], None], breakage: Callable[[School], None]
) -> None:
    school = copy.deepcopy(load_school())
    breakage(school)
    with pytest.raises(AssertionError):
        check(school)


def _first_bank(banks: Banks) -> list[dict]:
    return next(iter(banks["modules"].values()))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda b: b["modules"].pop(str(_stat(load_school())["modules"][0]["id"])),
        lambda b: _first_bank(b)[0].update(answer="E"),
        lambda b: _first_bank(b)[0]["choices"].pop("D"),
        lambda b: _first_bank(b)[0]["choices"].update(
            B=_first_bank(b)[0]["choices"]["A"]
        ),
        lambda b: b["modules"].update({"999999": _first_bank(b)}),
        lambda b: [
            q.update(answer="A") for bank in b["modules"].values() for q in bank
        ],
    ],
    ids=[
        "missing bank",
        "answer outside choices",
        "three choices",
        "duplicate choice",
        "bank for unknown module",
        "all answers A",
    ],
)
def test_bank_check_rejects(breakage: Callable[[Banks], object]) -> None:
    banks = copy.deepcopy(load_question_banks())
    breakage(banks)
    with pytest.raises(AssertionError):
        check_banks(load_school(), banks)
