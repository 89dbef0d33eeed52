"""Deliberate faults, for testing how a client loop copes with a model
server that misbehaves. Each is deterministic:

    index0            every parallel tool call streamed at index 0, told apart
                      only by a new id (as Ollama does)
    unknown_tool      call a tool that does not exist, once
    bad_json          tool-call arguments that do not parse, once
    wrong_types       arguments of the wrong types (`course_id: [48213]`), once
    repeat            call listYourCourses with the same arguments every step
    cut               close the stream mid-answer, without `[DONE]`
    malformed_chunk   one `data:` line that is not JSON
    status:NNN        answer every request with HTTP NNN (429, 500, 401, ...)
    quota             429 with OpenAI's `insufficient_quota` error

"Once" means: until a tool result in the conversation shows the fault
already happened. Any name may end in `*N` to apply only to the first N chat
requests the app serves (a fault that clears, for retry tests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse, Response

from course_tutor.demo.scripted.conversation import Event, ToolExchange
from course_tutor.demo.scripted.reply import Reply, ToolCall
from course_tutor.demo.scripted.wire import DONE, sse
from course_tutor.demo.scripted.world import call_key

NAMES = (
    "index0",
    "unknown_tool",
    "bad_json",
    "wrong_types",
    "repeat",
    "cut",
    "malformed_chunk",
    "quota",
)
UNKNOWN_TOOL = "getCourseGrades"
BROKEN_LINE = b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": \n\n'
_KNOWN_TOOLS = frozenset(
    {
        "listYourCourses",
        "getSingleCourse",
        "listModules",
        "listModuleItems",
        "searchCourses",
        "exportPracticeExam",
    }
)
_SPEC = re.compile(r"^(?P<name>[a-z_0-9]+(?::\d{3})?)(?:\*(?P<times>\d+))?$")


@dataclass
class Misbehaviour:
    """The faults switched on, and how many requests each still applies to."""

    faults: dict[str, int | None] = field(default_factory=dict)
    served: int = 0

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Misbehaviour:
        faults: dict[str, int | None] = {}
        for spec in specs:
            match = _SPEC.match(spec.strip())
            name = match["name"] if match else spec
            if not match or not (name in NAMES or name.startswith("status:")):
                raise ValueError(f"unknown misbehaviour {spec!r}")
            faults[name] = int(match["times"]) if match["times"] else None
        return cls(faults)

    def next_request(self) -> frozenset[str]:
        """The faults that apply to the request being served now."""
        number, self.served = self.served, self.served + 1
        return frozenset(
            name
            for name, times in self.faults.items()
            if times is None or number < times
        )


# -- HTTP-level faults -------------------------------------------------------------


def error_body(message: str, kind: str, code: str | None, param: str | None = None):
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def status_fault(active: frozenset[str]) -> Response | None:
    """The error response a status fault sends instead of an answer."""
    if "quota" in active:
        return JSONResponse(
            error_body(
                "You exceeded your current quota (a demo fault of the scripted "
                "model); check your plan and billing details.",
                "insufficient_quota",
                "insufficient_quota",
            ),
            status_code=429,
        )
    status = next(
        (int(n.split(":")[1]) for n in sorted(active) if n.startswith("status:")), 0
    )
    match status:
        case 0:
            return None
        case 429:
            body = error_body(
                "Rate limit reached for course-tutor-scripted (a demo fault); "
                "please try again in 1s.",
                "requests",
                "rate_limit_exceeded",
            )
            return JSONResponse(body, status_code=429, headers={"retry-after": "1"})
        case 401:
            body = error_body(
                "Incorrect API key provided (a demo fault of the scripted model).",
                "invalid_request_error",
                "invalid_api_key",
            )
            return JSONResponse(body, status_code=401)
    body = error_body(
        "The scripted model failed on purpose (a demo fault); try again.",
        "server_error",
        None,
    )
    return JSONResponse(body, status_code=status)


# -- faults in what the model says -------------------------------------------


def rewrite(
    reply: Reply, active: frozenset[str], events: Sequence[Event], tools: frozenset[str]
) -> Reply:
    """The reply with the tool-call faults applied."""
    if "repeat" in active and "listYourCourses" in tools:
        return Reply(tool_calls=(ToolCall.of("listYourCourses"),))
    if not reply.tool_calls:
        return reply
    first, *rest = reply.tool_calls
    if "unknown_tool" in active and not _happened(events, _was_unknown):
        return Reply(tool_calls=(ToolCall.of(UNKNOWN_TOOL, course_id="48213"),))
    if "bad_json" in active and not _happened(events, _was_bad_json):
        broken = ToolCall(first.name, first.arguments[:-1] + ",")
        return Reply(reply.text, (broken, *rest))
    if "wrong_types" in active and not _happened(events, _was_wrong_types):
        return Reply(reply.text, (_wrong_types(first), *rest))
    return reply


def _happened(events: Sequence[Event], test: Any) -> bool:
    return any(
        isinstance(event, ToolExchange) and event.answered and test(event)
        for event in events
    )


def _was_unknown(exchange: ToolExchange) -> bool:
    return exchange.name not in _KNOWN_TOOLS


def _was_bad_json(exchange: ToolExchange) -> bool:
    # Clients may store unparseable arguments as `{}`; the error says why.
    error = exchange.error or {}
    return exchange.arguments is None or (
        error.get("type") == "invalid_arguments" and "JSON" in str(error.get("message"))
    )


def _was_wrong_types(exchange: ToolExchange) -> bool:
    return (
        exchange.name in _KNOWN_TOOLS
        and isinstance(exchange.arguments, dict)
        and call_key(exchange.name, exchange.arguments) is None
    )


def _wrong_types(call: ToolCall) -> ToolCall:
    """The call with its arguments of the wrong JSON types."""
    arguments = json.loads(call.arguments)
    for name in ("course_id", "module_id"):
        if name in arguments:
            value = arguments[name]
            arguments[name] = [int(value) if str(value).isdigit() else value]
    if call.name == "listModules":
        arguments["include_items"] = "maybe"
    elif call.name == "listYourCourses":
        arguments["enrollment_state"] = ["active"]
    elif call.name == "searchCourses":
        arguments["search"] = {"name": arguments.get("search")}
    elif call.name == "exportPracticeExam":
        arguments["questions"] = "all of them"
    return ToolCall(call.name, json.dumps(arguments, separators=(",", ":")))


# -- faults in the stream ----------------------------------------------------


def stream_lines(chunks: list[dict[str, Any]], active: frozenset[str]) -> list[bytes]:
    """The SSE lines of a streamed answer, with the stream faults applied."""
    lines = [sse(chunk) for chunk in chunks]
    if "cut" in active:
        # Stop halfway through what is being written: some text (or some
        # argument pieces) arrived, the rest and `[DONE]` never will.
        writing = [n for n, chunk in enumerate(chunks) if _writes(chunk)]
        if len(writing) >= 2:
            lines = lines[: writing[len(writing) // 2]]
        else:
            lines = lines[: writing[0] + 1 if writing else 1]
    else:
        lines.append(DONE)
    if "malformed_chunk" in active:
        lines.insert(1, BROKEN_LINE)
    return lines


def _writes(chunk: dict[str, Any]) -> bool:
    for choice in chunk.get("choices") or []:
        delta = choice.get("delta") or {}
        if delta.get("content") or any(
            (call.get("function") or {}).get("arguments")
            for call in delta.get("tool_calls") or []
        ):
            return True
    return False


def damage_body(body: bytes, active: frozenset[str]) -> bytes:
    """A non-streamed body cut short, when the answer is to be cut."""
    return body[: len(body) // 2] if "cut" in active else body
