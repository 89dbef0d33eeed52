"""`course-tutor ask`: one turn without the screen.

The answer goes to stdout (Markdown rendered when stdout is a terminal, plain
when piped); `-v` reports tool calls on stderr; `--json` prints the answer,
the model, the tool calls, the usage and the conversation's id as one JSON
object. A failure exits non-zero with a one-line reason on stderr.

Every message is saved in the conversation store as it finishes (`-c` goes
on with the latest conversation instead of starting one), so an interrupted
`ask` loses at most the answer that was streaming.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

EXIT_FAILED = 1
EXIT_SETUP = 2


@dataclass
class TurnRecord:
    """What one headless turn produced."""

    answer: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    """The tool calls in the order the model asked for them (not the order
    they finished in): id, name, arguments, ok, summary and raw result."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failure: tuple[str, str] | None = None

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The calls as `--json` shows them: name, arguments, ok, summary."""
        shown = ("name", "arguments", "ok", "summary")
        return [{key: call[key] for key in shown} for call in self.calls]


def run_ask(args: argparse.Namespace) -> int:
    from course_tutor.canvas import CanvasError
    from course_tutor.config import ConfigError, load_settings
    from course_tutor.instructions import InstructionsError
    from course_tutor.session import SetupError
    from course_tutor.store import StoreError

    try:
        settings = load_settings(model=args.model)
        return asyncio.run(_ask(args, settings))
    except (
        SetupError,
        ConfigError,
        InstructionsError,
        CanvasError,
        StoreError,
    ) as error:
        print(f"course-tutor: {error}", file=sys.stderr)
        return EXIT_SETUP


async def _ask(args: argparse.Namespace, settings: Any) -> int:
    from course_tutor.session import open_session
    from course_tutor.store import Recorder, Store

    with Store.open() as store:
        continued = _latest(store) if args.continue_ else None
        async with open_session(
            settings, demo=args.demo, prompt=args.prompt, store=store
        ) as session:
            history = session.new_history()
            conversation = _conversation(store, session, history, continued, args.text)
            recorder = Recorder(store, conversation.id, history)
            recorder.question(args.text)
            record = await play_turn(
                session.agent,
                history,
                args.text,
                verbose=args.verbose,
                recorder=recorder,
            )

    if args.json:
        shown = _as_json(record, session.model, session.model_label)
        shown["conversation_id"] = conversation.id
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    elif record.answer:
        _print_answer(record.answer)
    if record.failure is not None:
        _, message = record.failure
        print(f"course-tutor: {message}", file=sys.stderr)
        return EXIT_FAILED
    if recorder.failure is not None:
        print(
            f"course-tutor: not everything was saved: {recorder.failure}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


def _latest(store: Any) -> Any:
    from course_tutor.session import SetupError

    conversation = store.latest()
    if conversation is None:
        raise SetupError(
            "There is no conversation to continue yet; ask without -c to start one."
        )
    return conversation


def _conversation(
    store: Any, session: Any, history: list[dict[str, Any]], continued: Any, text: str
) -> Any:
    """The conversation this turn belongs to: `continued`, its messages put
    after the current instructions, or a new one titled by the question."""
    from course_tutor.store import title_from

    if continued is None:
        conversation = store.new_conversation(
            title=title_from(text),
            model=session.model,
            prompt_hash=session.instructions.digest,
            canvas_host=session.canvas_host,
        )
    else:
        conversation = continued
        history.extend(store.load(conversation.id))
        if conversation.canvas_host not in ("", session.canvas_host):
            print(
                f"course-tutor: note: this conversation began with Canvas at "
                f"{conversation.canvas_host}; it goes on with {session.canvas_host}.",
                file=sys.stderr,
            )
    session.conversation_id = conversation.id
    return conversation


async def play_turn(
    agent: Any,
    history: list[dict[str, Any]],
    text: str,
    *,
    verbose: bool = False,
    recorder: Any = None,
) -> TurnRecord:
    """Run one turn to its end, collecting what it produced; `recorder` (a
    `course_tutor.store.Recorder`) saves each message as it finishes."""
    from course_tutor.agent.events import (
        TextStreamed,
        ToolCallFinished,
        ToolCallStarted,
        TurnFailed,
        TurnFinished,
        UsageReported,
    )

    record = TurnRecord()
    asked: list[str] = []
    stream = agent.run(history, text)
    if recorder is not None:
        stream = recorder.follow(stream)
    async with aclosing(stream) as events:
        async for event in events:
            match event:
                case TextStreamed(text=fragment):
                    record.answer += fragment
                case ToolCallStarted(call_id=call_id, name=name, arguments=arguments):
                    asked.append(call_id)
                    if verbose:
                        print(f"→ {name} {arguments}", file=sys.stderr)
                case ToolCallFinished() as finished:
                    record.calls.append(
                        {
                            "id": finished.call_id,
                            "name": finished.name,
                            "arguments": _parsed(finished.arguments),
                            "ok": finished.ok,
                            "summary": finished.summary,
                            "result": finished.result,
                        }
                    )
                    if verbose:
                        mark = "✓" if finished.ok else "✗"
                        print(
                            f"{mark} {finished.name}: {finished.summary} "
                            f"({finished.duration * 1000:.0f} ms)",
                            file=sys.stderr,
                        )
                case UsageReported() as usage:
                    record.prompt_tokens += usage.prompt_tokens
                    record.completion_tokens += usage.completion_tokens
                case TurnFinished(text=final):
                    record.answer = final
                case TurnFailed(kind=kind, message=message, partial=partial):
                    record.answer = partial
                    record.failure = (kind, message)
    record.calls.sort(key=lambda call: asked.index(call["id"]))
    return record


def _parsed(arguments: str) -> Any:
    try:
        return json.loads(arguments or "{}")
    except ValueError:
        return arguments


def _as_json(record: TurnRecord, model: str, label: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "answer": record.answer,
        "model": model,
        "model_label": label,
        "tool_calls": record.tool_calls,
        "usage": {
            "prompt_tokens": record.prompt_tokens,
            "completion_tokens": record.completion_tokens,
            "total_tokens": record.prompt_tokens + record.completion_tokens,
        },
    }
    if record.failure is not None:
        result["error"] = {"kind": record.failure[0], "message": record.failure[1]}
    return result


def _print_answer(answer: str) -> None:
    if not sys.stdout.isatty():
        print(answer)
        return
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(answer))
