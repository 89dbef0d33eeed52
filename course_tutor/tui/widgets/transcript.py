"""The scrolling conversation: a welcome while it is empty, then one
`TurnView` per exchange. It follows new text unless the student has
scrolled up to read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.containers import VerticalScroll

from course_tutor.tui.widgets.answer import AnswerView
from course_tutor.tui.widgets.turn import TurnView
from course_tutor.tui.widgets.welcome import Welcome

Message = dict[str, Any]


class Transcript(VerticalScroll, can_focus=False):
    """The chat transcript."""

    def __init__(self, welcome: Welcome) -> None:
        super().__init__(id="transcript")
        self.welcome = welcome

    def compose(self):
        yield self.welcome

    @property
    def turns(self) -> list[TurnView]:
        return list(self.query_children(TurnView))

    async def add_turn(self, question: str) -> TurnView:
        """A new turn at the end, mounted (so the loop's events can go in)."""
        self.welcome.display = False
        turn = TurnView(question)
        await self.mount(turn)
        self.anchor()
        return turn

    def clear_turns(self) -> None:
        self.query_children(TurnView).remove()
        self.welcome.display = True
        self.anchor(False)  # the welcome sits at the top, not the bottom

    def replay(self, messages: Sequence[Message]) -> None:
        """Show saved history messages as finished turns."""
        self.clear_turns()
        group: list[Message] = []
        question: str | None = None
        for message in [*messages, {"role": "user", "content": None}]:
            if message.get("role") == "user":
                if question is not None or group:
                    self.mount(TurnView(question, saved=group))
                question, group = message.get("content"), []
            elif message.get("role") != "system":
                group.append(message)
        self.welcome.display = not self.turns
        self.anchor()

    def last_answer(self) -> AnswerView | None:
        answers = list(self.query(AnswerView))
        return answers[-1] if answers else None
