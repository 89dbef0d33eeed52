"""Canvas ids, checked and encoded for use in a URL path.

Ids reach the client from a language model, so anything that is not a plain
64-bit id, or for courses one of Canvas's prefixed forms (``sis_course_id:X``
and friends), is refused before any URL is built. An accepted value becomes
exactly one path segment: every reserved character in it is percent-encoded.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from course_tutor.canvas.errors import InvalidIdError

COURSE_ID_PREFIXES = frozenset(
    {"sis_course_id", "sis_integration_id", "lti_context_id", "uuid"}
)
"""The prefixes Canvas accepts in front of a course id."""

MAX_ID = 2**63 - 1
"""Canvas ids are signed 64-bit integers."""

MAX_PREFIXED_VALUE_LENGTH = 255
"""SIS and LTI ids are strings of at most 255 characters in Canvas."""

# ASCII digits only (str.isdigit would also take "١٢"); 2**63 has 19 digits.
_PLAIN_ID = re.compile(r"[0-9]{1,19}")

# Control characters, lone surrogates, and line or paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def plain_id(value: object, *, what: str = "id") -> int:
    """The positive 64-bit integer given as an ``int`` or a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _PLAIN_ID.fullmatch(value):
        number = int(value)
    else:
        raise _refuse(value, what)

    if not 0 < number <= MAX_ID:
        raise _refuse(value, what)
    return number


def module_id_segment(value: object) -> str:
    """The path segment for a module id: plain integers only."""
    return str(plain_id(value, what="module id"))


def course_id_segment(value: object) -> str:
    """The path segment for a course id, plain or prefixed, percent-encoded."""
    if isinstance(value, str):
        prefix, colon, rest = value.partition(":")
        if colon and prefix in COURSE_ID_PREFIXES:
            if not _is_acceptable_prefixed_value(rest):
                raise _refuse(value, "course id")
            return f"{prefix}:{quote(rest, safe='')}"
    return str(plain_id(value, what="course id"))


def _is_acceptable_prefixed_value(text: str) -> bool:
    if not text or len(text) > MAX_PREFIXED_VALUE_LENGTH:
        return False
    return not any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in text)


def _refuse(value: object, what: str) -> InvalidIdError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    hint = "a whole number such as 1234"
    if what == "course id":
        hint += ", or a prefixed id such as sis_course_id:ABC-101"
    return InvalidIdError(f"{shown} is not a valid Canvas {what}: use {hint}.")
