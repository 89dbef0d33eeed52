"""A practice-exam attempt as the store keeps it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    """An exam attempt: the questions hold the student's `chosen` letters."""

    id: int
    conversation_id: int | None
    course: str
    topics: list[str]
    questions: list[dict[str, Any]]
    correct: int
    total: int
    pdf_path: str | None
    markdown_path: str | None
    created: str

    @property
    def percent(self) -> float:
        return round(100 * self.correct / self.total, 1) if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "percent": self.percent}
