"""`course-tutor history` and `course-tutor export`: the saved conversations.

`history` lists them, the latest first (`--json` for a JSON array);
`export ID` writes one out as a Markdown transcript or, with `--format json`,
as everything the store keeps, to stdout or to `-o FILE`. A store that cannot
be opened exits 2 with the reason; an unknown id or an unwritable file, 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_FAILED = 1
EXIT_SETUP = 2


class UnknownConversation(Exception):
    """The id given names no conversation."""


def run_history(args: argparse.Namespace) -> int:
    from course_tutor.store import Store, StoreError

    try:
        with Store.open() as store:
            conversations = store.list(limit=args.limit)
    except StoreError as error:
        return _fail(error, EXIT_SETUP)

    if args.json:
        shown = [conversation.as_dict() for conversation in conversations]
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    elif not conversations:
        print('No saved conversations yet. Start one with `course-tutor ask "…"`.')
    else:
        print(_table(conversations))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from course_tutor.store import ConversationNotFound, Store, StoreError

    try:
        with Store.open() as store:
            conversation_id = _conversation_id(store, args.id)
            if args.format == "json":
                document = store.export_json(conversation_id)
                text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
            else:
                text = store.export_markdown(conversation_id)
    except (ConversationNotFound, UnknownConversation) as error:
        return _fail(error, EXIT_FAILED)
    except StoreError as error:
        return _fail(error, EXIT_SETUP)

    if not args.output:
        sys.stdout.write(text)
        return 0
    target = Path(args.output).expanduser()
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return _fail(f"Cannot write {target}: {reason}.", EXIT_FAILED)
    print(f"course-tutor: wrote {target.absolute()}", file=sys.stderr)
    return 0


def _conversation_id(store: Any, said: str) -> int:
    """The id the user gave: a number, or `latest`."""
    if said.strip().casefold() == "latest":
        latest = store.latest()
        if latest is None:
            raise UnknownConversation("There are no saved conversations yet.")
        return int(latest.id)
    try:
        return int(said)
    except ValueError:
        raise UnknownConversation(
            f"{said!r} is not a conversation id: give a number from "
            "`course-tutor history`, or 'latest'."
        ) from None


def _table(conversations: list[Any]) -> str:
    """ID, last message, questions asked, title: one line each."""
    from course_tutor.store.transcript import local_time

    rows = [("ID", "Last message", "Questions", "Title")]
    rows += [
        (str(c.id), local_time(c.updated), str(c.questions), c.title)
        for c in conversations
    ]
    width = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join(
        f"{row[0]:>{width[0]}}  {row[1]:<{width[1]}}  {row[2]:>{width[2]}}  {row[3]}"
        for row in rows
    )


def _fail(error: object, code: int) -> int:
    print(f"course-tutor: {error}", file=sys.stderr)
    return code
