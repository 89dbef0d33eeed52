"""A stored conversation as a Markdown transcript or a JSON document.

The Markdown is for reading: the student's questions and the tutor's answers,
each tool call on one line with a few words on its result, and the practice
exams taken. The JSON keeps everything the store has, tool results included.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from course_tutor.store.attempts import StoredAttempt
from course_tutor.store.conversations import Conversation
from course_tutor.store.messages import Message

if TYPE_CHECKING:
    from course_tutor.store.store import StoredMessage

JSON_FORMAT = "course-tutor conversation"
JSON_VERSION = 1
_SPEAKERS = {"user": "You", "assistant": "Tutor"}


def as_json(
    conversation: Conversation,
    stored: Sequence[StoredMessage],
    attempts: Sequence[StoredAttempt],
) -> dict[str, Any]:
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "conversation": conversation.as_dict(),
        "messages": [{**entry.message, "created": entry.created} for entry in stored],
        "attempts": [attempt.as_dict() for attempt in attempts],
    }


def as_markdown(
    conversation: Conversation,
    stored: Sequence[StoredMessage],
    attempts: Sequence[StoredAttempt],
) -> str:
    results = {
        str(entry.message.get("tool_call_id")): entry.message.get("content")
        for entry in stored
        if entry.message.get("role") == "tool"
    }
    parts = [f"# {conversation.title}", _about(conversation)]
    speaker = None
    for entry in stored:
        said = _said(entry.message, results)
        if not said:
            continue
        if entry.message["role"] != speaker:
            # One heading for a speaker's run: the tutor's tool calls and
            # the answer that follows them read as one reply.
            speaker = entry.message["role"]
            parts.append(f"## {_SPEAKERS[speaker]} · {local_time(entry.created)}")
        parts.append(said)
    if attempts:
        parts.append(_attempts(attempts))
    return "\n\n".join(parts) + "\n"


def _about(conversation: Conversation) -> str:
    lines = [
        f"- Conversation {conversation.id}, started {local_time(conversation.created)}"
        f", last message {local_time(conversation.updated)}",
    ]
    if conversation.model:
        lines.append(f"- Model: {conversation.model}")
    if conversation.canvas_host:
        lines.append(f"- Canvas: {conversation.canvas_host}")
    if conversation.prompt_hash:
        lines.append(f"- Instructions: {conversation.prompt_hash}")
    return "\n".join(lines)


def _said(message: Message, results: dict[str, Any]) -> str:
    """What a message says in the transcript; empty for tool results (shown
    with their calls) and anything else not from the student or the tutor."""
    if message.get("role") not in _SPEAKERS:
        return ""
    body = []
    content = message.get("content")
    if isinstance(content, str) and content.strip():
        body.append(content.strip())
    calls = message.get("tool_calls") or []
    if calls:
        body.append("\n".join(_call_line(call, results) for call in calls))
    return "\n\n".join(body)


def _call_line(call: dict[str, Any], results: dict[str, Any]) -> str:
    function = call.get("function") or {}
    arguments = str(function.get("arguments") or "{}")
    if len(arguments) > 120:
        arguments = arguments[:119] + "…"
    outcome = result_summary(results.get(str(call.get("id"))))
    return f"- Looked up `{function.get('name', '?')}` `{arguments}` → {outcome}"


def result_summary(result: Any) -> str:
    """A few words on a tool result: "6 results", "error: …", "no result"."""
    if result is None:
        return "no result"
    try:
        data = json.loads(result)
    except (TypeError, ValueError):
        return f"{len(str(result))} characters"
    if isinstance(data, list):
        return f"{len(data)} result{'' if len(data) == 1 else 's'}"
    if not isinstance(data, dict):
        return "done"
    if isinstance(data.get("error"), dict):
        return f"error: {data['error'].get('message', 'failed')}"
    if isinstance(data.get("results"), list):
        return f"{len(data['results'])} results (truncated)"
    if "pdf" in data:
        return f"saved {data['pdf']}"
    return "done"


def _attempts(attempts: Sequence[StoredAttempt]) -> str:
    lines = []
    for attempt in attempts:
        line = (
            f"- {local_time(attempt.created)} · {attempt.course} · "
            f"{attempt.correct}/{attempt.total} ({attempt.percent:g}%)"
        )
        if attempt.pdf_path:
            line += f" · PDF: `{attempt.pdf_path}`"
        lines.append(line)
    return "## Practice exams\n\n" + "\n".join(lines)


def local_time(stamp: str) -> str:
    """A stored UTC timestamp in the local time zone, to the minute."""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp
