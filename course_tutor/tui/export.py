"""The conversation on screen as a Markdown file in the export folder.

The text is the store's transcript (`course-tutor export` writes the same):
from the store when the conversation is saved there, else built the same
way from the history on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Message = dict[str, Any]


def transcript_markdown(
    history: Sequence[Message],
    *,
    title: str,
    model: str,
    prompt_hash: str,
    canvas_host: str,
    when: datetime,
) -> str:
    """The history as the store would export it (without practice exams,
    which only the store keeps)."""
    from course_tutor.store import Conversation, StoredMessage
    from course_tutor.store.transcript import as_markdown

    stamp = when.astimezone(UTC).isoformat(timespec="milliseconds")
    conversation = Conversation(
        id=0,
        title=title,
        created=stamp,
        updated=stamp,
        model=model,
        prompt_hash=prompt_hash,
        canvas_host=canvas_host,
    )
    stored = [
        StoredMessage(message, stamp)
        for message in history
        if message.get("role") != "system"
    ]
    return as_markdown(conversation, stored, [])


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
