"""`Recorder`: saves a conversation's messages as the turn loop finishes them.

The loop appends finished messages to the history it is given; the recorder
watches that list and its events and saves what is new:

- `question(text)` saves the student's question before the loop sends it;
- `follow(events)` passes the loop's events on, and after each one saves
  every message appended since, and a tool result as soon as its
  `ToolCallFinished` arrives (the loop adds results to the history only when
  the last call of a round is done); when the turn ends, however it ends, it
  saves what the loop added while closing.

    recorder.question(text)
    async with aclosing(recorder.follow(agent.run(history, text))) as events:
        async for event in events:
            ...

So every finished message is on disk before the loop makes its next request;
a crash loses at most the answer that was streaming. A message the store
could not take is kept in line and tried again at the next call; `failure`
says what went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from course_tutor.agent.events import Event, ToolCallFinished
from course_tutor.store.db import StoreError
from course_tutor.store.messages import Message
from course_tutor.store.store import Store

log = logging.getLogger(__name__)


class Recorder:
    """Saves `history` into conversation `conversation_id` as it grows.

    Entries already in `history` when the recorder is made count as saved
    (a new history's system message, or a resumed conversation)."""

    def __init__(
        self, store: Store, conversation_id: int, history: list[Message]
    ) -> None:
        self.store = store
        self.conversation_id = conversation_id
        self.history = history
        self.failure: StoreError | None = None
        self._saved = len(history)
        self._question: str | None = None
        self._early_results: set[str] = set()

    def question(self, text: str) -> None:
        """Save the question the loop is about to append and send."""
        self.sync()
        if self._save({"role": "user", "content": text}):
            self._question = text

    async def follow(self, events: AsyncIterator[Event]) -> AsyncIterator[Event]:
        """`events`, passed on after what each one finished is saved."""
        try:
            async for event in events:
                self.observe(event)
                yield event
        finally:
            # Close the loop now, so the partial answer and the results it
            # adds while closing are in the history, then save them.
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
            self.sync()

    def observe(self, event: Event | None = None) -> None:
        """Save what the loop finished, up to `event`."""
        self.sync()
        if isinstance(event, ToolCallFinished):
            message = {
                "role": "tool",
                "tool_call_id": event.call_id,
                "content": event.result,
            }
            if self._save(message):
                self._early_results.add(event.call_id)

    def sync(self) -> None:
        """Save every entry of the history not saved yet, in order."""
        while self._saved < len(self.history):
            message = self.history[self._saved]
            if not self._already_saved(message) and not self._save(message):
                return  # try again, in order, at the next call
            self._saved += 1

    def _already_saved(self, message: Message) -> bool:
        role = message.get("role")
        if role == "system":
            return True  # the instructions are known by their hash
        question = self._question
        if role == "user" and question is not None and message["content"] == question:
            self._question = None
            return True
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id in self._early_results:
                self._early_results.discard(call_id)
                return True
        return False

    def _save(self, message: Message) -> bool:
        try:
            self.store.append(self.conversation_id, message)
        except StoreError as error:
            if self.failure is None:
                log.warning("could not save a message: %s", error)
            self.failure = error
            return False
        return True
