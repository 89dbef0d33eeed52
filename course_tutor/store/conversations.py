"""A conversation as the store lists it, and how it gets its title."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

TITLE_LENGTH = 60
UNTITLED = "Untitled conversation"


@dataclass(frozen=True, slots=True)
class Conversation:
    """One conversation's record, without its messages."""

    id: int
    title: str
    created: str
    updated: str
    model: str
    prompt_hash: str
    canvas_host: str
    messages: int = 0
    questions: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def title_from(question: str) -> str:
    """A title from the first question: its first line, cut at a word."""
    line = next((part for part in question.splitlines() if part.strip()), "")
    words = re.sub(r"\s+", " ", line).strip()
    if not words:
        return UNTITLED
    if len(words) <= TITLE_LENGTH:
        return words
    cut = words[: TITLE_LENGTH - 1]
    if " " in cut[TITLE_LENGTH // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"
