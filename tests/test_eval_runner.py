"""The runner: scenarios played live with the scripted model, recorded and
replayed, a failing expectation reported as failing, and recordings that no
longer fit reported as stale, with why."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
import yaml

from course_tutor.config import load_settings
from course_tutor.demo.scripted import scripted_model_app
from course_tutor.evals.recording import cassette_path
from course_tutor.evals.runner import (
    Mode,
    Outcome,
    Plan,
    Prompt,
    Status,
    run_scenario,
)
from course_tutor.evals.scenario import Scenario, find_scenarios, load_scenario
from course_tutor.instructions import load_instructions, prompts_dir
from course_tutor.session import SCRIPTED_MODEL
from tests.fake_keys import openai_key
from tests.servers import serving

SHIPPED = find_scenarios([], prompts_dir() / "evals")
KEY = openai_key("test-eval-key-0123456789")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real configuration: no keys, no config file; data and exports in
    folders the tests can look into."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "COURSE_TUTOR_MODEL",
        "COURSE_TUTOR_EXPORT_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COURSE_TUTOR_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("COURSE_TUTOR_DATA_DIR", str(tmp_path / "data"))


def play(scenario: Scenario, prompt: Prompt, how: Plan) -> Outcome:
    return asyncio.run(run_scenario(scenario, prompt, how))


def plan(mode: Mode, cassettes: Path, model: str | None = None) -> Plan:
    return Plan(mode=mode, model=model, cassettes=cassettes, settings=load_settings())


def scenario(tmp_path: Path, text: str, name: str = "mine") -> Scenario:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


SHIPPED_PROMPT = Prompt.of(None)
LIST_COURSES = (
    "turns:\n"
    "  - say: List all of my courses.\n"
    "    expect: {tools: [listYourCourses], table: true}\n"
)


# -- live -------------------------------------------------------------------------


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda s: s.name)
def test_every_shipped_scenario_passes_with_the_scripted_model(
    shipped: Scenario, tmp_path: Path
) -> None:
    outcome = play(shipped, SHIPPED_PROMPT, plan(Mode.LIVE, tmp_path))

    assert outcome.reasons == []
    assert outcome.status is Status.PASS
    assert outcome.model == SCRIPTED_MODEL
    assert len(outcome.turns) == len(shipped.turns)
    assert not list(tmp_path.iterdir())  # live runs record nothing


def test_a_failing_expectation_is_reported_as_failing(tmp_path: Path) -> None:
    wrong = scenario(
        tmp_path,
        "turns:\n"
        "  - say: List all of my courses.\n"
        "    expect:\n"
        "      tools: [searchCourses]\n"
        "      says: [Underwater Basket Weaving]\n"
        "  - say: BIO 110\n"
        "    expect: {no_tools: true}\n",
    )
    outcome = play(wrong, SHIPPED_PROMPT, plan(Mode.LIVE, tmp_path))

    assert outcome.status is Status.FAIL
    assert not outcome.passed
    assert outcome.reasons[0] == (
        "turn 1: expected a call to searchCourses; the calls were: listYourCourses()"
    )
    assert outcome.reasons[1].startswith(
        "turn 1: the answer does not say 'Underwater Basket Weaving' (it begins: "
        "“You're enrolled in"
    )
    # the conversation goes on, and later turns are checked too
    assert outcome.reasons[2].startswith("turn 2: expected no tool call")
    assert [len(turn.problems) for turn in outcome.turns] == [2, 1]


def test_the_exam_pdf_goes_to_a_temporary_folder(tmp_path: Path) -> None:
    exam = next(s for s in SHIPPED if s.name == "practice-exam-to-export")
    outcome = play(exam, SHIPPED_PROMPT, plan(Mode.LIVE, tmp_path))

    assert outcome.status is Status.PASS  # it checks that the PDF was written
    export = outcome.turns[-1].calls[-1]
    assert export["name"] == "exportPracticeExam"
    assert "course-tutor-eval-" in export["result"]
    assert not (tmp_path / "data").exists()  # not the student's exports
    pdf = Path(json.loads(export["result"])["pdf"])
    assert pdf.name.endswith(".pdf")
    assert not pdf.parent.exists()  # removed with the run


# -- record and replay ---------------------------------------------------------------


def test_recorded_then_replayed(tmp_path: Path) -> None:
    shipped = next(s for s in SHIPPED if s.name == "focus-on-one-module")
    recorded = play(shipped, SHIPPED_PROMPT, plan(Mode.RECORD, tmp_path))
    path = cassette_path(tmp_path, shipped.name, SCRIPTED_MODEL, SHIPPED_PROMPT.digest)
    assert recorded.status is Status.PASS
    assert recorded.cassette == path

    replayed = play(shipped, SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path))
    assert replayed.status is Status.PASS
    assert replayed.cassette == path
    assert [t.answer for t in replayed.turns] == [t.answer for t in recorded.turns]
    assert [t.calls for t in replayed.turns] == [t.calls for t in recorded.turns]


def test_a_replay_answers_without_any_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = scenario(tmp_path, LIST_COURSES)
    play(mine, SHIPPED_PROMPT, plan(Mode.RECORD, tmp_path))

    def no_model(**_: object) -> None:
        raise AssertionError("a replay must not start the scripted model")

    monkeypatch.setattr("course_tutor.demo.scripted.scripted_model_app", no_model)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # and must not use a real one
    replayed = play(mine, SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path))
    assert replayed.status is Status.PASS


def test_a_recording_with_another_prompt_is_stale(tmp_path: Path) -> None:
    mine = scenario(tmp_path, LIST_COURSES)
    play(mine, SHIPPED_PROMPT, plan(Mode.RECORD, tmp_path))
    edited = tmp_path / "edited.md"
    edited.write_text(
        load_instructions().path.read_text(encoding="utf-8") + "\nBe brief.\n",
        encoding="utf-8",
    )
    other = Prompt.of(edited)

    outcome = play(mine, other, plan(Mode.REPLAY, tmp_path))
    assert outcome.status is Status.STALE
    assert outcome.reasons == [
        f"recorded with another prompt: {SHIPPED_PROMPT.digest} "
        f"(student_course_assistant.md); this prompt is {other.digest} (edited.md)"
    ]
    assert outcome.turns == []  # nothing was played


def test_a_recording_with_another_model_is_stale(tmp_path: Path) -> None:
    mine = scenario(tmp_path, LIST_COURSES)
    play(mine, SHIPPED_PROMPT, plan(Mode.RECORD, tmp_path))

    outcome = play(
        mine, SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path, model="gpt-4.1-mini")
    )
    assert outcome.status is Status.STALE
    assert outcome.reasons == [
        f"recorded with another model ({SCRIPTED_MODEL}), not gpt-4.1-mini"
    ]


def test_a_scenario_never_recorded_is_stale(tmp_path: Path) -> None:
    mine = scenario(tmp_path, LIST_COURSES)
    outcome = play(mine, SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path))
    assert outcome.status is Status.STALE
    assert outcome.reasons[0].startswith("never recorded")


def test_an_edited_scenario_is_stale(tmp_path: Path) -> None:
    play(scenario(tmp_path, LIST_COURSES), SHIPPED_PROMPT, plan(Mode.RECORD, tmp_path))
    edited = scenario(tmp_path, LIST_COURSES.replace("all of my", "my"))

    outcome = play(edited, SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path))
    assert outcome.status is Status.STALE
    assert outcome.reasons == [
        "the recording does not match: turn 1: the student's message differs "
        "(recorded “List all of my courses.”, now “List my courses.”): the "
        "scenario changed"
    ]


def test_changed_tools_make_a_recording_stale(tmp_path: Path) -> None:
    mine = scenario(tmp_path, LIST_COURSES)
    recorded = play(mine, SHIPPED_PROMPT, plan(Mode.RECORD, tmp_path))
    assert recorded.cassette is not None
    data = yaml.safe_load(recorded.cassette.read_text(encoding="utf-8"))
    for interaction in data["interactions"]:
        interaction["request"]["tools"]["listYourCourses"] = "0" * 12
    recorded.cassette.write_text(yaml.safe_dump(data), encoding="utf-8")

    outcome = play(mine, SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path))
    assert outcome.status is Status.STALE
    assert outcome.reasons == [
        "the recording does not match: turn 1: the tool definitions differ "
        "(changed: listYourCourses)"
    ]


def test_a_scenario_with_fewer_or_more_turns_is_stale(tmp_path: Path) -> None:
    two_turns = LIST_COURSES + "  - say: BIO 110\n"
    play(scenario(tmp_path, two_turns), SHIPPED_PROMPT, plan(Mode.RECORD, tmp_path))

    shorter = play(
        scenario(tmp_path, LIST_COURSES), SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path)
    )
    assert shorter.status is Status.STALE
    assert "holds 2 more model request(s) than this run made" in shorter.reasons[0]

    longer = play(
        scenario(tmp_path, two_turns + "  - say: '1'\n"),
        SHIPPED_PROMPT,
        plan(Mode.REPLAY, tmp_path),
    )
    assert longer.status is Status.STALE
    assert longer.reasons == [
        "the recording does not match: turn 3: the recording ends before this request"
    ]


# -- a model over HTTP, as a real one is reached ---------------------------------------


def test_recording_a_model_served_over_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = scenario(tmp_path, LIST_COURSES)
    with serving(scripted_model_app()) as base:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{base}/v1")
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        served = plan(Mode.RECORD, tmp_path, model=SCRIPTED_MODEL)
        assert not served.scripted  # the server, not the in-process model
        recorded = play(mine, SHIPPED_PROMPT, served)

    assert recorded.status is Status.PASS
    assert recorded.cassette is not None
    text = recorded.cassette.read_text(encoding="utf-8")
    assert "scripted: false" in text
    assert "model_label: course-tutor-scripted at 127.0.0.1" in text
    assert KEY not in text
    assert "127.0.0.1" not in text.split("interactions:")[1]

    # the server is gone: the replay needs only the cassette
    replayed = play(
        mine, SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path, model=SCRIPTED_MODEL)
    )
    assert replayed.status is Status.PASS


def test_a_model_that_fails_is_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = scenario(tmp_path, LIST_COURSES)
    with serving(scripted_model_app(misbehave=["status:500"])) as base:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{base}/v1")
        outcome = play(
            mine, SHIPPED_PROMPT, plan(Mode.RECORD, tmp_path, model=SCRIPTED_MODEL)
        )

    assert outcome.status is Status.ERROR
    assert outcome.reasons[0].startswith("turn 1: the turn failed (server_error)")
    assert outcome.reasons[-1] == "not recorded: the model failed at turn 1 (see above)"
    assert outcome.cassette is None
    assert not (tmp_path / "mine").exists()


def test_a_recorded_misstep_replays_as_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model that called a tool that does not exist fails the scenario when
    recorded, and again, the same way, on every replay."""
    mine = scenario(tmp_path, LIST_COURSES)
    with serving(scripted_model_app(misbehave=["unknown_tool"])) as base:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{base}/v1")
        served = plan(Mode.RECORD, tmp_path, model=SCRIPTED_MODEL)
        recorded = play(mine, SHIPPED_PROMPT, served)
    replayed = play(
        mine, SHIPPED_PROMPT, plan(Mode.REPLAY, tmp_path, model=SCRIPTED_MODEL)
    )

    assert recorded.status is Status.FAIL
    assert "getCourseGrades(course_id='48213') returned an error" in recorded.reasons[0]
    assert replayed.status is Status.FAIL
    assert replayed.reasons == recorded.reasons


def test_the_shipped_recordings_are_labelled_scripted() -> None:
    from course_tutor.evals.report import default_cassettes

    files = sorted(default_cassettes().rglob("*.yaml"))
    assert {path.parent.name for path in files} >= {s.name for s in SHIPPED}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "Made with the SCRIPTED offline model" in text
        assert "scripted: true" in text


def test_the_shipped_recordings_replay(tmp_path: Path) -> None:
    """`course-tutor eval --replay` works out of the box. When this fails after
    a change to the prompt, a tool or the demo data, record again with
    `uv run course-tutor eval --record`."""
    from course_tutor.evals.report import default_cassettes

    copy = tmp_path / "cassettes"
    shutil.copytree(default_cassettes(), copy)
    for shipped in SHIPPED:
        outcome = play(shipped, SHIPPED_PROMPT, plan(Mode.REPLAY, copy))
        assert outcome.status is Status.PASS, (shipped.name, outcome.reasons)
