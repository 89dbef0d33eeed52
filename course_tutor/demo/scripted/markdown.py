"""Markdown the tutor writes: tables, dates, and the course, module and item
views shared by the flows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

Record = dict[str, Any]

RESTRICTED = "no longer available (ended)"
_STATUS = {
    "available": "Active",
    "completed": "Completed",
    "unpublished": "Not published yet",
    "deleted": "Deleted",
}
_MODULE_STATE = {
    "locked": "🔒 Locked",
    "unlocked": "Open",
    "started": "In progress",
    "completed": "✓ Completed",
}


def cell(value: Any) -> str:
    """A value fit for a table cell: pipes escaped, no line breaks."""
    if value is None or value == "":
        return "—"
    return " ".join(str(value).replace("|", "\\|").split())


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def date(value: Any) -> str | None:
    """ "2026-09-14T23:59:00Z" as "Sep 14, 2026"; None when there is no date."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{moment:%b} {moment.day}, {moment.year}"


def due(value: Any) -> str | None:
    """A due date with its time, in UTC as Canvas gives it: the day alone
    could be a day off for the student."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{moment:%b} {moment.day}, {moment.year} {moment:%H:%M} UTC"


def numbered(lines: Sequence[str]) -> str:
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1))


# -- courses -----------------------------------------------------------------


def restricted(course: Record) -> bool:
    return bool(course.get("access_restricted_by_date"))


def course_label(course: Record) -> str:
    """ "Introduction to Cell Biology (BIO 110)", or the id of a hidden course."""
    if restricted(course) or not course.get("name"):
        return f"Course {course.get('id')} ({RESTRICTED})"
    name, code = str(course["name"]), course.get("course_code")
    real = course.get("original_name")
    if real and real != name:
        return f"{name} ({real})"
    return f"{name} ({code})" if code and code not in name else name


def course_short(course: Record) -> str:
    return str(course.get("course_code") or course.get("name") or course.get("id"))


def course_status(course: Record) -> str:
    if restricted(course):
        return RESTRICTED
    state = str(course.get("workflow_state") or "")
    return _STATUS.get(state, state.capitalize() or "—")


def courses_table(courses: Sequence[Record]) -> str:
    rows = [
        [
            f"Course {c.get('id')}" if restricted(c) else _named(c),
            c.get("course_code"),
            c.get("term"),
            course_status(c),
        ]
        for c in courses
    ]
    return table(["Course", "Code", "Term", "Status"], rows)


def _named(course: Record) -> str:
    """The course's name, and its real name too when the student renamed it."""
    name, real = str(course.get("name") or ""), course.get("original_name")
    return f"{name} ({real})" if real and real != name else name


def course_choices(courses: Sequence[Record]) -> str:
    return numbered([course_label(c) for c in courses])


# -- modules and items -------------------------------------------------------


def in_order(modules: Sequence[Record]) -> list[Record]:
    return sorted(modules, key=lambda m: (m.get("position") or 0, str(m.get("id"))))


def module_status(module: Record, modules: Sequence[Record]) -> str:
    status = _MODULE_STATE.get(module.get("state") or "", "Open")
    unlock = date(module.get("unlock_at"))
    needs = [
        m.get("name")
        for m in modules
        if m.get("id") in (module.get("prerequisite_module_ids") or [])
    ]
    if needs:
        status += " (after " + ", ".join(str(n) for n in needs) + ")"
    if unlock and module.get("state") == "locked":
        status += f" until {unlock}"
    return status


def modules_table(modules: Sequence[Record]) -> str:
    ordered = in_order(modules)
    rows = [
        [number, m.get("name"), m.get("items_count"), module_status(m, ordered)]
        for number, m in enumerate(ordered, 1)
    ]
    return table(["#", "Module", "Items", "Status"], rows)


def item_line(item: Record, canvas: str = "") -> str:
    """One module item: type, title (linked), due date, points, lock. An
    item's `path` is completed with the `canvas` address."""
    kind = item.get("type") or "Item"
    title = item.get("title") or "(untitled)"
    if kind == "SubHeader":
        return f"- **{title}**"
    url = item.get("external_url") if kind == "ExternalUrl" else None
    path = item.get("path")
    url = url or item.get("html_url") or (f"{canvas}{path}" if path else None)
    parts = [f"{_KINDS.get(kind, kind)}: " + (f"[{title}]({url})" if url else title)]
    deadline = due(item.get("due_at"))
    if deadline:
        parts.append(f"due {deadline}")
    points = item.get("points")
    if points is not None:
        shown = f"{points:g}" if isinstance(points, float) else str(points)
        parts.append(f"{shown} pts")
    requirement = str(item.get("requirement") or "")
    if item.get("done"):
        parts.append("✓ done")
    elif requirement:
        kind, _, score = requirement.partition(" ")
        shown = _REQUIREMENTS.get(kind, kind)
        parts.append(f"{shown} ({score})" if score else shown)
    if item.get("locked"):
        parts.append("🔒 locked")
    return "- " + " · ".join(parts)


_KINDS = {
    "Assignment": "Assignment",
    "Quiz": "Quiz",
    "Discussion": "Discussion",
    "Page": "Page",
    "File": "File",
    "ExternalUrl": "Link",
    "ExternalTool": "Tool",
}
_REQUIREMENTS = {
    "view": "to view",
    "submit": "to submit",
    "contribute": "to contribute",
    "min_score": "needs a minimum score",
    "mark_done": "to mark done",
}
