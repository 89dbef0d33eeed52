"""Where the student writes: enter sends, ctrl+j (or shift+enter, where the
terminal tells them apart) starts a new line. While a practice-exam question
waits and the box is empty, the letters A-D answer it in one key."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

PLACEHOLDER = "Ask about your courses…"


class Composer(TextArea, inherit_bindings=False):
    """The message box under the transcript."""

    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("enter", "submit", "Send", key_display="⏎"),
        Binding("ctrl+j", "newline", "Newline", key_display="^j"),
        # In place of the text area's redo: copying the answer matters more.
        Binding("ctrl+y", "screen.copy_answer", "Copy", key_display="^y"),
        *(
            binding
            for binding in TextArea.BINDINGS
            if isinstance(binding, Binding) and "ctrl+y" not in binding.key
        ),
    ]

    class Submitted(Message):
        """The student pressed enter on some text."""

        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

        @property
        def control(self) -> Composer:
            return self.composer

    class ChoicePicked(Message):
        """The student answered a multiple-choice question with a letter key."""

        def __init__(self, letter: str) -> None:
            super().__init__()
            self.letter = letter

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            placeholder=PLACEHOLDER,
            highlight_cursor_line=False,
        )
        self.choice_letters = ""
        """Letters that answer a question now (set by the screen), or empty."""

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "enter":
            self._stop(event)
            self.action_submit()
        elif key in ("shift+enter", "ctrl+j", "newline"):
            self._stop(event)
            self.action_newline()
        elif self._answers(event):
            self._stop(event)
            self.post_message(self.ChoicePicked((event.character or "").upper()))
        else:
            await super()._on_key(event)

    def _answers(self, event: events.Key) -> bool:
        character = event.character or ""
        return (
            len(character) == 1
            and bool(self.choice_letters)
            and character.upper() in self.choice_letters
            and not self.text
        )

    @staticmethod
    def _stop(event: events.Key) -> None:
        event.stop()
        event.prevent_default()

    def action_submit(self) -> None:
        text = self.text.strip()
        if text:
            self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        start, end = self.selection
        self._replace_via_keyboard("\n", start, end)
