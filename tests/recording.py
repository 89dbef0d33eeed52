"""How cassettes are recorded: what is filtered out before anything is
written, so that no token, key or cookie ever lands in `cassettes/`.

The settings live in `course_tutor.evals.scrub`, because `course-tutor eval
--record` writes cassettes too and must filter the same things."""

from __future__ import annotations

from course_tutor.evals.scrub import SECRET_FIELDS, SECRET_HEADERS, vcr_settings

__all__ = ["SECRET_FIELDS", "SECRET_HEADERS", "vcr_settings"]
