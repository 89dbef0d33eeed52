"""The turn loop: the model asks for tools, the tools answer, until the model
answers in words.

One turn:

1. send the history (fitted to the context budget) and the tool schemas,
   streaming the reply;
2. pass text fragments on as they come and collect the tool calls;
3. no tool calls: the turn is done;
4. otherwise run the calls concurrently, store their results in call order,
   and go back to 1, at most `max_steps` times.

The loop is an async generator of `events`; it renders nothing. The history
it is given is changed in place and is valid whenever the loop stops, even
when it is cancelled: every tool call has a result, and partial text is kept
with a mark.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from typing import Any, Protocol

import openai

from course_tutor.agent import chunks, model_errors
from course_tutor.agent.budget import ContextBudget, Message
from course_tutor.agent.calls import CallCollector, ToolCall
from course_tutor.agent.events import (
    Event,
    TextStreamed,
    ToolCallFinished,
    ToolCallStarted,
    TurnFailed,
    TurnFinished,
    UsageReported,
)

log = logging.getLogger(__name__)

INTERRUPTED = "\n\n_[answer interrupted]_"
REPEAT_LIMIT = 2
_CUT_MESSAGE = (
    "The answer was cut off because the connection to the model was lost. "
    "What arrived is kept; ask again to continue."
)


class Tool(Protocol):
    name: str
    schema: dict[str, Any]

    async def run(self, arguments_json: str) -> str: ...


class Agent:
    """Plays turns of a conversation against one model with one set of tools."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        tools: Sequence[Tool],
        *,
        max_steps: int = 8,
        context_window: int = 128_000,
        request_options: Mapping[str, Any] | None = None,
        stream_usage: bool = True,
    ) -> None:
        self.client = client
        self.model = model
        self.tools = {tool.name: tool for tool in tools}
        self.max_steps = max_steps
        self.request_options = dict(request_options or {})
        self.stream_usage = stream_usage
        schemas = [tool.schema for tool in tools]
        self._schemas = schemas
        self.budget = ContextBudget(
            window=context_window, tools=len(json.dumps(schemas)) // 4
        )

    async def run(
        self, history: list[Message], user_text: str
    ) -> AsyncGenerator[Event, None]:
        """Play one turn: `user_text` is added to `history`, and so is every
        message the turn produces."""
        history.append({"role": "user", "content": user_text})
        turn = _Turn(history)
        try:
            for step in range(1, self.max_steps + 1):
                # aclosing: if our consumer stops early, the inner generator's
                # clean-up runs now, not whenever it is garbage-collected.
                async with aclosing(self._ask_model(turn)) as events:
                    async for event in events:
                        yield event
                if turn.failed:
                    return
                if not turn.calls:
                    turn.finish_text()
                    yield TurnFinished(text=turn.text, steps=step)
                    return
                async with aclosing(self._run_calls(turn)) as events:
                    async for event in events:
                        yield event
            yield TurnFailed(
                "step_limit",
                f"The tutor stopped after {self.max_steps} rounds of looking things "
                "up without reaching an answer. Try asking a narrower question.",
            )
        finally:
            turn.close()

    async def _ask_model(self, turn: _Turn) -> AsyncGenerator[Event, None]:
        turn.start_step()
        try:
            stream = await self._create(self.budget.fit(turn.history))
            finished = False
            async with stream:
                async for chunk in stream:
                    piece = chunks.read(chunk)
                    if piece.usage is not None:
                        yield UsageReported(*piece.usage)
                    finished = finished or piece.finished
                    if piece.text:
                        turn.text += piece.text
                        yield TextStreamed(piece.text)
                    for part in piece.calls:
                        turn.collector.add(
                            part.index, part.id, part.name, part.arguments
                        )
        except (openai.OpenAIError, ValueError) as error:
            kind, message = model_errors.describe(
                error,
                model=self.model,
                base_url=str(self.client.base_url),
                secrets=self._secrets(),
            )
            if turn.text and kind in ("offline", "timeout", "bad_stream"):
                kind, message = "stream_cut", _CUT_MESSAGE
            log.warning("model request failed: %s (%s)", kind, type(error).__name__)
            turn.fail()
            yield TurnFailed(kind, message, partial=turn.text)
            return
        if not finished:
            # The stream ended without saying why: the connection was cut
            # (the SDK stops quietly when the server just hangs up).
            log.warning("model stream ended without a finish reason")
            turn.fail()
            yield TurnFailed("stream_cut", _CUT_MESSAGE, partial=turn.text)
            return
        turn.calls = turn.collector.calls

    def _secrets(self) -> list[str | None]:
        """What the client sends that no message may repeat."""
        names = ("api_key", "organization", "project")
        return [getattr(self.client, name, None) for name in names]

    async def _create(self, messages: list[Message]) -> Any:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            **self.request_options,
        }
        if self._schemas:
            request["tools"] = self._schemas
        if self.stream_usage:
            request["stream_options"] = {"include_usage": True}
        try:
            return await self.client.chat.completions.create(**request)
        except openai.BadRequestError as error:
            # A few compatible servers refuse `stream_options`; usage is
            # worth less than an answer, so ask again without it, once.
            if "stream_options" not in str(error.message) or not self.stream_usage:
                raise
            self.stream_usage = False
            request.pop("stream_options")
            return await self.client.chat.completions.create(**request)

    async def _run_calls(self, turn: _Turn) -> AsyncGenerator[Event, None]:
        calls = turn.calls
        turn.store_calls()
        for call in calls:
            yield ToolCallStarted(call.id, call.name, call.arguments)

        tasks = {
            asyncio.ensure_future(self._run_one(call, turn.seen(call))): call
            for call in calls
        }
        results: dict[str, str] = {}
        try:
            for next_done in asyncio.as_completed(tasks):
                call, result, duration = await next_done
                results[call.id] = result
                yield ToolCallFinished(
                    call.id,
                    call.name,
                    call.arguments,
                    ok=not _is_error(result),
                    summary=summarize(self.tools.get(call.name), result),
                    duration=duration,
                    result=result,
                )
        finally:
            for task in tasks:
                task.cancel()
            turn.store_results(results)

    async def _run_one(
        self, call: ToolCall, times_seen: int
    ) -> tuple[ToolCall, str, float]:
        started = time.perf_counter()
        tool = self.tools.get(call.name)
        if tool is None:
            result = _error(
                "unknown_tool",
                f"There is no tool named {call.name!r}. The tools are: "
                f"{', '.join(self.tools) or 'none'}.",
            )
        elif times_seen > REPEAT_LIMIT:
            result = _error(
                "repeated_call",
                "This exact call was already made in this turn; use its earlier "
                "result instead of calling again.",
            )
        else:
            try:
                result = await tool.run(call.arguments or "{}")
            except Exception:  # tools should not raise; one that does is a bug
                log.exception("tool %s raised", call.name)
                result = _error("internal", "The tool failed unexpectedly.")
        duration = time.perf_counter() - started
        log.info("tool %s finished in %.0f ms", call.name, duration * 1000)
        return call, result, duration


