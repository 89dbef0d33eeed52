"""The answer bar of a practice exam: where the student stands, and one
button per choice of the question that waits."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from course_tutor.tui.exam import LETTERS, Question

LABEL_WIDTH = 40
"""Choice text beyond this many characters is cut on the button (the
button's width may cut it shorter)."""


def progress_line(question: Question, score: tuple[int, int] | None) -> str:
    """ "Question 2 of 5 · Cell membranes · score 1/1" """
    parts = []
    if question.number and question.total:
        parts.append(f"Question {question.number} of {question.total}")
    elif question.number:
        parts.append(f"Question {question.number}")
    if question.topic:
        parts.append(question.topic)
    if score is not None:
        parts.append(f"score {score[0]}/{score[1]}")
    elif question.number == 1:
        parts.append("no answers yet")
    return " · ".join(parts) or "Multiple choice"


class ExamChoices(Vertical):
    """Hidden until a question waits; then the progress and A-D buttons."""

    class Picked(Message):
        """The student chose an answer with a button."""

        def __init__(self, letter: str) -> None:
            super().__init__()
            self.letter = letter

    def compose(self) -> ComposeResult:
        yield Static(id="exam-progress")
        with Horizontal(id="choice-buttons"):
            for letter in LETTERS:
                yield Button(
                    letter, id=f"choice-{letter}", classes="choice", compact=True
                )

    def show(self, question: Question | None, score: tuple[int, int] | None) -> None:
        self.display = question is not None
        if question is None:
            return
        self.query_one("#exam-progress", Static).update(progress_line(question, score))
        for letter in LETTERS:
            button = self.query_one(f"#choice-{letter}", Button)
            text = question.choices.get(letter)
            button.display = text is not None
            if text is not None:
                short = (
                    text if len(text) <= LABEL_WIDTH else text[: LABEL_WIDTH - 1] + "…"
                )
                button.label = f"{letter}) {short}"
                button.tooltip = f"{letter}) {text}"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        letter = (event.button.id or "").removeprefix("choice-")
        self.post_message(self.Picked(letter))
