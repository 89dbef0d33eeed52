"""Writing an attempt's PDF and Markdown side by side in the export folder.

Both files are rendered in memory first, then created under names no other
file has (`practice-exam_<course>_<date>.pdf` and `.md`, with `-2`, `-3`, ...
when taken), written and flushed to disk. Nothing is ever overwritten, and a
failure (no permission, a full disk) removes what it had written and raises
`ExportFailed` with a message for the student.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

from course_tutor.exams.attempt import ExamAttempt
from course_tutor.exams.markdown import render_markdown
from course_tutor.exams.pdf import render_pdf

MAX_TRIES = 100
_SETTING = (
    "Set `export_dir` under `[tutor]` in the config file, or "
    "COURSE_TUTOR_EXPORT_DIR, to a folder you can write to."
)


class ExportFailed(Exception):
    """The files could not be written; the message says why and what to do.
    `kind`: `disk_full`, `not_permitted`, `not_a_folder` or `export_failed`."""

    def __init__(self, message: str, kind: str = "export_failed") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class ExportedFiles:
    pdf: Path
    markdown: Path


def write_export(attempt: ExamAttempt, directory: Path) -> ExportedFiles:
    """Write the attempt's PDF and Markdown into `directory`; absolute paths."""
    contents = (render_pdf(attempt), render_markdown(attempt).encode("utf-8"))
    directory = directory.expanduser().absolute()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _failure(error, directory) from None
    if not directory.is_dir():
        raise ExportFailed(
            f"The export folder {directory} is not a folder. {_SETTING}",
            "not_a_folder",
        )

    stem = _stem(attempt)
    for attempt_number in range(1, MAX_TRIES + 1):
        suffix = "" if attempt_number == 1 else f"-{attempt_number}"
        paths = (
            directory / f"{stem}{suffix}.pdf",
            directory / f"{stem}{suffix}.md",
        )
        if any(path.exists() for path in paths):
            continue
        try:
            _write_new(paths, contents)
        except FileExistsError:
            continue  # someone took the name meanwhile: try the next one
        except OSError as error:
            raise _failure(error, directory) from None
        return ExportedFiles(pdf=paths[0], markdown=paths[1])
    raise ExportFailed(
        f"The export folder {directory} already holds {MAX_TRIES} exports of this "
        "exam; move some elsewhere and ask again."
    )


def _write_new(paths: tuple[Path, ...], contents: tuple[bytes, ...]) -> None:
    """Create each file (never replacing one) and flush it to disk; on any
    failure remove the files this call created."""
    created: list[Path] = []
    try:
        for path, data in zip(paths, contents, strict=True):
            with path.open("xb") as handle:
                created.append(path)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise


def _stem(attempt: ExamAttempt) -> str:
    course = re.sub(r"[^\w]+", "-", attempt.course.casefold()).strip("-_")
    return f"practice-exam_{course[:40] or 'course'}_{attempt.taken:%Y-%m-%d_%H%M}"


def _failure(error: OSError, directory: Path) -> ExportFailed:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return ExportFailed(
            f"The disk holding {directory} is full, so the exam files could not "
            "be written. Free some space and ask again.",
            "disk_full",
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportFailed(
            f"course-tutor may not write to the export folder {directory}. {_SETTING}",
            "not_permitted",
        )
    if error.errno in (errno.ENOTDIR, errno.EEXIST):
        return ExportFailed(
            f"The export folder {directory} is not a folder. {_SETTING}",
            "not_a_folder",
        )
    reason = error.strerror or type(error).__name__
    return ExportFailed(
        f"Cannot write the exam files to {directory}: {reason}. {_SETTING}"
    )
