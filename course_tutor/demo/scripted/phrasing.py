"""Understanding how students say things: what they want, which course or
module they mean, how many questions, which answer they chose, yes or no.

Each reader returns None when it cannot tell; the flows then ask again
rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Record = dict[str, Any]

_INTENTS = (
    ("guide", r"\bstudy (guide|sheet|plan)\b|\breview (sheet|guide)\b|\bcheat sheet\b"),
    (
        "exam",
        r"\b(practice|mock|sample) (exam|test|quiz)\b|\bquiz me\b|\btest me\b"
        r"|\b(exam|midterm|final|test) (prep|practice)\b"
        r"|\bprepare for (an? |the |my )?(exam|test|midterm|final)\b"
        r"|\b(take|try|start) (an? |the )?(exam|quiz|test)\b",
    ),
    ("search", r"\b(search|find|look for|look up|is there)\b.*\bcourses?\b"),
    (
        "overview",
        r"\boverview\b|\btell me about\b|\bwhat('s| is) in\b|\bexplore\b"
        r"|\bsummar(y|ise|ize)\b|\bdetails (of|on|about)\b",
    ),
    (
        "list",
        r"\b(list|show|see|what are|which are|what)\b.*\b(my|all|enrolled)\b"
        r".*\bcourses\b"
        r"|^\s*(my )?courses\??\s*$|\bwhat courses\b|\bwhich courses\b",
    ),
)

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
}
_FILLER = frozenset(
    """a an the of for to in on at about with and or my me i i'm im want would like
    please can could you give show tell make do let's lets take it its it's this that
    one course courses class overview whole entire full just only module modules
    focus info information what whats what's is are be study guide practice exam
    quiz test questions question help on some more details detail number go
    think maybe prefer pick choose chapter chapters topic topics all explore
    summary see look at ok okay yes sure well um uh hmm now then there find search
    called named any anything looking enrolled public catalog catalogue
    offered""".split()  # noqa: SIM905 - a word list reads better as prose
)
_YES = re.compile(
    r"^\s*(yes|yeah|yep|yup|ya|sure|ok|okay|please|y|go ahead|do it|sounds good"
    r"|definitely|of course|absolutely|why not|i'?d like (that|it)|that would be"
    r"|export|pdf)\b"
)
_NO = re.compile(r"^\s*(no|nope|nah|n|not now|no thanks|skip|don'?t|never ?mind)\b")
_PLACE = r"\d+(st|nd|rd|th)?"


def normalize(text: str) -> str:
    """Lower case, typographic quotes made plain, spaces collapsed."""
    text = text.casefold().replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", normalize(text))


def content_words(text: str) -> list[str]:
    """The words that can name something: filler and tiny words dropped."""
    return [w for w in words(text) if w not in _FILLER and len(w) > 1]


def squashed(text: str) -> str:
    """Letters and digits only: "BIO-110" and "bio 110" both become "bio110"."""
    return re.sub(r"[^a-z0-9]", "", normalize(text))


# -- what the student wants --------------------------------------------------


def intent(text: str) -> str | None:
    """ "list", "overview", "exam", "guide" or "search", or None."""
    said = normalize(text)
    for name, pattern in _INTENTS:
        if re.search(pattern, said):
            return name
    if re.search(r"\bexams?\b", said) and len(words(said)) <= 8:
        return "exam"
    return None


def is_yes(text: str) -> bool:
    said = normalize(text)
    return bool(_YES.match(said)) and not _NO.match(said)


def is_no(text: str) -> bool:
    return bool(_NO.match(normalize(text)))


def wants_one_module(text: str) -> bool:
    said = normalize(text)
    return bool(re.search(r"\b(one|a|single|specific|particular) module\b", said))


def wants_whole_course(text: str) -> bool:
    said = normalize(text)
    return bool(re.search(r"\b(whole|entire|full|complete) (course|thing)\b", said))


def wants_more(text: str) -> bool:
    said = normalize(text)
    return bool(re.search(r"\b(more|another|other|next|else)\b", said))


# -- numbers -----------------------------------------------------------------


def numbers(text: str) -> list[int]:
    """Every number said, in order, digits or words; "1-3" is 1, 2, 3."""
    said = normalize(text)
    found: list[int] = []
    for match in re.finditer(r"(\d+)\s*(?:-|–|to)\s*(\d+)|(\d+)|([a-z]+)", said):
        low, high, single, word = match.groups()
        if low and high and int(high) - int(low) in range(1, 30):
            found += range(int(low), int(high) + 1)
        elif low:
            found += [int(low), int(high)]
        elif single:
            found.append(int(single))
        elif word in _NUMBER_WORDS:
            found.append(_NUMBER_WORDS[word])
    return found


def question_count(text: str) -> int | None:
    """How many questions the student asked for."""
    said = numbers(text)
    return said[0] if said and 0 < said[0] <= 50 else None


def ordinal(text: str, size: int) -> int | None:
    """A 0-based position from "the second one", "2nd", "#2", "number 2", "2"."""
    said = normalize(text)
    for word, place in _ORDINALS.items():
        if re.search(rf"\b{word}\b", said):
            return size - 1 if place == -1 else place - 1
    match = re.search(r"\b(\d+)(?:st|nd|rd|th)\b|#\s*(\d+)|\bnumber (\d+)\b", said)
    if match:
        place = int(next(g for g in match.groups() if g))
        return place - 1 if 0 < place <= size else None
    if re.fullmatch(r"\s*(?:course\s*)?(\d+)[.!)]?\s*", said):
        place = int(re.sub(r"\D", "", said))
        return place - 1 if 0 < place <= size else None
    return None


# -- courses and modules -----------------------------------------------------


def _named_by(said_words: Sequence[str], name: str) -> bool:
    """Every content word the student said starts a word of `name` (numbers
    must match whole: "unit 1" is not "Unit 3: ... 1815")."""
    name_words = words(name)
    return bool(said_words) and all(
        any(n == w if w.isdigit() else n.startswith(w) for n in name_words)
        for w in said_words
    )


def pick_course(text: str, courses: Sequence[Record]) -> Record | None:
    """The course the student means: by id, code, name, nickname or place."""
    if not courses:
        return None
    said_numbers = {str(n) for n in re.findall(r"\d+", text)}
    for course in courses:
        if str(course.get("id")) in said_numbers and len(str(course["id"])) > 2:
            return course

    squashed_text = squashed(text)
    by_code = [
        c
        for c in courses
        if c.get("course_code") and squashed(c["course_code"]) in squashed_text
    ]
    if len(by_code) == 1:
        return by_code[0]

    said = content_words(text)
    if not said or all(re.fullmatch(_PLACE, w) or w in _ORDINALS for w in said):
        place = ordinal(text, len(courses))
        if place is not None and 0 <= place < len(courses):
            return courses[place]

    by_name = [
        c
        for c in courses
        if c.get("name")
        and (
            normalize(c["name"]) in normalize(text)
            or (said and _named_by(said, _course_words(c)))
        )
    ]
    if len(by_name) == 1:
        return by_name[0]
    return None


def _course_words(course: Record) -> str:
    return " ".join(
        str(course.get(k) or "") for k in ("name", "original_name", "course_code")
    )


def course_name_said(text: str) -> str | None:
    """What the student called a course, to search for it by name.

    Canvas matches a search as one piece of text, so this is the longest run
    of words the student typed together, fillers left out: "Exploring the
    Solar System" is searched as "Solar System".
    """
    runs: list[list[str]] = [[]]
    for word in re.findall(r"[\w'&:+-]+", text):
        if word.casefold() in _FILLER:
            runs.append([])
        else:
            runs[-1].append(word)
    kept = [word for run in runs for word in run]
    if not kept or len(kept) > 8 or not any(re.search(r"[a-zA-Z]", w) for w in kept):
        return None
    longest: list[str] = max(runs, key=len)
    return " ".join(longest)


def pick_modules(text: str, modules: Sequence[Record]) -> list[Record] | None:
    """The modules meant: "all", numbers as shown ("1 and 3", "2-4"), ids,
    or (part of) their names ("membranes", "genetics and evolution")."""
    said = normalize(text)
    if re.search(r"\b(all|every|everything|any|whole course)\b", said):
        return list(modules)

    named = modules_named(text, modules) or []
    chosen: list[Record] = list(named)
    named_words = {w for m in named for w in words(m.get("name", ""))}
    by_id = {str(m.get("id")): m for m in modules}
    for number in numbers(said):
        if str(number) in by_id:
            chosen.append(by_id[str(number)])
        elif 0 < number <= len(modules) and str(number) not in named_words:
            chosen.append(modules[number - 1])

    picked = {id(m) for m in chosen}
    return [m for m in modules if id(m) in picked] or None


def modules_named(text: str, modules: Sequence[Record]) -> list[Record] | None:
    """The modules whose names the student used ("membranes", "unit 4",
    "the final review and exam"), in course order. A bare number is a place
    in the list, not a name."""
    said = normalize(text)
    chosen: list[Record] = []
    for part in [said, *re.split(r",|\band\b|&|\bplus\b|;|/", said)]:
        part_words = [w for w in words(part) if w not in _FILLER]
        if part_words and not all(w.isdigit() for w in part_words):
            chosen += [m for m in modules if _named_by(part_words, m.get("name", ""))]
    picked = {id(m) for m in chosen}
    return [m for m in modules if id(m) in picked] or None


# -- answers to multiple-choice questions --------------------------------------


def read_answer(text: str, choices: Mapping[str, str]) -> str | None:
    """The letter the student chose: "B", "b)", "I think it's B", "answer: c",
    "B. Phospholipids", or the text of a choice. None when unclear."""
    said = normalize(text).strip(" .!?")
    if not said:
        return None

    by_text = _choice_by_text(said, choices)
    if by_text:
        return by_text

    lead = re.match(r"^\(?([a-d])\)?(?:\s*[).:,\-]\s*|\s*$)(.*)$", said)
    if lead:
        letter, rest = lead.group(1), lead.group(2).strip()
        if not rest or _choice_by_text(rest, choices) in (None, letter.upper()):
            return letter.upper()

    phrased = re.search(
        r"\b(?:answer|option|choice|letter|pick|choose|go with|guess|it'?s|is|say)"
        r"\W+(?:is\W+|be\W+)?\(?([a-d])\b\)?(.*)$",
        said,
    )
    if phrased:
        letter, rest = phrased.group(1), phrased.group(2).strip(" .!?")
        if letter != "a" or not rest or _choice_by_text(rest, choices) == "A":
            return letter.upper()

    lone = [w for w in re.findall(r"\b[a-d]\b", said) if w != "a"]
    hesitant = re.search(r"\bor\b|\?", said)
    if len(set(lone)) == 1 and len(words(said)) <= 4 and not hesitant:
        return lone[0].upper()
    return None


def _choice_by_text(said: str, choices: Mapping[str, str]) -> str | None:
    said = re.sub(r"^(i think|maybe|probably|it's|its|answer:?|is)\s+", "", said)
    said_squashed = squashed(said)
    if len(said_squashed) < 3:
        return None
    matches = [
        letter
        for letter, choice in choices.items()
        if squashed(choice)
        and (
            squashed(choice) == said_squashed
            or (len(said_squashed) >= 5 and said_squashed in squashed(choice))
            or squashed(choice) in said_squashed
        )
    ]
    return matches[0].upper() if len(matches) == 1 else None
