"""The log view: what the `course_tutor` logger recorded during this run."""

from __future__ import annotations

import logging
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from course_tutor.tui.log_capture import LogRecorder

LEVEL_STYLES = {
    logging.DEBUG: "dim",
    logging.INFO: "",
    logging.WARNING: "bold yellow",
    logging.ERROR: "bold red",
    logging.CRITICAL: "bold reverse red",
}


def log_line(record: logging.LogRecord) -> Text:
    when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
    line = Text.assemble(
        (f"{when} ", "dim"),
        (f"{record.levelname:<7} ", LEVEL_STYLES.get(record.levelno, "")),
        (f"{record.name.removeprefix('course_tutor.')}: ", "dim"),
    )
    try:
        line.append(record.getMessage())
    except (TypeError, ValueError):
        line.append(str(record.msg))
    return line


class LogScreen(Screen[None]):
    """The records kept so far, and new ones as they come."""

    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("escape,q", "app.pop_screen", "Back"),
    ]

    def __init__(self, recorder: LogRecorder) -> None:
        super().__init__(id="log-screen")
        self.recorder = recorder
        self._shown = 0

    def compose(self) -> ComposeResult:
        yield Static(" Log · what course-tutor did during this run", id="log-title")
        yield RichLog(id="log", wrap=True, highlight=False, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._shown = max(0, self.recorder.count - len(self.recorder.records))
        self._catch_up()
        if not self.recorder.count:
            self.query_one(RichLog).write(Text("Nothing logged yet.", style="dim"))
        self.set_interval(0.5, self._catch_up)

    def _catch_up(self) -> None:
        log = self.query_one(RichLog)
        for record in self.recorder.since(self._shown):
            log.write(log_line(record))
        self._shown = self.recorder.count
