"""What an empty chat shows: a greeting and the conversation starters."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static


class Welcome(Vertical):
    """A greeting and one button per conversation starter."""

    student: reactive[str] = reactive("")
    """The student's name once Canvas has told it; empty until then."""

    class StarterChosen(Message):
        """The student picked a conversation starter."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, title: str, starters: Sequence[str], *, demo: bool) -> None:
        super().__init__(id="welcome")
        self.title = title
        self.starters = tuple(starters)
        self.demo = demo

    def compose(self) -> ComposeResult:
        yield Static(self._greeting(), id="welcome-title")
        yield Static(
            "Ask about your Canvas courses, get an overview of a course and its "
            "modules, or practise for an exam one question at a time.",
            id="welcome-text",
        )
        if self.demo:
            yield Static(
                "This is the demo: a fictional school, offline.",
                id="welcome-demo",
            )
        with Vertical(id="starters"):
            for number, starter in enumerate(self.starters):
                yield Button(
                    f"› {starter}",
                    id=f"starter-{number}",
                    classes="starter",
                    compact=True,
                    name=starter,
                )
        yield Static(
            "Press tab to pick one, or type your own question below.",
            id="welcome-hint",
        )

    def watch_student(self) -> None:
        if self.is_mounted:
            self.query_one("#welcome-title", Static).update(self._greeting())

    def _greeting(self) -> str:
        first = self.student.split()[0] if self.student.strip() else ""
        hello = f"Hello, {first}!" if first else "Hello!"
        return f"{hello} I'm your {self.title.lower()}."

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.StarterChosen(event.button.name or ""))
