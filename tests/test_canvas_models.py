"""Models: tolerant of missing, extra, null and unreadable fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from course_tutor.canvas import (
    CompletionRequirement,
    ContentDetails,
    Course,
    CourseProgress,
    Enrollment,
    Module,
    ModuleItem,
    Teacher,
    Term,
    User,
)

FULL_COURSE = {
    "id": 101,
    "name": "Biology (my nickname)",
    "original_name": "Introduction to Biology",
    "course_code": "BIO-101",
    "workflow_state": "available",
    "account_id": 3,
    "enrollment_term_id": 7,
    "uuid": "WvAHhY5FINzq5IyRIJybGeiXyFkG3SqHUPb7jZY5",
    "start_at": "2025-01-13T08:00:00Z",
    "end_at": "2025-05-30T23:59:59Z",
    "time_zone": "America/Denver",
    "default_view": "modules",
    "is_public": False,
    "public_description": None,
    "syllabus_body": "<p>Welcome</p>",
    "term": {"id": 7, "name": "Spring 2025", "start_at": None, "end_at": None},
    "teachers": [
        {
            "id": 9,
            "display_name": "Dr. Ada",
            "avatar_image_url": "https://canvas.test/images/a.png",
            "html_url": "https://canvas.test/courses/101/users/9",
        }
    ],
    "total_students": 212,
    "course_progress": {
        "requirement_count": 10,
        "requirement_completed_count": 4,
        "next_requirement_url": "https://canvas.test/courses/101/modules/items/5",
        "completed_at": None,
    },
    "enrollments": [
        {
            "type": "student",
            "role": "StudentEnrollment",
            "role_id": 3,
            "user_id": 77,
            "enrollment_state": "active",
            "limit_privileges_to_course_section": False,
        }
    ],
    "calendar": {"ics": "https://canvas.test/feeds/calendars/course_x.ics"},
    "blueprint": False,
    "apply_assignment_group_weights": False,
}


def test_full_course() -> None:
    course = Course.model_validate(FULL_COURSE)

    assert course.id == 101
    assert course.original_name == "Introduction to Biology"
    assert course.start_at == datetime(2025, 1, 13, 8, tzinfo=UTC)
    assert course.term == Term(id=7, name="Spring 2025")
    assert course.teachers is not None
    assert isinstance(course.teachers[0], Teacher)
    assert course.teachers[0].display_name == "Dr. Ada"
    assert isinstance(course.course_progress, CourseProgress)
    assert course.course_progress.requirement_completed_count == 4
    assert course.enrollments is not None
    assert isinstance(course.enrollments[0], Enrollment)
    assert course.enrollments[0].enrollment_state == "active"
    # Fields the tutor does not name are kept, not dropped or refused.
    assert course.model_extra is not None
    assert course.model_extra["calendar"]["ics"].endswith(".ics")
    assert course.model_dump()["blueprint"] is False


def test_access_restricted_course() -> None:
    course = Course.model_validate({"id": 55, "access_restricted_by_date": True})
    assert course.id == 55
    assert course.access_restricted_by_date is True
    assert course.name is None
    assert course.term is None


def test_nulls_everywhere() -> None:
    nulls = {key: None for key in FULL_COURSE if key != "id"}
    course = Course.model_validate({"id": 1, **nulls})
    assert course.teachers is None
    assert course.enrollments is None


def test_id_is_required_and_an_int() -> None:
    with pytest.raises(ValidationError):
        Course.model_validate({"name": "no id"})
    with pytest.raises(ValidationError):
        Course.model_validate({"id": "abc"})
    assert Course.model_validate({"id": "12"}).id == 12


def test_unreadable_parts_become_none_instead_of_failing_the_course() -> None:
    course = Course.model_validate(
        {
            "id": 1,
            "start_at": "next Tuesday",
            "end_at": 12,
            "term": {"name": "term without id"},
            "teachers": [{"id": 1}, "not a teacher"],
            "course_progress": "nope",
            "enrollments": {"type": "student"},
        }
    )
    assert course.start_at is None
    assert course.term is None
    assert course.teachers is None
    assert course.course_progress is None
    assert course.enrollments is None


def test_course_progress_error_form() -> None:
    course = Course.model_validate(
        {
            "id": 1,
            "course_progress": {
                "error": {
                    "message": "no progress available because this course "
                    "is not module based (has modules and module completion "
                    "requirements) or the user is not enrolled as a student"
                }
            },
        }
    )
    assert course.course_progress is not None
    assert course.course_progress.requirement_count is None


def test_module_with_items() -> None:
    module = Module.model_validate(
        {
            "id": 12,
            "workflow_state": "active",
            "position": 1,
            "name": "Week 1",
            "unlock_at": None,
            "require_sequential_progress": True,
            "prerequisite_module_ids": [10, 11],
            "published": True,
            "items_count": 3,
            "items_url": "https://canvas.test/api/v1/courses/1/modules/12/items",
            "state": "started",
            "completed_at": None,
            "items": [
                {
                    "id": 1,
                    "module_id": 12,
                    "position": 1,
                    "title": "Read this",
                    "indent": 0,
                    "type": "Page",
                    "page_url": "read-this",
                    "completion_requirement": {"type": "must_view", "completed": True},
                    "content_details": {"locked_for_user": False},
                },
                {
                    "id": 2,
                    "title": "Quiz 1",
                    "type": "Quiz",
                    "content_id": 44,
                    "completion_requirement": {
                        "type": "min_score",
                        "min_score": 7.5,
                        "completed": False,
                    },
                    "content_details": {
                        "due_at": "2025-02-01T06:59:59Z",
                        "points_possible": 10,
                        "lock_explanation": "This quiz is locked until ...",
                    },
                },
                {"id": 3, "title": "Part 2", "type": "SubHeader"},
            ],
        }
    )
    assert module.prerequisite_module_ids == [10, 11]
    assert module.items is not None
    first, quiz, header = module.items
    assert isinstance(first.completion_requirement, CompletionRequirement)
    assert first.completion_requirement.completed is True
    assert isinstance(quiz.content_details, ContentDetails)
    assert quiz.content_details.points_possible == 10.0
    assert quiz.content_details.due_at == datetime(2025, 2, 1, 6, 59, 59, tzinfo=UTC)
    assert quiz.completion_requirement is not None
    assert quiz.completion_requirement.min_score == 7.5
    assert header.html_url is None


def test_module_items_absent_is_not_the_same_as_empty() -> None:
    assert Module.model_validate({"id": 1, "items_count": 150}).items is None
    assert Module.model_validate({"id": 1, "items": []}).items == []


@pytest.mark.parametrize(
    "item_type", ["File", "Assignment", "ExternalTool", "StudioMedia", "BrandNewThing"]
)
def test_unknown_enum_values_parse(item_type: str) -> None:
    item = ModuleItem.model_validate(
        {
            "id": 1,
            "type": item_type,
            "completion_requirement": {"type": "must_do_something_new"},
        }
    )
    assert item.type == item_type
    assert item.completion_requirement is not None
    assert item.completion_requirement.type == "must_do_something_new"
    module = Module.model_validate({"id": 1, "state": "frozen_in_time"})
    assert module.state == "frozen_in_time"


def test_external_url_item() -> None:
    item = ModuleItem.model_validate(
        {
            "id": 9,
            "type": "ExternalUrl",
            "external_url": "https://example.org/reading",
            "new_tab": True,
            "html_url": "https://canvas.test/courses/1/modules/items/9",
        }
    )
    assert item.external_url == "https://example.org/reading"
    assert item.new_tab is True
    assert item.content_id is None


def test_user() -> None:
    user = User.model_validate(
        {
            "id": 77,
            "name": "Sam Student",
            "sortable_name": "Student, Sam",
            "short_name": "Sam",
            "avatar_url": "https://canvas.test/images/thumbnails/1",
            "locale": None,
            "effective_locale": "en",
            "permissions": {"can_update_name": True},
        }
    )
    assert user.short_name == "Sam"
    assert user.model_extra == {
        "effective_locale": "en",
        "permissions": {"can_update_name": True},
    }
