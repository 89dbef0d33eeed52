"""The short flows: listing the student's courses, and the friendly
fallback that says what the tutor can do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from course_tutor.demo.scripted import markdown, phrasing
from course_tutor.demo.scripted.exam import Exam
from course_tutor.demo.scripted.flow import STARTERS, Flow, my_courses
from course_tutor.demo.scripted.overview import Overview
from course_tutor.demo.scripted.reply import Reply
from course_tutor.demo.scripted.world import Context

Record = dict[str, Any]


@dataclass
class ListCourses(Flow):
    """ "List all of my courses." A table, then: which one, or an exam?"""

    def hear(self, text: str, intent: str | None, ctx: Context) -> Flow | None:
        if intent is None and phrasing.pick_course(text, ctx.world.courses or []):
            return Overview(course_said=text)
        if intent is None and phrasing.is_yes(text):
            return Exam()
        return None

    def reply(self, ctx: Context) -> Reply:
        courses = my_courses(ctx)
        if not courses:
            return Reply(
                "Canvas doesn't list any courses for you. If you expected some, "
                "check that you're signed in to the right Canvas account."
            )
        total = len(courses)
        hidden = sum(markdown.restricted(c) for c in courses)
        note = ""
        if hidden:
            note = (
                f"\n\n{hidden} of them {'has' if hidden == 1 else 'have'} ended, so "
                "Canvas no longer shows its details."
            )
        return Reply(
            f"You're enrolled in {total} course{'s' if total != 1 else ''}:\n\n"
            f"{markdown.courses_table(courses)}{note}\n\n"
            "Which course would you like to explore? Or would you like to take "
            "a practice exam?"
        )


@dataclass
class Help(Flow):
    """Anything else: a short, friendly word on what the tutor can do."""

    said: str = ""

    def reply(self, ctx: Context) -> Reply:
        said = phrasing.normalize(self.said)
        if re.match(r"^(thanks|thank you|thx|cheers|great|perfect|no|nope|bye)", said):
            return Reply(
                "You're welcome! Whenever you want to go on, I can list your "
                "courses, give an overview of one, or quiz you with a practice exam."
            )
        starters = "\n".join(f"- “{starter}”" for starter in STARTERS)
        return Reply(
            "I'm your study tutor for Canvas. I can walk you through your "
            "courses, their modules and assignments, make a study guide, and "
            f"quiz you with practice exams. Try one of these:\n\n{starters}"
        )
