"""Checking one turn: the answer and the tool calls against an `Expect`.

`check_turn` returns the problems found, each a sentence an instructor can act
on ("expected a call to listModules(course_id='48213'); the calls were:
listYourCourses()"). No problems means the turn passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from course_tutor.evals.scenario import Expect, Text, ToolCall

Call = dict[str, Any]  # {name, arguments, ok, summary, result}, as play_turn has it


@dataclass
class Answer:
    """What a turn produced, as the checks see it."""

    text: str
    calls: list[Call] = field(default_factory=list)
    failure: tuple[str, str] | None = None


def check_turn(
    expect: Expect,
    answer: Answer,
    *,
    canvas_host: str = "",
    export_dir: Path | None = None,
) -> list[str]:
    problems: list[str] = []
    if answer.failure is not None:
        kind, message = answer.failure
        problems.append(f"the turn failed ({kind}): {message}")
    problems += _check_tools(expect, answer.calls)
    problems += _check_text(expect, answer.text)
    problems += _check_structure(expect, answer.text, canvas_host)
    if expect.exports:
        problems += _check_exports(expect.exports, export_dir)
    return problems


# -- tool calls ---------------------------------------------------------------


def _check_tools(expect: Expect, calls: list[Call]) -> list[str]:
    problems = []
    made = _list_calls(calls)

    if expect.no_tools and calls:
        problems.append(f"expected no tool call; the calls were: {made}")
    position = 0
    matched: set[int] = set()
    for number, wanted in enumerate(expect.tools):
        found = _find(wanted, calls, start=position)
        if found is None:
            after = f" after {expect.tools[number - 1]}" if position else ""
            early = _find(wanted, calls, start=0) is not None
            hint = " (it came too early)" if early else ""
            problems.append(
                f"expected a call to {wanted}{after}{hint}; the calls were: {made}"
            )
            continue
        matched.add(found)
        position = found + 1
    for wanted in expect.tools_any_order:
        found = _find(wanted, calls, start=0, taken=matched)
        if found is None:
            problems.append(f"expected a call to {wanted}; the calls were: {made}")
        else:
            matched.add(found)

    if expect.no_other_tools:
        listed = [*expect.tools, *expect.tools_any_order]
        extra = [
            call
            for index, call in enumerate(calls)
            if index not in matched and not any(_matches(w, call) for w in listed)
        ]
        if extra:
            problems.append(f"unexpected tool calls: {_list_calls(extra)}")
    for name in expect.tools_not_called:
        if any(call["name"] == name for call in calls):
            problems.append(f"{name} was called but should not have been")
    if not expect.allow_tool_errors:
        for call in calls:
            if not call.get("ok", True):
                problems.append(
                    f"{_show(call)} returned an error: {call.get('summary')}"
                )
    return problems


def _find(
    wanted: ToolCall, calls: list[Call], *, start: int, taken: Collection[int] = ()
) -> int | None:
    for index in range(start, len(calls)):
        if index not in taken and _matches(wanted, calls[index]):
            return index
    return None


def _matches(wanted: ToolCall, call: Call) -> bool:
    return call["name"] == wanted.name and contains(call.get("arguments"), wanted.args)


def contains(actual: Any, expected: Any) -> bool:
    """Whether `actual` includes `expected`: mappings by subset, lists by
    each expected item matching a different actual one, strings ignoring
    case, `{regex: ...}` by search, other scalars by value (so 48213 and
    "48213" agree: models are loose about ids)."""
    if isinstance(expected, dict) and set(expected) == {"regex"}:
        return (
            actual is not None
            and re.search(str(expected["regex"]), _scalar(actual)) is not None
        )
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(actual[key], value)
            for key, value in expected.items()
        )
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        free = list(actual)
        for item in expected:
            match = next((a for a in free if contains(a, item)), _MISSING)
            if match is _MISSING:
                return False
            free.remove(match)
        return True
    if isinstance(expected, bool) or expected is None:
        return actual is expected or actual == expected
    return _scalar(actual).casefold() == _scalar(expected).casefold()


_MISSING = object()


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, ensure_ascii=False)


def _show(call: Call) -> str:
    arguments = call.get("arguments")
    if isinstance(arguments, dict):
        shown = ", ".join(f"{key}={_short(value)}" for key, value in arguments.items())
    else:
        shown = _short(arguments)
    return f"{call['name']}({shown})"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _list_calls(calls: Sequence[Call]) -> str:
    return ", ".join(_show(call) for call in calls) or "none"


# -- text ---------------------------------------------------------------------


def _check_text(expect: Expect, text: str) -> list[str]:
    problems = []
    for wanted in expect.says:
        if not found(wanted, text):
            problems.append(f"the answer does not say {wanted}{_excerpt(text)}")
    for unwanted in expect.does_not_say:
        if found(unwanted, text):
            problems.append(f"the answer says {unwanted}, which it should not")
    return problems


def found(pattern: Text, text: str) -> bool:
    if pattern.regex is not None:
        return re.search(pattern.regex, text, re.MULTILINE) is not None
    return (pattern.text or "").casefold() in text.casefold()


def _excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    if not flat:
        return " (the answer is empty)"
    shown = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    return f" (it begins: “{shown}”)"


# -- structure ----------------------------------------------------------------

_CHOICE = re.compile(
    r"^[ \t]*(?:[-*][ \t]+)?(?:\*\*)?\(?([A-F])(?:\)|\.|:)(?:\*\*)?[ \t]+\S",
    re.MULTILINE,
)
_LINK = re.compile(r"\[[^\]\n]+\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _check_structure(expect: Expect, text: str, canvas_host: str) -> list[str]:
    problems = []
    if expect.table is not None and has_table(text) != expect.table:
        problems.append(
            "expected a Markdown table; there is none"
            if expect.table
            else "expected no Markdown table; there is one"
        )
    if expect.multiple_choice is not None:
        problems += _check_choices(text, expect.multiple_choice)
    if expect.canvas_links is not None:
        problems += _check_links(text, expect.canvas_links, canvas_host)
    return problems


def has_table(text: str) -> bool:
    """A header row followed by a delimiter row (`|---|:---:|`), as in GFM."""
    lines = text.splitlines()
    for header, delimiter in pairwise(lines):
        cells = _cells(delimiter)
        if (
            "|" in header
            and "|" in delimiter
            and cells
            and all(re.fullmatch(r":?-+:?", cell) for cell in cells)
            and len(_cells(header)) == len(cells)
        ):
            return True
    return False


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)]


def choice_letters(text: str) -> list[str]:
    """The letters of the answer-choice lines (`A) ...`, `**B.** ...`), in order."""
    return _CHOICE.findall(text)


def _check_choices(text: str, wanted: bool) -> list[str]:
    letters = choice_letters(text)
    if not wanted:
        return (
            [f"expected no multiple-choice question; found choices {_letters(letters)}"]
            if letters
            else []
        )
    if letters == ["A", "B", "C", "D"]:
        return []
    if not letters:
        return ["expected one multiple-choice question (choices A to D); found none"]
    if letters.count("A") > 1:
        return [
            f"expected exactly one multiple-choice question; found "
            f"{letters.count('A')} (choices {_letters(letters)})"
        ]
    return [
        "expected one multiple-choice question with choices A, B, C and D; found "
        f"choices {_letters(letters)}"
    ]


def _letters(letters: list[str]) -> str:
    return ", ".join(letters)


def canvas_links(text: str, canvas_host: str) -> list[str]:
    """Links to items in Canvas: Markdown links to the Canvas host (or to a
    Canvas path such as `/courses/1/...`)."""
    links = []
    for url in _LINK.findall(text):
        parts = urlsplit(url)
        if parts.netloc:
            if canvas_host and parts.hostname == canvas_host:
                links.append(url)
        elif parts.path.startswith("/courses/"):
            links.append(url)
    return links


def _check_links(text: str, wanted: bool | int, canvas_host: str) -> list[str]:
    links = canvas_links(text, canvas_host)
    if wanted is False:
        return [f"expected no links to Canvas; found {len(links)}"] if links else []
    least = 1 if wanted is True else int(wanted)
    if len(links) < least:
        return [
            f"expected at least {least} link{'s' if least != 1 else ''} to Canvas "
            f"items ({canvas_host or 'the Canvas host'}); found {len(links)}"
        ]
    return []


# -- files --------------------------------------------------------------------


def _check_exports(patterns: list[str], export_dir: Path | None) -> list[str]:
    if export_dir is None:
        return ["expected exported files, but there is no export folder"]
    present = (
        sorted(p.name for p in export_dir.iterdir()) if export_dir.is_dir() else []
    )
    problems = []
    for pattern in patterns:
        if not any(Path(name).match(pattern) for name in present):
            problems.append(
                f"expected a file {pattern} in the export folder; it holds "
                f"{', '.join(present) or 'nothing'}"
            )
    return problems
