"""The chat: header, transcript, exam answer bar, composer, course panel and
footer, and the two workers behind them.

The session worker opens the session once the screen is painted and holds it
open for as long as the screen lives (cancelling it closes Canvas and the
model in the task that opened them). The turn worker plays one turn of the
loop at a time; escape cancels it, and the loop leaves the history valid.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker

from course_tutor.agent.events import (
    Event,
    ToolCallFinished,
    TurnFailed,
    TurnFinished,
    UsageReported,
)
from course_tutor.tui import notices
from course_tutor.tui.conversations import ChatRecord
from course_tutor.tui.exam import Question, find_question, find_score
from course_tutor.tui.links import follow_link
from course_tutor.tui.outline import CourseOutline
from course_tutor.tui.widgets.answer import AnswerView
from course_tutor.tui.widgets.composer import PLACEHOLDER, Composer
from course_tutor.tui.widgets.course_panel import CoursePanel
from course_tutor.tui.widgets.exam_choices import ExamChoices
from course_tutor.tui.widgets.header import TutorHeader
from course_tutor.tui.widgets.transcript import Transcript
from course_tutor.tui.widgets.turn import TurnView
from course_tutor.tui.widgets.welcome import Welcome

if TYPE_CHECKING:
    from course_tutor.session import Session
    from course_tutor.tui.app import TutorApp

log = logging.getLogger(__name__)

WIDE_ENOUGH_FOR_PANEL = 120
"""Columns from which the course panel opens by itself when a course appears."""


def _import_the_session(demo: bool) -> None:
    """Import what opening a session and drawing an answer will need."""
    import importlib

    names = ["course_tutor.session", "course_tutor.agent.loop", "course_tutor.tools"]
    names.append("course_tutor.tui.markdown")
    if demo:
        names += ["course_tutor.demo", "course_tutor.demo.scripted"]
    for name in names:
        importlib.import_module(name)


class ChatScreen(Screen[None]):
    """One conversation with the tutor over one session."""

    BINDINGS = [  # noqa: RUF012 - Textual reads this class attribute
        Binding("escape", "cancel_turn", "Stop"),
        Binding("ctrl+n", "new_chat", "New chat"),
        Binding("ctrl+t", "toggle_panel", "Course"),
        Binding("ctrl+y", "copy_answer", "Copy answer", show=False),
    ]

    busy: reactive[bool] = reactive(False, bindings=True)
    """True while a turn is being played."""

    question: reactive[Question | None] = reactive(None)
    """The multiple-choice question the tutor waits on, if any."""

    panel_open: reactive[bool] = reactive(False)
    """Whether the course panel is shown."""

    def __init__(self, *, demo: bool) -> None:
        super().__init__(id="chat")
        self.demo = demo
        self.session: Session | None = None
        self.history: list[dict[str, Any]] = []
        self.outline = CourseOutline()
        self.score: tuple[int, int] | None = None
        self.record = ChatRecord(self.tutor_app.store)
        self._failure_told: Exception | None = None
        self.tokens = 0
        self._ready = asyncio.Event()
        self._panel_chosen = False

    @property
    def tutor_app(self) -> TutorApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        instructions = self.tutor_app.instructions
        yield TutorHeader(id="header")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield Transcript(
                    Welcome(instructions.title, instructions.starters, demo=self.demo)
                )
                yield ExamChoices(id="exam-choices")
                yield Composer(id="composer")
            yield CoursePanel(id="course-panel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ExamChoices).display = False
        self.query_one(CoursePanel).display = False
        self.query_one(Composer).focus()
        # Paint first; opening the session imports the model client.
        self.call_after_refresh(self.open_session)

    # -- the session ---------------------------------------------------------

    @work(exclusive=True, group="session")
    async def open_session(self) -> None:
        header = self.query_one(TutorHeader)
        # The model client and the rest take a second to import: do it off
        # the event loop, so the screen answers keys meanwhile.
        await asyncio.to_thread(_import_the_session, self.demo)
        try:
            await self.tutor_app.read_settings()
            async with self.tutor_app.connect(demo=self.demo) as session:
                self.session = session
                self.history = session.new_history()
                header.model_label = session.model_label
                header.canvas_host = session.canvas_host
                self._ready.set()
                log.info("session open: %s, %s", session.canvas_host, session.model)
                await self._greet(session)
                await asyncio.Event().wait()  # hold the session open
        except Exception as error:
            header.status = "not connected"
            self.tutor_app.session_failed(error)

    async def _greet(self, session: Session) -> None:
        from course_tutor.canvas import CanvasError

        try:
            me = await session.canvas.get_self()
        except CanvasError as error:
            log.warning("could not read the student's name: %s", error.kind)
            if error.kind == "invalid_token":
                self.notify(
                    notices.TOKEN_ADVICE,
                    title="Canvas token refused",
                    severity="error",
                    timeout=15,
                )
            return
        name = str(getattr(me, "name", "") or "")
        self.query_one(TutorHeader).student = name
        self.query_one(Welcome).student = name

    # -- turns ---------------------------------------------------------------

    def send(self, text: str) -> bool:
        """Start a turn with `text`; False when a turn is already running."""
        if self.busy:
            self.notify(
                "Press esc to stop it, or wait for the answer.",
                title="The tutor is still answering",
                severity="warning",
            )
            return False
        self.busy = True
        self.question = None
        self.play_turn(text)
        return True

    @work(exclusive=True, group="turn")
    async def play_turn(self, text: str) -> None:
        before: int | None = None
        turn: TurnView | None = None
        try:
            turn = await self.query_one(Transcript).add_turn(text)
            await self._ready.wait()
            assert self.session is not None
            history = self.history
            before = len(history)
            events = self.record.follow(
                self.session.agent.run(history, text), history, text, self.session
            )
            async with aclosing(events) as events:
                async for event in events:
                    turn.show(event)
                    self._take(event)
        except asyncio.CancelledError:
            self._cancelled(turn, text, before)
            raise
        except Exception:
            # The loop reports failures as events; anything else is a bug,
            # which goes to the log, not over the screen.
            log.exception("the turn failed unexpectedly")
            if turn is not None:
                turn.end(note="the tutor stopped on an internal error")
            self.notify(
                "Something went wrong inside course-tutor. Ask again; the log "
                "(ctrl+p, Show the log) has the details.",
                title="Unexpected error",
                severity="error",
            )
        finally:
            self._check_saved()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Also covers a turn cancelled before its coroutine ever started.
        if event.worker.group == "turn" and event.worker.is_finished:
            self.busy = any(
                w.group == "turn" and not w.is_finished for w in self.workers
            )

    def _take(self, event: Event) -> None:
        """What an event means beyond the transcript."""
        match event:
            case ToolCallFinished(name=name, arguments=arguments, result=result):
                if self.outline.learn(name, arguments, result):
                    self._show_outline()
                notice = notices.tool_failed(result)
                if notice is not None:
                    self.notify(notice.message, title=notice.title, severity="error")
            case UsageReported() as usage:
                self.tokens += usage.total_tokens
                log.info("tokens so far in this chat: %d", self.tokens)
            case TurnFinished(text=text):
                question = find_question(text)
                if question is not None and question.number == 1:
                    self.score = None  # a new exam
                self.score = find_score(text) or self.score
                self.question = question
            case TurnFailed(kind=kind, message=message):
                notice = notices.turn_failed(kind, message)
                self.notify(
                    notice.message,
                    title=notice.title,
                    severity=notice.severity,  # type: ignore[arg-type]
                    timeout=12,
                )

    def _cancelled(self, turn: TurnView | None, text: str, before: int | None) -> None:
        came_back = before is not None and len(self.history) > before + 1
        if came_back and turn is not None:
            turn.end(interrupted=True)
            return
        if before is not None and len(self.history) == before + 1:
            self.history.pop()  # only the question: take it back
            self.record.withdrawn(self.history)
        if turn is not None:
            turn.remove()
        composer = self.query_one(Composer)
        if not composer.text.strip():
            composer.text = text
            composer.move_cursor(composer.document.end)
        if not self.query_one(Transcript).turns[:-1]:
            self.query_one(Welcome).display = True
        self.notify(
            "Nothing came back; your message is in the box again.", title="Stopped"
        )

    def _check_saved(self) -> None:
        failure = self.record.failure
        if failure is not None and failure is not self._failure_told:
            self._failure_told = failure
            self.notify(str(failure), title="Not saved", severity="error", timeout=12)

    def _show_outline(self) -> None:
        self.query_one(CoursePanel).show(self.outline)
        if not self._panel_chosen and self.size.width >= WIDE_ENOUGH_FOR_PANEL:
            self.panel_open = True

    # -- reactives -----------------------------------------------------------

    def watch_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        composer = self.query_one(Composer)
        composer.border_subtitle = "esc stops the answer" if busy else ""

    def watch_question(self, question: Question | None) -> None:
        self.query_one(ExamChoices).show(question, self.score)
        composer = self.query_one(Composer)
        composer.choice_letters = question.letters if question else ""
        composer.placeholder = (
            f"Press {question.letters[0]}–{question.letters[-1]} to answer, "
            "or type a message…"
            if question
            else PLACEHOLDER
        )

    def watch_panel_open(self, panel_open: bool) -> None:
        self.query_one(CoursePanel).display = panel_open

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_turn":
            return self.busy
        return True

    # -- what the student does ------------------------------------------------

    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        if self.send(event.text):
            event.composer.clear()

    @on(Composer.ChoicePicked)
    @on(ExamChoices.Picked)
    def _answered(self, event: Composer.ChoicePicked | ExamChoices.Picked) -> None:
        self.send(event.letter)
        self.query_one(Composer).focus()

    @on(Welcome.StarterChosen)
    def _starter(self, event: Welcome.StarterChosen) -> None:
        self.send(event.text)
        self.query_one(Composer).focus()

    @on(AnswerView.LinkClicked)
    def _link_clicked(self, event: AnswerView.LinkClicked) -> None:
        self.open_link(event.href)

    @on(CoursePanel.ItemChosen)
    def _item_chosen(self, event: CoursePanel.ItemChosen) -> None:
        self.open_link(event.href)

    @on(CoursePanel.CourseChosen)
    def _course_chosen(self, event: CoursePanel.CourseChosen) -> None:
        composer = self.query_one(Composer)
        composer.text = f"Give an overview of {event.name}."
        composer.move_cursor(composer.document.end)
        composer.focus()

    def open_link(self, href: str) -> None:
        host = self.session.canvas_host if self.session else ""
        follow_link(self.app, href, host, demo=self.demo)

    def action_cancel_turn(self) -> None:
        self.workers.cancel_group(self, "turn")

    def action_new_chat(self) -> None:
        self.start_conversation()

    def start_conversation(
        self,
        conversation_id: int | None = None,
        saved: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Show a new (empty) conversation, or a resumed one from the store."""
        self.workers.cancel_group(self, "turn")
        saved = list(saved)
        self.history = [*(self.session.new_history() if self.session else []), *saved]
        if conversation_id is None:
            self.record.start_over()
        else:
            self.record.resume(conversation_id, self.history)
        self.outline = CourseOutline()
        self.score = None
        self.tokens = 0
        transcript = self.query_one(Transcript)
        if saved:
            transcript.replay(saved)
            self.outline.learn_history(saved)
        else:
            transcript.clear_turns()
        self.query_one(CoursePanel).show(self.outline)
        answers = [
            m for m in saved if m.get("role") == "assistant" and m.get("content")
        ]
        self.question = find_question(str(answers[-1]["content"])) if answers else None
        self.query_one(Composer).focus()

    def action_toggle_panel(self) -> None:
        self._panel_chosen = True
        self.panel_open = not self.panel_open

    def action_copy_answer(self) -> None:
        answer = next(
            (
                str(m["content"])
                for m in reversed(self.history)
                if m.get("role") == "assistant" and m.get("content")
            ),
            None,
        )
        if answer is None:
            self.notify("There is no answer to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(answer)
        self.notify(f"{len(answer)} characters of Markdown.", title="Answer copied")
