"""Reading one streamed chunk without trusting its shape.

The openai SDK builds stream chunks without validating them, so a server
that sends `"content": 5` or `"tool_calls": "0"` hands the loop an int or a
string where text or a list belongs. `read` takes out what the loop needs
and raises `MalformedChunk` (a ValueError, reported as an unreadable reply)
for a field of the wrong type, instead of letting a TypeError escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class MalformedChunk(ValueError):
    """A chunk field is not of the type Chat Completions gives it."""


@dataclass(frozen=True)
class CallPart:
    """A piece of one tool call: its id and name come once, its arguments
    in fragments, all tagged with the call's index."""

    index: int
    """0 when the server left it out (calls are then told apart by id)."""
    id: str | None
    name: str | None
    arguments: str | None


@dataclass(frozen=True)
class Piece:
    """What one chunk adds to the turn."""

    usage: tuple[int, int] | None = None
    finished: bool = False
    text: str = ""
    calls: list[CallPart] = field(default_factory=list)


def read(chunk: Any) -> Piece:
    """The usage, finish, text and tool-call parts of the chunk's first choice."""
    usage = _usage(getattr(chunk, "usage", None))
    choices = getattr(chunk, "choices", None) or []
    if not isinstance(choices, list):
        raise MalformedChunk("the chunk's choices are not a list")
    if not choices:
        return Piece(usage)

    choice = choices[0]
    delta = getattr(choice, "delta", None)
    parts = getattr(delta, "tool_calls", None) or []
    if not isinstance(parts, list):
        raise MalformedChunk("the chunk's tool calls are not a list")
    return Piece(
        usage,
        finished=getattr(choice, "finish_reason", None) is not None,
        text=_text(getattr(delta, "content", None), "content") or "",
        calls=[_call_part(part) for part in parts],
    )


def _call_part(part: Any) -> CallPart:
    if part is None or isinstance(part, str | int | float | list | dict):
        raise MalformedChunk("a tool call in the chunk is not an object")
    index = getattr(part, "index", None)
    if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
        raise MalformedChunk("a tool call's index is not a number")
    function = getattr(part, "function", None)
    if function is not None and isinstance(function, str | int | float | list):
        raise MalformedChunk("a tool call's function is not an object")
    return CallPart(
        index or 0,
        _text(getattr(part, "id", None), "id"),
        _text(getattr(function, "name", None), "name"),
        _text(getattr(function, "arguments", None), "arguments"),
    )


def _text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise MalformedChunk(f"a chunk's {what} is not text")


def _usage(usage: Any) -> tuple[int, int] | None:
    if usage is None:
        return None
    return (
        _count(getattr(usage, "prompt_tokens", None)),
        _count(getattr(usage, "completion_tokens", None)),
    )


def _count(value: Any) -> int:
    """A token count; anything that is not a whole number counts as 0."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0
