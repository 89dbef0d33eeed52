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
    model = getattr(args, "model", None)
    settings = None
    if not args.demo:
        # Which first screen to show depends on the settings. The demo's
        # does not, so it reads them once that screen is up.
        from course_tutor.config import ConfigError, load_settings

        try:
            settings = load_settings(model=model)
        except ConfigError as error:
            print(f"course-tutor: {error}", file=sys.stderr)
            return EXIT_SETUP

    from course_tutor.store import Store, StoreError
    from course_tutor.tui.app import TutorApp

    store: Store | None
    problem = None
    try:
        store = Store.open()
    except StoreError as error:
        # The tutor works without history; say why it is not kept.
        store, problem = None, str(error)

    app = TutorApp(
        settings,
        demo=args.demo,
        model=model,
        prompt=getattr(args, "prompt", None),
        store=store,
        store_problem=problem,
    )
    try:
        app.run()
    finally:
        if store is not None:
            store.close()
    return app.return_code or 0
