"""A tool call in the transcript: one compact row that opens to show the
arguments and the result.

    ⠹ listModules  course 48213
    ✓ listModules  course 48213 · 6 modules · 0.12 s
    ✗ listModuleItems  course 48213, module 9 · Not found · 0.05 s
"""

from __future__ import annotations

import json
from time import monotonic

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from course_tutor.tui.widgets.spinner import FRAME_SECONDS, spinner_frame

RESULT_LINES = 40
"""How much of a result the expanded row shows."""


def key_arguments(arguments: str, limit: int = 60) -> str:
    """The arguments that tell calls apart, in a few words."""
    try:
        data = json.loads(arguments or "{}")
    except ValueError:
        return "(arguments that are not JSON)"
    if not isinstance(data, dict):
        return ""
    words = []
    for name, value in data.items():
        match value:
            case bool() if value:
                words.append(name.removeprefix("include_").replace("_", " "))
            case bool() | None:
                continue
            case str() | int() | float() if name.endswith("_id"):
                words.append(f"{name.removesuffix('_id')} {value}")
            case str() | int() | float():
                words.append(f"{name.replace('_', ' ')} {json.dumps(value)}")
            case list():
                words.append(f"{len(value)} {name.replace('_', ' ')}")
    text = ", ".join(words)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pretty_json(text: str, max_lines: int = RESULT_LINES) -> str:
    try:
        shown = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        shown = text
    lines = shown.splitlines()
    if len(lines) > max_lines:
        more = len(lines) - max_lines
        lines = [*lines[:max_lines], f"… {more} more lines"]
    return "\n".join(lines)


class ToolCallRow(Vertical, can_focus=True):
    """One tool call; click it (or press enter on it) to see the details."""

    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("enter,space", "toggle_details", "Details", show=True),
    ]

    state: reactive[str] = reactive("running")
    """`running`, `ok` or `failed`."""

    expanded: reactive[bool] = reactive(False)
    """Whether the arguments and the result are shown below the row."""

    def __init__(self, call_id: str, name: str, arguments: str) -> None:
        super().__init__(classes="tool-row")
        self.call_id = call_id
        self.tool_name = name
        self.arguments = arguments
        self.summary = ""
        self.duration: float | None = None
        self.result = ""
        self._started = monotonic()
        self._spin: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._line(), classes="tool-line")
        yield Static(classes="tool-details")

    def on_mount(self) -> None:
        if self.state == "running":
            self._spin = self.set_interval(FRAME_SECONDS, self._tick)
        self._tick()

    def finish(self, ok: bool, summary: str, duration: float, result: str) -> None:
        self.summary = summary
        self.duration = duration
        self.result = result
        self.state = "ok" if ok else "failed"

    def watch_state(self, state: str) -> None:
        self.set_class(state == "failed", "-failed")
        self.set_class(state == "running", "-running")
        if state != "running" and self._spin is not None:
            self._spin.stop()
        self._tick()
        if self.expanded:
            self._show_details()

    def watch_expanded(self, expanded: bool) -> None:
        self.set_class(expanded, "-expanded")
        if expanded:
            self._show_details()

    def action_toggle_details(self) -> None:
        self.expanded = not self.expanded

    def on_click(self) -> None:
        self.action_toggle_details()

    def _tick(self) -> None:
        for line in self.query_children(".tool-line"):
            line.update(self._line())  # type: ignore[attr-defined]

    def _line(self) -> Text:
        mark = {"ok": "✓", "failed": "✗"}.get(self.state) or spinner_frame(
            self._started
        )
        line = Text.assemble(
            (f"{mark} ", "bold"),
            (self.tool_name, "bold"),
        )
        details = key_arguments(self.arguments)
        if details:
            line.append(f"  {details}")
        if self.state != "running":
            if self.summary:
                line.append(f" · {self.summary}")
            if self.duration is not None:
                line.append(f" · {_seconds(self.duration)}")
        line.append(" ▾" if self.expanded else " ▸", "dim")
        return line

    def _show_details(self) -> None:
        from textual.highlight import highlight  # Pygments: only when opened

        details = self.query_children(".tool-details").first(Static)
        parts = [
            Content.styled("arguments", "bold"),
            highlight(pretty_json(self.arguments), language="json"),
        ]
        if self.state == "running":
            parts.append(Content.styled("running…", "italic"))
        else:
            parts += [
                Content.styled("result", "bold"),
                highlight(pretty_json(self.result), language="json"),
            ]
        details.update(Content("\n").join(parts))


def _seconds(duration: float) -> str:
    if duration < 1:
        return f"{duration * 1000:.0f} ms"
    return f"{duration:.1f} s"
