"""An exam attempt as a PDF: title, course, date, score, each question with
its choices, the student's answer, the correct one and the explanation, then
the topics to review.

Text is set in the bundled DejaVu Sans, which draws accented Latin, Greek,
Cyrillic and the common math symbols. A character it has no glyph for (CJK,
most emoji) is drawn as U+FFFD rather than silently dropped; the Markdown
file beside the PDF keeps it as written. A question starts on a new page
when it would not fit on the current one (unless it is longer than a page).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from course_tutor.exams import wording
from course_tutor.exams.attempt import ExamAttempt, ExamQuestion

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
REPLACEMENT = "\ufffd"
# Marks a model likes to write, drawn with the nearest glyph the font has.
_SUBSTITUTES = {"✅": "✓", "✔": "✓", "❌": "✗", "✖": "✗", "\t": "    "}

Color = tuple[int, int, int]
INK: Color = (20, 20, 20)
MUTED: Color = (100, 100, 100)
RIGHT: Color = (0, 120, 60)
WRONG: Color = (185, 30, 45)
SCORE_FILL: Color = (232, 240, 250)
RULE: Color = (210, 210, 210)
LINE = 6.0  # mm per line of body text
MARK_WIDTH = 6.0  # mm for the ✓ / ✗ before a choice


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    size: float = 10
    bold: bool = False
    color: Color = INK
    indent: float = 0
    height: float = LINE
    mark: str = ""  # drawn in the margin before the text
    space_after: float = 0


class _ExamPDF(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(format="A4", unit="mm")
        self._footer = footer
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self._drawable = _drawable()

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 8, self.fit(f"{self._footer} · page {self.page_no()}/{{nb}}"))

    def fit(self, text: str) -> str:
        """`text` with every character the font cannot draw replaced."""
        return "".join(
            char if char in self._drawable or char == "\n" else REPLACEMENT
            for char in (_SUBSTITUTES.get(c, c) for c in text)
        )

    def draw(self, paragraph: Paragraph) -> None:
        self._set_style(paragraph)
        self.set_x(self.l_margin + paragraph.indent)
        if paragraph.mark:
            self.cell(MARK_WIDTH, paragraph.height, self.fit(paragraph.mark))
        self.multi_cell(
            0,
            paragraph.height,
            self.fit(paragraph.text),
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(paragraph.space_after)

    def measure(self, paragraph: Paragraph) -> float:
        """The height `paragraph` would take, in mm."""
        self._set_style(paragraph)
        width = self.epw - paragraph.indent - (MARK_WIDTH if paragraph.mark else 0)
        height = self.multi_cell(
            width,
            paragraph.height,
            self.fit(paragraph.text),
            align=Align.L,
            dry_run=True,
            output=MethodReturnValue.HEIGHT,
        )
        return float(height) + paragraph.space_after  # type: ignore[arg-type]

    def draw_together(self, paragraphs: list[Paragraph]) -> None:
        """Draw `paragraphs`, on a new page if they fit on one but not here."""
        needed = sum(self.measure(p) for p in paragraphs)
        page_room = self.eph
        if needed <= page_room and self.will_page_break(needed):
            self.add_page()
        for paragraph in paragraphs:
            self.draw(paragraph)

    def rule(self) -> None:
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def _set_style(self, paragraph: Paragraph) -> None:
        self.set_font(FONT, "B" if paragraph.bold else "", paragraph.size)
        self.set_text_color(*paragraph.color)


def render_pdf(attempt: ExamAttempt) -> bytes:
    """The PDF file's bytes."""
    pdf = _ExamPDF(footer=f"course-tutor · {wording.title(attempt)}")
    pdf.set_title(wording.title(attempt))
    pdf.set_creator("course-tutor")
    pdf.set_creation_date(attempt.taken)
    pdf.add_page()

    _heading(pdf, attempt)
    for number, question in enumerate(attempt.questions, 1):
        pdf.draw_together(_question(number, question))
        pdf.ln(1)
        pdf.rule()
        pdf.ln(4)
    pdf.draw_together(_review(attempt))
    return bytes(pdf.output())


def _heading(pdf: _ExamPDF, attempt: ExamAttempt) -> None:
    pdf.draw(Paragraph("Practice exam", size=20, bold=True, height=10))
    pdf.draw(Paragraph(attempt.course, size=14, bold=True, height=8, space_after=1))
    pdf.draw(Paragraph(f"Date: {wording.date(attempt)}", color=MUTED))
    pdf.draw(Paragraph(f"Topics: {wording.topics(attempt)}", color=MUTED))
    pdf.ln(3)

    pdf.set_font(FONT, "B", 15)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(*SCORE_FILL)
    score = pdf.fit(f"Score: {wording.score(attempt)}")
    pdf.cell(0, 12, f"  {score}", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _question(number: int, question: ExamQuestion) -> list[Paragraph]:
    lines = [
        Paragraph(f"{number}. {question.question.strip()}", size=11, bold=True),
        Paragraph(
            f"Topic: {question.topic_name}",
            size=9,
            color=MUTED,
            height=5,
            space_after=1,
        ),
    ]
    for letter, text in question.lettered():
        mark, color = "", INK
        if letter == question.correct:
            mark, color = "✓", RIGHT
        elif letter == question.chosen:
            mark, color = "✗", WRONG
        lines.append(
            Paragraph(
                f"{letter}. {text}",
                bold=letter == question.chosen,
                color=color,
                indent=4,
                mark=mark or " ",
            )
        )
    verdict = RIGHT if question.is_right else WRONG
    lines[-1] = replace(lines[-1], space_after=1)
    lines.append(Paragraph(wording.your_answer(question), color=verdict))
    lines.append(Paragraph(wording.correct_answer(question), color=RIGHT))
    explanation = wording.explanation(question)
    if explanation:
        lines.append(Paragraph(explanation))
    return lines


def _review(attempt: ExamAttempt) -> list[Paragraph]:
    lines = [Paragraph("Topics to review", size=14, bold=True, height=9)]
    review = attempt.to_review()
    if not review:
        lines.append(Paragraph(wording.NOTHING_TO_REVIEW))
    lines += [
        Paragraph(f"• {wording.review_line(topic)}", indent=2) for topic in review
    ]
    return lines


@cache
def _drawable() -> frozenset[str]:
    """Characters both bundled faces have a glyph for."""
    regular = _coverage(FONTS / "DejaVuSans.ttf")
    return regular & _coverage(FONTS / "DejaVuSans-Bold.ttf")


def _coverage(path: Path) -> frozenset[str]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(chr(code) for code in font.getBestCmap())
