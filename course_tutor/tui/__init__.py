"""The Textual screen of course-tutor.

`run(args)` is what `course-tutor` and `course-tutor --demo` call; `TutorApp`
is the app itself, for tests and for embedding (see `course_tutor.tui.app`).
"""

from __future__ import annotations

import argparse
import sys

EXIT_SETUP = 2


def run(args: argparse.Namespace) -> int:
    """Start the app with the command line's options; the exit status."""
    from course_tutor.config import ConfigError, load_settings

    try:
        settings = load_settings(model=getattr(args, "model", None))
    except ConfigError as error:
        print(f"course-tutor: {error}", file=sys.stderr)
        return EXIT_SETUP

    from course_tutor.tui.app import TutorApp

    app = TutorApp(settings, demo=args.demo, prompt=getattr(args, "prompt", None))
    app.run()
    return app.return_code or 0
