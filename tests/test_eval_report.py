"""What `eval` reports: the table, the side-by-side of two prompts, the
command that records stale scenarios again, and JUnit XML."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console

from course_tutor.evals import report
from course_tutor.evals.runner import (
    Mode,
    Outcome,
    Plan,
    Prompt,
    Status,
    TurnOutcome,
)
from course_tutor.evals.scenario import Scenario

A = Prompt(None, "aaaaaaaaaaaa", "student_course_assistant.md")
B = Prompt(Path("drafts/terse.md"), "bbbbbbbbbbbb", "terse.md")
PLAN = Plan(Mode.REPLAY, None, report.default_cassettes(), settings=None)


def outcome(
    name: str, status: Status, prompt: Prompt = A, reasons: list[str] | None = None
) -> Outcome:
    scenario = Scenario.model_validate(
        {"name": name, "turns": [{"say": "hi"}, {"say": "BIO 110"}]}
    )
    turns = []
    if status is not Status.STALE:
        turns = [
            TurnOutcome(1, "hi", "Hello!", [], []),
            TurnOutcome(
                2,
                "BIO 110",
                "Here it is.",
                [{"name": "getSingleCourse", "arguments": {"course_id": "48213"}}],
                reasons or [],
            ),
        ]
    return Outcome(
        scenario, prompt, "course-tutor-scripted", status, reasons or [], turns, 0.25
    )


def rendered(renderable: object) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=120, color_system=None).print(renderable)
    return buffer.getvalue()


def test_the_table_has_a_row_per_scenario() -> None:
    outcomes = [
        outcome("list-courses", Status.PASS),
        outcome(
            "exam", Status.FAIL, reasons=["turn 2: expected a table; there is none"]
        ),
        outcome("guide", Status.STALE, reasons=["never recorded"]),
    ]
    text = rendered(report.results_table(outcomes))
    assert "Scenario" in text
    assert "Reasons" in text
    lines = text.splitlines()
    row = next(line for line in lines if "list-courses" in line)
    assert "2/2" in row
    assert "PASS" in row
    row = next(line for line in lines if "exam" in line)
    assert "1/2" in row
    assert "FAIL" in row
    assert "turn 2: expected a table" in row
    row = next(line for line in lines if "guide" in line)
    assert "-/2" in row
    assert "STALE" in row

    assert report.summary(outcomes, PLAN, A) == (
        "1 passed, 1 failed, 1 stale: course-tutor-scripted, replayed, prompt "
        "student_course_assistant.md (aaaaaaaaaaaa)"
    )
    outcomes[0].model_label = "recorded with scripted offline model"
    assert report.summary(outcomes, PLAN, A).startswith(
        "1 passed, 1 failed, 1 stale: course-tutor-scripted (recorded with "
        "scripted offline model), replayed"
    )
    outcomes[0].model_label = "course-tutor-scripted at 127.0.0.1"
    assert "stale: course-tutor-scripted at 127.0.0.1, replayed" in (
        report.summary(outcomes, PLAN, A)
    )


def test_side_by_side_says_what_changed() -> None:
    before = [
        outcome("one", Status.PASS),
        outcome("two", Status.PASS),
        outcome("three", Status.FAIL, reasons=["turn 1: x"]),
        outcome("four", Status.FAIL, reasons=["turn 1: x"]),
    ]
    after = [
        outcome("one", Status.PASS, B),
        outcome("two", Status.FAIL, B, ["turn 2: expected a call to listModules"]),
        outcome("three", Status.PASS, B),
        outcome("four", Status.FAIL, B, ["turn 1: y"]),
    ]
    assert [report.change(a, b) for a, b in zip(before, after, strict=True)] == [
        "same",
        "now fails:\nturn 2: expected a call to listModules",
        "now passes",
        "fails differently:\nB: turn 1: y",
    ]
    assert report.changed(before, after) == ["two", "three", "four"]
    text = rendered(report.side_by_side(before, after))
    assert "A: student_course_assistant.md (aaaaaaaaaaaa)" in text
    assert "B: terse.md (bbbbbbbbbbbb)" in text
    assert "now passes" in text


def test_two_prompts_of_the_same_name_are_told_apart_by_path() -> None:
    first = Prompt(Path("a/p.md"), "111111111111", "p.md")
    second = Prompt(Path("b/p.md"), "222222222222", "p.md")
    text = rendered(
        report.side_by_side(
            [outcome("x", Status.PASS, first)], [outcome("x", Status.PASS, second)]
        )
    )
    assert "A: a/p.md (111111111111)" in text
    assert "B: b/p.md (222222222222)" in text


def test_the_command_to_record_again() -> None:
    stale = [outcome("b-two", Status.STALE), outcome("a-one", Status.STALE)]
    assert (
        report.rerecord_command(stale, PLAN) == "course-tutor eval --record a-one b-two"
    )

    real = Plan(Mode.REPLAY, "llama3.1:8b", Path("my cassettes"), settings=None)
    stale = [outcome("a-one", Status.STALE, B)]
    assert report.rerecord_command(stale, real) == (
        "course-tutor eval --record --model llama3.1:8b --prompt drafts/terse.md "
        "--cassettes 'my cassettes' a-one"
    )


def test_junit_xml_counts_failures_and_stale_recordings_as_errors() -> None:
    runs = [
        [
            outcome("one", Status.PASS),
            outcome("two", Status.FAIL, reasons=["turn 2: expected a table & more"]),
            outcome("three", Status.STALE, reasons=["recorded with another prompt"]),
        ],
        [outcome("one", Status.PASS, B)],
    ]
    root = ET.fromstring(report.junit_xml(runs, PLAN))

    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == (
        "4",
        "1",
        "1",
    )
    first, second = root.findall("testsuite")
    assert first.get("name") == "eval [student_course_assistant.md]"
    assert second.get("name") == "eval [terse.md]"
    properties = {p.get("name"): p.get("value") for p in first.iter("property")}
    assert properties == {
        "model": "course-tutor-scripted",
        "mode": "replay",
        "prompt": "student_course_assistant.md",
        "prompt_digest": "aaaaaaaaaaaa",
    }
    cases = {case.get("name"): case for case in first.findall("testcase")}
    assert cases["one"].get("classname") == "eval.student_course_assistant"
    assert list(cases["one"]) == []
    failure = cases["two"].find("failure")
    assert failure is not None
    assert failure.get("message") == "turn 2: expected a table & more"
    assert "tool: getSingleCourse" in (cases["two"].findtext("system-out") or "")
    error = cases["three"].find("error")
    assert error is not None
    assert error.get("type") == "stale"


def test_transcripts_show_what_went_wrong() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None)
    report.print_transcripts(
        console,
        [
            outcome("fine", Status.PASS),
            outcome("broken", Status.FAIL, reasons=["expected a table; there is none"]),
        ],
    )
    text = buffer.getvalue()
    assert "fine" not in text
    assert "[2] student: BIO 110" in text
    assert "✓ getSingleCourse {'course_id': '48213'}" in text
    assert "✗ expected a table; there is none" in text
