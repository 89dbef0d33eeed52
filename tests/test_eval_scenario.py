"""Scenario files: the shipped ones are valid and cover the issue's list;
mistakes in a file are reported with where and what."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_tutor.evals.scenario import (
    ScenarioError,
    find_scenarios,
    load_scenario,
)
from course_tutor.instructions import prompts_dir

SHIPPED = prompts_dir() / "evals"
REQUIRED = {
    "starter-list-courses",
    "starter-course-overview",
    "starter-practice-exam",
    "course-by-code",
    "course-not-enrolled",
    "focus-on-one-module",
    "practice-exam-to-export",
    "study-guide-table",
    "course-without-modules",
    "unknown-course",
}


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_scenarios_load_and_cover_the_flows() -> None:
    scenarios = find_scenarios([], SHIPPED)
    names = {scenario.name for scenario in scenarios}
    assert len(scenarios) >= 8
    assert names >= REQUIRED
    for scenario in scenarios:
        assert scenario.source == SHIPPED / f"{scenario.name}.yaml"
        assert scenario.description


def test_the_starters_are_the_prompts_starters() -> None:
    from course_tutor.instructions import load_instructions

    first_words = {
        load_scenario(SHIPPED / f"{name}.yaml").turns[0].say
        for name in REQUIRED
        if name.startswith("starter-")
    }
    assert first_words == set(load_instructions().starters)


def test_the_exam_scenario_goes_through_to_the_export() -> None:
    exam = load_scenario(SHIPPED / "practice-exam-to-export.yaml")
    last = exam.turns[-1].expect
    assert [call.name for call in last.tools] == ["exportPracticeExam"]
    assert "*.pdf" in last.exports
    asked = [turn for turn in exam.turns if turn.expect.multiple_choice]
    assert len(asked) == 3  # one question at a time


def test_shorthands(tmp_path: Path) -> None:
    scenario = load_scenario(
        write(
            tmp_path,
            "turns:\n"
            "  - say: hi\n"
            "    expect:\n"
            "      tools:\n"
            "        - listYourCourses\n"
            "        - {name: listModules, args: {course_id: 1}}\n"
            "      says: [plain, {regex: 'a+'}]\n",
            "shorthand-check.yaml",
        )
    )
    expect = scenario.turns[0].expect
    assert scenario.name == "shorthand-check"  # from the file name
    assert [str(call) for call in expect.tools] == [
        "listYourCourses",
        "listModules(course_id=1)",
    ]
    assert [str(text) for text in expect.says] == ["'plain'", "/a+/"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "turns:\n  - say: hi\n    expect:\n      tool: [listModules]\n",
            "turns.0.expect.tool: unknown key (misspelt?)",
        ),
        (
            "turns:\n  - say: hi\n    expect:\n      says:\n        - Unit 1: Cells\n",
            "“Unit 1: Cells” reads as a mapping; put text containing ': ' in quotes",
        ),
        (
            "turns:\n  - say: hi\n    expect:\n      says: [{regex: '('}]\n",
            "bad regex '('",
        ),
        ("name: x\nturns: []\n", "turns: List should have at least 1 item"),
        ("name: Bad Name\nturns: [{say: hi}]\n", "must be lower case letters"),
        (
            "turns:\n  - say: hi\n    expect: {no_tools: true, tools: [x]}\n",
            "`no_tools` cannot go with `tools`",
        ),
        ("- just a list\n", "a scenario is a mapping"),
        ("turns: [\n", "is not valid YAML"),
    ],
)
def test_mistakes_are_explained(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_a_scenario_prompt_is_relative_to_its_file(tmp_path: Path) -> None:
    path = write(tmp_path, "prompt: mine.md\nturns: [{say: hi}]\n")
    assert load_scenario(path).prompt == tmp_path / "mine.md"


def test_finding_by_name_or_file(tmp_path: Path) -> None:
    write(tmp_path, "turns: [{say: hi}]\n", "one.yaml")
    write(tmp_path, "turns: [{say: hello}]\n", "two.yaml")
    assert [s.name for s in find_scenarios([], tmp_path)] == ["one", "two"]
    assert [s.name for s in find_scenarios(["two"], tmp_path)] == ["two"]
    elsewhere = write(tmp_path / "..", "turns: [{say: yo}]\n", "three.yaml")
    assert [s.name for s in find_scenarios([str(elsewhere)], tmp_path)] == ["three"]

    with pytest.raises(
        ScenarioError, match=r"no scenario 'four'.*Known scenarios: one, two"
    ):
        find_scenarios(["four"], tmp_path)


def test_two_scenarios_may_not_share_a_name(tmp_path: Path) -> None:
    write(tmp_path, "name: same\nturns: [{say: hi}]\n", "a.yaml")
    write(tmp_path, "name: same\nturns: [{say: hi}]\n", "b.yaml")
    with pytest.raises(ScenarioError, match="Two scenarios are named 'same'"):
        find_scenarios([], tmp_path)


def test_an_empty_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no scenarios"):
        find_scenarios([], tmp_path)
