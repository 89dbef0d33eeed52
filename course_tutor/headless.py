"""`course-tutor ask`: one turn without the screen.

The answer goes to stdout (Markdown rendered when stdout is a terminal, plain
when piped); `-v` reports tool calls on stderr; `--json` prints the answer,
the model, the tool calls and the usage as one JSON object. A failure exits
non-zero with a one-line reason on stderr.
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
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failure: tuple[str, str] | None = None


def run_ask(args: argparse.Namespace) -> int:
    from course_tutor.canvas import CanvasError
    from course_tutor.config import ConfigError, load_settings
    from course_tutor.instructions import InstructionsError
    from course_tutor.session import SetupError

    try:
        settings = load_settings(model=args.model)
        return asyncio.run(_ask(args, settings))
    except (SetupError, ConfigError, InstructionsError, CanvasError) as error:
        print(f"course-tutor: {error}", file=sys.stderr)
        return EXIT_SETUP


async def _ask(args: argparse.Namespace, settings: Any) -> int:
    from course_tutor.session import open_session

    async with open_session(settings, demo=args.demo, prompt=args.prompt) as session:
        history = session.new_history()
        record = await play_turn(
            session.agent, history, args.text, verbose=args.verbose
        )

    if args.json:
        shown = _as_json(record, session.model, session.model_label)
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    elif record.answer:
        _print_answer(record.answer)
    if record.failure is not None:
        _, message = record.failure
        print(f"course-tutor: {message}", file=sys.stderr)
        return EXIT_FAILED
    return 0


async def play_turn(
    agent: Any, history: list[dict[str, Any]], text: str, *, verbose: bool = False
) -> TurnRecord:
    """Run one turn to its end, collecting what it produced."""
    from course_tutor.agent.events import (
        TextStreamed,
        ToolCallFinished,
        ToolCallStarted,
        TurnFailed,
        TurnFinished,
        UsageReported,
    )

    record = TurnRecord()
    async with aclosing(agent.run(history, text)) as events:
        async for event in events:
            match event:
                case TextStreamed(text=fragment):
                    record.answer += fragment
                case ToolCallStarted(name=name, arguments=arguments) if verbose:
                    print(f"→ {name} {arguments}", file=sys.stderr)
                case ToolCallFinished() as finished:
                    record.tool_calls.append(
                        {
                            "name": finished.name,
                            "arguments": _parsed(finished.arguments),
                            "ok": finished.ok,
                            "summary": finished.summary,
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
