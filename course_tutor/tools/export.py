"""`exportPracticeExam`: the one local tool. It saves a finished practice
exam as a PDF and a Markdown file in the export folder and remembers the
attempt in the conversation store.

The score is counted here from the letters, never taken from the model. The
attempt is stored before any file is written, so a folder that cannot be
written to, or a full disk, loses nothing: the tool answers with an error
that says what to do, and the results stay in the history.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from course_tutor.tools.arguments import ToolArguments
from course_tutor.tools.base import DEFAULT_TIMEOUT, Tool, ToolFailed

if TYPE_CHECKING:
    from course_tutor.config import Settings
    from course_tutor.exams import ExamAttempt, ExportedFiles
    from course_tutor.store import Store

log = logging.getLogger(__name__)

LETTERS = "ABCDEF"
MAX_QUESTIONS = 100


def _letter(value: Any) -> Any:
    """ "b", " B ", "B)" and "B." all mean B."""
    if isinstance(value, str):
        return value.strip().rstrip(").:").strip().upper()
    return value


Letter = Annotated[Literal["A", "B", "C", "D", "E", "F"], BeforeValidator(_letter)]


class ExamQuestionArguments(ToolArguments):
    question: str = Field(min_length=1, description="The question as it was asked.")
    choices: list[str] = Field(
        min_length=2,
        max_length=6,
        description="The answer choices in the order they were shown; they are "
        "lettered A, B, C, ... in this order. Without the letters.",
    )
    correct: Letter = Field(description='The letter of the right choice, e.g. "B".')
    chosen: Letter | None = Field(
        description="The letter the student answered, or null if they did not."
    )
    explanation: str = Field("", description="Why the right choice is right.")
    topic: str = Field("", description="The topic or module the question tests.")

    @model_validator(mode="after")
    def _letters_name_choices(self) -> ExamQuestionArguments:
        last = LETTERS[len(self.choices) - 1]
        for name in ("correct", "chosen"):
            letter = getattr(self, name)
            if letter is not None and letter > last:
                raise ValueError(
                    f"{name} is {letter}, but there are only {len(self.choices)} "
                    f"choices (A to {last})"
                )
        return self


class ExportPracticeExamArguments(ToolArguments):
    course: str = Field(
        min_length=1, description="The course's name and code, as the student knows it."
    )
    topics: list[str] = Field(description="The chapters or topics the exam covered.")
    questions: list[ExamQuestionArguments] = Field(
        min_length=1,
        max_length=MAX_QUESTIONS,
        description="Every question of the exam, in the order asked.",
    )

    def attempt(self) -> ExamAttempt:
        from course_tutor.exams import ExamAttempt, ExamQuestion

        return ExamAttempt(
            course=self.course,
            topics=tuple(self.topics),
            questions=tuple(
                ExamQuestion(
                    question=q.question,
                    choices=tuple(q.choices),
                    correct=q.correct,
                    chosen=q.chosen,
                    explanation=q.explanation,
                    topic=q.topic,
                )
                for q in self.questions
            ),
        )


def export_dir(settings: Settings) -> Path:
    """The configured export folder, or `exports` in the data directory."""
    from course_tutor.config import data_dir

    return settings.export_dir or data_dir() / "exports"


class ExportPracticeExam(Tool[ExportPracticeExamArguments]):
    name = "exportPracticeExam"
    description = (
        "Save the results of a finished practice exam as a PDF and a Markdown "
        "file for the student, and keep the attempt in their history. Call it "
        "once, after the last question, when the student has said they want "
        "the PDF. Give every question with its choices in order, the right "
        "letter, the letter the student chose (null if none), the explanation "
        "and the topic. The tool counts the score itself: tell the student the "
        "score it returns and the two file paths."
    )
    arguments = ExportPracticeExamArguments

    def __init__(
        self,
        directory: Path,
        *,
        store: Store | None = None,
        conversation_id: Callable[[], int | None] = lambda: None,
        strict: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(strict=strict, timeout=timeout)
        self.directory = directory
        self.store = store
        self.conversation_id = conversation_id

    async def call(self, arguments: ExportPracticeExamArguments) -> Any:
        from course_tutor.exams import ExportFailed, write_export

        attempt = arguments.attempt()
        stored = self._remember(attempt)
        try:
            # Rendering and writing block; the screen must not.
            files = await asyncio.to_thread(write_export, attempt, self.directory)
        except ExportFailed as failure:
            kept = " The questions, answers and score are kept in the history."
            message = str(failure) + (kept if stored is not None else "")
            raise ToolFailed(failure.kind, message) from None
        if self.store is not None and stored is not None:
            self._note_files(self.store, stored, files)
        return {
            "pdf": str(files.pdf),
            "markdown": str(files.markdown),
            "score": attempt.score.as_dict(),
        }

    def summary(self, result: Any) -> str:
        score = result.get("score") or {}
        return f"saved {Path(result['pdf']).name} ({score.get('percent', 0):g}%)"

    def timed_out_message(self) -> str:
        return (
            f"Writing the exam files took longer than {self.timeout:g} seconds, "
            f"so it was stopped; check the export folder {self.directory}."
        )

    def _remember(self, attempt: ExamAttempt) -> int | None:
        from course_tutor.store import StoreError

        if self.store is None:
            return None
        score = attempt.score
        try:
            return self.store.save_attempt(
                course=attempt.course,
                topics=attempt.topics,
                questions=[q.as_dict() for q in attempt.questions],
                correct=score.correct,
                total=score.total,
                conversation_id=self.conversation_id(),
            )
        except StoreError as error:
            log.warning("exam attempt not stored: %s", error)
            return None

    def _note_files(self, store: Store, attempt_id: int, files: ExportedFiles) -> None:
        from course_tutor.store import StoreError

        try:
            store.attach_files(
                attempt_id, pdf_path=str(files.pdf), markdown_path=str(files.markdown)
            )
        except StoreError as error:
            log.warning("exported files not noted: %s", error)
