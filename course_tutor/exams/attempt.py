"""A practice-exam attempt: its questions, the student's answers, and the
score, which is always counted here and never taken from the model."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

LETTERS = "ABCDEF"
GENERAL = "General"


@dataclass(frozen=True, slots=True)
class ExamQuestion:
    question: str
    choices: tuple[str, ...]  # lettered A, B, ... in this order
    correct: str
    chosen: str | None  # None: not answered
    explanation: str = ""
    topic: str = ""

    @property
    def is_right(self) -> bool:
        return self.chosen == self.correct

    @property
    def topic_name(self) -> str:
        return self.topic.strip() or GENERAL

    def choice(self, letter: str | None) -> str:
        """The text of a choice by its letter; empty when there is none."""
        if letter is None or letter not in LETTERS[: len(self.choices)]:
            return ""
        return self.choices[LETTERS.index(letter)]

    def lettered(self) -> list[tuple[str, str]]:
        return list(zip(LETTERS, self.choices, strict=False))

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "choices": list(self.choices),
            "correct": self.correct,
            "chosen": self.chosen,
            "explanation": self.explanation,
            "topic": self.topic,
        }


@dataclass(frozen=True, slots=True)
class Score:
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.correct / self.total, 1) if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.correct}/{self.total} ({self.percent:g}%)"

    def as_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "total": self.total, "percent": self.percent}


@dataclass(frozen=True, slots=True)
class ReviewTopic:
    name: str
    missed: int
    asked: int


@dataclass(frozen=True, slots=True)
class ExamAttempt:
    course: str
    topics: tuple[str, ...]
    questions: tuple[ExamQuestion, ...]
    taken: datetime = field(default_factory=lambda: datetime.now().astimezone())

    @property
    def score(self) -> Score:
        right = sum(1 for question in self.questions if question.is_right)
        return Score(right, len(self.questions))

    def to_review(self) -> list[ReviewTopic]:
        """Topics with a missed question, the most missed first (ties keep
        the order of the exam)."""
        asked: Counter[str] = Counter()
        missed: Counter[str] = Counter()
        for question in self.questions:
            asked[question.topic_name] += 1
            if not question.is_right:
                missed[question.topic_name] += 1
        order = list(asked)
        ranked = sorted(missed, key=lambda name: (-missed[name], order.index(name)))
        return [ReviewTopic(name, missed[name], asked[name]) for name in ranked]
