"""Checking one turn: each kind of expectation passes when it holds and
reports a readable problem when it does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from course_tutor.evals.expect import (
    Answer,
    canvas_links,
    check_turn,
    choice_letters,
    contains,
    has_table,
)
from course_tutor.evals.scenario import Expect

CANVAS = "canvas.northwood.example"
QUESTION = """**Question 1 of 3** · Cell theory

Which statement is one of the tenets of the cell theory?

A) All cells arise from pre-existing cells.
B) All cells contain a membrane-bound nucleus.
C) Cells can arise spontaneously from nonliving matter.
D) Viruses are the smallest living cells.

Reply with A, B, C or D."""


def call(name: str, ok: bool = True, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments, "ok": ok, "summary": "done"}


def problems(
    expect: dict[str, Any], text: str = "", *calls: dict[str, Any]
) -> list[str]:
    return check_turn(
        Expect.model_validate(expect), Answer(text, list(calls)), canvas_host=CANVAS
    )


# -- tools ----------------------------------------------------------------------


def test_tools_in_order_pass_with_other_calls_between() -> None:
    calls = [
        call("listYourCourses"),
        call("getSingleCourse", course_id="48213"),
        call("listModules", course_id="48213"),
    ]
    assert problems({"tools": ["listYourCourses", "listModules"]}, "", *calls) == []


def test_tools_out_of_order_fail_and_say_so() -> None:
    calls = [call("listModules", course_id="1"), call("listYourCourses")]
    found = problems({"tools": ["listYourCourses", "listModules"]}, "", *calls)
    assert len(found) == 1
    assert "listModules after listYourCourses (it came too early)" in found[0]
    assert "listModules(course_id='1'), listYourCourses()" in found[0]


def test_tools_any_order() -> None:
    calls = [call("listModules", course_id="7"), call("getSingleCourse", course_id="7")]
    expect = {
        "tools_any_order": [
            {"name": "getSingleCourse", "args": {"course_id": "7"}},
            {"name": "listModules", "args": {"course_id": "7"}},
        ]
    }
    assert problems(expect, "", *calls) == []
    assert problems(expect, "", calls[0]) == [
        "expected a call to getSingleCourse(course_id='7'); the calls were: "
        "listModules(course_id='7')"
    ]


def test_a_call_counts_once_for_repeated_expectations() -> None:
    expect = {"tools_any_order": ["listModules", "listModules"]}
    assert problems(expect, "", call("listModules")) != []
    assert problems(expect, "", call("listModules"), call("listModules")) == []


def test_argument_subsets() -> None:
    actual = {
        "course_id": 48213,
        "include_items": True,
        "search": "Exploring the Solar System",
        "questions": [{"chosen": "B", "topic": "x"}, {"chosen": "A"}],
    }
    assert contains(actual, {"course_id": "48213"})  # ids as numbers or text
    assert contains(actual, {"search": {"regex": "(?i)solar"}})
    assert contains(actual, {"search": "exploring the solar system"})
    assert contains(actual, {"questions": [{"chosen": "A"}, {"chosen": "B"}]})
    assert not contains(actual, {"questions": [{"chosen": "A"}, {"chosen": "A"}]})
    assert not contains(actual, {"include_items": False})
    assert not contains(actual, {"missing": 1})
    assert not contains(actual, {"course_id": "48214"})


def test_no_tools_no_other_tools_and_not_called() -> None:
    assert problems({"no_tools": True}, "") == []
    assert problems({"no_tools": True}, "", call("listYourCourses")) == [
        "expected no tool call; the calls were: listYourCourses()"
    ]
    only = {"tools": ["listYourCourses"], "no_other_tools": True}
    assert problems(only, "", call("listYourCourses"), call("searchCourses")) == [
        "unexpected tool calls: searchCourses()"
    ]
    assert problems({"tools_not_called": ["searchCourses"]}, "", call("searchCourses"))


def test_tool_errors_fail_unless_allowed() -> None:
    broken = call("getSingleCourse", ok=False, course_id="1")
    broken["summary"] = "Canvas has no course 1"
    assert problems({}, "", broken) == [
        "getSingleCourse(course_id='1') returned an error: Canvas has no course 1"
    ]
    assert problems({"allow_tool_errors": True}, "", broken) == []


def test_a_failed_turn_always_fails() -> None:
    answer = Answer("", [], failure=("offline", "The model cannot be reached."))
    assert check_turn(Expect(), answer) == [
        "the turn failed (offline): The model cannot be reached."
    ]


# -- text -----------------------------------------------------------------------


def test_says_plain_text_ignores_case_and_regex_is_a_search() -> None:
    text = "Which course is the exam for?\n\nScore so far: 2/3"
    assert (
        problems({"says": ["which COURSE", {"regex": r"Score so far: \d/3"}]}, text)
        == []
    )
    found = problems({"says": ["how many"]}, text)
    assert found == [
        "the answer does not say 'how many' (it begins: “Which course is the exam "
        "for? Score so far: 2/3”)"
    ]
    assert problems({"does_not_say": [{"regex": "^Score"}]}, text) == [
        "the answer says /^Score/, which it should not"
    ]


# -- structure ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("| a | b |\n|---|---|\n| 1 | 2 |", True),
        ("a | b\n:-- | --:\n1 | 2", True),
        ("| Module |\n|---|", True),
        ("a | b\n---\n", False),  # a heading underline, not a table
        ("| a | b |\n|---|\n", False),  # cells do not line up
        ("no table here", False),
    ],
)
def test_markdown_tables(text: str, expected: bool) -> None:
    assert has_table(text) is expected


def test_table_expectation_both_ways() -> None:
    table = "| a | b |\n|---|---|"
    assert problems({"table": True}, table) == []
    assert problems({"table": True}, "plain") == [
        "expected a Markdown table; there is none"
    ]
    assert problems({"table": False}, table) == [
        "expected no Markdown table; there is one"
    ]


def test_one_multiple_choice_question() -> None:
    assert choice_letters(QUESTION) == ["A", "B", "C", "D"]
    assert problems({"multiple_choice": True}, QUESTION) == []
    assert problems({"multiple_choice": False}, "How many questions?") == []


def test_other_choice_layouts_count() -> None:
    text = "Q?\n\n- **A.** one\n- **B.** two\n- (C) three\n- D: four"
    assert choice_letters(text) == ["A", "B", "C", "D"]
    text = "A lot of cells. Big ones.\nI) roman numerals are not choices"
    assert choice_letters(text) == []
    text = "Q?\n\n**A)** one\n**B)** two\n**C)** three\n**D)** four"
    assert choice_letters(text) == ["A", "B", "C", "D"]


def test_two_questions_at_once_fail() -> None:
    found = problems({"multiple_choice": True}, QUESTION + "\n\n" + QUESTION)
    assert found == [
        "expected exactly one multiple-choice question; found 2 (choices A, B, C, D, "
        "A, B, C, D)"
    ]


def test_missing_or_extra_choices_fail() -> None:
    three = QUESTION.replace("D) Viruses are the smallest living cells.\n", "")
    assert "found choices A, B, C" in problems({"multiple_choice": True}, three)[0]
    five = QUESTION.replace("\n\nReply", "\nE) None of these.\n\nReply")
    assert "found choices A, B, C, D, E" in problems({"multiple_choice": True}, five)[0]
    assert problems({"multiple_choice": True}, "Which one?") == [
        "expected one multiple-choice question (choices A to D); found none"
    ]
    assert problems({"multiple_choice": False}, QUESTION) == [
        "expected no multiple-choice question; found choices A, B, C, D"
    ]


def test_links_to_canvas_items() -> None:
    text = (
        f"- [Lab 1](https://{CANVAS}/courses/48213/modules/items/1)\n"
        "- [Khan Academy](https://www.khanacademy.org/science)\n"
        "- [Quiz 2](/courses/48213/quizzes/2)\n"
        f"- https://{CANVAS}/courses/1 (not a Markdown link)"
    )
    assert len(canvas_links(text, CANVAS)) == 2
    assert problems({"canvas_links": 2}, text) == []
    assert problems({"canvas_links": 3}, text) == [
        f"expected at least 3 links to Canvas items ({CANVAS}); found 2"
    ]
    assert problems({"canvas_links": True}, "no links") != []
    assert problems({"canvas_links": False}, text) == [
        "expected no links to Canvas; found 2"
    ]


# -- exported files ---------------------------------------------------------------


def test_exports_are_looked_for_in_the_export_folder(tmp_path: Path) -> None:
    expect = Expect(exports=["*.pdf", "*.md"])
    (tmp_path / "practice-exam_bio.pdf").write_bytes(b"%PDF")
    found = check_turn(expect, Answer(""), export_dir=tmp_path)
    assert found == [
        "expected a file *.md in the export folder; it holds practice-exam_bio.pdf"
    ]
    (tmp_path / "practice-exam_bio.md").write_text("# Exam")
    assert check_turn(expect, Answer(""), export_dir=tmp_path) == []
