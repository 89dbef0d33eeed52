"""`Store`: conversations, their messages and practice-exam attempts in one
SQLite file (see `db` for how the file is opened and migrated).

Every write is one short transaction, committed before the method returns,
so a crash loses at most what had not been handed to the store yet. The
store saves what it is given: what to save, and when, is the caller's choice
(`Recorder` follows the turn loop). One `Store` belongs to one thread.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from course_tutor.store import db, messages, transcript
from course_tutor.store.attempts import StoredAttempt
from course_tutor.store.conversations import Conversation
from course_tutor.store.messages import Message

_CONVERSATION_COLUMNS = """
    c.id, c.title, c.created, c.updated, c.model, c.prompt_hash, c.canvas_host,
    (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id),
    (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id
        AND m.role = 'user')
"""
_ATTEMPT_COLUMNS = """
    id, conversation_id, course, topics, questions, correct, total, pdf_path,
    markdown_path, created
"""


# `Store.list` hides the builtin inside the class: these names stand for it.
Conversations = list[Conversation]
StoredMessages = list["StoredMessage"]
Messages = list[Message]
Attempts = list[StoredAttempt]
Rows = list[tuple[Any, ...]]


class ConversationNotFound(db.StoreError):
    """No conversation has this id."""


class StoredMessage(NamedTuple):
    message: Message
    created: str


class Store:
    """The conversation store. Open with `Store.open()`; close when done (or
    use it as a context manager)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path

    @classmethod
    def open(cls, path: Path | str | None = None) -> Store:
        """The store at `path`, by default in the data directory; created or
        migrated as needed. Raises `StoreError` with a message for the user."""
        where = Path(path) if path is not None else db.default_path()
        return cls(db.connect(where), where)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- conversations --------------------------------------------------------

    def new_conversation(
        self,
        *,
        title: str,
        model: str = "",
        prompt_hash: str = "",
        canvas_host: str = "",
    ) -> Conversation:
        stamp = db.now()
        with self._writing("start a conversation") as connection:
            cursor = connection.execute(
                "INSERT INTO conversations (title, created, updated, model, "
                "prompt_hash, canvas_host) VALUES (?, ?, ?, ?, ?, ?)",
                (title, stamp, stamp, model, prompt_hash, canvas_host),
            )
        return Conversation(
            id=int(cursor.lastrowid or 0),
            title=title,
            created=stamp,
            updated=stamp,
            model=model,
            prompt_hash=prompt_hash,
            canvas_host=canvas_host,
        )

    def get(self, conversation_id: int) -> Conversation:
        rows = self._read(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?",
            (conversation_id,),
        )
        if not rows:
            raise ConversationNotFound(
                f"There is no conversation {conversation_id}. "
                "`course-tutor history` lists them."
            )
        return Conversation(*rows[0])

    def list(self, limit: int | None = None) -> Conversations:
        """Conversations, the most recently active first."""
        rows = self._read(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c "
            # Within one millisecond, the last message saved wins.
            "ORDER BY c.updated DESC, (SELECT max(m.id) FROM messages m "
            "WHERE m.conversation_id = c.id) DESC, c.id DESC LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [Conversation(*row) for row in rows]

    def latest(self) -> Conversation | None:
        """The conversation last added to, if there is one."""
        found = self.list(limit=1)
        return found[0] if found else None

    def rename(self, conversation_id: int, title: str) -> None:
        self.get(conversation_id)
        with self._writing("rename the conversation") as connection:
            connection.execute(
                "UPDATE conversations SET title = ? WHERE id = ?",
                (title, conversation_id),
            )

    def delete(self, conversation_id: int) -> None:
        """Forget a conversation and its messages (its exam attempts stay)."""
        with self._writing("delete the conversation") as connection:
            connection.execute(
                "DELETE FROM conversations WHERE id = ?", (conversation_id,)
            )

    # -- messages -------------------------------------------------------------

    def append(self, conversation_id: int, message: Message) -> int:
        """Save one finished message; on disk when this returns."""
        stamp = db.now()
        with self._writing("save the message") as connection:
            cursor = connection.execute(
                "INSERT INTO messages (conversation_id, role, content, tool_calls, "
                "tool_call_id, extra, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, *messages.to_row(message), stamp),
            )
            connection.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?",
                (stamp, conversation_id),
            )
        return int(cursor.lastrowid or 0)

    def messages(self, conversation_id: int) -> StoredMessages:
        """Every stored message with the time it was saved, in order."""
        rows = self._read(
            "SELECT role, content, tool_calls, tool_call_id, extra, created "
            "FROM messages WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        )
        return [StoredMessage(messages.from_row(*row[:5]), row[5]) for row in rows]

    def load(self, conversation_id: int) -> Messages:
        """The history to continue a conversation with, without a system
        message: put the current instructions in front of it."""
        self.get(conversation_id)
        stored = self.messages(conversation_id)
        return messages.resumable(entry.message for entry in stored)

    # -- exam attempts --------------------------------------------------------

    def save_attempt(
        self,
        *,
        course: str,
        topics: Sequence[str],
        questions: Sequence[dict[str, Any]],
        correct: int,
        total: int,
        conversation_id: int | None = None,
        pdf_path: str | None = None,
        markdown_path: str | None = None,
    ) -> int:
        with self._writing("save the exam attempt") as connection:
            cursor = connection.execute(
                "INSERT INTO exam_attempts (conversation_id, course, topics, "
                "questions, correct, total, pdf_path, markdown_path, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    course,
                    json.dumps(list(topics), ensure_ascii=False),
                    json.dumps(list(questions), ensure_ascii=False),
                    correct,
                    total,
                    pdf_path,
                    markdown_path,
                    db.now(),
                ),
            )
        return int(cursor.lastrowid or 0)

    def attach_files(
        self, attempt_id: int, *, pdf_path: str, markdown_path: str
    ) -> None:
        """Note where an attempt's exported files are."""
        with self._writing("note the exported files") as connection:
            connection.execute(
                "UPDATE exam_attempts SET pdf_path = ?, markdown_path = ? WHERE id = ?",
                (pdf_path, markdown_path, attempt_id),
            )

    def attempts(self, conversation_id: int | None = None) -> Attempts:
        """Exam attempts, oldest first: all, or those of one conversation."""
        where = ""
        parameters: tuple[int, ...] = ()
        if conversation_id is not None:
            where, parameters = "WHERE conversation_id = ?", (conversation_id,)
        rows = self._read(
            f"SELECT {_ATTEMPT_COLUMNS} FROM exam_attempts {where} ORDER BY id",
            parameters,
        )
        return [_attempt(row) for row in rows]

    # -- exports --------------------------------------------------------------

    def export_markdown(self, conversation_id: int) -> str:
        conversation = self.get(conversation_id)
        return transcript.as_markdown(
            conversation,
            self.messages(conversation_id),
            self.attempts(conversation_id),
        )

    def export_json(self, conversation_id: int) -> dict[str, Any]:
        conversation = self.get(conversation_id)
        return transcript.as_json(
            conversation,
            self.messages(conversation_id),
            self.attempts(conversation_id),
        )

    # -- plumbing -------------------------------------------------------------

    def _read(self, sql: str, parameters: Sequence[Any] = ()) -> Rows:
        try:
            return self._connection.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            raise db.StoreError(
                f"Cannot read the conversation store {self.path}: {error}."
            ) from None

    @contextmanager
    def _writing(self, action: str) -> Iterator[sqlite3.Connection]:
        """One transaction, committed on leaving; a failure says why in words."""
        connection = self._connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            finally:
                # Some failures (a full disk) have rolled back already.
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
        except sqlite3.Error as error:
            raise db.StoreError(_write_failure(action, self.path, error)) from None


def _attempt(row: tuple) -> StoredAttempt:
    (id_, conversation, course, topics, questions, *rest) = row
    correct, total, pdf_path, markdown_path, created = rest
    return StoredAttempt(
        id=id_,
        conversation_id=conversation,
        course=course,
        topics=json.loads(topics),
        questions=json.loads(questions),
        correct=correct,
        total=total,
        pdf_path=pdf_path,
        markdown_path=markdown_path,
        created=created,
    )


def _write_failure(action: str, path: Path, error: sqlite3.Error) -> str:
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL or getattr(error, "errno", None) == errno.ENOSPC:
        why = "the disk is full. Free some space and try again"
    elif code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
        why = f"the file cannot be written ({error})"
    elif code == sqlite3.SQLITE_BUSY:
        why = "another course-tutor is busy writing to it. Try again in a moment"
    else:
        why = str(error)
    return f"Could not {action} in {path}: {why}."
