"""Keeping the chat in the conversation store, and resuming from it.

The app takes a store (`course_tutor.store.Store`, or anything with the same
methods: `new_conversation`, `append`, `list`, `load`, `export_markdown`);
without one,
nothing is saved and the palette offers no "Resume a conversation".

A conversation is created in the store by its first question. From then on
the store's `Recorder` follows each turn, so every finished message is saved
before the loop's next request; a resumed conversation continues the same
record.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any, Protocol

from course_tutor.agent.events import Event

Message = dict[str, Any]


class ConversationStore(Protocol):
    def new_conversation(
        self, *, title: str, model: str, prompt_hash: str, canvas_host: str
    ) -> Any:
        """A new conversation record (with an `id`)."""

    def append(self, conversation_id: int, message: Message) -> Any:
        """Save one message at the end of a conversation."""

    def list(self, limit: int | None = None) -> Sequence[Any]:
        """Conversations, most recent first (with `id`, `title`, `updated`)."""

    def load(self, conversation_id: int) -> Sequence[Message]:
        """A conversation's messages to continue it with (no system message)."""

    def export_markdown(self, conversation_id: int) -> str:
        """The conversation as a Markdown transcript."""


class ChatRecord:
    """The store's record of the conversation on screen."""

    def __init__(self, store: ConversationStore | None) -> None:
        self.store = store
        self.conversation_id: int | None = None
        self._recorder: Any = None

    def start_over(self) -> None:
        """A new chat: the next question starts a new record."""
        self.conversation_id = None
        self._recorder = None

    def resume(self, conversation_id: int, history: list[Message]) -> None:
        """Continue a saved conversation; `history` holds its messages already."""
        from course_tutor.store import Recorder

        assert self.store is not None
        self.conversation_id = conversation_id
        self._recorder = Recorder(self.store, conversation_id, history)  # type: ignore[arg-type]

    def withdrawn(self, history: list[Message]) -> None:
        """The last question was taken back off `history` (nothing came back
        for it): what is on `history` now is what was saved."""
        if self._recorder is not None and self.conversation_id is not None:
            self.resume(self.conversation_id, history)

    def follow(
        self,
        events: AsyncGenerator[Event, None],
        history: list[Message],
        question: str,
        session: Any,
    ) -> AsyncGenerator[Event, None]:
        """The turn's events, saved as they finish messages (when there is a
        store). Call it before the loop appends `question` to `history`."""
        if self.store is None:
            return events
        if self._recorder is None:
            from course_tutor.store import Recorder, title_from

            conversation = self.store.new_conversation(
                title=title_from(question),
                model=session.model,
                prompt_hash=session.instructions.digest,
                canvas_host=session.canvas_host,
            )
            self.conversation_id = conversation.id
            self._recorder = Recorder(self.store, conversation.id, history)  # type: ignore[arg-type]
        recorder_events: AsyncGenerator[Event, None] = self._recorder.follow(events)
        return recorder_events

    @property
    def failure(self) -> Exception | None:
        """Why the last message could not be saved, if it could not."""
        return getattr(self._recorder, "failure", None)
