"""What the tool results in the history taught the tutor, and the `Context` a
flow uses to get more: `require` answers from what is known, or raises the
tool calls that fetch what is missing, or the explanation of a failure.

Results are keyed by what was asked (tool and the arguments that matter), so
a later step finds "the modules of course 48213" whoever fetched them. A call
whose arguments do not fit its tool (a deliberate fault, or junk) teaches
nothing. Shortened old results (`{"note": ...}`) count as unknown and are
fetched again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from course_tutor.demo.scripted.conversation import ToolExchange
from course_tutor.demo.scripted.reply import Answer, Reply, ToolCall

Key = tuple[str, ...]
Record = dict[str, Any]

_LIST_TOOLS = {"listYourCourses", "listModules", "listModuleItems", "searchCourses"}
_WHAT = {
    "listYourCourses": "your course list",
    "getSingleCourse": "that course",
    "listModules": "the course's modules",
    "listModuleItems": "that module's items",
    "searchCourses": "the course catalogue",
    "exportPracticeExam": "the practice-exam export",
}
_ADVICE = {
    "not_found": "Check the course or module name; say “List all of my courses.” "
    "to see the ones you are enrolled in.",
    "invalid_token": "Your Canvas login may have expired: run `course-tutor login` "
    "(or check your access token) and ask again.",
    "not_permitted": "If you think you should be able to see it, ask your instructor.",
    "rate_limited": "Canvas is limiting requests right now; wait a minute and ask "
    "again.",
    "timeout": "Canvas did not answer in time; try again in a moment.",
    "unavailable": "Canvas is not answering right now; try again in a moment.",
    "invalid_id": "That doesn't look like a Canvas course id; tell me the course "
    "name or code instead.",
}
_DEFAULT_ADVICE = "Try again in a moment, or ask about another course."


def _is_id(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and value != ""


def call_key(name: str, arguments: Any) -> Key | None:
    """What a call asked for, or None when its arguments do not fit the tool."""
    if not isinstance(arguments, dict):
        return None
    match name:
        case "listYourCourses":
            state = arguments.get("enrollment_state")
            if state is not None and not isinstance(state, str):
                return None
            return (name, state or "all")
        case "getSingleCourse" if _is_id(arguments.get("course_id")):
            return (name, str(arguments["course_id"]))
        case "listModules" if _is_id(arguments.get("course_id")):
            items = arguments.get("include_items", False)
            if not isinstance(items, bool) or arguments.get("search_term"):
                return None
            return (name, str(arguments["course_id"]), "items" if items else "")
        case "listModuleItems" if _is_id(arguments.get("course_id")) and _is_id(
            arguments.get("module_id")
        ):
            return (name, str(arguments["course_id"]), str(arguments["module_id"]))
        case "searchCourses" if isinstance(arguments.get("search"), str):
            return (name, arguments["search"].casefold().strip())
        case "exportPracticeExam" if isinstance(arguments.get("questions"), list):
            return (name,)
    return None


def key_of(call: ToolCall) -> Key:
    """The key of a call a flow built (always well formed)."""
    key = call_key(call.name, json.loads(call.arguments))
    assert key is not None, f"a flow built a call its tool would refuse: {call}"
    return key


@dataclass(frozen=True)
class Failure:
    """A tool call that came back as `{"error": ...}`."""

    tool: str
    error: Record

    @property
    def kind(self) -> str:
        return str(self.error.get("type") or "error")

    @property
    def message(self) -> str:
        return str(self.error.get("message") or "no details were given").strip()

    def explain(self) -> str:
        advice = _ADVICE.get(self.kind, _DEFAULT_ADVICE)
        message = self.message.rstrip(".")
        return (
            f"I couldn't get {_WHAT.get(self.tool, 'that')} from Canvas: "
            f"{message}.\n\n{advice}"
        )


@dataclass(frozen=True)
class Learned:
    position: int
    value: Any  # the data, or a Failure
    truncated: bool = False


@dataclass
class World:
    """Every tool result seen so far, latest per key."""

    results: dict[Key, Learned] = field(default_factory=dict)
    turn_start: int = 0  # position of the latest student message

    def learn(self, exchange: ToolExchange, position: int) -> None:
        key = call_key(exchange.name, exchange.arguments)
        if key is None or not exchange.answered:
            return
        if exchange.error is not None:
            if exchange.error.get("type") == "invalid_arguments":
                return  # a malformed call of our own: it is made again, right
            failure = Failure(exchange.name, exchange.error)
            self.results[key] = Learned(position, failure)
            return
        data, truncated = _unwrap(exchange.name, exchange.result)
        if data is not None:
            self.results[key] = Learned(position, data, truncated)

    def known(self, key: Key) -> Any:
        """The data for `key`, or None (unknown, or it failed)."""
        learned = self.results.get(key)
        if learned is None or isinstance(learned.value, Failure):
            return None
        return learned.value

    def failed_this_turn(self, key: Key) -> Failure | None:
        learned = self.results.get(key)
        if (
            learned
            and isinstance(learned.value, Failure)
            and learned.position > self.turn_start
        ):
            return learned.value
        return None

    def learned_since(self, key: Key, position: int) -> Learned | None:
        learned = self.results.get(key)
        return learned if learned and learned.position > position else None

    @property
    def courses(self) -> list[Record] | None:
        return self.known(("listYourCourses", "all"))


def _unwrap(tool: str, result: Any) -> tuple[Any, bool]:
    """The records of a result, and whether the tool capped them."""
    truncated = False
    if isinstance(result, dict) and isinstance(result.get("results"), list):
        truncated = bool(result.get("truncated"))
        result = result["results"]
    if tool in _LIST_TOOLS:
        return (result, truncated) if isinstance(result, list) else (None, False)
    if isinstance(result, dict) and ("id" in result or tool == "exportPracticeExam"):
        return result, truncated
    return None, False


@dataclass
class Context:
    """What a flow works with: the world, the tools offered, the question banks."""

    world: World
    tools: frozenset[str]
    banks: Mapping[str, list[Record]]
    canvas: str = ""

    def can(self, tool: str) -> bool:
        return tool in self.tools

    def require(self, *calls: ToolCall) -> list[Any]:
        """The data each call would return, when all are known.

        Otherwise raises the reply that gets them: every missing call at once
        (parallel tool calls), or the explanation of one that failed in this
        turn (asking again would only fail again).
        """
        values, missing = [], []
        for call in calls:
            key = key_of(call)
            failure = self.world.failed_this_turn(key)
            if failure is not None:
                raise Answer(Reply(failure.explain()))
            value = self.world.known(key)
            values.append(value)
            if value is None:
                missing.append(call)
        if missing:
            unavailable = [call.name for call in missing if not self.can(call.name)]
            if unavailable:
                raise Answer(Reply(_no_tool(unavailable[0])))
            raise Answer(Reply(tool_calls=tuple(missing)))
        return values

    def known(self, call: ToolCall) -> Any:
        """What `call` returned, if it is known (never fetches)."""
        return self.world.known(key_of(call))

    def truncated(self, call: ToolCall) -> bool:
        learned = self.world.results.get(key_of(call))
        return bool(learned and learned.truncated)

    def bank(self, module_id: Any) -> list[Record]:
        return list(self.banks.get(str(module_id)) or [])


def _no_tool(tool: str) -> str:
    return (
        f"I can't look that up right now: the `{tool}` tool isn't available in "
        "this session, so I won't guess. Check that Canvas is connected "
        "(`course-tutor doctor`) and ask again."
    )
