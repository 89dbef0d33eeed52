"""Picking a past conversation to continue, from the conversation store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


def when(stamp: Any) -> str:
    """A stored timestamp, in local time and few characters."""
    try:
        moment = datetime.fromisoformat(str(stamp)).astimezone()
    except ValueError:
        return str(stamp or "")
    return moment.strftime("%b %-d, %H:%M")


class ResumeScreen(ModalScreen[Any]):
    """Dismissed with the chosen conversation's id, or None."""

    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("escape", "dismiss(None)", "Cancel"),
    ]

    def __init__(self, conversations: Sequence[Any]) -> None:
        super().__init__(classes="dialog-screen")
        self.conversations = list(conversations)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="resume-dialog"):
            yield Static("Resume a conversation", classes="dialog-title")
            if not self.conversations:
                yield Static("No saved conversations yet.", classes="dialog-text")
                return
            yield OptionList(
                *(
                    Option(_label(conversation), id=str(number))
                    for number, conversation in enumerate(self.conversations)
                ),
                id="resume-list",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = self.conversations[int(event.option.id or 0)]
        self.dismiss(chosen.id)


def _label(conversation: Any) -> Text:
    label = Text(str(getattr(conversation, "title", "") or "Untitled"), style="bold")
    label.append(f"  {when(getattr(conversation, 'updated', ''))}", style="dim")
    questions = getattr(conversation, "questions", 0)
    if questions:
        label.append(f" · {questions} question{'s' if questions != 1 else ''}", "dim")
    return label
