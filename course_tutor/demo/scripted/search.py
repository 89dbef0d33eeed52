"""A course the student is not enrolled in: the public catalogue
(`searchCourses`), presented as such, or a plain "not found"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from course_tutor.demo.scripted import markdown
from course_tutor.demo.scripted.flow import Flow
from course_tutor.demo.scripted.reply import Reply, ToolCall
from course_tutor.demo.scripted.world import Context

Record = dict[str, Any]


@dataclass
class Search(Flow):
    """A course the student is not in: look for it in the public catalogue."""

    query: str = ""

    def reply(self, ctx: Context) -> Reply:
        (found,) = ctx.require(ToolCall.of("searchCourses", search=self.query))
        return Reply(search_results(self.query, found))


def search_results(query: str, found: list[Record]) -> str:
    if not found:
        return (
            f"I couldn't find a course called “{query}”, neither among your "
            "courses nor in the public course catalogue. Check the spelling or "
            "the course code, or say “List all of my courses.” to see yours."
        )
    rows = [
        [
            c.get("name"),
            c.get("course_code"),
            _first_sentence(c.get("public_description")),
        ]
        for c in found
    ]
    return (
        f"“{query}” isn't one of your courses, but the public catalogue has "
        f"{len(found)} match{'es' if len(found) != 1 else ''} (you're not "
        f"enrolled):\n\n{markdown.table(['Course', 'Code', 'About'], rows)}\n\n"
        "I can only open modules and assignments of courses you're enrolled in. "
        "Would you like to look at one of your own courses instead?"
    )


def _first_sentence(text: Any) -> str | None:
    if not text:
        return None
    plain = re.sub(r"<[^>]+>|[*_#`]", "", str(text)).strip()
    sentence = re.split(r"(?<=[.!?])\s", plain, maxsplit=1)[0]
    return sentence if len(sentence) <= 140 else sentence[:137] + "…"
