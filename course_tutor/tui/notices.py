"""What a failure is called on screen.

The loop's `TurnFailed.message` already says what happened and what to do
next; the notification adds a title per kind of failure, so the student can
tell a refused key from a dropped connection at a glance. Canvas failures
come back inside tool results, and only those the student must act on (the
token) are notified; the tutor explains the others in its answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

TURN_TITLES = {
    "bad_key": "API key refused",
    "not_permitted": "Model not allowed",
    "unknown_model": "Unknown model",
    "quota": "Out of credit",
    "rate_limited": "Rate limited",
    "context": "Conversation too long",
    "bad_request": "Request refused",
    "server_error": "Model server error",
    "timeout": "Model timed out",
    "offline": "Can't reach the model",
    "stream_cut": "Answer cut off",
    "bad_stream": "Unreadable reply",
    "step_limit": "Too many steps",
}

TOKEN_ADVICE = (
    "Canvas did not accept the access token. In Canvas, open Account → "
    "Settings → New access token, then run `course-tutor init` (or set "
    "CANVAS_API_TOKEN) and start course-tutor again."
)


@dataclass(frozen=True)
class Notice:
    title: str
    message: str
    severity: str = "error"


def turn_failed(kind: str, message: str) -> Notice:
    """The notification for a `TurnFailed`."""
    title = TURN_TITLES.get(kind, "The tutor could not answer")
    severity = "warning" if kind in ("stream_cut", "step_limit") else "error"
    return Notice(title, message, severity)


def tool_failed(result: str) -> Notice | None:
    """The notification for a tool result the student must act on, if any."""
    try:
        data = json.loads(result)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    if error.get("type") in ("invalid_token", "unauthorized"):
        return Notice("Canvas token refused", TOKEN_ADVICE)
    return None
