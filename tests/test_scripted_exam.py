"""The practice exam as the scripted model plays it: set-up questions, one
question at a time from the question banks, grading every way of answering,
the export through `exportPracticeExam`, and the closing tips."""

from __future__ import annotations

import re

import pytest

from course_tutor.demo.scripted import scripted_model_app
from course_tutor.demo.scripted.exam_text import LETTERS
from tests.scripted_history import (
    TOOL_NAMES,
    History,
    banks,
    client_for,
    course,
    step,
    turn,
)

BIO = course("BIO 110")
MODULES = sorted(BIO["modules"], key=lambda m: m["position"])
OFFERED = [m for m in MODULES if banks().get(str(m["id"]))]


@pytest.fixture
async def client():
    async with client_for(scripted_model_app()) as client:
        yield client


def exam_questions(positions: list[int], count: int) -> list[dict]:
    """The questions expected, from the banks: one per module in turn."""
    pools = [banks()[str(OFFERED[p - 1]["id"])] for p in positions]
    chosen = []
    for depth in range(max(len(p) for p in pools)):
        chosen += [pool[depth] for pool in pools if depth < len(pool)]
    return chosen[:count]


def wrong(question: dict) -> str:
    return next(letter for letter in LETTERS if letter != question["answer"])


def block(question: dict, number: int, total: int) -> str:
    choices = "\n".join(f"{x}) {question['choices'][x]}" for x in LETTERS)
    return (
        f"**Question {number} of {total}** · {question['topic']}\n\n"
        f"{question['question']}\n\n{choices}\n\nReply with A, B, C or D."
    )


async def started(client, count: int = 3, topics: str = "1 and 2", **options):
    """A history in which the first question has just been asked."""
    history = History()
    await turn(client, history, "Help me take a practice exam.", **options)
    await turn(client, history, str(count), **options)
    await turn(client, history, "BIO 110", **options)
    first = await turn(client, history, topics, **options)
    return history, first


# -- setting up -------------------------------------------------------------------


async def test_first_it_asks_how_many_questions(client) -> None:
    said = await turn(client, History(), "Help me take a practice exam.")
    assert said.steps == []
    assert "How many questions" in said.text
    assert "3 and 10" in said.text


async def test_then_the_course_then_the_topics(client) -> None:
    history = History()
    await turn(client, history, "Help me take a practice exam.")
    which = await turn(client, history, "5")
    assert which.calls == [("listYourCourses", {})]
    assert "Which course is the exam for?" in which.text
    topics = await turn(client, history, "bio110")
    assert topics.calls == [("listModules", {"course_id": str(BIO["id"])})]
    assert "Which topics should the 5 questions cover?" in topics.text
    for number, module in enumerate(OFFERED, 1):
        assert f"{number}. {module['name']}" in topics.text


async def test_count_and_course_in_one_message(client) -> None:
    said = await turn(client, History(), "Quiz me: 4 questions on BIO 110")
    assert said.calls == [
        ("listYourCourses", {}),
        ("listModules", {"course_id": str(BIO["id"])}),
    ]
    assert "the 4 questions" in said.text


async def test_a_count_that_is_not_a_number_is_asked_again(client) -> None:
    history = History()
    await turn(client, history, "Help me take a practice exam.")
    said = await turn(client, history, "not sure")
    assert said.steps == []
    assert "didn't catch a number" in said.text


@pytest.mark.parametrize(
    ("topics", "positions"),
    [
        ("1 and 2", [1, 2]),
        ("membranes", [4]),
        ("all", list(range(1, len(OFFERED) + 1))),
    ],
)
async def test_the_first_question_is_from_the_chosen_modules(
    client, topics, positions
) -> None:
    _, first = await started(client, count=3, topics=topics)
    expected = exam_questions(positions, 3)
    assert first.steps == []
    assert first.text.endswith(block(expected[0], 1, 3))
    for position in positions[:3]:
        assert OFFERED[position - 1]["name"] in first.text


async def test_unreadable_topics_are_asked_again(client) -> None:
    history = History()
    await turn(client, history, "Help me take a practice exam.")
    await turn(client, history, "3")
    await turn(client, history, "BIO 110")
    said = await turn(client, history, "whatever you think")
    assert "Which topics" in said.text


# -- answering ----------------------------------------------------------------------


def phrasings(question: dict, letter: str) -> list[str]:
    text = question["choices"][letter]
    return [
        letter,
        letter.lower(),
        f"{letter.lower()})",
        f"I think it's {letter}",
        f"answer: {letter.lower()}",
        f"{letter}. {text}",
        text,
    ]


@pytest.mark.parametrize("form", range(7))
async def test_every_way_of_answering_is_read(client, form) -> None:
    history, _ = await started(client)
    questions = exam_questions([1, 2], 3)
    first = questions[0]
    right = first["answer"]
    said = await turn(client, history, phrasings(first, right)[form])
    assert said.text.startswith("✅ Correct!")
    assert "Score so far: 1/1" in said.text
    assert said.text.endswith(block(questions[1], 2, 3))


async def test_a_wrong_answer_names_the_right_one_and_explains(client) -> None:
    history, _ = await started(client)
    first = exam_questions([1, 2], 3)[0]
    said = await turn(client, history, wrong(first))
    letter = first["answer"]
    right = first["choices"][letter].rstrip(".")
    assert said.text.startswith(f"❌ Not quite — the answer is **{letter}) {right}**.")
    assert first["explanation"] in said.text
    assert "Score so far: 0/1" in said.text


