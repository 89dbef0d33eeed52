"""What every flow shares: the `Flow` interface, the starters, and finding
the course the student means.

A flow is one thing the student asked for, followed over several turns. The
router replays the conversation through it: `hear` takes each student
message (in order, knowing only what was known then) and `reply` decides the
next step from the state that replay left.
"""

from __future__ import annotations

from typing import Any

from course_tutor.demo.scripted import markdown, phrasing
from course_tutor.demo.scripted.reply import Answer, Reply, ToolCall
from course_tutor.demo.scripted.world import Context

Record = dict[str, Any]

STARTERS = (
    "Help me take a practice exam.",
    "Give an overview of one of my courses.",
    "List all of my courses.",
)
DISCLOSURE = "_(Scripted offline tutor: answers come from the demo course data.)_"


class Flow:
    """One request of the student's, followed until it is done."""

    def hear(self, text: str, intent: str | None, ctx: Context) -> Flow | None:
        """Take the student's next message.

        Returns the flow that goes on (this one, or another it hands over
        to), or None when the message starts something new.
        """
        return None

    def reply(self, ctx: Context) -> Reply:
        raise NotImplementedError


def list_courses_call() -> ToolCall:
    return ToolCall.of("listYourCourses")


def my_courses(ctx: Context) -> list[Record]:
    """The student's courses, fetched first when not known yet."""
    (courses,) = ctx.require(list_courses_call())
    return courses


def find_course(said: str | None, ctx: Context) -> Record | None:
    """The course `said` names, among courses already known (no fetching)."""
    courses = ctx.world.courses
    if not said or not courses:
        return None
    return phrasing.pick_course(said, courses)


def named_something(text: str) -> str | None:
    """The text when it seems to name a course, else None (a bare request)."""
    return text if phrasing.course_name_said(text) else None


def ask_for_course(ctx: Context, said: str | None, question: str) -> Answer:
    """Ask which course, listing the student's courses by number."""
    courses = my_courses(ctx)
    if not courses:
        return Answer(
            Reply(
                "Canvas doesn't list any courses for you, so there is nothing "
                "to pick from yet. If you expected some, check that you're "
                "signed in to the right Canvas account."
            )
        )
    lead = ""
    if said and phrasing.course_name_said(said):
        lead = f"I couldn't find “{said.strip()}” among your courses. "
    elif said:
        lead = "I couldn't tell which course you mean. "
    return Answer(
        Reply(
            f"{lead}{question}\n\n{markdown.course_choices(courses)}\n\n"
            "You can answer with the name, the code or the number."
        )
    )


def refuse_restricted(course: Record) -> None:
    """Canvas hides a course whose dates have passed; say so instead of asking."""
    if markdown.restricted(course):
        raise Answer(
            Reply(
                f"Course {course.get('id')} is {markdown.RESTRICTED}: Canvas no "
                "longer shows its content to students, so I can't open it. Pick "
                "one of your current courses instead."
            )
        )
