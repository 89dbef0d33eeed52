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
    return parser


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