async def test_an_unreadable_answer_is_asked_again_and_not_counted(client) -> None:
    history, _ = await started(client)
    questions = exam_questions([1, 2], 3)
    again = await turn(client, history, "hmm, no idea")
    assert "couldn't tell which answer" in again.text
    assert again.text.endswith(block(questions[0], 1, 3))
    said = await turn(client, history, questions[0]["answer"])
    assert "Score so far: 1/1" in said.text


async def test_the_last_answer_gives_the_score_and_offers_a_pdf(client) -> None:
    history, _ = await started(client)
    questions = exam_questions([1, 2], 3)
    await turn(client, history, questions[0]["answer"])
    await turn(client, history, wrong(questions[1]))
    said = await turn(client, history, questions[2]["answer"])
    assert "Score so far: 2/3" in said.text
    assert "2/3 (67%)" in said.text
    assert "PDF" in said.text
    assert "**Question" not in said.text


# -- after the exam ------------------------------------------------------------------


async def finished(client, **options):
    history, _ = await started(client, **options)
    questions = exam_questions([1, 2], 3)
    answers = [questions[0]["answer"], wrong(questions[1]), wrong(questions[2])]
    for answer in answers:
        await turn(client, history, answer, **options)
    return history, questions, answers


async def test_yes_exports_every_question_through_the_tool(client) -> None:
    history, questions, answers = await finished(client)
    # The tool's score wins over anything the model could count itself.
    told = {
        "pdf": "/x/exam.pdf",
        "markdown": "/x/exam.md",
        "score": {"correct": 7, "total": 9, "percent": 77.8},
    }
    said = await turn(
        client, history, "yes please", override={"exportPracticeExam": told}
    )
    ((name, arguments),) = said.calls
    assert name == "exportPracticeExam"
    assert arguments["course"].startswith(BIO["name"])
    assert arguments["topics"] == [OFFERED[0]["name"], OFFERED[1]["name"]]
    assert arguments["questions"] == [
        {
            "question": q["question"],
            "choices": [q["choices"][x] for x in LETTERS],
            "correct": q["answer"],
            "chosen": chosen,
            "explanation": q["explanation"],
            "topic": q["topic"],
        }
        for q, chosen in zip(questions, answers, strict=True)
    ]
    assert "`/x/exam.pdf`" in said.text
    assert "`/x/exam.md`" in said.text
    assert "**7/9** (77.8%)" in said.text


async def test_the_tips_follow_the_missed_topics(client) -> None:
    history, questions, _ = await finished(client)
    said = await turn(client, history, "yes")
    assert "Study tips" in said.text
    for missed in questions[1:]:
        assert f"**{missed['topic']}** (1 of 1 missed)" in said.text
    assert f"**{questions[0]['topic']}**" not in said.text
    assert said.text.rstrip().endswith("another course or topic you'd like help with?")


async def test_no_pdf_still_gives_tips(client) -> None:
    history, _, _ = await finished(client)
    said = await turn(client, history, "no thanks")
    assert said.steps == []
    assert "Study tips" in said.text


async def test_a_failed_export_is_explained(client) -> None:
    history, _, _ = await finished(client)
    error = {"error": {"type": "io_error", "message": "Cannot write to /x."}}
    said = await turn(client, history, "yes", override={"exportPracticeExam": error})
    assert "Cannot write to /x" in said.text
    assert "Study tips" in said.text


async def test_without_the_export_tool_the_results_are_markdown(client) -> None:
    canvas_only = tuple(n for n in TOOL_NAMES if n != "exportPracticeExam")
    history, questions, answers = await finished(client, tools=canvas_only)
    said = await turn(client, history, "yes", tools=canvas_only)
    assert said.steps == []
    assert "| # | Question | You | Answer |" in said.text
    for question, chosen in zip(questions, answers, strict=True):
        assert question["question"] in said.text
        assert re.search(
            rf"\| {re.escape(chosen)} \| {question['answer']} \|", said.text
        )


async def test_fewer_questions_than_asked_are_said(client) -> None:
    history = History()
    await turn(client, history, "Help me take a practice exam.")
    await turn(client, history, "40")
    await turn(client, history, "BIO 110")
    said = await turn(client, history, "1")
    available = len(banks()[str(OFFERED[0]["id"])])
    assert f"{available} questions (those topics have {available}, not 40)" in said.text


async def test_an_exam_is_replayed_the_same_way(client) -> None:
    history, _, _ = await finished(client)
    copy = History(messages=[dict(m) for m in history.messages])
    async with client_for(scripted_model_app()) as other:
        assert await step(client, history.user("yes")) == await step(
            other, copy.user("yes")
        )


async def test_a_course_without_questions_asks_for_another(client) -> None:
    history = History()
    await turn(client, history, "Help me take a practice exam.")
    await turn(client, history, "3")
    said = await turn(client, history, "FYS 100")
    assert "don't have practice questions" in said.text
    assert "Which other course" in said.text
    topics = await turn(client, history, "BIO 110")
    assert "Which topics should the 3 questions cover?" in topics.text
