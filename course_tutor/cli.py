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


def _lazy(module: str, function: str) -> Handler:
    """A handler that imports `module` only when its command runs."""

    def handler(args: argparse.Namespace) -> int:
        from importlib import import_module

        run: Handler = getattr(import_module(module), function)
        return run(args)

    return handler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-tutor",
        description="A study tutor for the terminal that knows your Canvas courses.",
    )
    parser.add_argument(
        "--version", action="version", version=f"course-tutor {__version__}"
    )
    _add_session_options(parser)
    parser.set_defaults(handler=_lazy("course_tutor.tui", "run"))
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
    demo_canvas.set_defaults(handler=_lazy("course_tutor.demo.serve", "serve_canvas"))

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
    demo_model.set_defaults(handler=_lazy("course_tutor.demo.serve", "serve_model"))

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
    ask.add_argument(
        "-c",
        "--continue",
        dest="continue_",
        action="store_true",
        help="go on with the latest conversation instead of starting one",
    )
    ask.set_defaults(handler=_lazy("course_tutor.headless", "run_ask"))
    _add_history_commands(commands)
    _add_setup_commands(commands)
    _add_eval_command(commands)
    return parser


def _add_setup_commands(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser(
        "init",
        help="set up Canvas and the model, checking each answer",
        description="Answer a few questions: your Canvas address, an access "
        "token (or OAuth), and the model. Each answer is checked live.",
    )
    init.set_defaults(handler=_lazy("course_tutor.setup.init", "run_init"))

    doctor = commands.add_parser(
        "doctor",
        help="check the set-up and say how to fix what does not work",
        description="Check the configuration, Canvas, the token, the model "
        "and the instructions. Exits 0 only when every check passes.",
    )
    doctor.add_argument("--model", metavar="M", help="check this model instead")
    doctor.add_argument(
        "--prompt", metavar="FILE", help="check these instructions instead"
    )
    doctor.set_defaults(handler=_lazy("course_tutor.setup.doctor", "run_doctor"))

    login = commands.add_parser(
        "login",
        help="log in to Canvas with OAuth (for schools without student tokens)",
        description="Log in to Canvas with OAuth2 in the browser. Needs a "
        "developer key (client id and secret) from your Canvas admin.",
    )
    login.add_argument("--client-id", metavar="ID", help="the developer key's id")
    login.add_argument(
        "--client-secret",
        metavar="S",
        help="its secret (asked for, hidden, when left out)",
    )
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="print the address to open instead of opening a browser",
    )
    login.add_argument(
        "--oob",
        action="store_true",
        help="paste the code Canvas shows instead of a redirect to this computer",
    )
    login.add_argument(
        "--port",
        type=int,
        default=0,
        help="port on 127.0.0.1 for Canvas's redirect (default: any free one)",
    )
    login.set_defaults(handler=_lazy("course_tutor.setup.login", "run_login"))

    logout = commands.add_parser(
        "logout",
        help="end the OAuth login at Canvas and forget it",
        description="Revoke the OAuth login at Canvas and remove its tokens.",
    )
    logout.set_defaults(handler=_lazy("course_tutor.setup.login", "run_logout"))


def _add_eval_command(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser(
        "eval",
        help="check that the instructions still lead to the right tool calls "
        "and answers",
        description="Play the scenarios of prompts/evals/ against the demo Canvas "
        "and check every answer. Exits 0 only when all pass.",
    )
    evaluate.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="scenario names or YAML files (default: all of prompts/evals/)",
    )
    evaluate.add_argument(
        "--prompt",
        action="append",
        default=[],
        metavar="FILE",
        help="instructions to test instead of the shipped ones; twice to "
        "compare two side by side",
    )
    evaluate.add_argument(
        "--model", metavar="M", help="the model (default: the scripted offline one)"
    )
    how = evaluate.add_mutually_exclusive_group()
    how.add_argument(
        "--record",
        action="store_true",
        help="run the model and keep its replies under cassettes/evals/",
    )
    how.add_argument(
        "--replay",
        action="store_true",
        help="answer from the recordings instead of a model (offline, free)",
    )
    evaluate.add_argument(
        "--junit", metavar="FILE", help="also write the results as JUnit XML"
    )
    evaluate.add_argument(
        "--cassettes", metavar="DIR", help="where the recordings are kept"
    )
    evaluate.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the conversation of every scenario that does not pass",
    )
    evaluate.set_defaults(handler=_lazy("course_tutor.evals.command", "run_eval"))


def _add_history_commands(commands: argparse._SubParsersAction) -> None:
    history = commands.add_parser(
        "history",
        help="list past conversations, the latest first",
        description="List the saved conversations, the latest first.",
    )
    history.add_argument("--json", action="store_true", help="print a JSON array")
    history.add_argument(
        "-n", "--limit", type=int, metavar="N", help="show only the latest N"
    )
    history.set_defaults(handler=_lazy("course_tutor.history_cli", "run_history"))

    export = commands.add_parser(
        "export",
        help="write out a past conversation as Markdown or JSON",
        description="Write out a saved conversation: Markdown to read, or "
        "JSON with everything kept, tool results included.",
    )
    export.add_argument(
        "id", metavar="ID", help="the conversation's id (see `history`), or 'latest'"
    )
    export.add_argument(
        "--format", choices=("md", "json"), default="md", help="default: md"
    )
    export.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of stdout"
    )
    export.set_defaults(handler=_lazy("course_tutor.history_cli", "run_export"))


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
