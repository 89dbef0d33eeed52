"""The words both renderings of an attempt share, so the PDF and the
Markdown file say the same thing."""

from __future__ import annotations

from course_tutor.exams.attempt import ExamAttempt, ExamQuestion, ReviewTopic

NOTHING_TO_REVIEW = "Nothing to review: every answer was right."


def title(attempt: ExamAttempt) -> str:
    return f"Practice exam: {attempt.course}"


def date(attempt: ExamAttempt) -> str:
    return attempt.taken.strftime("%Y-%m-%d %H:%M")


def score(attempt: ExamAttempt) -> str:
    return str(attempt.score)


def topics(attempt: ExamAttempt) -> str:
    return ", ".join(attempt.topics) or "not given"


def your_answer(question: ExamQuestion) -> str:
    if question.chosen is None:
        return "Your answer: none (not answered)"
    verdict = "right" if question.is_right else "wrong"
    return f"Your answer: {_choice(question, question.chosen)} ({verdict})"


def correct_answer(question: ExamQuestion) -> str:
    return f"Correct answer: {_choice(question, question.correct)}"


def explanation(question: ExamQuestion) -> str:
    text = question.explanation.strip()
    return f"Explanation: {text}" if text else ""


def review_line(topic: ReviewTopic) -> str:
    return f"{topic.name} ({topic.missed} of {topic.asked} missed)"


def _choice(question: ExamQuestion, letter: str) -> str:
    text = question.choice(letter)
    return f"{letter}. {text}" if text else letter
