"""The first screen when nothing is configured: how to connect Canvas and a
model, and a way into the demo without either."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Markdown, Static

HOW_TO_CONNECT = """\
**Your Canvas:** run `course-tutor init`, or set `CANVAS_BASE_URL` (your
school's Canvas address) and `CANVAS_API_TOKEN` (Canvas → Account → Settings
→ *New access token*). No tokens at your school? `course-tutor login`.

**A model:** set `OPENAI_API_KEY`, or `OPENAI_BASE_URL` for an
OpenAI-compatible server of your own (Ollama, vLLM, LM Studio, llama.cpp).
"""


class SetupScreen(Screen[None]):
    """Explains the set-up; the demo button starts a demo session."""

    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("d", "start_demo", "Try the demo"),
    ]

    class DemoRequested(Message):
        """The student asked for the demo instead."""

    def __init__(self, problem: str | None = None) -> None:
        super().__init__(id="setup-screen")
        self.problem = problem

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="setup-scroll"), Vertical(id="setup"):
            yield Static(
                "course-tutor needs your Canvas and a model to talk to",
                id="setup-title",
            )
            if self.problem:
                yield Static(self.problem, id="setup-problem")
            yield Markdown(HOW_TO_CONNECT, id="setup-steps")
            yield Static(
                "Then start course-tutor again. Or look around first: the demo "
                "runs offline, with a fictional school and a scripted tutor.",
                id="setup-demo-text",
            )
            with Horizontal(id="setup-buttons"):
                yield Button("Try the demo", id="start-demo", variant="primary")
                yield Button("Quit", id="quit")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#start-demo", Button).focus(scroll_visible=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start-demo":
            self.action_start_demo()
        else:
            self.app.exit()

    def action_start_demo(self) -> None:
        self.post_message(self.DemoRequested())
