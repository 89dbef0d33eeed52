"""The Chat Completions wire format: a `Reply` as a `chat.completion` object
or as the `chat.completion.chunk` sequence a streaming server sends.

Everything here is a pure function of the request, so the same request gives
byte-identical output: `created` is fixed, ids come from a hash of the
request's messages, fragment sizes follow a fixed cycle.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from course_tutor.demo.scripted.reply import Reply

MODEL_ID = "course-tutor-scripted"
CREATED = 1767225600  # 2026-01-01T00:00:00Z, fixed so output never depends on a clock
SYSTEM_FINGERPRINT = "fp_scripted"

_WORDS_PER_FRAGMENT = 3
_ARGUMENT_PIECES = (7, 12, 5, 9)  # sizes cycle, so pieces fall mid-string
_TOKEN = re.compile(r"\S+\s*|\s+")

Record = dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Token counts estimated the way people do by eye: four characters each."""

    prompt_tokens: int
    completion_tokens: int

    @classmethod
    def estimate(cls, request_chars: int, reply: Reply) -> Usage:
        written = len(reply.text or "") + sum(
            len(call.name) + len(call.arguments) for call in reply.tool_calls
        )
        return cls(max(1, request_chars // 4), max(1, written // 4))

    def as_json(self) -> Record:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


@dataclass(frozen=True)
class Ids:
    """Ids derived from the request's messages, so a replay reuses them."""

    digest: str

    @classmethod
    def for_messages(cls, messages: Any) -> Ids:
        canonical = json.dumps(messages, sort_keys=True, ensure_ascii=False)
        return cls(hashlib.sha256(canonical.encode()).hexdigest())

    @property
    def completion(self) -> str:
        return f"chatcmpl-{self.digest[:29]}"

    def call(self, counter: int) -> str:
        derived = hashlib.sha256(f"{self.digest}:{counter}".encode()).hexdigest()
        return f"call_{derived[:24]}"


def completion(reply: Reply, ids: Ids, usage: Usage) -> Record:
    """The non-streaming answer: one `chat.completion` object."""
    message: Record = {"role": "assistant", "content": reply.text, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": ids.call(number),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for number, call in enumerate(reply.tool_calls)
        ]
    return {
        "id": ids.completion,
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL_ID,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": usage.as_json(),
    }


def chunks(
    reply: Reply,
    ids: Ids,
    usage: Usage | None,
    *,
    same_index: bool = False,
) -> list[Record]:
    """The streamed answer as chunk objects, in order.

    `usage` is None unless the client asked for it (`stream_options`); then
    every chunk carries `"usage": null` and one last chunk with no choices
    carries the counts, as OpenAI does. `same_index` puts every tool call at
    index 0 (the way Ollama streams parallel calls).
    """
    deltas: list[Record] = [{"role": "assistant", "content": ""}]
    deltas += [{"content": piece} for piece in text_fragments(reply.text or "")]
    for number, call in enumerate(reply.tool_calls):
        index = 0 if same_index else number
        deltas.append(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": ids.call(number),
                        "type": "function",
                        "function": {"name": call.name, "arguments": ""},
                    }
                ]
            }
        )
        deltas += [
            {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
            for piece in argument_fragments(call.arguments)
        ]

    shaped = [_chunk(ids, delta, None, usage) for delta in deltas]
    shaped.append(_chunk(ids, {}, reply.finish_reason, usage))
    if usage is not None:
        last = _chunk(ids, None, None, usage)
        last["usage"] = usage.as_json()
        shaped.append(last)
    return shaped


def _chunk(
    ids: Ids, delta: Record | None, finish_reason: str | None, usage: Usage | None
) -> Record:
    chunk: Record = {
        "id": ids.completion,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL_ID,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": []
        if delta is None
        else [
            {
                "index": 0,
                "delta": delta,
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
    }
    if usage is not None:
        chunk["usage"] = None
    return chunk


def text_fragments(text: str) -> Iterator[str]:
    """A few words at a time; joined back together they are exactly `text`."""
    tokens = _TOKEN.findall(text)
    for start in range(0, len(tokens), _WORDS_PER_FRAGMENT):
        yield "".join(tokens[start : start + _WORDS_PER_FRAGMENT])


def argument_fragments(arguments: str) -> Iterator[str]:
    """Argument JSON in uneven pieces, cut anywhere (inside strings too)."""
    start = 0
    for size in itertools.cycle(_ARGUMENT_PIECES):
        if start >= len(arguments):
            return
        yield arguments[start : start + size]
        start += size


def sse(payload: Record | str) -> bytes:
    """One server-sent event line as OpenAI sends them."""
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


DONE = sse("[DONE]")
