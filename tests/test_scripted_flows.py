"""The tutor's flows as the scripted model plays them: which tool calls each
step makes, with which arguments, and what the answers contain. Tool results
come from the demo dataset in the tools' compact shapes."""

from __future__ import annotations

import pytest

from course_tutor.demo.scripted import scripted_model_app
from course_tutor.demo.scripted.flow import STARTERS
from tests.scripted_history import (
    History,
    banks,
    client_for,
    course,
    courses_result,
    enrolled,
    step,
    turn,
)

BIO = course("BIO 110")


@pytest.fixture
async def client():
    async with client_for(scripted_model_app()) as client:
        yield client


def module_names(c: dict) -> list[str]:
    return [m["name"] for m in sorted(c["modules"], key=lambda m: m["position"])]


# -- anything else -----------------------------------------------------------


@pytest.mark.parametrize("text", ["hello", "what can you do?", "thanks"])
async def test_small_talk_gets_a_short_answer_without_tools(client, text) -> None:
    said = await turn(client, History(), text)
    assert said.steps == []
    assert "practice exam" in said.text


async def test_the_help_names_the_three_starters(client) -> None:
    said = await turn(client, History(), "hi")
    for starter in STARTERS:
        assert f"“{starter}”" in said.text


# -- listing courses ---------------------------------------------------------


async def test_list_courses_makes_a_table_of_every_course(client) -> None:
    said = await turn(client, History(), "List all of my courses.")
    assert said.calls == [("listYourCourses", {})]
    assert "| Course | Code | Term | Status |" in said.text
    for c in courses_result():
        if c.get("access_restricted_by_date"):
            assert (
                f"Course {c['id']} | — | — | no longer available (ended)" in said.text
            )
        else:
            name = c["name"]
            if c.get("original_name"):  # renamed by the student: both names
                name += f" ({c['original_name']})"
            assert f"| {name} | {c['course_code']} | {c['term']} |" in said.text
    assert "practice exam" in said.text.rsplit("\n\n", 2)[-2]


async def test_a_course_named_after_the_list_opens_its_overview(client) -> None:
    history = History()
    await turn(client, history, "List all of my courses.")
    said = await turn(client, history, "the second one")
    second = enrolled()[1]
    assert said.calls == [
        ("getSingleCourse", {"course_id": str(second["id"])}),
        ("listModules", {"course_id": str(second["id"])}),
    ]


# -- course overview ---------------------------------------------------------


async def test_overview_first_finds_the_courses_and_asks(client) -> None:
    said = await turn(client, History(), "Give an overview of one of my courses.")
    assert said.calls == [("listYourCourses", {})]
    assert "Which course" in said.text
    assert "whole course" in said.text
    assert "one module" in said.text
    assert f"1. {BIO['name']}" in said.text


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("BIO 110", "BIO 110"),
        ("bio110", "BIO 110"),
        ("cell biology", "BIO 110"),
        ("the second one", "HIST 210"),
        ("2", "HIST 210"),
        ("48213", "BIO 110"),
        ("stats please", "STAT 201"),
        ("introductory statistics", "STAT 201"),
        ("CHEM 101", "CHEM 101"),
        ("the first one", "BIO 110"),
    ],
)
async def test_every_way_of_naming_a_course(client, said, code) -> None:
    history = History()
    await turn(client, history, "Give an overview of one of my courses.")
    history.user(said)
    message = await step(client, history)
    course_id = str(course(code)["id"])
    names = [c["function"]["name"] for c in message["tool_calls"]]
    assert names == ["getSingleCourse", "listModules"]
    assert all(
        f'"course_id":"{course_id}"' in c["function"]["arguments"]
        for c in message["tool_calls"]
    )


async def test_overview_shows_the_course_and_its_modules(client) -> None:
    history = History()
    await turn(client, history, "Give an overview of one of my courses.")
    said = await turn(client, history, "BIO 110")
    text = said.text
    assert f"## {BIO['name']}" in text
    assert "Fall 2026" in text
    for teacher in BIO["teachers"]:
        assert teacher["display_name"] in text
    assert BIO["public_description"] in text
    assert "| Component | Weight |" in text or "Grading" in text
    assert "| # | Module | Items | Status |" in text
    for number, name in enumerate(module_names(BIO), 1):
        assert f"| {number} | {name} |" in text
    assert "🔒 Locked" in text
    assert text.rstrip().endswith("say “all”.")


async def test_an_overview_asked_with_the_course_goes_straight_there(client) -> None:
    said = await turn(client, History(), "Tell me about BIO 110")
    assert [name for name, _ in said.calls] == [
        "listYourCourses",
        "getSingleCourse",
        "listModules",
    ]


@pytest.mark.parametrize(
    ("said", "positions"),
    [("4", [4]), ("1 and 3", [1, 3]), ("membranes", [4]), ("Unit 4", [5])],
)
async def test_modules_named_by_number_or_name(client, said, positions) -> None:
    history = History()
    await turn(client, history, "Give an overview of BIO 110")
    answer = await turn(client, history, said)
    by_position = {m["position"]: m for m in BIO["modules"]}
    assert answer.calls == [
        (
            "listModuleItems",
            {"course_id": str(BIO["id"]), "module_id": str(by_position[p]["id"])},
        )
        for p in positions
    ]
    for p in positions:
        assert by_position[p]["name"] in answer.text
    assert "prepare for an exam" in answer.text


