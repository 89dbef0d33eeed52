"""Asks before opening a link that does not point into the student's Canvas."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmLinkScreen(ModalScreen[bool]):
    """Shows the whole address; dismissed with True to open it."""

    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("escape,n", "dismiss(False)", "Don't open"),
        Binding("y", "dismiss(True)", "Open"),
    ]

    def __init__(self, url: str) -> None:
        super().__init__(classes="dialog-screen")
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-link"):
            yield Static("Open this link?", classes="dialog-title")
            yield Static(
                "It does not point into your Canvas. Check the whole address "
                "before you open it:",
                classes="dialog-text",
            )
            yield Static(Text(self.url), id="link-url")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Open in browser", id="open", variant="primary")
                yield Button("Don't open", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "open")
