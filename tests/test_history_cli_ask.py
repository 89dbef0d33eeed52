"""`ask` keeps what it plays: `-c` goes on with the latest conversation, a
whole demo practice exam runs through to its PDF, a store it cannot use is
reported, and no token or key ever reaches the disk."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from course_tutor.cli import main
from course_tutor.demo import canvas_app
from course_tutor.demo.scripted import scripted_model_app
from course_tutor.store import Store
from tests.fake_keys import openai_key
from tests.servers import serving

EXAM = ("Help me take a practice exam.", "3 questions", "BIO 110", "1", "A", "B", "C")


pytestmark = pytest.mark.usefixtures("no_configuration")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    def running(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return running


def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "course-tutor.db"


# -- ask -c --------------------------------------------------------------------


def test_each_ask_starts_a_conversation_and_c_continues_it(run) -> None:
    code, out, _ = run("ask", "--demo", "--json", "Help me take a practice exam.")
    first = json.loads(out)["conversation_id"]
    assert code == 0

    code, out, _ = run("ask", "--demo", "--json", "-c", "3 questions")
    assert code == 0
    assert json.loads(out)["conversation_id"] == first
    assert "Which course" in json.loads(out)["answer"]

    code, out, _ = run("ask", "--demo", "--json", "List all of my courses.")
    assert json.loads(out)["conversation_id"] != first


def test_c_with_nothing_to_continue_says_so(run, tmp_path: Path) -> None:
    code, out, err = run("ask", "--demo", "-c", "B")
    assert code == 2
    assert "no conversation to continue" in err
    assert out == ""


def test_ask_saves_every_message_of_the_turn(run, tmp_path: Path) -> None:
    run("ask", "--demo", "List all of my courses.")
    with Store.open(store_path(tmp_path)) as store:
        (conversation,) = store.list()
        roles = [m["role"] for m in store.load(conversation.id)]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert conversation.title == "List all of my courses."
    assert conversation.model == "course-tutor-scripted"
    assert conversation.canvas_host == "canvas.northwood.example"
    assert re.fullmatch(r"[0-9a-f]{12}", conversation.prompt_hash)


# -- a whole practice exam -------------------------------------------------------


def test_a_demo_practice_exam_runs_through_to_the_pdf(run, tmp_path: Path) -> None:
    run("ask", "--demo", EXAM[0])
    for answer in EXAM[1:]:
        code, _, err = run("ask", "--demo", "-c", answer)
        assert code == 0, err
    code, out, err = run("ask", "--demo", "--json", "-c", "yes")
    assert code == 0, err

    reply = json.loads(out)
    (export,) = [c for c in reply["tool_calls"] if c["name"] == "exportPracticeExam"]
    assert export["ok"]
    pdf = re.search(r"PDF: `([^`]+)`", reply["answer"]).group(1)
    markdown = re.search(r"Markdown: `([^`]+)`", reply["answer"]).group(1)
    assert Path(pdf).parent == tmp_path / "data" / "exports"
    assert "Your score: **1/3** (33.3%)" in reply["answer"]

    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    text = re.sub(r"\s+", " ", text)
    assert "BIO 110: Introduction to Cell Biology" in text
    assert "Score: 1/3 (33.3%)" in text
    assert "Which statement is one of the tenets of the cell theory?" in text
    assert "Topics to review" in text
    assert "Score: **1/3 (33.3%)**" in Path(markdown).read_text(encoding="utf-8")

    with Store.open(store_path(tmp_path)) as store:
        (conversation,) = store.list()
        (attempt,) = store.attempts(conversation.id)
    assert (attempt.correct, attempt.total, attempt.pdf_path) == (1, 3, pdf)
    assert [q["chosen"] for q in attempt.questions] == ["A", "B", "C"]
    assert conversation.questions == len(EXAM) + 1


# -- stores that are refused --------------------------------------------------------


def test_ask_reports_a_corrupt_store_and_leaves_it(run, tmp_path: Path) -> None:
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 1000)

    for words in (["hi"], ["-c", "B"]):
        code, out, err = run("ask", "--demo", *words)
        assert code == 2
        assert out == ""
        assert "damaged or is not a course-tutor database" in err
    assert path.read_bytes() == b"garbage" * 1000


def test_ask_reports_a_newer_store_and_leaves_it(run, tmp_path: Path) -> None:
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE later (x)")
        raw.execute("PRAGMA user_version = 12")
    raw.close()
    before = path.read_bytes()

    code, _, err = run("ask", "--demo", "-c", "hi")
    assert code == 2
    assert "newer course-tutor" in err
    assert path.read_bytes() == before


# -- secrets ----------------------------------------------------------------------


CANVAS_TOKEN = "7~canvas-token-that-must-never-be-stored-9f3a"
MODEL_KEY = openai_key("model-key-that-must-never-be-stored-41c7")


def test_no_token_or_key_reaches_the_store_or_the_exports(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canvas = canvas_app()
    canvas.state.canvas.tokens[CANVAS_TOKEN] = None
    with serving(canvas) as canvas_url, serving(scripted_model_app()) as model_url:
        monkeypatch.setenv("CANVAS_BASE_URL", canvas_url)
        monkeypatch.setenv("CANVAS_API_TOKEN", CANVAS_TOKEN)
        monkeypatch.setenv("OPENAI_BASE_URL", model_url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", MODEL_KEY)
        monkeypatch.setenv("COURSE_TUTOR_MODEL", "course-tutor-scripted")
        run("ask", EXAM[0])
        for answer in (*EXAM[1:], "yes"):
            code, _, err = run("ask", "-c", answer)
            assert code == 0, err
        exported = [run("export", "1")[1], run("export", "1", "--format", "json")[1]]

    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in files)
    assert any(p.name.startswith("course-tutor.db") for p in files)
    for secret in (CANVAS_TOKEN, MODEL_KEY):
        for path in files:
            assert secret.encode() not in path.read_bytes(), path
        for text in exported:
            assert secret not in text
