"""Reading a request's messages: what the student said, what the tutor said,
and which tool calls were made with which results.

The scripted model keeps nothing between requests; every decision starts from
this reading of the history the client sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True)
class UserSaid:
    text: str


@dataclass(frozen=True)
class TutorSaid:
    text: str


@dataclass(frozen=True)
class ToolExchange:
    """A tool call and, once the client ran it, its result.

    `arguments` is the parsed JSON (None when it did not parse); `result` is
    the parsed result (None when the result is missing or not JSON, then
    `raw_result` holds the text).
    """

    call_id: str
    name: str
    raw_arguments: str
    arguments: Any
    raw_result: str | None = None
    result: Any = None

    @property
    def answered(self) -> bool:
        return self.raw_result is not None

    @property
    def error(self) -> Record | None:
        """The `{"error": {...}}` body of a failed call, if it failed."""
        if isinstance(self.result, dict) and isinstance(self.result.get("error"), dict):
            return self.result["error"]
        if self.answered and self.result is None:
            return {"type": "unreadable_result", "message": self.raw_result or ""}
        return None


Event = UserSaid | TutorSaid | ToolExchange


def message_text(content: Any) -> str:
    """The text of a message's `content`: a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") in ("text", None)
        )
    return ""


def read_events(messages: list[Record]) -> list[Event]:
    """The conversation as events, tool results joined to their calls.

    A result is matched to its call by `tool_call_id`; a result whose id
    matches nothing goes to the oldest call still without one, which is what
    a loose client (or a server that reused ids) leaves behind.
    """
    events: list[Event] = []
    waiting: dict[str, int] = {}  # call id -> position in events
    for message in messages:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "user":
            events.append(UserSaid(message_text(message.get("content")).strip()))
        elif role == "assistant":
            text = message_text(message.get("content")).strip()
            if text:
                events.append(TutorSaid(text))
            for call in message.get("tool_calls") or []:
                exchange = _exchange(call)
                waiting[exchange.call_id] = len(events)
                events.append(exchange)
        elif role == "tool":
            _answer(events, waiting, message)
    return events


def _exchange(call: Record) -> ToolExchange:
    function = call.get("function") or {}
    raw = function.get("arguments")
    raw = raw if isinstance(raw, str) else json.dumps(raw)
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        arguments = None
    return ToolExchange(
        call_id=str(call.get("id") or ""),
        name=str(function.get("name") or ""),
        raw_arguments=raw,
        arguments=arguments,
    )


def _answer(events: list[Event], waiting: dict[str, int], message: Record) -> None:
    position = waiting.pop(str(message.get("tool_call_id") or ""), None)
    if position is None and waiting:
        oldest = min(waiting, key=waiting.__getitem__)
        position = waiting.pop(oldest)
    if position is None:
        return
    raw = message_text(message.get("content"))
    try:
        result = json.loads(raw)
    except json.JSONDecodeError:
        result = None
    exchange = events[position]
    assert isinstance(exchange, ToolExchange)
    events[position] = ToolExchange(
        exchange.call_id,
        exchange.name,
        exchange.raw_arguments,
        exchange.arguments,
        raw_result=raw,
        result=result,
    )
