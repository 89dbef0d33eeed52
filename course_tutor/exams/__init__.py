"""Practice-exam attempts: the score, and the PDF and Markdown reports.

`ExamAttempt` holds the questions and the student's answers and counts the
score; `render_pdf` and `render_markdown` say the same things (`wording`) in
two forms; `write_export` puts both files in the export folder.
"""

from course_tutor.exams.attempt import ExamAttempt, ExamQuestion, ReviewTopic, Score
from course_tutor.exams.files import ExportedFiles, ExportFailed, write_export
from course_tutor.exams.markdown import render_markdown
from course_tutor.exams.pdf import render_pdf

__all__ = [
    "ExamAttempt",
    "ExamQuestion",
    "ExportFailed",
    "ExportedFiles",
    "ReviewTopic",
    "Score",
    "render_markdown",
    "render_pdf",
    "write_export",
]
