"""Canvas records cut down to what the tutor's flows use.

A tool result stays in the conversation and is paid for again on every later
step, so each record keeps only the fields the tutor reads, in short forms:
the term as its name, teachers as their names, HTML as capped Markdown, whole
numbers without ``.0``, times as ``2026-09-14T23:59:00Z``. Fields that are
null or empty are left out; ``false`` is kept where it carries meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from course_tutor.canvas import CompletionRequirement, Course, Module, ModuleItem
from course_tutor.tools.html import DESCRIPTION_LIMIT, SYLLABUS_LIMIT, to_markdown

Record = dict[str, Any]

LOCK_EXPLANATION_LIMIT = 300
"""Characters of a lock explanation kept."""

RESTRICTED_NOTE = (
    "Canvas no longer lets the student open this course (its dates have "
    "passed, or it has not started), so its details and modules are not "
    "available."
)


def pruned(fields: Mapping[str, Any]) -> Record:
    """The fields whose values say something: None, "", [] and {} dropped."""
    return {
        name: value
        for name, value in fields.items()
        if value is not None and value != "" and value != [] and value != {}
    }


def timestamp(moment: datetime | None) -> str | None:
    """A time in UTC as ``YYYY-MM-DDTHH:MMZ``, seconds only when there are
    some (naive times taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ" if moment.second else "%Y-%m-%dT%H:%MZ")


def number(value: float | None) -> float | int | None:
    """10.0 as 10; 2.5 stays 2.5."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


# -- courses -------------------------------------------------------------------


def listed_course(course: Course, include: Iterable[str] = ()) -> Record:
    """A course in the student's course list."""
    if course.access_restricted_by_date:
        return restricted_course(course)
    fields = {
        "id": course.id,
        "name": course.name,
        "original_name": _original_name(course),
        "course_code": course.course_code,
        "term": course.term.name if course.term else None,
        "start_at": timestamp(course.start_at),
        "end_at": timestamp(course.end_at),
        "workflow_state": course.workflow_state,
    }
    return pruned({**fields, **_extras(course, include)})


def course_details(course: Course, include: Iterable[str] = ()) -> Record:
    """One course with what an overview needs, the syllabus as Markdown."""
    if course.access_restricted_by_date:
        return {**restricted_course(course), "note": RESTRICTED_NOTE}

    # A course without dates of its own runs for its term.
    term = course.term
    start = course.start_at or (term.start_at if term else None)
    end = course.end_at or (term.end_at if term else None)
    fields = {
        "id": course.id,
        "name": course.name,
        "original_name": _original_name(course),
        "course_code": course.course_code,
        "term": term.name if term else None,
        "workflow_state": course.workflow_state,
        "dates": pruned({"start_at": timestamp(start), "end_at": timestamp(end)}),
        "teachers": _teacher_names(course),
        "public_description": to_markdown(
            course.public_description, limit=DESCRIPTION_LIMIT
        ),
        "syllabus": to_markdown(course.syllabus_body, limit=SYLLABUS_LIMIT),
        "course_progress": _progress(course),
    }
    return pruned({**fields, **_extras(course, include)})


def restricted_course(course: Course) -> Record:
    """A course Canvas shows only as an id: that is all there is to say."""
    return pruned(
        {"id": course.id, "name": course.name, "access_restricted_by_date": True}
    )


def catalogue_course(course: Course) -> Record:
    """A course from the public course index."""
    return pruned(
        {
            "id": course.id,
            "name": course.name,
            "course_code": course.course_code,
            "is_public": course.is_public,
            "public_description": to_markdown(
                course.public_description, limit=DESCRIPTION_LIMIT
            ),
        }
    )


def _original_name(course: Course) -> str | None:
    """The real name when the student gave the course a nickname."""
    if course.original_name and course.original_name != course.name:
        return course.original_name
    return None


def _teacher_names(course: Course) -> list[str]:
    return [t.display_name for t in course.teachers or () if t.display_name]


def _progress(course: Course) -> Record:
    progress = course.course_progress
    if progress is None:
        return {}
    return pruned(
        {
            "requirement_count": progress.requirement_count,
            "requirement_completed_count": progress.requirement_completed_count,
        }
    )


def _extras(course: Course, include: Iterable[str]) -> Record:
    """The fields an ``include`` asked for beyond a tool's usual ones."""
    extra = course.model_extra or {}
    wanted = set(include)
    fields: Record = {}
    if "teachers" in wanted:
        fields["teachers"] = _teacher_names(course)
    if "total_students" in wanted:
        fields["total_students"] = course.total_students
    if "public_description" in wanted:
        fields["public_description"] = to_markdown(
            course.public_description, limit=DESCRIPTION_LIMIT
        )
    if "course_progress" in wanted:
        fields["course_progress"] = _progress(course)
    if "concluded" in wanted:
        fields["concluded"] = course.concluded
    if "favorites" in wanted:
        fields["is_favorite"] = course.is_favorite
    if "sections" in wanted:
        sections = extra.get("sections")
        if isinstance(sections, list):
            fields["sections"] = [
                s["name"] for s in sections if isinstance(s, dict) and s.get("name")
            ]
    return fields


# -- modules -------------------------------------------------------------------


def module(record: Module, *, with_items: bool = False, base: str = "") -> Record:
    """A module; its items too when they were asked for and came."""
    fields: Record = {
        "id": record.id,
        "name": record.name,
        "position": record.position,
        "items_count": record.items_count,
        "state": record.state,
        "unlock_at": timestamp(record.unlock_at),
        "prerequisite_module_ids": record.prerequisite_module_ids,
    }
    shown = pruned(fields)
    if with_items and record.items is not None:
        shown["items"] = [module_item(item, base=base) for item in record.items]
    return shown


def module_item(item: ModuleItem, *, base: str = "") -> Record:
    """A module item: what it is, where to open it, when it is due, and
    whether the student can open it yet.

    The link is a path on the student's Canvas (`base`), which the tool
    description tells the model how to complete: the host, repeated on every
    item, would be an eighth of everything the model reads. The path ends
    with the item's id, so the id is not repeated either. A link elsewhere
    stays whole.
    """
    if item.type == "SubHeader":
        return pruned({"id": item.id, "title": item.title, "type": item.type})

    details = item.content_details
    requirement = item.completion_requirement
    locked = bool(details and details.locked_for_user)
    link = item.html_url or ""
    on_canvas = bool(base) and link.startswith(base + "/")
    fields = {
        "id": None if on_canvas else item.id,
        "title": item.title,
        "type": item.type,
        "path": link[len(base) :] if on_canvas else None,
        "html_url": None if on_canvas else item.html_url,
        "due_at": timestamp(details.due_at) if details else None,
        "points": number(details.points_possible) if details else None,
        "requirement": _requirement(requirement) if requirement else None,
        "done": True if requirement and requirement.completed else None,
        # An ExternalTool's external_url is its LTI launch address, which
        # only works when Canvas launches it: the path is the way in.
        "external_url": item.external_url if item.type != "ExternalTool" else None,
        "locked": True if locked else None,
        "lock_explanation": to_markdown(
            details.lock_explanation, limit=LOCK_EXPLANATION_LIMIT
        )
        if locked and details
        else None,
    }
    return pruned(fields)


def _requirement(requirement: CompletionRequirement) -> str | None:
    """What completes the item, in a word: "view", "submit", "contribute",
    "mark_done", or "min_score 7"."""
    if requirement.type == "min_score" and requirement.min_score is not None:
        return f"min_score {number(requirement.min_score)}"
    return requirement.type.removeprefix("must_") if requirement.type else None
