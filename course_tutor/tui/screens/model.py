"""Switching the model mid-conversation: the ones the server offers, or any
name typed in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

ListModels = Callable[[], Awaitable[list[str]]]


class ModelScreen(ModalScreen[str | None]):
    """Dismissed with the chosen model's name, or None."""

    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("escape", "dismiss(None)", "Cancel"),
    ]

    def __init__(self, current: str, list_models: ListModels | None) -> None:
        super().__init__(classes="dialog-screen")
        self.current = current
        self.list_models = list_models

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="model-dialog"):
            yield Static("Switch model", classes="dialog-title")
            yield Input(self.current, placeholder="model name", id="model-name")
            yield Static("Asking the server for its models…", id="model-status")
            yield OptionList(id="model-list")

    def on_mount(self) -> None:
        self.query_one("#model-list").display = False
        if self.list_models is not None:
            self.fetch_models()
        else:
            self.query_one("#model-status", Static).update("Type a model name.")

    @work(exclusive=True)
    async def fetch_models(self) -> None:
        status = self.query_one("#model-status", Static)
        assert self.list_models is not None
        try:
            models = await self.list_models()
        except Exception as error:  # any failure: typing a name still works
            status.update(
                f"The server did not list its models ({type(error).__name__})."
            )
            return
        if not models:
            status.update("The server lists no models; type a name.")
            return
        status.update("Or pick one the server offers:")
        options = self.query_one("#model-list", OptionList)
        options.add_options([Option(name, id=name) for name in models])
        options.display = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
