"""The course-information flow: which course, its overview and module table,
then the items of the modules the student picks, with links.

    which course? ──▶ getSingleCourse + listModules (one step, in parallel)
                      ──▶ overview, "which modules?" ──▶ listModuleItems
                      ──▶ items, "more, or prepare for an exam?"

A course the student is not enrolled in is looked up in the public
catalogue (searchCourses) instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from course_tutor.demo.scripted import markdown, phrasing
from course_tutor.demo.scripted.exam import Exam
from course_tutor.demo.scripted.flow import (
    Flow,
    ask_for_course,
    find_course,
    my_courses,
    refuse_restricted,
)
from course_tutor.demo.scripted.guide import Guide
from course_tutor.demo.scripted.reply import Answer, Reply, ToolCall
from course_tutor.demo.scripted.search import search_results
from course_tutor.demo.scripted.world import Context

Record = dict[str, Any]

_ITEMS_SHOWN = 30
_ASK_MODULES = (
    "Which modules would you like to focus on? Give their numbers or names "
    "(for example “1 and 3”), or say “all”."
)
_ASK_NEXT = (
    "Would you like to look at another module, or shall we prepare for an "
    "exam on this course (a practice exam or a study guide)?"
)


def course_calls(course_id: str) -> tuple[ToolCall, ToolCall]:
    return (
        ToolCall.of("getSingleCourse", course_id=course_id),
        ToolCall.of("listModules", course_id=course_id),
    )


@dataclass
class Overview(Flow):
    course_said: str | None = None
    course_id: str | None = None
    module_ids: list[str] = field(default_factory=list)
    modules_only: bool = False
    unclear: bool = False
    more: bool = False

    def hear(self, text: str, intent: str | None, ctx: Context) -> Flow | None:
        self._settle(ctx)
        self.unclear = self.more = False
        if self.course_id is None:
            if intent not in (None, "overview"):
                return None
            self.course_said = text
            self.modules_only = phrasing.wants_one_module(text)
            self._settle(ctx)
            return self

        if intent == "guide":
            return Guide(course_id=self.course_id)
        if intent not in (None, "exam"):
            return None
        modules = self._modules(ctx)
        named = phrasing.modules_named(text, modules)
        wants_exam = intent == "exam" or (self.module_ids and phrasing.is_yes(text))
        if wants_exam and not named:
            count = phrasing.question_count(text)
            return Exam(course_id=self.course_id, count=count)
        picked = named or phrasing.pick_modules(text, modules)
        if picked:
            self.module_ids = [str(m["id"]) for m in picked]
            return self
        other = find_course(text, ctx)
        if other is not None and str(other.get("id")) != self.course_id:
            return Overview(course_said=text)
        if phrasing.is_no(text):
            return None
        self.more = phrasing.wants_more(text)
        self.unclear = not self.more
        return self

    def _settle(self, ctx: Context) -> None:
        if self.course_id is None:
            course = find_course(self.course_said, ctx)
            if course is not None:
                self.course_id = str(course["id"])

    def _modules(self, ctx: Context) -> list[Record]:
        if self.course_id is None:
            return []
        _, modules_call = course_calls(self.course_id)
        return markdown.in_order(ctx.known(modules_call) or [])

    def reply(self, ctx: Context) -> Reply:
        self._settle(ctx)
        if self.course_id is None:
            raise self._ask_course(ctx)

        listed = find_course(self.course_id, ctx)
        if listed is not None:
            refuse_restricted(listed)
        course, modules = ctx.require(*course_calls(self.course_id))
        modules = markdown.in_order(modules)
        if self.unclear or self.more:
            lead = (
                "Sure! Here are the modules again"
                if self.more
                else "I couldn't tell which module you mean. Here are the modules"
            )
            return Reply(
                f"{lead}:\n\n{markdown.modules_table(modules)}\n\n{_ASK_MODULES}"
            )
        if self.module_ids:
            return self._items(ctx, course, modules)
        if self.modules_only:
            return Reply(
                f"{markdown.course_label(course)} has {len(modules)} modules:\n\n"
                f"{markdown.modules_table(modules)}\n\n{_ASK_MODULES}"
            )
        if not modules:
            return Reply(
                f"{course_overview(course, modules)}\n\nWould you like to look at "
                "another course?"
            )
        return Reply(f"{course_overview(course, modules)}\n\n{_ASK_MODULES}")

    def _ask_course(self, ctx: Context) -> Answer:
        courses = my_courses(ctx)
        said = self.course_said
        if said and phrasing.course_name_said(said):
            course = phrasing.pick_course(said, courses)
            if course is not None:  # only a restricted one can get here
                refuse_restricted(course)
            query = phrasing.course_name_said(said) or said
            (found,) = ctx.require(ToolCall.of("searchCourses", search=query))
            return Answer(Reply(search_results(query, found)))
        return ask_for_course(
            ctx,
            said,
            "Which course would you like to explore? And would you like an "
            "overview of the whole course, or just one module?",
        )

    def _items(self, ctx: Context, course: Record, modules: list[Record]) -> Reply:
        by_id = {str(m["id"]): m for m in modules}
        chosen = [by_id[i] for i in self.module_ids if i in by_id]
        calls = [
            ToolCall.of(
                "listModuleItems", course_id=self.course_id, module_id=str(m["id"])
            )
            for m in chosen
        ]
        lists = ctx.require(*calls)
        sections = [
            module_items(module, items, modules, ctx.truncated(call), ctx.canvas)
            for module, items, call in zip(chosen, lists, calls, strict=True)
        ]
        return Reply("\n\n".join(sections) + f"\n\n{_ASK_NEXT}")


def course_overview(course: Record, modules: list[Record]) -> str:
    """Title, code, term, teachers, what it is about, and the module table."""
    facts = []
    if course.get("term"):
        facts.append(f"**Term:** {course['term']}")
    dates = course.get("dates") or {}
    start, end = (
        markdown.date(dates.get("start_at")),
        markdown.date(dates.get("end_at")),
    )
    if start or end:
        facts.append(f"**Dates:** {start or '?'} – {end or '?'}")
    teachers = course.get("teachers") or []
    if teachers:
        label = "Teacher" if len(teachers) == 1 else "Teachers"
        facts.append(f"**{label}:** " + ", ".join(str(t) for t in teachers))
    progress = course.get("course_progress") or {}
    if progress.get("requirement_count"):
        facts.append(
            f"**Progress:** {progress.get('requirement_completed_count') or 0} of "
            f"{progress['requirement_count']} requirements done"
        )

    parts = [f"## {markdown.course_label(course)}", " · ".join(facts)]
    about = _plain(course.get("public_description"))
    if about:
        parts.append(about)
    highlights = syllabus_highlights(
        course.get("syllabus") or "", str(course.get("course_code") or "")
    )
    if highlights:
        parts.append(highlights)
    if modules:
        parts.append(f"**Modules**\n\n{markdown.modules_table(modules)}")
    else:
        parts.append("**Modules**\n\nThis course has no modules in Canvas yet.")
    return "\n\n".join(p for p in parts if p)


def syllabus_highlights(syllabus: str, code: str = "") -> str:
    """The syllabus's sections by name and its first table (often grading)."""
    lines = syllabus.splitlines()
    headings = [re.sub(r"^#+\s*", "", ln).strip() for ln in lines if ln.startswith("#")]
    headings = [h for h in headings if h and not (code and h.startswith(code))]
    table, caption = [], ""
    for line in lines:
        if line.lstrip().startswith("|"):
            table.append(line.strip())
        elif table:
            break
        elif line.startswith("#"):
            caption = re.sub(r"^#+\s*", "", line).strip()
    if not headings and not table:
        return ""
    parts = ["**From the syllabus**"]
    if headings:
        parts.append("Sections: " + " · ".join(h for h in headings if h))
    if table:
        parts.append((f"_{caption}_\n\n" if caption else "") + "\n".join(table))
    return "\n\n".join(parts)


def module_items(
    module: Record,
    items: list[Record],
    modules: list[Record],
    truncated: bool,
    canvas: str = "",
) -> str:
    """One module's items as a list, links included (item paths completed
    with the `canvas` address), locked ones marked."""
    number = next(
        (n for n, m in enumerate(modules, 1) if m.get("id") == module.get("id")), "?"
    )
    head = f"### {number}. {module.get('name')} ({len(items)} items)"
    notes = []
    if module.get("state") == "locked":
        status = markdown.module_status(module, modules).removeprefix("🔒 Locked")
        notes.append(f"🔒 This module is locked{status}.")
    if truncated:
        notes.append(
            f"Canvas has more items than I fetched; these are the first {len(items)}."
        )
    shown = items[:_ITEMS_SHOWN]
    lines = [markdown.item_line(item, canvas) for item in shown]
    body = "\n".join(lines) or "(no items yet)"
    if len(items) > len(shown):
        body += (
            f"\n\n…and {len(items) - len(shown)} more: open the module in Canvas to "
            "see them all, or tell me what you are looking for."
        )
    return "\n\n".join([head, *notes, body])


def _plain(text: Any) -> str:
    return re.sub(r"<[^>]+>", "", str(text or "")).strip()
