"""Turn the demo dataset's records into the JSON objects Canvas sends.

Real Canvas objects carry many fields the tutor never reads; these do too, so
the client's tolerance and the tools' compaction are tried on honest shapes.
Fields that Canvas only sends with an `include[]` value are added only then.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]

_COURSE_BASE_FIELDS = (
    "id",
    "name",
    "course_code",
    "workflow_state",
    "account_id",
    "enrollment_term_id",
    "start_at",
    "end_at",
    "time_zone",
    "default_view",
    "uuid",
    "sis_course_id",
    "is_public",
)

_CONTENT_PATHS = {
    "Assignment": "assignments",
    "Quiz": "quizzes",
    "Discussion": "discussion_topics",
    "File": "files",
}


def course_json(
    course: Record,
    *,
    base: str,
    include: set[str],
    terms: dict[int, Record],
    user_id: int,
) -> Record:
    """The course as `GET /api/v1/courses/:id` would show it."""
    if course.get("access_restricted_by_date"):
        return {"id": course["id"], "access_restricted_by_date": True}

    shown: Record = {name: course.get(name) for name in _COURSE_BASE_FIELDS}
    if "original_name" in course:
        shown["original_name"] = course["original_name"]
    shown.update(
        root_account_id=1,
        created_at=course.get("start_at"),
        grading_standard_id=None,
        license="private",
        public_syllabus=False,
        public_syllabus_to_auth=False,
        storage_quota_mb=500,
        is_public_to_auth_users=False,
        homeroom_course=False,
        course_color=None,
        friendly_name=None,
        apply_assignment_group_weights=True,
        calendar={"ics": f"{base}/feeds/calendars/course_{course['uuid']}.ics"},
        blueprint=False,
        template=False,
        hide_final_grades=False,
        restrict_enrollments_to_course_dates=False,
        overridden_course_visibility="",
        enrollments=_enrollments(course, user_id),
    )

    if "term" in include:
        term = terms.get(course.get("enrollment_term_id") or -1)
        shown["term"] = dict(term) if term else None
    if "teachers" in include:
        shown["teachers"] = list(course.get("teachers") or [])
    if "total_students" in include:
        shown["total_students"] = course.get("total_students", 0)
    if "syllabus_body" in include:
        shown["syllabus_body"] = course.get("syllabus_body")
    if "public_description" in include:
        shown["public_description"] = course.get("public_description")
    if "course_progress" in include and course.get("enrollment"):
        shown["course_progress"] = course.get("course_progress")
    if "course_image" in include:
        shown["image_download_url"] = None
    if "concluded" in include:
        shown["concluded"] = course.get("workflow_state") == "completed"
    if "favorites" in include:
        shown["is_favorite"] = course.get("workflow_state") == "available"
    if "sections" in include and course.get("enrollment"):
        shown["sections"] = [
            {
                "id": course["id"] * 10 + 1,
                "name": course["course_code"],
                "start_at": None,
                "end_at": None,
                "enrollment_role": "StudentEnrollment",
            }
        ]
    return shown


def _enrollments(course: Record, user_id: int) -> list[Record]:
    enrollment = course.get("enrollment")
    if not enrollment:
        return []
    return [
        {
            "type": enrollment.get("type", "student"),
            "role": enrollment.get("role", "StudentEnrollment"),
            "role_id": 3,
            "user_id": user_id,
            "enrollment_state": enrollment.get("enrollment_state", "active"),
            "limit_privileges_to_course_section": False,
        }
    ]


def module_json(
    course: Record, module: Record, *, base: str, items: list[Record] | None
) -> Record:
    """A module as `GET .../modules` shows it; `items` only when asked for."""
    shown: Record = {
        "id": module["id"],
        "name": module["name"],
        "position": module["position"],
        "unlock_at": module.get("unlock_at"),
        "require_sequential_progress": module.get("require_sequential_progress", False),
        "requirement_type": "all",
        "publish_final_grade": False,
        "prerequisite_module_ids": list(module.get("prerequisite_module_ids") or []),
        "published": module.get("published", True),
        "items_count": len(module.get("items") or []),
        "items_url": (
            f"{base}/api/v1/courses/{course['id']}/modules/{module['id']}/items"
        ),
        "state": module.get("state"),
        "completed_at": module.get("completed_at"),
    }
    if items is not None:
        shown["items"] = items
    return shown


def item_json(
    course: Record,
    module: Record,
    item: Record,
    position: int,
    *,
    base: str,
    content_details: bool,
) -> Record:
    """A module item as `GET .../items` shows it."""
    course_id, kind = course["id"], item["type"]
    shown: Record = {
        "id": item["id"],
        "title": item["title"],
        "position": position,
        "indent": item.get("indent", 0),
        "quiz_lti": False,
        "type": kind,
        "module_id": module["id"],
        "published": item.get("published", True),
    }
    if kind != "SubHeader":
        shown["html_url"] = f"{base}/courses/{course_id}/modules/items/{item['id']}"

    if kind in _CONTENT_PATHS:
        shown["content_id"] = item["content_id"]
        path = _CONTENT_PATHS[kind]
        shown["url"] = f"{base}/api/v1/courses/{course_id}/{path}/{item['content_id']}"
    elif kind == "Page":
        shown["page_url"] = item["page_url"]
        shown["url"] = f"{base}/api/v1/courses/{course_id}/pages/{item['page_url']}"
    elif kind in ("ExternalUrl", "ExternalTool"):
        shown["external_url"] = item.get("external_url")
        shown["new_tab"] = item.get("new_tab", False)
        if kind == "ExternalTool":
            shown["content_id"] = item.get("content_id")
            shown["url"] = (
                f"{base}/api/v1/courses/{course_id}/external_tools/sessionless_launch"
                f"?launch_type=module_item&module_item_id={item['id']}"
            )

    if item.get("completion_requirement"):
        shown["completion_requirement"] = dict(item["completion_requirement"])
    if content_details:
        details = item.get("content_details") or {}
        shown["content_details"] = {k: v for k, v in details.items() if v}
    return shown


def matches(text: str | None, term: str) -> bool:
    """Canvas's search: case-insensitive substring."""
    return bool(text) and term.casefold() in str(text).casefold()
