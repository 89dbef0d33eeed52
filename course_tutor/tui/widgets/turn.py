"""One exchange in the transcript: the student's message, then what the
tutor did (tool rows) and said (answers), in the order it happened."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from time import monotonic
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from course_tutor.agent.events import (
    Event,
    TextStreamed,
    ToolCallFinished,
    ToolCallStarted,
    TurnFailed,
    TurnFinished,
)
from course_tutor.tui.widgets.answer import AnswerView
from course_tutor.tui.widgets.spinner import FRAME_SECONDS, spinner_frame
from course_tutor.tui.widgets.tool_row import ToolCallRow

Message = dict[str, Any]


class UserMessage(Static):
    """What the student sent."""

    def __init__(self, text: str) -> None:
        super().__init__(Text(text), classes="user-message")
        self.text = text


class Thinking(Static):
    """Shown while the tutor is waiting for the model."""

    def on_mount(self) -> None:
        self._started = monotonic()
        self._tick()
        self.set_interval(FRAME_SECONDS, self._tick)

    def _tick(self) -> None:
        self.update(Text.assemble((spinner_frame(self._started), "bold"), " thinking…"))


class TurnView(Vertical):
    """The widgets of one turn; `show` takes the loop's events as they come."""

    def __init__(
        self, question: str | None, *, saved: Sequence[Message] | None = None
    ) -> None:
        """A live turn, or with `saved`, a finished one from saved messages."""
        super().__init__(classes="turn")
        self.question = question
        self.saved = saved
        self.rows: dict[str, ToolCallRow] = {}
        self.answer: AnswerView | None = None
        self._thinking = Thinking(classes="thinking") if saved is None else None

    def compose(self) -> ComposeResult:
        if self.question is not None:
            yield UserMessage(self.question)
        if self.saved is not None:
            yield from _replayed(self.saved)
        if self._thinking is not None:
            yield self._thinking

    @property
    def answers(self) -> list[AnswerView]:
        return list(self.query_children(AnswerView))

    def show(self, event: Event) -> None:
        match event:
            case TextStreamed(text=text):
                self._answer().append(text)
                self._think(False)
            case ToolCallStarted(call_id=call_id, name=name, arguments=arguments):
                self._end_answer()
                row = self.rows[call_id] = ToolCallRow(call_id, name, arguments)
                self._add(row)
                self._think(False)
            case ToolCallFinished() as done:
                finished = self.rows.get(done.call_id)
                if finished is not None:
                    finished.finish(done.ok, done.summary, done.duration, done.result)
                if all(r.state != "running" for r in self.rows.values()):
                    self._think(True)
            case TurnFinished():
                self.end()
            case TurnFailed(partial=partial):
                self.end(interrupted=bool(partial))

    def end(self, *, interrupted: bool = False, note: str | None = None) -> None:
        """The turn is over: finish the answer, drop the spinner, add a note."""
        self._end_answer()
        if self._thinking is not None:
            self._thinking.remove()
            self._thinking = None
        if interrupted:
            note = note or "answer interrupted"
        if note:
            self.mount(Static(Text(f"⏹ {note}"), classes="turn-note"))

    def _answer(self) -> AnswerView:
        if self.answer is None:
            self.answer = AnswerView(classes="answer")
            self._add(self.answer)
        return self.answer

    def _end_answer(self) -> None:
        if self.answer is not None:
            self.answer.finish()
            self.answer = None

    def _add(self, widget: Widget) -> None:
        if self._thinking is not None:
            self.mount(widget, before=self._thinking)
        else:
            self.mount(widget)

    def _think(self, thinking: bool) -> None:
        if self._thinking is not None:
            self._thinking.display = thinking


def _replayed(messages: Sequence[Message]) -> Iterator[Widget]:
    """The widgets of a finished turn, from its saved history messages."""
    from course_tutor.agent.loop import summarize

    results = {
        m.get("tool_call_id"): str(m.get("content") or "")
        for m in messages
        if m.get("role") == "tool"
    }
    for message in messages:
        if message.get("role") != "assistant":
            continue
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            row = ToolCallRow(
                str(call.get("id")),
                str(function.get("name")),
                str(function.get("arguments") or "{}"),
            )
            result = results.get(call.get("id"), "")
            row.finish(not _is_error(result), summarize(None, result), 0, result)
            row.duration = None
            yield row
        if message.get("content"):
            yield AnswerView(str(message["content"]), streaming=False)


def _is_error(result: str) -> bool:
    try:
        data = json.loads(result)
    except ValueError:
        return False
    return isinstance(data, dict) and "error" in data
