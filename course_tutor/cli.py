"""The `course-tutor` command line.

Only wiring lives here. Every subcommand imports what it needs when it runs,
so `--version` and `--help` stay fast: no openai, textual or starlette at
import time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from course_tutor import __version__

Handler = Callable[[argparse.Namespace], int]


def _run_demo_canvas(args: argparse.Namespace) -> int:
    from course_tutor.demo.serve import serve_canvas

    return serve_canvas(args)


def _run_demo_model(args: argparse.Namespace) -> int:
    from course_tutor.demo.serve import serve_model

    return serve_model(args)


def _run_ask(args: argparse.Namespace) -> int:
    from course_tutor.headless import run_ask

    return run_ask(args)


def _run_default(args: argparse.Namespace) -> int:
    from course_tutor.demo.headless import print_demo_answer

    return print_demo_answer()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-tutor",
        description="A study tutor for the terminal that knows your Canvas courses.",
    )
    parser.add_argument(
        "--version", action="version", version=f"course-tutor {__version__}"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the bundled demo Canvas (no keys, no network)",
    )
    parser.set_defaults(handler=_run_default)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    demo_canvas = commands.add_parser(
        "demo-canvas",
        help="serve the demo Canvas over HTTP on 127.0.0.1 (token 'demo')",
        description="Serve the demo Canvas over HTTP on 127.0.0.1. "
        "Use the token 'demo'.",
    )
    demo_canvas.add_argument("--port", type=int, default=8765)
    demo_canvas.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay every response"
    )
    demo_canvas.add_argument(
        "--throttle",
        action="store_true",
        help="simulate Canvas's rate-limit bucket (403/429 when empty)",
    )
    demo_canvas.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault, e.g. 500:0.2 (status at a rate), slow:0.1, "
        "malformed:0.1; repeatable",
    )
    demo_canvas.set_defaults(handler=_run_demo_canvas)

    demo_model = commands.add_parser(
        "demo-model",
        help="serve the scripted model over HTTP (OpenAI-compatible /v1)",
        description="Serve the scripted offline model on 127.0.0.1 as an "
        "OpenAI-compatible Chat Completions server.",
    )
    demo_model.add_argument("--port", type=int, default=8766)
    demo_model.add_argument(
        "--pace-ms", type=float, default=0.0, help="pause between streamed chunks"
    )
    demo_model.set_defaults(handler=_run_demo_model)

    ask = commands.add_parser(
        "ask",
        help="ask one question without the screen and print the answer",
        description="Play one turn headless and print the answer.",
    )
    ask.add_argument("text", metavar="TEXT", help="what to ask the tutor")
    _add_session_options(ask)
    ask.add_argument("--json", action="store_true", help="print a JSON object")
    ask.add_argument(
        "-v", "--verbose", action="store_true", help="show tool calls on stderr"
    )
    ask.set_defaults(handler=_run_ask)
    return parser


def _add_session_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the bundled demo Canvas (no keys, no network)",
    )
    parser.add_argument(
        "--prompt",
        metavar="FILE",
        help="use these instructions instead of the shipped ones",
    )
    parser.add_argument("--model", metavar="M", help="the model to ask")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
