"""Chat messages as rows, and back, and the repair that makes a stored
conversation fit to send to a model again.

A message is an OpenAI chat message dict. `role`, `content` (when it is text),
`tool_calls` and `tool_call_id` have columns; anything else (a `name`, content
given as parts) goes into `extra` as JSON, so nothing is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

Message = dict[str, Any]
Row = tuple[str, str | None, str | None, str | None, str | None]

_COLUMNS = ("role", "content", "tool_calls", "tool_call_id")

LOST_RESULT = json.dumps(
    {
        "error": {
            "type": "interrupted",
            "message": "course-tutor stopped before this tool finished, so its "
            "result was lost. Call it again if it is still needed.",
        }
    }
)


def to_row(message: Message) -> Row:
    """(role, content, tool_calls, tool_call_id, extra) for an INSERT."""
    extra = {key: value for key, value in message.items() if key not in _COLUMNS}
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        extra["content"] = content
        content = None
    calls = message.get("tool_calls")
    return (
        str(message["role"]),
        content,
        _json(calls) if calls else None,
        message.get("tool_call_id"),
        _json(extra) if extra else None,
    )


def from_row(
    role: str,
    content: str | None,
    tool_calls: str | None,
    tool_call_id: str | None,
    extra: str | None,
) -> Message:
    message: Message = {"role": role, "content": content}
    if tool_calls:
        message["tool_calls"] = json.loads(tool_calls)
    if tool_call_id is not None:
        message["tool_call_id"] = tool_call_id
    if extra:
        message.update(json.loads(extra))
    return message


def resumable(messages: Iterable[Message]) -> list[Message]:
    """The conversation without its system message, every tool call answered.

    A crash can leave a call whose result never arrived; models refuse such a
    history, so the call gets an "interrupted" result here (not stored). A
    result without its call is dropped, and results follow their calls'
    order. The caller puts the current instructions in front.
    """
    pending = [m for m in messages if m.get("role") != "system"]
    repaired: list[Message] = []
    index = 0
    while index < len(pending):
        message = pending[index]
        index += 1
        if message.get("role") == "tool":
            continue  # a result whose call is not just before it
        repaired.append(message)
        calls = message.get("tool_calls") or []
        if not calls:
            continue

        results: dict[str, Message] = {}
        while index < len(pending) and pending[index].get("role") == "tool":
            result = pending[index]
            results.setdefault(str(result.get("tool_call_id")), result)
            index += 1
        for call in calls:
            call_id = str(call.get("id"))
            repaired.append(
                results.get(call_id)
                or {"role": "tool", "tool_call_id": call_id, "content": LOST_RESULT}
            )
    return repaired


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
