"""The conversation as a Markdown file: what the student asked, what the tutor
answered, and one line per tool call it made on the way."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

Message = dict[str, Any]


def transcript_markdown(
    history: Sequence[Message],
    *,
    title: str,
    model_label: str,
    canvas_host: str,
    when: datetime,
) -> str:
    lines = [
        f"# {title}",
        "",
        f"_{when:%Y-%m-%d %H:%M} · Canvas: {canvas_host} · model: {model_label}_",
        "",
    ]
    results = {
        m.get("tool_call_id"): str(m.get("content") or "")
        for m in history
        if m.get("role") == "tool"
    }
    for message in history:
        match message.get("role"):
            case "user":
                lines += ["## You", "", str(message.get("content") or ""), ""]
            case "assistant":
                calls = message.get("tool_calls") or []
                if message.get("content") or calls:
                    lines += ["## Tutor", ""]
                for call in calls:
                    lines.append(_call_line(call, results.get(call.get("id"))))
                if calls:
                    lines.append("")
                if message.get("content"):
                    lines += [str(message["content"]).strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_transcript(directory: Path, text: str, when: datetime) -> Path:
    """Write the transcript to a new file in `directory`; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"conversation-{when:%Y%m%d-%H%M%S}"
    path = directory / f"{stem}.md"
    number = 1
    while path.exists():
        number += 1
        path = directory / f"{stem}-{number}.md"
    path.write_text(text, encoding="utf-8")
    return path


def _call_line(call: Message, result: str | None) -> str:
    function = call.get("function") or {}
    name = function.get("name", "tool")
    arguments = function.get("arguments") or "{}"
    failed = False
    if result is not None:
        try:
            data = json.loads(result)
        except ValueError:
            data = None
        failed = isinstance(data, dict) and "error" in data
    mark = "✗" if failed else "✓"
    return f"- {mark} `{name}` `{arguments}`"