async def test_module_items_link_assignments_and_mark_locks(client) -> None:
    history = History()
    await turn(client, history, "Give an overview of BIO 110")
    final = max(BIO["modules"], key=lambda m: m["position"])
    membranes = next(m for m in BIO["modules"] if "Membranes" in m["name"])
    said = await turn(
        client, history, f"{membranes['position']} and {final['position']}"
    )
    for item in membranes["items"] + final["items"]:
        assert item["title"] in said.text
        if item["type"] == "Assignment":
            assert f"[{item['title']}](https://" in said.text
    assert said.text.count("🔒 locked") >= len(final["items"])
    assert "🔒 This module is locked" in said.text


async def test_after_the_items_yes_starts_an_exam_on_that_course(client) -> None:
    history = History()
    await turn(client, history, "Give an overview of BIO 110")
    await turn(client, history, "2")
    said = await turn(client, history, "Let's prepare for an exam")
    assert said.steps == []
    assert "How many questions" in said.text


# -- a course that is not the student's --------------------------------------


async def test_a_public_course_is_found_by_search(client) -> None:
    history = History()
    await turn(client, history, "Give an overview of one of my courses.")
    said = await turn(client, history, "Solar System")
    assert said.calls == [("searchCourses", {"search": "Solar System"})]
    assert course("ASTR 101")["name"] in said.text
    assert "not" in said.text
    assert "enrolled" in said.text


async def test_nothing_found_is_said_plainly(client) -> None:
    history = History()
    await turn(client, history, "Give an overview of one of my courses.")
    said = await turn(client, history, "Underwater Basket Weaving")
    assert said.calls == [("searchCourses", {"search": "Underwater Basket Weaving"})]
    assert "couldn't find a course called “Underwater Basket Weaving”" in said.text
    assert "spelling" in said.text


# -- study guide -------------------------------------------------------------


async def test_study_guide_is_a_table_from_modules_with_items(client) -> None:
    said = await turn(client, History(), "Make a study guide for BIO 110")
    assert said.calls == [
        ("listYourCourses", {}),
        ("listModules", {"course_id": str(BIO["id"]), "include_items": True}),
    ]
    assert "| Module | Key topics | What to review | Due |" in said.text
    for name in module_names(BIO):
        assert name in said.text
    first_topic = banks()[str(BIO["modules"][0]["id"])][0]["topic"]
    assert first_topic in said.text
    assert "practice exam" in said.text


async def test_yes_after_the_study_guide_starts_the_exam(client) -> None:
    history = History()
    await turn(client, history, "Make a study guide for BIO 110")
    said = await turn(client, history, "yes, 4 questions")
    assert said.calls == [("listModules", {"course_id": str(BIO["id"])})]
    assert "Which topics should the 4 questions cover?" in said.text


# -- tool errors -------------------------------------------------------------


async def test_a_tool_error_is_explained_not_retried(client) -> None:
    history = History()
    await turn(client, history, "Give an overview of one of my courses.")
    error = {
        "error": {
            "type": "not_found",
            "message": "Canvas has no course 48213 that you can see.",
        }
    }
    said = await turn(client, history, "BIO 110", override={"getSingleCourse": error})
    assert [name for name, _ in said.calls] == ["getSingleCourse", "listModules"]
    assert "Canvas has no course 48213 that you can see" in said.text
    assert "List all of my courses." in said.text


async def test_a_failed_course_list_is_explained(client) -> None:
    error = {"error": {"type": "invalid_token", "message": "Invalid access token."}}
    said = await turn(
        client,
        History(),
        "List all of my courses.",
        override={"listYourCourses": error},
    )
    assert said.calls == [("listYourCourses", {})]
    assert "Invalid access token" in said.text
    assert "course-tutor login" in said.text
    assert "|" not in said.text


async def test_a_truncated_list_is_read_and_noted(client) -> None:
    history = History()
    await turn(client, history, "Give an overview of one of my courses.")
    stat = course("STAT 201")
    archive = max(stat["modules"], key=lambda m: len(m["items"]))
    await turn(client, history, "STAT 201")
    from tests.scripted_history import items_result

    capped = {
        "results": items_result(stat, archive)[:50],
        "truncated": True,
        "note": "capped",
    }
    said = await turn(
        client, history, str(archive["position"]), override={"listModuleItems": capped}
    )
    assert "more items than I fetched" in said.text


async def test_missing_tools_are_not_called(client) -> None:
    said = await turn(client, History(), "List all of my courses.", tools=())
    assert said.steps == []
    assert "`listYourCourses` tool isn't available" in said.text


async def test_shortened_old_results_are_fetched_again(client) -> None:
    history = History()
    first = await turn(client, history, "List all of my courses.")
    for message in history.messages:
        if message["role"] == "tool":
            message["content"] = '{"note":"An older tool result, left out."}'
    said = await turn(client, history, "Give an overview of one of my courses.")
    assert first.calls == said.calls == [("listYourCourses", {})]


# -- courses that cannot be opened ---------------------------------------------


async def test_an_ended_course_is_refused_without_fetching(client) -> None:
    history = History()
    await turn(client, history, "Give an overview of one of my courses.")
    ended = next(c for c in courses_result() if c.get("access_restricted_by_date"))
    said = await turn(client, history, str(ended["id"]))
    assert said.steps == []
    assert "no longer available (ended)" in said.text


async def test_a_course_without_modules_says_so(client) -> None:
    said = await turn(client, History(), "Give an overview of FYS 100")
    assert "no modules" in said.text
    assert "| # | Module |" not in said.text


async def test_a_long_module_shows_the_first_items(client) -> None:
    stat = course("STAT 201")
    archive = max(stat["modules"], key=lambda m: len(m["items"]))
    history = History()
    await turn(client, history, "Give an overview of STAT 201")
    said = await turn(client, history, str(archive["position"]))
    shown = [line for line in said.text.splitlines() if line.startswith("- ")]
    assert len(shown) == 30
    assert f"and {len(archive['items']) - 30} more" in said.text
