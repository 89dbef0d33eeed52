"""What the scripted model decides to say in one step: text, tool calls, or
both. Flows build these; `wire` turns them into Chat Completions JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


def compact_json(value: Any) -> str:
    """JSON the way OpenAI's models write tool arguments: no spaces."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class ToolCall:
    """One function call; `arguments` is the JSON text exactly as sent."""

    name: str
    arguments: str = "{}"

    @classmethod
    def of(cls, name: str, **arguments: Any) -> ToolCall:
        return cls(name, compact_json(arguments))


@dataclass(frozen=True)
class Reply:
    """One assistant message: `text`, `tool_calls`, or both."""

    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = field(default=())

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"


class Answer(Exception):
    """Raised inside a flow to reply at once (ask for data, explain a failure).

    Flows read as straight lines ("get the courses, then the modules, then
    write the overview"); whenever a step cannot go on, it raises the reply
    that moves the conversation forward instead.
    """

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text or ", ".join(c.name for c in reply.tool_calls))
        self.reply = reply
