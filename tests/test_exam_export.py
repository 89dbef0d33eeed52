"""exportPracticeExam: the score it counts, the PDF's text as a reader's
tool extracts it, Unicode, the Markdown beside it, the stored attempt, and
every way it can fail without raising or losing the results."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from course_tutor.exams import ExamAttempt, ExamQuestion, render_pdf
from course_tutor.exams.pdf import FONTS
from course_tutor.store import Store
from course_tutor.tools.export import ExportPracticeExam, export_dir

QUESTIONS: list[dict[str, Any]] = [
    {
        "question": "Which organelle makes most of a cell's ATP?",
        "choices": ["Ribosome", "Mitochondrion", "Golgi apparatus", "Lysosome"],
        "correct": "B",
        "chosen": "B",
        "explanation": "Oxidative phosphorylation happens in mitochondria.",
        "topic": "Cell energy",
    },
    {
        "question": "Für welche Werte gilt ∑ xᵢ ≤ √n · σ, wenn α = π/4?",
        "choices": ["Für alle n ≥ 1", "Nie", "Nur für n → ∞", "Wenn Δ ≠ 0"],
        "correct": "A",
        "chosen": "c",
        "explanation": "Cauchy–Schwarz: |∑ xᵢ| ≤ √n · ‖x‖, and ∫₀¹ 2x dx = 1.",
        "topic": "Inégalités — Ω",
    },
    {
        "question": "What does the enzyme helicase do?",
        "choices": ["Unwinds DNA", "Joins fragments"],
        "correct": "A",
        "chosen": None,
        "explanation": "",
        "topic": "DNA replication",
    },
]
ARGUMENTS = {
    "course": "BIO 110: Introduction à la biologie cellulaire",
    "topics": ["Cell energy", "Inégalités — Ω", "DNA replication"],
    "questions": QUESTIONS,
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_TUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_TUTOR_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("COURSE_TUTOR_EXPORT_DIR", raising=False)


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "tutor.db") as opened:
        yield opened


@pytest.fixture
def tool(tmp_path: Path, store: Store) -> ExportPracticeExam:
    return ExportPracticeExam(tmp_path / "exports", store=store)


def run(tool: ExportPracticeExam, arguments: Any = ARGUMENTS) -> dict[str, Any]:
    """The tool's answer to a call, as the loop would get it."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return json.loads(asyncio.run(tool.run(text)))


def pdf_text(path: str | Path) -> str:
    """The PDF's text with runs of white space made one space."""
    pages = PdfReader(path).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# -- the result ------------------------------------------------------------------


def test_it_returns_absolute_paths_side_by_side(
    tool: ExportPracticeExam, tmp_path: Path
) -> None:
    result = run(tool)
    pdf, markdown = Path(result["pdf"]), Path(result["markdown"])
    assert pdf.is_absolute()
    assert markdown.is_absolute()
    assert pdf.parent == markdown.parent == tmp_path / "exports"
    assert (pdf.suffix, markdown.suffix) == (".pdf", ".md")
    assert pdf.stem == markdown.stem
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_the_score_is_counted_from_the_letters(tool: ExportPracticeExam) -> None:
    result = run(tool)
    assert result["score"] == {"correct": 1, "total": 3, "percent": 33.3}


def test_a_score_sent_by_the_model_is_not_taken(tool: ExportPracticeExam) -> None:
    result = run(tool, {**ARGUMENTS, "score": {"correct": 3, "total": 3}})
    assert result["error"]["type"] == "invalid_arguments"
    assert "score" in result["error"]["message"]


