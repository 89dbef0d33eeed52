"""The study guide: one table row per module (key topics, what to review,
what is due), from `listModules` with items and the question banks' topics;
then the offer of a practice exam."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from course_tutor.demo.scripted import markdown, phrasing
from course_tutor.demo.scripted.exam import Exam
from course_tutor.demo.scripted.flow import (
    Flow,
    ask_for_course,
    find_course,
    refuse_restricted,
)
from course_tutor.demo.scripted.reply import Reply, ToolCall
from course_tutor.demo.scripted.world import Context

Record = dict[str, Any]

_REVIEWABLE = ("Page", "File", "Quiz", "Assignment", "Discussion", "ExternalUrl")


@dataclass
class Guide(Flow):
    course_said: str | None = None
    course_id: str | None = None
    shown: bool = False

    def hear(self, text: str, intent: str | None, ctx: Context) -> Flow | None:
        self._settle(ctx)
        if self.course_id is None and intent in (None, "guide"):
            self.course_said = text
            self._settle(ctx)
            return self
        if self.course_id is not None and (
            intent == "exam" or (intent is None and phrasing.is_yes(text))
        ):
            return Exam(course_id=self.course_id, count=phrasing.question_count(text))
        return None

    def _settle(self, ctx: Context) -> None:
        if self.course_id is None:
            course = find_course(self.course_said, ctx)
            if course is not None:
                self.course_id = str(course["id"])

    def reply(self, ctx: Context) -> Reply:
        self._settle(ctx)
        if self.course_id is None:
            raise ask_for_course(
                ctx, self.course_said, "Which course should the study guide cover?"
            )
        course = find_course(self.course_id, ctx) or {"id": self.course_id}
        refuse_restricted(course)

        call = ToolCall.of("listModules", course_id=self.course_id, include_items=True)
        (modules,) = ctx.require(call)
        rows = [self._row(ctx, module) for module in markdown.in_order(modules)]
        title = markdown.course_label(course) if course.get("name") else "your course"
        return Reply(
            f"## Study guide: {title}\n\n"
            f"{markdown.table(['Module', 'Key topics', 'What to review', 'Due'], rows)}"
            "\n\nWork through the modules top to bottom, and check each “What to "
            "review” item off as you go. Would you like a practice exam on these "
            "modules? Tell me how many questions (3–10 works well)."
        )

    def _row(self, ctx: Context, module: Record) -> list[Any]:
        items = module.get("items")
        name = str(module.get("name"))
        if module.get("state") == "locked":
            name += " 🔒"

        topics = list(dict.fromkeys(q.get("topic") for q in ctx.bank(module["id"])))
        if items is None:
            count = module.get("items_count") or 0
            return [
                name,
                _join(topics) or "—",
                f"Open the module in Canvas ({count} items)",
                None,
            ]

        reviewable = [i for i in items if i.get("type") in _REVIEWABLE]
        if not topics:
            topics = [i.get("title") for i in reviewable if i.get("type") == "Page"]
        dated = sorted(
            (i for i in items if i.get("due_at")), key=lambda i: str(i["due_at"])
        )
        due = (
            f"{markdown.due(dated[0]['due_at'])} ({dated[0].get('title')})"
            if dated
            else None
        )
        review = _join([i.get("title") for i in reviewable], limit=4)
        return [name, _join(topics) or "—", review or "—", due]


def _join(values: list[Any], limit: int = 3) -> str:
    shown = [str(v) for v in values if v][:limit]
    extra = len([v for v in values if v]) - len(shown)
    return "; ".join(shown) + (f" (+{extra} more)" if extra > 0 else "")
