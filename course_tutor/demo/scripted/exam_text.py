"""What the practice exam says: questions, verdicts, scores, the results
summary, study tips, and the arguments of `exportPracticeExam`.

A question is a bank record (`question`, `choices` A-D, `answer`,
`explanation`, `topic`) plus `module`, the name of the module it came from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from course_tutor.demo.scripted import markdown

Record = dict[str, Any]

LETTERS = ("A", "B", "C", "D")
REPLY_WITH = "Reply with A, B, C or D."


def topic_of(question: Record) -> str:
    return str(question.get("topic") or question.get("module") or "General")


def question_block(question: Record, number: int, total: int) -> str:
    choices = question.get("choices") or {}
    lines = "\n".join(f"{letter}) {choices.get(letter, '')}" for letter in LETTERS)
    return (
        f"**Question {number} of {total}** · {topic_of(question)}\n\n"
        f"{question['question']}\n\n{lines}\n\n{REPLY_WITH}"
    )


def correct_answer(question: Record) -> str:
    letter = str(question.get("answer", "")).upper()
    text = str((question.get("choices") or {}).get(letter, "")).rstrip(".")
    return f"**{letter}) {text}**"


def verdict(question: Record, chosen: str, right: int, asked: int) -> str:
    """Right or wrong, why, and the running score."""
    if chosen == str(question.get("answer", "")).upper():
        head = "✅ Correct!"
    else:
        head = f"❌ Not quite — the answer is {correct_answer(question)}."
    explanation = str(question.get("explanation") or "").strip()
    body = f"{head} {explanation}" if explanation else head
    return f"{body}\n\nScore so far: {right}/{asked}"


def score(questions: Sequence[Record], answers: Sequence[str]) -> int:
    return sum(
        1
        for question, chosen in zip(questions, answers, strict=False)
        if chosen == str(question.get("answer", "")).upper()
    )


def percent(right: int, total: int) -> str:
    return f"{100 * right / total:.0f}%" if total else "0%"


def final_score(right: int, total: int) -> str:
    if right == total:
        cheer = "Perfect score, well done!"
    elif right * 2 >= total:
        cheer = "Good work."
    else:
        cheer = "A good start: the explanations above show where to look."
    result = f"{right}/{total} ({percent(right, total)})"
    return f"**That's the end of the exam: {result}.** {cheer}"


def summary_table(questions: Sequence[Record], answers: Sequence[str]) -> str:
    """The results as Markdown, for clients without the export tool."""
    rows = [
        [
            number,
            question["question"],
            chosen,
            str(question.get("answer", "")).upper(),
            "✅" if chosen == str(question.get("answer", "")).upper() else "❌",
            topic_of(question),
        ]
        for number, (question, chosen) in enumerate(
            zip(questions, answers, strict=False), 1
        )
    ]
    return markdown.table(["#", "Question", "You", "Answer", "", "Topic"], rows)


def export_arguments(
    course: str,
    topics: Sequence[str],
    questions: Sequence[Record],
    answers: Sequence[str],
) -> Record:
    return {
        "course": course,
        "topics": list(topics),
        "questions": [
            {
                "question": question["question"],
                "choices": [
                    (question.get("choices") or {}).get(letter, "")
                    for letter in LETTERS
                ],
                "correct": str(question.get("answer", "")).upper(),
                "chosen": chosen,
                "explanation": str(question.get("explanation") or ""),
                "topic": topic_of(question),
            }
            for question, chosen in zip(questions, answers, strict=False)
        ],
    }


def study_tips(questions: Sequence[Record], answers: Sequence[str]) -> str:
    """Tips fitted to the topics the student missed."""
    missed: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    module_of: dict[str, str] = {}
    for question, chosen in zip(questions, answers, strict=False):
        topic = topic_of(question)
        asked[topic] += 1
        module_of[topic] = str(question.get("module") or topic)
        if chosen != str(question.get("answer", "")).upper():
            missed[topic] += 1

    if not missed:
        return (
            "**Study tips**\n\n"
            "- You got every question right: try a longer exam, or topics you "
            "haven't practised yet.\n"
            "- Explain each answer aloud in your own words; teaching it is the "
            "best check that you really know it."
        )
    lines = [
        f"- **{topic}** ({missed[topic]} of {asked[topic]} missed): re-read the "
        f"module “{module_of[topic]}” and the explanations above, then write a "
        "one-line summary of the idea in your own words."
        for topic, _ in missed.most_common()
    ]
    lines.append(
        "- Space it out: retake a practice exam on the same topics in two or "
        "three days, and mix in one topic you already know."
    )
    return "**Study tips**\n\n" + "\n".join(lines)
