"""The conversation store: conversations, messages as they were given,
histories fit to resume, files it refuses, and what a full disk does."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from course_tutor.store import (
    ConversationNotFound,
    Store,
    StoreCorrupt,
    StoreError,
    StoreTooNew,
    title_from,
)
from course_tutor.store.messages import LOST_RESULT


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_TUTOR_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "tutor.db") as opened:
        yield opened


def call(call_id: str, name: str, arguments: dict) -> dict:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


EXCHANGE = [
    {"role": "user", "content": "Quels modules en BIO 110 ? αβγ ∑"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            call("call_1", "listYourCourses", {}),
            call("call_2", "listModules", {"course_id": "48213"}),
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": '[{"id":48213}]'},
    {"role": "tool", "tool_call_id": "call_2", "content": '[{"id":1,"name":"Cé"}]'},
    {"role": "assistant", "content": "BIO 110 a **1** module : Cé."},
]


# -- where it lives ------------------------------------------------------------


def test_open_without_a_path_uses_the_data_dir(tmp_path: Path) -> None:
    with Store.open() as opened:
        assert opened.path == tmp_path / "data" / "course-tutor.db"
    assert opened.path.exists()


def test_the_file_is_private(store: Store) -> None:
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_the_file_is_in_wal_mode(store: Store) -> None:
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- conversations and messages ------------------------------------------------


def test_messages_come_back_as_they_were_given(store: Store) -> None:
    conversation = store.new_conversation(
        title="BIO 110", model="m", prompt_hash="abc", canvas_host="canvas.x"
    )
    for message in EXCHANGE:
        store.append(conversation.id, message)

    assert store.load(conversation.id) == EXCHANGE
    stored = store.get(conversation.id)
    assert (stored.model, stored.prompt_hash, stored.canvas_host) == (
        "m",
        "abc",
        "canvas.x",
    )
    assert (stored.messages, stored.questions) == (5, 1)


def test_keys_without_a_column_are_kept(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    message = {
        "role": "user",
        "content": [{"type": "text", "text": "parts"}],
        "name": "student",
    }
    store.append(conversation.id, message)
    assert store.load(conversation.id) == [message]


def test_each_message_has_a_timestamp(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    store.append(conversation.id, EXCHANGE[0])
    (entry,) = store.messages(conversation.id)
    assert entry.created.endswith("+00:00")
    assert store.get(conversation.id).updated == entry.created


def test_list_puts_the_latest_activity_first(store: Store) -> None:
    first = store.new_conversation(title="first")
    second = store.new_conversation(title="second")
    assert [c.title for c in store.list()] == ["second", "first"]

    store.append(first.id, EXCHANGE[0])
    assert [c.title for c in store.list()] == ["first", "second"]
    assert store.latest().id == first.id
    assert [c.id for c in store.list(limit=1)] == [first.id]
    assert second.id in [c.id for c in store.list()]


def test_latest_is_none_when_empty(store: Store) -> None:
    assert store.latest() is None
    assert store.list() == []


def test_unknown_conversation(store: Store) -> None:
    with pytest.raises(ConversationNotFound, match="history"):
        store.load(42)
    with pytest.raises(ConversationNotFound):
        store.export_markdown(42)


def test_rename_and_delete(store: Store) -> None:
    conversation = store.new_conversation(title="old")
    store.append(conversation.id, EXCHANGE[0])
    store.rename(conversation.id, "new")
    assert store.get(conversation.id).title == "new"

    store.delete(conversation.id)
    assert store.list() == []
    assert store.messages(conversation.id) == []


def test_the_system_message_is_not_given_back(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    store.append(conversation.id, {"role": "system", "content": "old rules"})
    store.append(conversation.id, EXCHANGE[0])
    assert store.load(conversation.id) == [EXCHANGE[0]]


# -- histories fit to send again -----------------------------------------------


def test_a_call_whose_result_was_lost_is_answered(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    for message in EXCHANGE[:3]:  # call_2's result never arrived
        store.append(conversation.id, message)
    store.append(conversation.id, {"role": "user", "content": "again?"})

    history = store.load(conversation.id)
    assert history[2:4] == [
        EXCHANGE[2],
        {"role": "tool", "tool_call_id": "call_2", "content": LOST_RESULT},
    ]
    assert history[4] == {"role": "user", "content": "again?"}
    assert json.loads(LOST_RESULT)["error"]["type"] == "interrupted"


def test_results_follow_their_calls_order(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    for message in [EXCHANGE[0], EXCHANGE[1], EXCHANGE[3], EXCHANGE[2]]:
        store.append(conversation.id, message)
    assert store.load(conversation.id) == EXCHANGE[:4]


def test_a_result_without_its_call_is_dropped(store: Store) -> None:
    conversation = store.new_conversation(title="t")
    store.append(conversation.id, EXCHANGE[0])
    store.append(conversation.id, EXCHANGE[2])
    assert store.load(conversation.id) == [EXCHANGE[0]]


# -- titles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("Help me take a practice exam.", "Help me take a practice exam."),
        ("  two\n\nlines  ", "two"),
        ("", "Untitled conversation"),
        ("\n  \n", "Untitled conversation"),
        ("word " * 30, ("word " * 11).strip() + "…"),
        ("x" * 100, "x" * 59 + "…"),
        ("Qu'est-ce que   l'entropie ?", "Qu'est-ce que l'entropie ?"),
    ],
)
def test_titles_come_from_the_first_question(question: str, title: str) -> None:
    assert title_from(question) == title
    assert len(title_from(question)) <= 60


# -- files it refuses, untouched -------------------------------------------------


def test_a_file_that_is_not_a_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    junk = b"this is not sqlite\x00" * 300
    path.write_bytes(junk)

    with pytest.raises(StoreCorrupt, match="left untouched") as raised:
        Store.open(path)
    assert "mv " in str(raised.value)
    assert path.read_bytes() == junk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tutor.db"]


def test_a_damaged_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with Store.open(path) as store:
        conversation = store.new_conversation(title="t")
        for _ in range(200):
            store.append(conversation.id, {"role": "user", "content": "x" * 500})
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = bytearray(path.read_bytes())
    page = 4096
    damaged[3 * page : 6 * page] = b"\xa5" * (3 * page)
    path.write_bytes(bytes(damaged))

    with pytest.raises(StoreCorrupt):
        Store.open(path)
    assert path.read_bytes() == bytes(damaged)


def test_a_newer_schema_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE future (x)")
        raw.execute("PRAGMA user_version = 99")
    before = path.read_bytes()

    with pytest.raises(StoreTooNew, match="newer course-tutor") as raised:
        Store.open(path)
    assert "schema 99" in str(raised.value)
    assert path.read_bytes() == before


def test_someone_elses_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE photos (id)")
    with pytest.raises(StoreCorrupt, match="other tables"):
        Store.open(path)


def test_an_uncreatable_place_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="COURSE_TUTOR_DATA_DIR"):
        Store.open(blocker / "sub" / "tutor.db")


# -- a full disk -------------------------------------------------------------------


def test_a_full_disk_loses_nothing_already_saved(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with Store.open(path) as store:
        conversation = store.new_conversation(title="t")
        store.append(conversation.id, EXCHANGE[0])
        # Let the file grow no further: SQLite then answers as on a full disk.
        pages = store._connection.execute("PRAGMA page_count").fetchone()[0]
        store._connection.execute(f"PRAGMA max_page_count = {pages}")

        with pytest.raises(StoreError, match="disk is full"):
            store.append(conversation.id, {"role": "user", "content": "x" * 50_000})
        assert store.load(conversation.id) == [EXCHANGE[0]]

    with Store.open(path) as reopened:
        assert reopened.load(conversation.id) == [EXCHANGE[0]]
