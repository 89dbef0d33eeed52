"""The TUI's pieces that need no screen: reading exam questions and scores,
the course outline, the link policy, tool-row wording, notices, export."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from course_tutor.tui.exam import find_question, find_score
from course_tutor.tui.export import transcript_markdown
from course_tutor.tui.links import LinkKind, classify, resolve
from course_tutor.tui.markdown import has_reference_links, split_settled
from course_tutor.tui.notices import tool_failed, turn_failed
from course_tutor.tui.outline import CourseOutline
from course_tutor.tui.widgets.exam_choices import progress_line
from course_tutor.tui.widgets.tool_row import key_arguments, pretty_json

SCRIPTED_QUESTION = """\
❌ Not quite — the answer is **D) A bilayer**. Because.

Score so far: 1/2

**Question 2 of 5** · Cell membranes

Which molecule forms the basic structure of the cell membrane?

A) Cholesterol
B) Phospholipids
C) Glycoproteins
D) Cellulose

Reply with A, B, C or D."""


def test_the_scripted_layout_is_read_exactly() -> None:
    question = find_question(SCRIPTED_QUESTION)
    assert question is not None
    assert (question.number, question.total) == (2, 5)
    assert question.topic == "Cell membranes"
    assert question.choices == {
        "A": "Cholesterol",
        "B": "Phospholipids",
        "C": "Glycoproteins",
        "D": "Cellulose",
    }
    assert find_score(SCRIPTED_QUESTION) == (1, 2)


@pytest.mark.parametrize(
    "choices",
    [
        "A. one\nB. two\nC. three\nD. four",
        "**A)** one\n**B)** two\n**C)** three\n**D)** four",
        "- A) one\n- B) two\n- C) three\n- D) four",
        "(A) one\n(B) two\n(C) three\n(D) four",
        "A: one\nB: two\nC: three\nD: four",
        "a) one\nb) two\nc) three\nd) four",
    ],
)
def test_choices_are_read_leniently(choices: str) -> None:
    question = find_question(f"### Question 3/4: Osmosis\n\nWhat?\n\n{choices}\n")
    assert question is not None
    assert question.choices == {"A": "one", "B": "two", "C": "three", "D": "four"}
    assert (question.number, question.total, question.topic) == (3, 4, "Osmosis")


def test_a_question_without_a_header_still_offers_its_letters() -> None:
    question = find_question("Pick one:\n\nA) yes\nB) no")
    assert question is not None
    assert question.letters == "AB"
    assert question.number is None
    assert progress_line(question, None) == "Multiple choice"


@pytest.mark.parametrize(
    "text",
    [
        "An overview.\n\nA) first\nB) second\n\nThen a long paragraph.\n\nAnd more."
        "\n\nAnd more still.",
        "Choices: B) two\nC) three",  # not from A
        "A) only one",
        "No choices at all.",
    ],
)
def test_text_that_does_not_end_in_a_question_offers_no_buttons(text: str) -> None:
    assert find_question(text) is None


def test_final_score_counts_as_a_score() -> None:
    assert find_score("**Final score: 4/5** Well done.") == (4, 5)
    assert find_score("No score here.") is None


def test_progress_line_names_question_topic_and_score() -> None:
    question = find_question(SCRIPTED_QUESTION)
    assert question is not None
    line = progress_line(question, (1, 1))
    assert line == "Question 2 of 5 · Cell membranes · score 1/1"


# -- the course outline --------------------------------------------------------


def test_the_outline_learns_courses_then_a_course_then_its_items() -> None:
    outline = CourseOutline()
    courses = [{"id": 1, "name": "Biology", "course_code": "BIO 1", "term": "Fall"}]
    assert outline.learn("listYourCourses", "{}", json.dumps(courses))
    assert outline.course is None
    assert outline.courses == courses

    modules = [
        {"id": 20, "name": "Unit 2", "position": 2, "items_count": 1},
        {"id": 10, "name": "Unit 1", "position": 1, "items_count": 3},
    ]
    assert outline.learn("listModules", '{"course_id": "1"}', json.dumps(modules))
    assert outline.course is not None
    assert outline.course.code == "BIO 1"
    assert [m.name for m in outline.course.modules.values()] == ["Unit 1", "Unit 2"]

    items = [{"id": 5, "title": "Lab", "type": "Assignment", "html_url": "https://x/5"}]
    args = '{"course_id": 1, "module_id": 20}'
    assert outline.learn("listModuleItems", args, json.dumps(items))
    assert outline.course.modules["20"].items == items


def test_a_result_for_another_course_moves_the_focus() -> None:
    outline = CourseOutline()
    outline.learn("listModules", '{"course_id": 1}', "[]")
    outline.learn("getSingleCourse", "{}", json.dumps({"id": 2, "name": "History"}))
    assert outline.course is not None
    assert outline.course.title == "History"
    assert outline.course.modules is None


@pytest.mark.parametrize(
    "result",
    ['{"error": {"type": "not_found", "message": "No."}}', "not json", "null"],
)
def test_errors_and_junk_teach_the_outline_nothing(result: str) -> None:
    outline = CourseOutline()
    assert not outline.learn("listModules", '{"course_id": 1}', result)
    assert outline.course is None


def test_truncated_results_are_read_and_remembered() -> None:
    outline = CourseOutline()
    result = json.dumps({"results": [{"id": 1, "name": "M"}], "truncated": True})
    assert outline.learn("listModules", '{"course_id": 1}', result)
    assert outline.truncated


# -- links ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "demo", "kind"),
    [
        ("https://canvas.school.edu/courses/1", False, LinkKind.CANVAS),
        ("https://CANVAS.school.edu/x", False, LinkKind.CANVAS),
        ("https://canvas.school.edu/courses/1", True, LinkKind.DEMO_CANVAS),
        ("https://canvas.school.edu.evil.example/", False, LinkKind.OTHER),
        ("https://example.org/", False, LinkKind.OTHER),
        ("javascript:alert(1)", False, LinkKind.REFUSED),
        ("file:///etc/passwd", False, LinkKind.REFUSED),
        ("mailto:prof@school.edu", False, LinkKind.REFUSED),
    ],
)
def test_links_are_classified_by_host(href: str, demo: bool, kind: LinkKind) -> None:
    assert classify(href, "canvas.school.edu", demo=demo) is kind


def test_relative_links_are_on_the_canvas_host() -> None:
    url = resolve("/courses/1/pages/x", "canvas.school.edu")
    assert url == "https://canvas.school.edu/courses/1/pages/x"
    assert (
        resolve("https://example.org/a", "canvas.school.edu") == "https://example.org/a"
    )


# -- tool rows, notices --------------------------------------------------------


def test_key_arguments_are_a_few_words() -> None:
    assert (
        key_arguments('{"course_id": "48213", "module_id": 7}')
        == "course 48213, module 7"
    )
    assert key_arguments('{"include_items": true, "search_term": "cell"}') == (
        'items, search term "cell"'
    )
    assert key_arguments('{"questions": [1, 2, 3]}') == "3 questions"
    assert key_arguments("{") == "(arguments that are not JSON)"
    assert len(key_arguments(json.dumps({"search": "x" * 200}))) == 60


def test_long_results_are_cut_when_shown() -> None:
    shown = pretty_json(json.dumps(list(range(100))), max_lines=10)
    assert shown.splitlines()[-1] == "… 92 more lines"


def test_notices_have_titles_and_severities() -> None:
    assert turn_failed("bad_key", "m").title == "API key refused"
    assert turn_failed("stream_cut", "m").severity == "warning"
    assert turn_failed("who_knows", "m").title == "The tutor could not answer"
    token = tool_failed('{"error": {"type": "invalid_token", "message": "bad"}}')
    assert token is not None
    assert "course-tutor init" in token.message
    assert tool_failed('{"error": {"type": "not_found", "message": "no"}}') is None
    assert tool_failed("[]") is None


# -- Markdown splitting --------------------------------------------------------


def test_complete_blocks_are_told_from_the_one_being_written() -> None:
    settled, tail = split_settled("# Title\n\nA paragraph.\n\n| a | b |\n|---|")
    assert settled == "# Title\n\nA paragraph.\n\n"
    assert tail == "| a | b |\n|---|"
    assert split_settled("Just one paragraph, still goi") == (
        "",
        "Just one paragraph, still goi",
    )
    fence = "Text.\n\n```python\nprint(1)\n\nprint(2)\n"
    assert split_settled(fence) == ("Text.\n\n", "```python\nprint(1)\n\nprint(2)\n")


def test_reference_links_are_noticed() -> None:
    assert has_reference_links("See [x][1].\n\n[1]: https://example.org\n")
    assert not has_reference_links("See [x](https://example.org).")


# -- export --------------------------------------------------------------------


def test_the_transcript_has_questions_tool_calls_and_answers() -> None:
    history = [
        {"role": "system", "content": "secret instructions"},
        {"role": "user", "content": "List my courses."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "listYourCourses", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "[]"},
        {"role": "assistant", "content": "You have no courses."},
    ]
    text = transcript_markdown(
        history,
        title="List my courses.",
        model="course-tutor-scripted",
        prompt_hash="abc123",
        canvas_host="canvas.example",
        when=datetime(2026, 9, 1, 10, 30, tzinfo=UTC),
    )
    assert text.startswith("# List my courses.\n")
    assert "- Canvas: canvas.example" in text
    assert "secret instructions" not in text
    assert "## You · " in text
    assert "List my courses." in text
    assert "`listYourCourses` `{}` → 0 results" in text
    assert text.rstrip().endswith("You have no courses.")
