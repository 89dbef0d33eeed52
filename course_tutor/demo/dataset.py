"""The bundled demo school, read from the JSON files in `course_tutor.demo.data`.

`school.json` holds Northwood State University as the demo Canvas serves it
(user, terms, courses with their modules and items); `question_banks.json`
holds the practice-exam questions of each module, keyed by module id as a
string. Both are parsed once and cached: callers share the returned objects and
must copy before changing anything.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

_PACKAGE = "course_tutor.demo.data"


@functools.cache
def load_school() -> dict[str, Any]:
    """The demo school: `school`, `user`, `terms` and `courses`."""
    return _read("school.json")


@functools.cache
def load_question_banks() -> dict[str, Any]:
    """Practice-exam questions: `{"modules": {"<module id>": [question, ...]}}`."""
    return _read("question_banks.json")


def _read(name: str) -> dict[str, Any]:
    text = resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)
