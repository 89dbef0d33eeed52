"""The scripted model: an OpenAI-compatible Chat Completions server that plays
the tutor deterministically from the demo course data, so the whole program
runs offline (demo mode, tests, recordings) with real tool calls.

    app.py           HTTP routes, auth, errors, streaming
    wire.py          chat.completion / chunk JSON, ids, usage
    conversation.py  reading the request's messages
    world.py         what the tool results taught, and fetching what is missing
    router.py        replaying the conversation through the flows
    courses.py, search.py, overview.py, exam.py, guide.py   the flows
    phrasing.py      how students say things
    misbehave.py     deliberate faults for reliability tests
"""

from __future__ import annotations

from course_tutor.demo.scripted.app import scripted_model_app
from course_tutor.demo.scripted.wire import MODEL_ID

__all__ = ["MODEL_ID", "scripted_model_app"]
