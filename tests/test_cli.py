"""The command line as a user runs it: `--version`, `--help`, and `ask`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from course_tutor import __version__
from course_tutor.cli import main
from course_tutor.demo.dataset import load_school
from course_tutor.demo.scripted import scripted_model_app
from course_tutor.instructions import load_instructions
from tests.fake_keys import openai_key
from tests.servers import serving

REJECTED_KEY = openai_key("test-rejected-key-123456")
HEAVY = ("openai", "textual", "starlette", "uvicorn", "httpx2", "pydantic", "rich")


pytestmark = pytest.mark.usefixtures("no_configuration")


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_nothing_heavy(flag: str) -> None:
    probe = (
        "import sys\n"
        "from course_tutor.cli import main\n"
        "try:\n"
        f"    main([{flag!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert "LOADED []" in done.stdout
    if flag == "--version":
        assert f"course-tutor {__version__}" in done.stdout
    else:
        assert "ask" in done.stdout


def _ask(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["ask", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ask_demo_lists_every_course(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _ask(capsys, "--demo", "-v", "List all of my courses")
    assert code == 0
    for course in load_school()["courses"]:
        if course.get("enrollment") and not course.get("access_restricted_by_date"):
            assert course["name"] in out
    assert "listYourCourses" in err  # -v shows the tool calls


def test_each_starter_follows_its_flow(capsys: pytest.CaptureFixture[str]) -> None:
    starters = load_instructions().starters
    replies = {}
    for starter in starters:
        code, out, _ = _ask(capsys, "--demo", "--json", starter)
        assert code == 0
        replies[starter] = json.loads(out)

    listing = replies["List all of my courses."]
    assert [c["name"] for c in listing["tool_calls"]] == ["listYourCourses"]
    assert "| Course |" in listing["answer"]

    overview = replies["Give an overview of one of my courses."]
    assert [c["name"] for c in overview["tool_calls"]] == ["listYourCourses"]
    assert "Which course" in overview["answer"]

    exam = replies["Help me take a practice exam."]
    assert exam["tool_calls"] == []
    assert "How many questions" in exam["answer"]

    for reply in replies.values():
        assert reply["model"] == "course-tutor-scripted"
        assert reply["model_label"] == "scripted offline model"
        assert reply["usage"]["total_tokens"] > 0


def test_ask_without_setup_says_how_to_fix_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _ask(capsys, "List all of my courses")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "course-tutor init" in err
    assert "--demo" in err


def test_ask_with_a_rejected_model_key_fails_with_a_reason(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(scripted_model_app(misbehave=["status:401"])) as base:
        monkeypatch.setenv("OPENAI_BASE_URL", base + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", REJECTED_KEY)
        monkeypatch.setenv("COURSE_TUTOR_MODEL", "course-tutor-scripted")
        code, out, err = _ask(capsys, "--demo", "List all of my courses")
    assert code == 1
    assert "did not accept the API key" in err
    assert REJECTED_KEY not in out + err


def test_ask_demo_uses_a_configured_model(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(scripted_model_app()) as base:
        monkeypatch.setenv("OPENAI_BASE_URL", base + "/v1")
        code, out, _ = _ask(capsys, "--demo", "--json", "List all of my courses")
    reply = json.loads(out)
    assert code == 0
    # No model named: the server's first model is used, and named as served.
    assert reply["model"] == "course-tutor-scripted"
    assert reply["model_label"] == "course-tutor-scripted at 127.0.0.1"
