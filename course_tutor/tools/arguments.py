"""The arguments of the Canvas tools, as pydantic models.

The JSON schema the model sees is made from these (see ``schema``), and the
arguments it sends are validated against them. Ids are taken as an integer or
a string and passed on untouched: the Canvas client decides what is a valid id,
before any request is built. Unknown arguments are refused, so a misspelt
filter is reported instead of silently ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

MAX_TEXT = 200
"""Longest search text accepted; anything longer is not a search."""


def _id_value(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("expected a Canvas id: a number such as 48213, or a string")


def _as_list(value: Any) -> Any:
    """A lone string where a list belongs is taken as a list of one."""
    return [value] if isinstance(value, str) else value


CanvasId = Annotated[int | str, BeforeValidator(_id_value)]

EnrollmentState = Literal["active", "completed", "invited_or_pending"]
EnrollmentType = Literal["teacher", "student", "ta", "observer", "designer"]

ListedCourseInclude = Literal[
    "teachers",
    "total_students",
    "public_description",
    "course_progress",
    "concluded",
    "favorites",
    "sections",
]
"""Extra course fields worth asking for in a listing (the term always comes)."""

CourseInclude = Literal[
    "total_students",
    "concluded",
    "favorites",
    "sections",
]
"""Extra fields for one course, beyond those getSingleCourse always asks for."""


class ToolArguments(BaseModel):
    """Common rules: unknown arguments are an error, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _search_text(value: str | None) -> str | None:
    """Blank search text means no search; very long text is refused."""
    if value is None or value == "":
        return None
    if len(value) > MAX_TEXT:
        raise ValueError(f"expected at most {MAX_TEXT} characters")
    return value


SearchText = Annotated[str | None, AfterValidator(_search_text)]


class ListYourCoursesArguments(ToolArguments):
    enrollment_state: EnrollmentState | None = Field(
        None,
        description="Only courses where the student's enrollment is in this "
        "state: active (current), completed (ended), invited_or_pending. "
        "Omit for all.",
    )
    enrollment_type: EnrollmentType | None = Field(
        None,
        description="Only courses where the user has this role. Omit for all.",
    )
    include: Annotated[list[ListedCourseInclude] | None, BeforeValidator(_as_list)] = (
        Field(
            None,
            description="Extra fields to add to each course; the term is always "
            "included.",
        )
    )


class GetSingleCourseArguments(ToolArguments):
    course_id: CanvasId = Field(
        description="The course id, such as 48213, from listYourCourses or "
        "searchCourses."
    )
    include: Annotated[list[CourseInclude] | None, BeforeValidator(_as_list)] = Field(
        None,
        description="Extra fields to add. Term, teachers, description, "
        "syllabus and progress are always included.",
    )


class ListModulesArguments(ToolArguments):
    course_id: CanvasId = Field(
        description="The course id, such as 48213, from listYourCourses."
    )
    include_items: bool | None = Field(
        None,
        description="true to get every module's items in the same call (for a "
        "whole-course overview or study guide).",
    )
    search_term: SearchText = Field(
        None,
        description="Only modules whose name contains this text (with "
        "include_items, also modules with a matching item title).",
    )


class ListModuleItemsArguments(ToolArguments):
    course_id: CanvasId = Field(description="The course id, such as 48213.")
    module_id: CanvasId = Field(
        description="The module id, such as 231427, from listModules."
    )
    search_term: SearchText = Field(
        None, description="Only items whose title contains this text."
    )


class SearchCoursesArguments(ToolArguments):
    search: str = Field(
        description="Words from the course name, code or description, such "
        "as 'astronomy' or 'PHIL 150'."
    )
    public_only: bool | None = Field(
        None, description="true for only courses anyone may view."
    )
    open_enrollment_only: bool | None = Field(
        None, description="true for only courses the student can join by themself."
    )

    @field_validator("search")
    @classmethod
    def _short_enough(cls, value: str) -> str:
        if len(value) > MAX_TEXT:
            raise ValueError(f"expected at most {MAX_TEXT} characters")
        return value
