"""Deciding the next step: replay the conversation through the flows, then
let the flow in progress reply.

Each student message is offered first to the flow in progress (an answer to
its question, or a hand-over such as "yes, let's do an exam" after an
overview); when it does not take it, the message starts a new flow by what
it asks for. Tool results are learned as they appear, so every message is
understood with what was known when it was said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from course_tutor.demo.scripted import phrasing
from course_tutor.demo.scripted.conversation import (
    Event,
    ToolExchange,
    TutorSaid,
    UserSaid,
)
from course_tutor.demo.scripted.courses import Help, ListCourses
from course_tutor.demo.scripted.exam import Exam
from course_tutor.demo.scripted.flow import (
    DISCLOSURE,
    Flow,
    find_course,
    named_something,
)
from course_tutor.demo.scripted.guide import Guide
from course_tutor.demo.scripted.overview import Overview
from course_tutor.demo.scripted.reply import Answer, Reply
from course_tutor.demo.scripted.search import Search
from course_tutor.demo.scripted.world import Context, World

Record = dict[str, Any]


def decide(
    events: Sequence[Event],
    tools: frozenset[str],
    banks: Mapping[str, list[Record]],
    *,
    canvas: str = "",
) -> Reply:
    """The tutor's next message for this conversation; `canvas` is the
    address item paths are completed with."""
    ctx = Context(World(), tools, banks, canvas)
    flow: Flow | None = None
    for position, event in enumerate(events):
        if isinstance(event, ToolExchange):
            ctx.world.learn(event, position)
        elif isinstance(event, UserSaid):
            ctx.world.turn_start = position
            intent = phrasing.intent(event.text)
            going_on = flow.hear(event.text, intent, ctx) if flow else None
            flow = going_on or start(event.text, intent, ctx)

    try:
        reply = (flow or Help()).reply(ctx)
    except Answer as answer:
        reply = answer.reply
    return disclosed(reply, events)


def start(text: str, intent: str | None, ctx: Context) -> Flow:
    """The flow a message starts when it is not an answer to the one going on."""
    match intent:
        case "list":
            return ListCourses()
        case "overview":
            return Overview(course_said=named_something(text))
        case "exam":
            return Exam.start(text)
        case "guide":
            return Guide(course_said=named_something(text))
        case "search":
            query = phrasing.course_name_said(text)
            return Search(query=query) if query else Help(said=text)
    course = find_course(text, ctx)
    if course is not None:
        return Overview(course_id=str(course["id"]))
    return Help(said=text)


def disclosed(reply: Reply, events: Sequence[Event]) -> Reply:
    """The first written answer of a conversation says what the tutor is."""
    if not reply.text or any(isinstance(event, TutorSaid) for event in events):
        return reply
    return Reply(f"{reply.text}\n\n{DISCLOSURE}", reply.tool_calls)
