"""`course-tutor eval` as an instructor runs it: the exit status, the table,
stale recordings with the command to record them again, JUnit XML, and two
prompts side by side."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from course_tutor.cli import main
from course_tutor.demo.scripted import scripted_model_app
from course_tutor.evals.command import EXIT_FAILED, EXIT_SETUP, EXIT_STALE
from course_tutor.instructions import load_instructions
from tests.servers import serving

HEAVY = ("openai", "textual", "starlette", "uvicorn", "httpx2", "rich", "yaml")


@pytest.fixture(autouse=True)
def _isolated(no_configuration: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # room for the reasons in the table


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def edited_prompt(folder: Path, extra: str = "Be brief.") -> Path:
    path = folder / "edited.md"
    path.write_text(
        load_instructions().path.read_text(encoding="utf-8") + f"\n{extra}\n",
        encoding="utf-8",
    )
    return path


def failing_scenario(folder: Path) -> Path:
    path = folder / "wrong.yaml"
    path.write_text(
        "turns:\n"
        "  - say: List all of my courses.\n"
        "    expect: {tools: [searchCourses]}\n",
        encoding="utf-8",
    )
    return path


def test_eval_help_stays_light() -> None:
    probe = (
        "import sys\n"
        "from course_tutor.cli import main\n"
        "try:\n"
        "    main(['eval', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert "LOADED []" in done.stdout
    assert "--record" in done.stdout
    assert "--replay" in done.stdout


def test_all_shipped_scenarios_pass_with_the_scripted_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    assert "practice-exam-to-export" in out
    assert "8/8" in out
    assert "FAIL" not in out
    assert "passed, 0 failed: course-tutor-scripted (scripted offline model)" in out


def test_replay_works_out_of_the_box(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--replay")
    assert code == 0, out
    assert "replayed" in out
    assert "STALE" not in out


def test_a_failing_scenario_exits_1_with_its_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, str(failing_scenario(tmp_path)), "starter-list-courses")
    assert code == EXIT_FAILED
    assert "FAIL" in out
    assert "turn 1: expected a call to searchCourses" in out
    assert "1 passed, 1 failed" in out


def test_verbose_shows_the_conversation_that_failed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, out, _ = run(capsys, "-v", str(failing_scenario(tmp_path)))
    assert "[1] student: List all of my courses." in out
    assert "✓ listYourCourses" in out
    assert "You're enrolled in" in out


def test_stale_recordings_exit_3_and_say_how_to_record_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    prompt = edited_prompt(tmp_path)
    code, out, _ = run(
        capsys, "--replay", "--prompt", str(prompt), "unknown-course", "course-by-code"
    )
    assert code == EXIT_STALE
    assert out.count("STALE") == 2
    assert "recorded with another prompt" in out
    assert "do not fit this run" in out
    assert (
        f"course-tutor eval --record --prompt {prompt} course-by-code unknown-course"
        in out
    )


def test_record_then_replay_into_a_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cassettes = tmp_path / "cassettes"
    code, out, _ = run(
        capsys, "--record", "--cassettes", str(cassettes), "starter-list-courses"
    )
    assert code == 0
    assert f"Recorded 1 scenario(s) under {cassettes}" in out
    assert len(list((cassettes / "starter-list-courses").glob("*.yaml"))) == 1

    code, out, _ = run(
        capsys, "--replay", "--cassettes", str(cassettes), "starter-list-courses"
    )
    assert code == 0
    code, out, _ = run(
        capsys, "--replay", "--cassettes", str(cassettes), "unknown-course"
    )
    assert code == EXIT_STALE
    assert "never recorded" in out
    assert f"--cassettes {cassettes} unknown-course" in out


def test_junit_xml_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junit = tmp_path / "results.xml"
    code, _, _ = run(
        capsys,
        "--junit",
        str(junit),
        str(failing_scenario(tmp_path)),
        "starter-list-courses",
    )
    assert code == EXIT_FAILED
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == (
        "2",
        "1",
        "0",
    )
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == ["wrong", "starter-list-courses"]


def test_two_prompts_side_by_side(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Prompt A recorded with a model that behaves, prompt B with one that
    calls a tool that does not exist: the replay of both shows the change."""
    cassettes = tmp_path / "cassettes"
    first = load_instructions().path
    second = edited_prompt(tmp_path, "Always check the student's grades first.")
    for prompt, misbehave in ((first, []), (second, ["unknown_tool"])):
        with serving(scripted_model_app(misbehave=misbehave)) as base:
            monkeypatch.setenv("OPENAI_BASE_URL", f"{base}/v1")
            run(
                capsys,
                "--record",
                "--model",
                "course-tutor-scripted",
                "--prompt",
                str(prompt),
                "--cassettes",
                str(cassettes),
                "starter-list-courses",
                "unknown-course",
            )
    monkeypatch.delenv("OPENAI_BASE_URL")

    code, out, _ = run(
        capsys,
        "--replay",
        "--model",
        "course-tutor-scripted",
        "--prompt",
        str(first),
        "--prompt",
        str(second),
        "--cassettes",
        str(cassettes),
        "starter-list-courses",
        "unknown-course",
    )
    assert code == EXIT_FAILED
    assert "A: student_course_assistant.md" in out
    assert "B: edited.md" in out
    assert "now fails" in out
    assert "getCourseGrades" in out
    assert "scenarios changed from A to B: starter-list-courses" in out


def test_mistakes_exit_2_with_a_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "no-such-scenario")
    assert code == EXIT_SETUP
    assert "There is no scenario 'no-such-scenario'" in err

    code, _, err = run(capsys, "--prompt", str(tmp_path / "missing.md"))
    assert code == EXIT_SETUP
    assert "Cannot read the instructions file" in err

    code, _, err = run(capsys, "--prompt", "a.md", "--prompt", "b.md", "--prompt", "c")
    assert code == EXIT_SETUP
    assert "at most two" in err

    code, _, err = run(capsys, "--model", "gpt-4.1-mini", "unknown-course")
    assert code == EXIT_SETUP
    assert "No model is set up" in err


def test_record_and_replay_do_not_go_together(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["eval", "--record", "--replay"])
    assert raised.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
