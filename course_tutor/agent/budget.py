"""Keeping what is sent to the model within its context window.

The stored history is never changed; each request gets a view of it. As the
view nears the budget, the oldest tool results are shortened first (they are
the bulk of a tutoring conversation and can be fetched again), then the
oldest exchanges are left out whole. The system prompt and the latest user
turn always stay.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Message = dict[str, Any]

SHORTENED = json.dumps(
    {
        "note": "An older tool result, left out to save room. Call the tool "
        "again if you need it."
    }
)


def estimate_tokens(message: Message) -> int:
    """A rough count, good enough for a budget: four bytes a token of the
    message as it is sent. Counting the JSON rather than the text matters:
    tool results are JSON inside a JSON string, so every quote is escaped,
    and non-ASCII text takes two to four bytes a character."""
    encoded = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    return len(encoded.encode()) // 4 + 4


@dataclass(frozen=True)
class ContextBudget:
    """`window` tokens in all, less `reserve` for the answer and `tools` for
    the tool schemas sent with every request."""

    window: int = 128_000
    reserve: int = 4_000
    tools: int = 0

    @property
    def limit(self) -> int:
        return max(self.window - self.reserve - self.tools, 1_000)

    def fit(self, history: Sequence[Message]) -> list[Message]:
        messages = list(history)
        sizes = [estimate_tokens(m) for m in messages]
        total = sum(sizes)
        if total <= self.limit:
            return messages

        latest_user = _latest_user_index(messages)

        # 1. Shorten old tool results, oldest first.
        for index in range(latest_user):
            if total <= self.limit:
                return messages
            if messages[index].get("role") == "tool" and sizes[index] > 40:
                shortened = {**messages[index], "content": SHORTENED}
                total += estimate_tokens(shortened) - sizes[index]
                messages[index], sizes[index] = shortened, estimate_tokens(shortened)

        # 2. Leave out whole exchanges, oldest first: a user message and all
        # that answered it, so no tool result loses its call.
        start = 1 if messages and messages[0].get("role") == "system" else 0
        while total > self.limit:
            end = _next_user_index(messages, start + 1)
            if end is None:  # only the latest turn is left
                break
            total -= sum(sizes[start:end])
            del messages[start:end], sizes[start:end]
        return messages


def _latest_user_index(messages: Sequence[Message]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "user":
            return index
    return len(messages)


def _next_user_index(messages: Sequence[Message], after: int) -> int | None:
    for index in range(after, len(messages)):
        if messages[index].get("role") == "user":
            return index
    return None
