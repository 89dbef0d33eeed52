"""How the scripted model reads students: intents, courses, modules,
counts, answers, yes and no. Courses and modules come from the dataset."""

from __future__ import annotations

import pytest

from course_tutor.demo.scripted import phrasing
from course_tutor.demo.scripted.flow import STARTERS
from tests.scripted_history import banks, course, courses_result, modules_result

COURSES = courses_result()
BIO_MODULES = sorted(modules_result(course("BIO 110")), key=lambda m: m["position"])
QUESTION = banks()[str(BIO_MODULES[0]["id"])][0]
CHOICES = QUESTION["choices"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (STARTERS[0], "exam"),
        (STARTERS[1], "overview"),
        (STARTERS[2], "list"),
        ("quiz me on BIO 110", "exam"),
        ("I want to prepare for my exam", "exam"),
        ("what courses am I taking?", "list"),
        ("Make a study guide for BIO 110", "guide"),
        ("Tell me about HIST 210", "overview"),
        ("Is there a course on philosophy?", "search"),
        ("hello", None),
        ("B", None),
        ("the second one", None),
    ],
)
def test_intent(text, intent) -> None:
    assert phrasing.intent(text) == intent


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("BIO 110", "BIO 110"),
        ("bio110", "BIO 110"),
        ("Bio-110 please", "BIO 110"),
        ("cell biology", "BIO 110"),
        ("the modern world", "HIST 210"),
        ("stats", "STAT 201"),
        ("the third one", "STAT 201"),
        ("3rd", "STAT 201"),
        ("#4", "FYS 100"),
        ("5", "CHEM 101"),
        ("48227", "HIST 210"),
        ("the last one", None),  # the last course is restricted: it has no code
    ],
)
def test_pick_course(text, code) -> None:
    picked = phrasing.pick_course(text, COURSES)
    if code is None:
        assert picked == COURSES[-1]
    else:
        assert picked is not None
        assert picked["course_code"] == code


@pytest.mark.parametrize("text", ["astronomy", "something fun", "9", "", "yes"])
def test_pick_course_refuses_to_guess(text) -> None:
    assert phrasing.pick_course(text, COURSES) is None


@pytest.mark.parametrize(
    ("text", "positions"),
    [
        ("1 and 3", [1, 3]),
        ("2-4", [2, 3, 4]),
        ("membranes", [4]),
        ("unit 1", [2]),
        ("Unit 3 and the cell cycle", [4, 6]),
        ("all of them", [1, 2, 3, 4, 5, 6, 7]),
        ("final review and exam", [7]),
        (str(BIO_MODULES[2]["id"]), [3]),
    ],
)
def test_pick_modules(text, positions) -> None:
    picked = phrasing.pick_modules(text, BIO_MODULES)
    assert picked is not None
    assert [m["position"] for m in picked] == positions


def test_pick_modules_none_when_nothing_matches() -> None:
    assert phrasing.pick_modules("quantum gravity", BIO_MODULES) is None


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("5", 5),
        ("five", 5),
        ("let's do 7 questions", 7),
        ("ten please", 10),
        ("no", None),
    ],
)
def test_question_count(text, count) -> None:
    assert phrasing.question_count(text) == count


def test_every_way_of_answering() -> None:
    right = QUESTION["answer"]
    text = CHOICES[right]
    for said in (
        right,
        right.lower(),
        f"{right.lower()})",
        f"({right})",
        f"I think it's {right}",
        f"answer: {right.lower()}",
        f"my answer is {right}",
        f"{right}. {text}",
        text,
        text.upper(),
    ):
        assert phrasing.read_answer(said, CHOICES) == right, said


@pytest.mark.parametrize("said", ["", "hmm", "no idea", "a or b?", "what?"])
def test_unreadable_answers(said) -> None:
    assert phrasing.read_answer(said, CHOICES) is None


def test_the_article_a_is_not_answer_a() -> None:
    choices = {"A": "Water", "B": "A lipid", "C": "Salt", "D": "Sugar"}
    assert phrasing.read_answer("it's a lipid", choices) == "B"
    assert phrasing.read_answer("a", choices) == "A"


@pytest.mark.parametrize(
    "said", ["yes", "Yes please!", "sure", "ok", "go ahead", "yeah, a PDF"]
)
def test_yes(said) -> None:
    assert phrasing.is_yes(said)
    assert not phrasing.is_no(said)


@pytest.mark.parametrize("said", ["no", "No thanks", "nope", "not now", "skip it"])
def test_no(said) -> None:
    assert phrasing.is_no(said)
    assert not phrasing.is_yes(said)
