"""The SQLite file: opening it safely, and bringing its schema up to date.

The schema version is SQLite's `user_version`. Each entry of `MIGRATIONS`
takes the file from one version to the next inside one transaction, so a
crash halfway through a migration leaves the old version intact. Before an
existing file is migrated, a copy is kept beside it (`NAME.schema-N.bak`).

What is refused, and never written to:

- a file that is not SQLite, or fails `PRAGMA quick_check` (`StoreCorrupt`);
- a file whose schema is newer than this program knows (`StoreTooNew`);
- a SQLite file with tables of someone else's (`StoreCorrupt`).

The connection runs in autocommit mode with WAL and `synchronous=FULL`: every
write is its own short transaction, on disk when the call returns.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from course_tutor.store import schema

log = logging.getLogger(__name__)

FILE_NAME = "course-tutor.db"
BUSY_TIMEOUT_MS = 5_000


class StoreError(Exception):
    """The conversation store cannot be used; the message says what to do."""


class StoreCorrupt(StoreError):
    """The file is damaged or is not a course-tutor database."""


class StoreTooNew(StoreError):
    """The file was written by a newer course-tutor."""


def now() -> str:
    """A UTC timestamp as stored: ISO 8601 to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def default_path() -> Path:
    from course_tutor.config import data_dir

    return data_dir() / FILE_NAME


def connect(path: Path) -> sqlite3.Connection:
    """An open, checked connection to `path` at the current schema."""
    fresh = not path.exists()
    if fresh:
        _create_private(path)
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=5.0)
    except sqlite3.Error as error:
        message = f"Cannot open the conversation store {path}: {error}."
        raise StoreError(message) from None

    try:
        version = _inspect(connection, path)
        _configure(connection)
        _migrate(connection, path, version)
    except BaseException:
        connection.close()
        raise
    return connection


def _create_private(path: Path) -> None:
    """An empty file only its owner can read: conversations are private."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise StoreError(
            f"Cannot create the conversation store {path}: {error.strerror}. "
            "Set COURSE_TUTOR_DATA_DIR to a folder you can write to."
        ) from None


def _inspect(connection: sqlite3.Connection, path: Path) -> int:
    """The file's schema version, after checks that only read it."""
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
        problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
        foreign = version == 0 and _has_tables(connection)
    except sqlite3.DatabaseError as error:
        raise StoreCorrupt(_corrupt_message(path, str(error))) from None

    if problems != ["ok"]:
        raise StoreCorrupt(_corrupt_message(path, "; ".join(problems[:3])))
    if foreign:
        raise StoreCorrupt(_corrupt_message(path, "it holds other tables"))
    latest = len(schema.MIGRATIONS)
    if version > latest:
        raise StoreTooNew(
            f"The conversation store {path} was written by a newer course-tutor "
            f"(schema {version}; this version knows up to {latest}). Upgrade "
            "course-tutor to open it; it was left untouched."
        )
    return version


def _configure(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")


def _corrupt_message(path: Path, detail: str) -> str:
    return (
        f"The conversation store {path} is damaged or is not a course-tutor "
        f"database ({detail}). It was left untouched. Move it aside to start "
        f"a new one (for example `mv {path} {path}.broken`)."
    )


def _migrate(connection: sqlite3.Connection, path: Path, version: int) -> None:
    latest = len(schema.MIGRATIONS)
    if version > 0 and version < latest:
        _back_up(connection, path.with_name(f"{path.name}.schema-{version}.bak"))
    for target in range(version + 1, latest + 1):
        try:
            _apply(connection, target)
        except sqlite3.Error as error:
            raise StoreError(
                f"Could not bring the conversation store {path} up to schema "
                f"{target} ({error}); it was left at schema {target - 1}."
            ) from None
        log.info("conversation store %s migrated to schema %d", path, target)


def _has_tables(connection: sqlite3.Connection) -> bool:
    row = connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchone()
    return bool(row[0])


def _back_up(connection: sqlite3.Connection, target: Path) -> None:
    copy = sqlite3.connect(target)
    try:
        connection.backup(copy)
    finally:
        copy.close()


def _apply(connection: sqlite3.Connection, target: int) -> None:
    """Run migration `target` (from `target - 1`) as one transaction."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in schema.MIGRATIONS[target - 1]:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {target}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
