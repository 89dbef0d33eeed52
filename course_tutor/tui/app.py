"""The Textual app: which screen comes first, the command palette, and the
things that outlive a chat screen (settings, the log, the conversation store).

    TutorApp(settings, demo=True).run()

With Canvas configured (or `demo`), the chat screen comes first and opens the
session after its first paint; otherwise the set-up screen explains how to
connect, and offers the demo. In demo the settings may be left out: they are
read (pydantic is slow to import) while the first screen is already up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from course_tutor.tui.conversations import ConversationStore
from course_tutor.tui.log_capture import LogRecorder, recording

log = logging.getLogger(__name__)

RESUME_LIST_LENGTH = 50

DEMO_PACE_MS = 15.0
"""How fast the scripted model types in the demo: readable, not slow."""

Connect = Callable[..., AbstractAsyncContextManager[Any]]


class TutorApp(App[None]):
    """course-tutor's screen."""

    TITLE = "course-tutor"
    CSS_PATH = "tutor.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        settings: Any = None,
        *,
        demo: bool = False,
        model: str | None = None,
        prompt: str | Path | None = None,
        pace_ms: float | None = None,
        store: ConversationStore | None = None,
        store_problem: str | None = None,
        connect: Connect | None = None,
    ) -> None:
        """`settings=None` reads them (with `model`) when the session opens.
        `connect(settings, demo=..., prompt=..., pace_ms=...)` opens a
        session (`course_tutor.session.open_session` unless given); `store`
        saves and resumes conversations (see `conversations`), and
        `store_problem` says why there is none when it could not open."""
        super().__init__()
        self.settings = settings
        self.model = model
        self.demo = demo
        self.prompt = prompt
        self.pace_ms = DEMO_PACE_MS if pace_ms is None else pace_ms
        self.store = store
        self._store_problem = store_problem
        self._connect = connect
        self.recorder = LogRecorder()
        self._recording = recording(self.recorder)
        self._instructions_problem: str | None = None
        self.instructions = self._load_instructions()

    def _load_instructions(self) -> Any:
        from course_tutor.instructions import InstructionsError, load_instructions

        try:
            return load_instructions(self.prompt)
        except InstructionsError as error:
            # Say so, and tutor with the shipped instructions rather than none.
            self._instructions_problem = str(error)
            self.prompt = None
            return load_instructions(None)

    async def read_settings(self) -> Any:
        """The settings, read off the event loop the first time."""
        if self.settings is None:
            from course_tutor.config import load_settings

            self.settings = await asyncio.to_thread(load_settings, model=self.model)
        return self.settings

    def connect(self, *, demo: bool) -> AbstractAsyncContextManager[Any]:
        """Open a session (Canvas, the model and the loop); after `read_settings`."""
        connect = self._connect
        if connect is None:
            from course_tutor.session import open_session

            connect = open_session
        return connect(
            self.settings, demo=demo, prompt=self.prompt, pace_ms=self.pace_ms
        )

    def on_mount(self) -> None:
        from course_tutor.tui.screens.chat import ChatScreen
        from course_tutor.tui.screens.setup import SetupScreen

        self._recording.__enter__()
        if self.demo or (self.settings and self.settings.canvas_configured):
            self.push_screen(ChatScreen(demo=self.demo))
        else:
            self.push_screen(SetupScreen())
        if self._store_problem:
            self.notify(
                f"{self._store_problem} This conversation will not be saved.",
                title="History not available",
                severity="warning",
                timeout=15,
            )
        if self._instructions_problem:
            self.notify(
                f"{self._instructions_problem} Using the shipped instructions.",
                title="Instructions not read",
                severity="error",
                timeout=15,
            )

    def on_unmount(self) -> None:
        self._recording.__exit__(None, None, None)

    # -- screens -------------------------------------------------------------

    def on_setup_screen_demo_requested(self) -> None:
        from course_tutor.tui.screens.chat import ChatScreen

        self.demo = True
        self.switch_screen(ChatScreen(demo=True))

    def session_failed(self, error: BaseException) -> None:
        """The session could not open: set-up problems get the set-up screen."""
        from course_tutor.session import SetupError

        if isinstance(error, SetupError):
            from course_tutor.tui.screens.setup import SetupScreen

            self.switch_screen(SetupScreen(str(error)))
            return
        log.error("could not open the session: %s", error)
        message = str(error) or type(error).__name__
        self.notify(message, title="Could not connect", severity="error", timeout=20)

    @property
    def chat(self) -> Any:
        from course_tutor.tui.screens.chat import ChatScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, ChatScreen):
                return screen
        return None

    # -- the command palette ---------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        chat = self.chat
        if chat is not None:
            yield SystemCommand(
                "New chat", "Start an empty conversation", chat.action_new_chat
            )
            if self.store is not None:
                yield SystemCommand(
                    "Resume a conversation",
                    "Continue a saved conversation",
                    self.action_resume,
                )
            yield SystemCommand(
                "Export the transcript",
                "Save this conversation as Markdown",
                self.action_export,
            )
            yield SystemCommand(
                "Toggle the course panel",
                "Show or hide the course tree",
                chat.action_toggle_panel,
            )
            yield SystemCommand(
                "Switch model",
                "Ask another model from now on",
                self.action_switch_model,
            )
            yield SystemCommand(
                "Copy the last answer",
                "As Markdown, to the clipboard",
                chat.action_copy_answer,
            )
        yield SystemCommand(
            "Show the log",
            "What course-tutor did during this run",
            self.action_show_log,
        )
        yield SystemCommand(
            "Save a screenshot",
            "An SVG of the screen, in the export folder",
            self.action_save_screenshot,
        )
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot",):
                yield command

    def export_dir(self) -> Path:
        configured = getattr(self.settings, "export_dir", None)
        if configured:
            return Path(configured).expanduser()
        from course_tutor.config import data_dir

        return data_dir() / "exports"

    def action_export(self) -> None:
        from course_tutor.tui.export import transcript_markdown, write_transcript

        chat = self.chat
        if chat is None or len(chat.history) < 2:
            self.notify("There is nothing to export yet.", severity="warning")
            return
        now = datetime.now().astimezone()
        saved_as = chat.record.conversation_id
        try:
            if self.store is not None and saved_as is not None:
                text = self.store.export_markdown(saved_as)
            else:
                session = chat.session
                text = transcript_markdown(
                    chat.history,
                    title=_title(chat.history, self.instructions.title),
                    model=session.model if session else "",
                    prompt_hash=self.instructions.digest,
                    canvas_host=session.canvas_host if session else "",
                    when=now,
                )
            path = write_transcript(self.export_dir(), text, now)
        except Exception as error:  # the store's and the disk's errors say what
            self.notify(str(error), title="Could not export", severity="error")
            return
        self.notify(str(path), title="Transcript exported", timeout=10)

    def action_save_screenshot(self) -> None:
        directory = self.export_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = self.save_screenshot(path=str(directory))
        except OSError as error:
            self.notify(
                str(error), title="Could not save the screenshot", severity="error"
            )
            return
        self.notify(path, title="Screenshot saved", timeout=10)

    def action_show_log(self) -> None:
        from course_tutor.tui.screens.log import LogScreen

        self.push_screen(LogScreen(self.recorder))

    def action_switch_model(self) -> None:
        from course_tutor.tui.screens.model import ModelScreen

        chat = self.chat
        session = chat.session if chat else None
        if session is None:
            self.notify("The session is not open yet.", severity="warning")
            return

        async def list_models() -> list[str]:
            page = await session.agent.client.models.list()
            return sorted(model.id for model in page.data)

        def switch(model: str | None) -> None:
            if not model or model == session.agent.model:
                return
            old = session.agent.model
            session.agent.model = model
            label = session.model_label
            label = label.replace(old, model, 1) if old in label else model
            session.model_label = label
            chat.query_one("#header").model_label = label
            log.info("model switched from %s to %s", old, model)
            self.notify(f"The tutor now asks {model}.", title="Model switched")

        self.push_screen(ModelScreen(session.agent.model, list_models), switch)

    # -- the conversation store ---------------------------------------------------

    @work(exclusive=True, group="resume")
    async def action_resume(self) -> None:
        from course_tutor.tui.screens.resume import ResumeScreen

        chat = self.chat
        if self.store is None or chat is None:
            return
        try:
            conversations = list(self.store.list(limit=RESUME_LIST_LENGTH))
        except Exception as error:  # the store's errors say what to do
            self.notify(
                str(error), title="Could not list conversations", severity="error"
            )
            return
        chosen = await self.push_screen_wait(ResumeScreen(conversations))
        if chosen is None:
            return
        try:
            messages = self.store.load(chosen)
        except Exception as error:
            self.notify(
                str(error), title="Could not load the conversation", severity="error"
            )
            return
        chat.start_conversation(chosen, messages)


def _title(history: list[dict[str, Any]], fallback: str) -> str:
    from course_tutor.store import title_from

    first = next((m for m in history if m.get("role") == "user"), None)
    return title_from(str(first["content"])) if first else fallback