class _Turn:
    """The history of one turn as it is being written, kept valid throughout."""

    def __init__(self, history: list[Message]) -> None:
        self.history = history
        self.text = ""
        self.calls: list[ToolCall] = []
        self.collector = CallCollector()
        self.failed = False
        self._seen: dict[tuple[str, str], int] = {}
        self._unanswered: list[ToolCall] = []
        self._text_stored = False

    def start_step(self) -> None:
        self.text = ""
        self.calls = []
        self.collector = CallCollector()
        self._text_stored = False

    def seen(self, call: ToolCall) -> int:
        key = (call.name, _canonical(call.arguments))
        self._seen[key] = self._seen.get(key, 0) + 1
        return self._seen[key]

    def finish_text(self) -> None:
        self.history.append({"role": "assistant", "content": self.text})
        self._text_stored = True

    def fail(self) -> None:
        self.failed = True
        if self.text:
            self.history.append(
                {"role": "assistant", "content": self.text + INTERRUPTED}
            )
        self._text_stored = True

    def store_calls(self) -> None:
        self.history.append(
            {
                "role": "assistant",
                "content": self.text or None,
                "tool_calls": [call.message_part() for call in self.calls],
            }
        )
        self._text_stored = True
        self._unanswered = list(self.calls)

    def store_results(self, results: Mapping[str, str]) -> None:
        """Answer every call still open, in call order; idempotent."""
        for call in self._unanswered:
            result = results.get(call.id) or _error(
                "cancelled", "The student cancelled this turn before the tool finished."
            )
            self.history.append(
                {"role": "tool", "tool_call_id": call.id, "content": result}
            )
        self._unanswered = []

    def close(self) -> None:
        """Called however the turn ends: keep partial text, answer every call."""
        self.store_results({})
        if not self._text_stored and self.text:
            self.history.append(
                {"role": "assistant", "content": self.text + INTERRUPTED}
            )
            self._text_stored = True


def summarize(tool: Tool | None, result: str) -> str:
    """A few words on a tool result for the screen: "6 modules", "not found"."""
    custom = getattr(tool, "summarize", None)
    if custom is not None:
        return str(custom(result))
    try:
        data = json.loads(result)
    except ValueError:
        return f"{len(result)} characters"
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return str(data["error"].get("message", "failed"))[:80]
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return f"{len(data['results'])} results (truncated)"
    if isinstance(data, list):
        return f"{len(data)} result{'s' if len(data) != 1 else ''}"
    return "done"


def _is_error(result: str) -> bool:
    try:
        data = json.loads(result)
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("error"), dict)


def _error(kind: str, message: str) -> str:
    return json.dumps({"error": {"type": kind, "message": message}})


def _canonical(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments or "{}"), sort_keys=True)
    except ValueError:
        return arguments
