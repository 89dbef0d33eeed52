"""Reading practice-exam questions and scores out of the tutor's answers.

The prompt asks for this layout, and the scripted model writes exactly it:

    **Question 2 of 5** · Cell membranes

    Which molecule forms the basic structure of the cell membrane?

    A) Cholesterol
    B) Phospholipids
    ...
    Reply with A, B, C or D.

Real models drift, so choices may also read `A.`, `A:`, `**A)**`, `- A)` or
`(A)`. A question counts only when its choices close the answer (at most a
short instruction may follow): an overview that happens to contain a lettered
list is not a question waiting for a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LETTERS = "ABCD"

_CHOICE = re.compile(
    r"""^\s*(?:[-*+]\s+)?          # an optional list bullet
        (?:\*\*|__)?\(?            # optional bold, optional opening parenthesis
        (?P<letter>[A-Da-d])
        (?:\)|\.|:)                # A)  A.  A:
        (?:\*\*|__)?\s+
        (?P<text>\S.*?)\s*$""",
    re.VERBOSE,
)
_HEADER = re.compile(
    r"""Question\s+(?P<number>\d+)\s*(?:of|/)\s*(?P<total>\d+)
        (?:\**\s*(?:[·•\-–—:|]\s*)?(?P<topic>[^\n*]+?))?\s*$""",
    re.VERBOSE | re.IGNORECASE | re.MULTILINE,
)
_SCORE = re.compile(
    r"(?:score(?:\s+so\s+far)?|final\s+score)\s*[:\-]?\s*\**\s*(\d+)\s*/\s*(\d+)",
    re.IGNORECASE,
)
_TRAILER_LIMIT = 2
"""Short lines ("Reply with A, B, C or D.") allowed after the last choice."""


@dataclass(frozen=True)
class Question:
    """A multiple-choice question the tutor is waiting on."""

    choices: dict[str, str]
    number: int | None = None
    total: int | None = None
    topic: str | None = None

    @property
    def letters(self) -> str:
        return "".join(self.choices)


def find_question(answer: str) -> Question | None:
    """The question that ends `answer`, if it ends with one."""
    lines = [line for line in answer.strip().splitlines() if line.strip()]
    choices: dict[str, str] = {}
    trailing = 0
    for line in reversed(lines):
        match = _CHOICE.match(line)
        if match is None:
            if choices:
                break
            trailing += 1
            if trailing > _TRAILER_LIMIT:
                return None
            continue
        letter = match["letter"].upper()
        if letter in choices:
            break
        choices[letter] = _clean(match["text"])
    letters = "".join(sorted(choices))
    if len(letters) < 2 or not LETTERS.startswith(letters):
        return None
    header = _last(_HEADER, answer)
    number = total = None
    topic = None
    if header is not None:
        number, total = int(header["number"]), int(header["total"])
        topic = _clean(header["topic"]) if header["topic"] else None
    return Question(dict(sorted(choices.items())), number, total, topic)


def find_score(answer: str) -> tuple[int, int] | None:
    """The last "Score so far: X/N" (or "Final score: X/N") in `answer`."""
    match = _last(_SCORE, answer)
    if match is None:
        return None
    return int(match[1]), int(match[2])


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    match = None
    for match in pattern.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    return match


def _clean(text: str) -> str:
    return text.strip().strip("*_").strip()