def test_a_second_export_does_not_overwrite_the_first(
    tool: ExportPracticeExam, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both exports in the same minute, so they would have had the same name.
    from datetime import datetime

    import course_tutor.exams.attempt as attempt

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime(2026, 12, 3, 17, 59, 59, tzinfo=tz)

    monkeypatch.setattr(attempt, "datetime", Frozen)
    first, second = run(tool), run(tool)
    assert first["pdf"] != second["pdf"]
    assert second["pdf"].endswith("-2.pdf")
    assert Path(first["pdf"]).exists()
    assert Path(second["pdf"]).exists()


def test_the_default_folder_is_in_the_data_dir(tmp_path: Path) -> None:
    from course_tutor.config import load_settings

    assert export_dir(load_settings()) == tmp_path / "data" / "exports"


def test_the_folder_can_be_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from course_tutor.config import load_settings

    monkeypatch.setenv("COURSE_TUTOR_EXPORT_DIR", str(tmp_path / "mine"))
    assert export_dir(load_settings()) == tmp_path / "mine"


# -- the PDF ---------------------------------------------------------------------


def test_the_pdf_says_everything(tool: ExportPracticeExam) -> None:
    text = pdf_text(run(tool)["pdf"])

    assert "Practice exam" in text
    assert ARGUMENTS["course"] in text
    assert re.search(r"Date: \d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
    assert "Score: 1/3 (33.3%)" in text
    for question in QUESTIONS:
        assert flat(question["question"]) in text
        for choice in question["choices"]:
            assert choice in text
        if question["explanation"]:
            assert f"Explanation: {question['explanation']}" in text
    assert "Your answer: B. Mitochondrion (right)" in text
    assert "Your answer: C. Nur für n → ∞ (wrong)" in text
    assert "Correct answer: A. Für alle n ≥ 1" in text
    assert "Your answer: none (not answered)" in text
    review = text.split("Topics to review", 1)[1]
    assert "Inégalités — Ω (1 of 1 missed)" in review
    assert "DNA replication (1 of 1 missed)" in review
    assert "Cell energy" not in review


def test_unicode_is_drawn_not_dropped(tool: ExportPracticeExam) -> None:
    text = pdf_text(run(tool)["pdf"])
    for word in ("Introduction à la biologie", "Für", "∑", "≤", "√n", "α = π/4",
                 "∫₀¹", "‖x‖", "Δ ≠ 0", "Cauchy–Schwarz", "Ω"):  # fmt: skip
        assert word in text, word


def test_characters_the_font_lacks_are_marked(tmp_path: Path) -> None:
    question = ExamQuestion("漢字 ✅ or ❌?", ("yes", "no"), "A", "A")
    attempt = ExamAttempt("Course", ("t",), (question,))
    path = tmp_path / "x.pdf"
    path.write_bytes(render_pdf(attempt))
    text = pdf_text(path)
    assert "\ufffd\ufffd ✓ or ✗?" in text


def test_a_long_exam_runs_over_pages_and_numbers_them(tmp_path: Path) -> None:
    question = ExamQuestion(
        "A question long enough to wrap: " + "word " * 60,
        ("one", "two", "three", "four"),
        "A",
        "B",
        "An explanation " * 20,
        "Topic",
    )
    attempt = ExamAttempt("Course", ("Topic",), (question,) * 12)
    path = tmp_path / "long.pdf"
    path.write_bytes(render_pdf(attempt))
    pages = PdfReader(path).pages
    assert len(pages) > 2
    assert f"page {len(pages)}/{len(pages)}" in pages[-1].extract_text()
    assert "Score: 0/12 (0%)" in pdf_text(path)


def test_the_fonts_and_their_licence_ship_in_the_package() -> None:
    names = {path.name for path in FONTS.iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"} <= names
    assert "Bitstream Vera" in (FONTS / "LICENSE-DejaVu.txt").read_text()


# -- the Markdown ------------------------------------------------------------------


def test_the_markdown_says_the_same(tool: ExportPracticeExam) -> None:
    markdown = Path(run(tool)["markdown"]).read_text(encoding="utf-8")
    assert markdown.startswith(f"# Practice exam: {ARGUMENTS['course']}\n")
    assert "- Score: **1/3 (33.3%)**" in markdown
    assert "### Question 2 · Inégalités — Ω" in markdown
    assert "- C. Nur für n → ∞ (your answer)" in markdown
    assert "- A. Für alle n ≥ 1 (✓ correct)" in markdown
    assert "- B. Mitochondrion (✓ correct, your answer)" in markdown
    assert "Explanation: Cauchy–Schwarz" in markdown
    assert markdown.rstrip().endswith("- DNA replication (1 of 1 missed)")


def test_all_right_means_nothing_to_review() -> None:
    from course_tutor.exams import render_markdown

    question = ExamQuestion("q", ("a", "b"), "A", "A")
    markdown = render_markdown(ExamAttempt("C", (), (question,)))
    assert "Nothing to review: every answer was right." in markdown
    assert "- Topics: not given" in markdown


# -- the stored attempt ----------------------------------------------------------


def test_the_attempt_is_stored_with_its_files(
    tool: ExportPracticeExam, store: Store
) -> None:
    conversation = store.new_conversation(title="exam")
    tool.conversation_id = lambda: conversation.id
    result = run(tool)

    (attempt,) = store.attempts(conversation.id)
    assert (attempt.course, attempt.correct, attempt.total) == (
        ARGUMENTS["course"],
        1,
        3,
    )
    assert attempt.topics == ARGUMENTS["topics"]
    assert [q["chosen"] for q in attempt.questions] == ["B", "C", None]
    assert (attempt.pdf_path, attempt.markdown_path) == (
        result["pdf"],
        result["markdown"],
    )
    transcript = store.export_markdown(conversation.id)
    assert "## Practice exams" in transcript
    assert "1/3 (33.3%)" in transcript
    assert tool.summarize(json.dumps(result)).endswith("(33.3%)")


def test_without_a_store_it_still_exports(tmp_path: Path) -> None:
    result = run(ExportPracticeExam(tmp_path / "out"))
    assert Path(result["pdf"]).exists()


# -- arguments it refuses ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"correct": "E"}, "only 2 choices"),
        ({"chosen": "Z"}, "questions.0.chosen"),
        ({"choices": ["only one"]}, "questions.0.choices"),
        ({"choices": list("abcdefg")}, "questions.0.choices"),
        ({"question": ""}, "questions.0.question"),
    ],
)
def test_bad_questions_are_explained(
    tool: ExportPracticeExam, change: dict[str, Any], expected: str
) -> None:
    question = {**QUESTIONS[2], **change}
    result = run(tool, {**ARGUMENTS, "questions": [question]})
    assert result["error"]["type"] == "invalid_arguments"
    assert expected in result["error"]["message"]


@pytest.mark.parametrize(
    "arguments", ["not json", "[]", json.dumps({**ARGUMENTS, "questions": []})]
)
def test_bad_arguments_never_raise(tool: ExportPracticeExam, arguments: str) -> None:
    result = run(tool, arguments)
    assert result["error"]["type"] == "invalid_arguments"


@pytest.mark.parametrize("said", ["b", " B ", "B)", "B."])
def test_letters_are_read_leniently(tool: ExportPracticeExam, said: str) -> None:
    question = {**QUESTIONS[0], "chosen": said}
    result = run(tool, {**ARGUMENTS, "questions": [question]})
    assert result["score"]["correct"] == 1


# -- failures that lose nothing ----------------------------------------------------


def exported_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_an_export_folder_that_is_a_file(tmp_path: Path, store: Store) -> None:
    blocker = tmp_path / "exports"
    blocker.write_text("I am a file")
    tool = ExportPracticeExam(blocker, store=store)

    result = run(tool)
    assert result["error"]["type"] == "not_a_folder"
    assert str(blocker) in result["error"]["message"]
    assert "COURSE_TUTOR_EXPORT_DIR" in result["error"]["message"]
    assert "kept in the history" in result["error"]["message"]
    (attempt,) = store.attempts()
    assert (attempt.pdf_path, attempt.total) == (None, 3)


def test_a_folder_it_may_not_write(
    tool: ExportPracticeExam, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    result = run(tool)
    assert result["error"]["type"] == "not_permitted"
    assert "may not write" in result["error"]["message"]
    assert len(store.attempts()) == 1
    assert exported_files(tool.directory) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = run(ExportPracticeExam(folder, store=store))
    finally:
        folder.chmod(0o700)
    assert result["error"]["type"] == "not_permitted"
    assert exported_files(folder) == []


def test_a_full_disk_leaves_no_half_export(
    tool: ExportPracticeExam, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    synced = []

    def fill_up(fd: int) -> None:
        synced.append(fd)
        if len(synced) == 2:  # the PDF made it; the Markdown does not
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fill_up)
    result = run(tool)
    assert result["error"]["type"] == "disk_full"
    assert "full" in result["error"]["message"]
    assert exported_files(tool.directory) == []
    (attempt,) = store.attempts()
    assert (attempt.correct, attempt.pdf_path) == (1, None)


def test_an_unexpected_failure_is_an_error_result(
    tool: ExportPracticeExam, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(attempt: Any) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr("course_tutor.exams.files.render_pdf", explode)
    result = run(tool)
    assert result["error"]["type"] == "internal"
