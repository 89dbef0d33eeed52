"""`course-tutor history` and `course-tutor export` as a user runs them, over
a store filled through its own API, and stores the commands refuse."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from course_tutor.cli import main
from course_tutor.store import Store


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COURSE_TUTOR_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("COURSE_TUTOR_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    def running(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return running


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "course-tutor.db"


def converse(title: str, *turns: tuple[str, str]) -> int:
    """A saved conversation: each turn a question, a listYourCourses call,
    its result and an answer."""
    with Store.open() as store:
        conversation = store.new_conversation(
            title=title,
            model="course-tutor-scripted",
            prompt_hash="97e831d9c021",
            canvas_host="canvas.northwood.example",
        )
        for number, (question, answer) in enumerate(turns, 1):
            call_id = f"call_{conversation.id}_{number}"
            for message in (
                {"role": "user", "content": question},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {"name": "listYourCourses", "arguments": "{}"},
                        }
                    ],
                },
                {
                    "role": "tool",
                    "tool_call_id": call_id,
                    "content": '[{"id":48213,"name":"BIO 110"},{"id":1,"name":"Été"}]',
                },
                {"role": "assistant", "content": answer},
            ):
                store.append(conversation.id, message)
        return conversation.id


# -- history ---------------------------------------------------------------------


def test_history_with_nothing_saved(run) -> None:
    code, out, _ = run("history")
    assert code == 0
    assert "No saved conversations yet" in out
    assert json.loads(run("history", "--json")[1]) == []


def test_history_lists_the_latest_first(run) -> None:
    converse("Help me take a practice exam.", ("q1", "a1"), ("q2", "a2"))
    converse("List all of my courses.", ("q", "a"))

    code, out, _ = run("history")
    assert code == 0
    header, latest, earlier = out.splitlines()
    assert header.split() == ["ID", "Last", "message", "Questions", "Title"]
    assert latest.split()[0] == "2"
    assert latest.endswith("  1  List all of my courses.")
    assert earlier.split()[0] == "1"
    assert earlier.endswith("  2  Help me take a practice exam.")


def test_history_json_and_limit(run) -> None:
    converse("Help me take a practice exam.", ("q", "a"))
    converse("Quelle est la différence entre α et β ?", ("q", "a"))

    code, out, _ = run("history", "--json")
    listed = json.loads(out)
    assert code == 0
    assert [c["title"] for c in listed] == [
        "Quelle est la différence entre α et β ?",
        "Help me take a practice exam.",
    ]
    assert set(listed[0]) == {
        "id",
        "title",
        "created",
        "updated",
        "model",
        "prompt_hash",
        "canvas_host",
        "messages",
        "questions",
    }
    assert (listed[0]["messages"], listed[0]["questions"]) == (4, 1)
    assert listed[0]["canvas_host"] == "canvas.northwood.example"
    assert len(json.loads(run("history", "--json", "-n", "1")[1])) == 1


# -- export ----------------------------------------------------------------------


def test_export_markdown(run) -> None:
    converse(
        "Help me take a practice exam.",
        ("Help me take a practice exam.", "How many questions?"),
        ("3 questions", "Which course is the exam for?"),
    )
    code, out, _ = run("export", "1")

    assert code == 0
    assert out.startswith("# Help me take a practice exam.\n")
    assert "- Model: course-tutor-scripted" in out
    assert "- Canvas: canvas.northwood.example" in out
    assert out.count("## You · ") == 2
    assert out.count("## Tutor · ") == 2  # a tool call and its answer: one reply
    assert "- Looked up `listYourCourses` `{}` → 2 results" in out
    assert "3 questions\n\n## Tutor" in out
    assert out.rstrip().endswith("Which course is the exam for?")
    assert run("export", "latest")[1] == out


def test_export_json_keeps_everything(run) -> None:
    converse("List all of my courses.", ("List all of my courses.", "Two: …"))
    code, out, _ = run("export", "1", "--format", "json")
    document = json.loads(out)

    assert code == 0
    assert document["format"] == "course-tutor conversation"
    assert document["conversation"]["title"] == "List all of my courses."
    with Store.open() as store:
        history = store.load(1)
    kept = [
        {key: value for key, value in m.items() if key != "created"}
        for m in document["messages"]
    ]
    assert kept == history
    assert all(m["created"] for m in document["messages"])
    assert "Été" in document["messages"][2]["content"]
    assert document["attempts"] == []


def test_export_to_a_file(run, tmp_path: Path) -> None:
    converse("List all of my courses.", ("q", "a"))
    target = tmp_path / "out.md"

    code, out, err = run("export", "1", "-o", str(target))
    assert code == 0
    assert out == ""
    assert str(target) in err
    assert target.read_text(encoding="utf-8").startswith("# List all of my courses.")


@pytest.mark.parametrize(
    ("said", "message"),
    [("42", "There is no conversation 42"), ("abc", "not a conversation id")],
)
def test_export_of_an_unknown_id(run, said: str, message: str) -> None:
    converse("t", ("q", "a"))
    code, out, err = run("export", said)
    assert code == 1
    assert message in err
    assert out == ""


def test_export_latest_with_nothing_saved(run) -> None:
    code, _, err = run("export", "latest")
    assert code == 1
    assert "no saved conversations" in err


def test_export_to_a_place_it_cannot_write(run, tmp_path: Path) -> None:
    converse("t", ("q", "a"))
    code, _, err = run("export", "1", "-o", str(tmp_path / "missing" / "out.md"))
    assert code == 1
    assert "Cannot write" in err
    assert "Traceback" not in err


# -- stores that are refused --------------------------------------------------------


def test_a_corrupt_store_is_reported_not_overwritten(run, store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"garbage" * 1000)

    for command in (["history"], ["history", "--json"], ["export", "1"]):
        code, out, err = run(*command)
        assert code == 2, command
        assert out == ""
        assert "damaged or is not a course-tutor database" in err
        assert "Traceback" not in err
    assert store_path.read_bytes() == b"garbage" * 1000


def test_a_newer_store_is_reported_not_overwritten(run, store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    with sqlite3.connect(store_path) as raw:
        raw.execute("CREATE TABLE later (x)")
        raw.execute("PRAGMA user_version = 12")
    raw.close()
    before = store_path.read_bytes()

    code, _, err = run("history")
    assert code == 2
    assert "newer course-tutor" in err
    assert "Upgrade" in err
    assert store_path.read_bytes() == before
