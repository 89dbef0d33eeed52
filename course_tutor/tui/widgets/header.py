"""The top line: the app, who is connected to which Canvas, and the model."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

APP_NAME = "course-tutor"


class TutorHeader(Horizontal):
    """One line: app name, Canvas host and student, model."""

    canvas_host: reactive[str] = reactive("")
    """The Canvas host of the session, or empty before it is open."""

    student: reactive[str] = reactive("")
    """The student's name from Canvas, or empty until known."""

    model_label: reactive[str] = reactive("")
    """How the model is named on screen ("scripted offline model" in demo)."""

    status: reactive[str] = reactive("connecting…")
    """Shown instead of host and model while the session is not open."""

    def compose(self) -> ComposeResult:
        yield Static(Text(f" {APP_NAME} ", style="bold"), id="header-app")
        yield Static(id="header-canvas")
        yield Static(id="header-model")

    def on_mount(self) -> None:
        self._update()

    def watch_canvas_host(self) -> None:
        self._update()

    def watch_student(self) -> None:
        self._update()

    def watch_model_label(self) -> None:
        self._update()

    def watch_status(self) -> None:
        self._update()

    def _update(self) -> None:
        if not self.is_mounted:
            return
        canvas = self.query_one("#header-canvas", Static)
        model = self.query_one("#header-model", Static)
        if not self.canvas_host:
            canvas.update(Text(self.status, style="italic"))
            model.update("")
            return
        where = Text()
        if self.student:
            where.append(self.student, style="bold")
            where.append(" @ ")
        where.append(self.canvas_host)
        canvas.update(where)
        model.update(Text(self.model_label))
