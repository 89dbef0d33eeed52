"""Where conversations are kept: a SQLite file in the data directory.

    Store.open() ─▶ new_conversation / latest / list / get / load
                    append (one message, committed)   ◀── Recorder (follows a turn)
                    save_attempt / attempts            ◀── exportPracticeExam
                    export_markdown / export_json      ──▶ `course-tutor export`

`db` opens and migrates the file, `schema` holds the migrations, `messages`
turns chat messages into rows and back, `transcript` renders exports.
"""

from course_tutor.store.attempts import StoredAttempt
from course_tutor.store.conversations import Conversation, title_from
from course_tutor.store.db import StoreCorrupt, StoreError, StoreTooNew
from course_tutor.store.recorder import Recorder
from course_tutor.store.store import ConversationNotFound, Store, StoredMessage

__all__ = [
    "Conversation",
    "ConversationNotFound",
    "Recorder",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "StoreTooNew",
    "StoredAttempt",
    "StoredMessage",
    "title_from",
]
