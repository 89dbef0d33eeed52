"""Canvas objects as the tutor reads them.

Only the fields the tutor uses are named; everything else Canvas sends is
kept as an extra field. Every field but ``id`` may be missing or null, enum-like
fields (``type``, ``workflow_state``, ``state``) are plain strings so a value
Canvas adds later still parses, and a timestamp that cannot be read becomes
None rather than failing the whole listing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)


def _none_if_unreadable(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


Timestamp = Annotated[datetime | None, WrapValidator(_none_if_unreadable)]
"""An ISO 8601 time; None when missing, null or unreadable."""

_Part = TypeVar("_Part")

Lenient = Annotated[_Part | None, WrapValidator(_none_if_unreadable)]
"""A nested object that becomes None, rather than failing its parent, when
Canvas sends it in a shape that cannot be read."""


class CanvasModel(BaseModel):
    """Common configuration: unknown fields are kept, not refused."""

    model_config = ConfigDict(extra="allow")


class Term(CanvasModel):
    id: int
    name: str | None = None
    start_at: Timestamp = None
    end_at: Timestamp = None
    workflow_state: str | None = None


class Teacher(CanvasModel):
    id: int
    display_name: str | None = None
    avatar_image_url: str | None = None
    html_url: str | None = None
    pronouns: str | None = None


class CourseProgress(CanvasModel):
    """Module progress; Canvas sends ``{"error": ...}`` for courses without it."""

    requirement_count: int | None = None
    requirement_completed_count: int | None = None
    next_requirement_url: str | None = None
    completed_at: Timestamp = None


class Enrollment(CanvasModel):
    type: str | None = None
    role: str | None = None
    role_id: int | None = None
    enrollment_state: str | None = None
    user_id: int | None = None


class Course(CanvasModel):
    """A course; a restricted one may carry only ``id`` and
    ``access_restricted_by_date``."""

    id: int
    name: str | None = None
    original_name: str | None = None
    course_code: str | None = None
    workflow_state: str | None = None
    account_id: int | None = None
    enrollment_term_id: int | None = None
    start_at: Timestamp = None
    end_at: Timestamp = None
    time_zone: str | None = None
    default_view: str | None = None
    is_public: bool | None = None
    public_description: str | None = None
    syllabus_body: str | None = None
    term: Lenient[Term] = None
    teachers: Lenient[list[Teacher]] = None
    total_students: int | None = None
    course_progress: Lenient[CourseProgress] = None
    enrollments: Lenient[list[Enrollment]] = None
    concluded: bool | None = None
    is_favorite: bool | None = None
    access_restricted_by_date: bool | None = None


class CompletionRequirement(CanvasModel):
    type: str | None = None
    min_score: float | None = None
    completed: bool | None = None


class ContentDetails(CanvasModel):
    """Dates and points of an item's content; Canvas sends only truthy keys."""

    due_at: Timestamp = None
    unlock_at: Timestamp = None
    lock_at: Timestamp = None
    points_possible: float | None = None
    locked_for_user: bool | None = None
    lock_explanation: str | None = None


class ModuleItem(CanvasModel):
    id: int
    module_id: int | None = None
    position: int | None = None
    title: str | None = None
    indent: int | None = None
    type: str | None = None
    html_url: str | None = None
    url: str | None = None
    content_id: int | None = None
    page_url: str | None = None
    external_url: str | None = None
    new_tab: bool | None = None
    completion_requirement: Lenient[CompletionRequirement] = None
    published: bool | None = None
    content_details: Lenient[ContentDetails] = None


class Module(CanvasModel):
    """A module. ``items`` is None when Canvas did not send them (not asked
    for, or more than 100 of them), as opposed to an empty list."""

    id: int
    name: str | None = None
    position: int | None = None
    unlock_at: Timestamp = None
    require_sequential_progress: bool | None = None
    prerequisite_module_ids: Lenient[list[int]] = None
    items_count: int | None = None
    items_url: str | None = None
    published: bool | None = None
    state: str | None = None
    completed_at: Timestamp = None
    items: list[ModuleItem] | None = None


class User(CanvasModel):
    id: int
    name: str | None = None
    short_name: str | None = None
    sortable_name: str | None = None
    login_id: str | None = None
    avatar_url: str | None = None
    locale: str | None = None
    time_zone: str | None = None
