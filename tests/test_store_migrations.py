"""Schema versions: a file from the first schema is brought up to date with
its data intact and a copy kept; a failed step changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from course_tutor.store import Store, StoreError, schema


def schema_1_file(path: Path) -> None:
    """A store as the first release of the schema wrote it."""
    with sqlite3.connect(path) as raw:
        for statement in schema.MIGRATIONS[0]:
            raw.execute(statement)
        raw.execute(
            "INSERT INTO conversations VALUES "
            "(7, 'Révision', '2025-01-02T03:04:05.000+00:00', "
            "'2025-01-02T03:05:00.000+00:00', 'gpt', 'abc', 'canvas.x')"
        )
        raw.execute(
            "INSERT INTO messages (conversation_id, role, content, created) VALUES "
            "(7, 'user', 'Σ x² ?', '2025-01-02T03:04:05.000+00:00')"
        )
        raw.execute("PRAGMA user_version = 1")
    raw.close()


def version(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        found = raw.execute("PRAGMA user_version").fetchone()[0]
    raw.close()
    return found


def tables(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchall()
    raw.close()
    return dict(rows)


def test_a_new_file_gets_every_step(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store.open(path).close()
    assert version(path) == len(schema.MIGRATIONS) == 2
    assert {"conversations", "messages", "exam_attempts"} <= set(tables(path))


def test_the_first_schema_is_migrated_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    schema_1_file(path)

    with Store.open(path) as store:
        conversation = store.latest()
        assert (conversation.id, conversation.title) == (7, "Révision")
        assert store.load(7) == [{"role": "user", "content": "Σ x² ?"}]
        attempt = store.save_attempt(
            course="c", topics=[], questions=[], correct=0, total=0, conversation_id=7
        )
        assert [a.id for a in store.attempts(7)] == [attempt]

    assert version(path) == 2
    fresh = tmp_path / "fresh.db"
    Store.open(fresh).close()
    assert tables(path) == tables(fresh)


def test_a_copy_is_kept_before_migrating(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    schema_1_file(path)
    Store.open(path).close()

    backup = tmp_path / "old.db.schema-1.bak"
    assert version(backup) == 1
    assert "exam_attempts" not in tables(backup)


def test_a_failed_step_leaves_the_old_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    schema_1_file(path)
    broken = (schema.MIGRATIONS[1][0], "CREATE TABLE oops (")
    monkeypatch.setattr(schema, "MIGRATIONS", (schema.MIGRATIONS[0], broken))

    with pytest.raises(StoreError, match="left at schema 1"):
        Store.open(path)
    assert version(path) == 1
    assert "exam_attempts" not in tables(path)

    monkeypatch.undo()
    with Store.open(path) as store:
        assert store.load(7) == [{"role": "user", "content": "Σ x² ?"}]
