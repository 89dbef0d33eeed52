"""The schema, as the steps that built it.

`MIGRATIONS[n - 1]` takes a file from schema `n - 1` to schema `n`; a new
file runs them all. Steps are never edited once released: a change is a new
step at the end. Timestamps are UTC ISO 8601 text; JSON columns hold text.

1. conversations and their messages;
2. practice-exam attempts, linked to the conversation they came from.
"""

from __future__ import annotations

CONVERSATIONS = (
    """
    CREATE TABLE conversations (
        id          INTEGER PRIMARY KEY,
        title       TEXT NOT NULL,
        created     TEXT NOT NULL,
        updated     TEXT NOT NULL,
        model       TEXT NOT NULL DEFAULT '',
        prompt_hash TEXT NOT NULL DEFAULT '',
        canvas_host TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX conversations_by_updated ON conversations (updated)",
    # One row per chat message, in the order the loop finished them.
    # `tool_calls` (assistant) and `extra` (any other keys) are JSON.
    """
    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL
                        REFERENCES conversations (id) ON DELETE CASCADE,
        role            TEXT NOT NULL,
        content         TEXT,
        tool_calls      TEXT,
        tool_call_id    TEXT,
        extra           TEXT,
        created         TEXT NOT NULL
    )
    """,
    "CREATE INDEX messages_by_conversation ON messages (conversation_id, id)",
)

EXAM_ATTEMPTS = (
    # `questions` is a JSON list of {question, choices, correct, chosen,
    # explanation, topic}: the student's answers are the `chosen` letters.
    """
    CREATE TABLE exam_attempts (
        id              INTEGER PRIMARY KEY,
        conversation_id INTEGER
                        REFERENCES conversations (id) ON DELETE SET NULL,
        course          TEXT NOT NULL,
        topics          TEXT NOT NULL,
        questions       TEXT NOT NULL,
        correct         INTEGER NOT NULL,
        total           INTEGER NOT NULL,
        pdf_path        TEXT,
        markdown_path   TEXT,
        created         TEXT NOT NULL
    )
    """,
    "CREATE INDEX exam_attempts_by_conversation ON exam_attempts (conversation_id)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (CONVERSATIONS, EXAM_ATTEMPTS)
