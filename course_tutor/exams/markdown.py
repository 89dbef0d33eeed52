"""An exam attempt as a Markdown file, written beside its PDF. It keeps every
character as given, even those the PDF's font cannot draw."""

from __future__ import annotations

from course_tutor.exams import wording
from course_tutor.exams.attempt import ExamAttempt, ExamQuestion


def render_markdown(attempt: ExamAttempt) -> str:
    parts = [
        f"# {wording.title(attempt)}",
        "\n".join(
            [
                f"- Course: {attempt.course}",
                f"- Date: {wording.date(attempt)}",
                f"- Score: **{wording.score(attempt)}**",
                f"- Topics: {wording.topics(attempt)}",
            ]
        ),
        "## Questions",
    ]
    for number, question in enumerate(attempt.questions, 1):
        parts.append(_question(number, question))
    parts.append("## Topics to review")
    review = attempt.to_review()
    if review:
        parts.append("\n".join(f"- {wording.review_line(t)}" for t in review))
    else:
        parts.append(wording.NOTHING_TO_REVIEW)
    return "\n\n".join(parts) + "\n"


def _question(number: int, question: ExamQuestion) -> str:
    choices = []
    for letter, text in question.lettered():
        marks = []
        if letter == question.correct:
            marks.append("✓ correct")
        if letter == question.chosen:
            marks.append("your answer")
        note = f" ({', '.join(marks)})" if marks else ""
        choices.append(f"- {letter}. {text}{note}")
    lines = [
        f"### Question {number} · {question.topic_name}",
        question.question.strip(),
        "\n".join(choices),
        f"{wording.your_answer(question)}  \n{wording.correct_answer(question)}",
    ]
    explanation = wording.explanation(question)
    if explanation:
        lines.append(explanation)
    return "\n\n".join(lines)
