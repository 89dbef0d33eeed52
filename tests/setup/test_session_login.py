"""Every command uses a saved OAuth login when no personal token is set:
`ask` end to end, with the demo Canvas and the scripted model on loopback."""

from __future__ import annotations

import argparse
import time

import pytest

from course_tutor.cli import main
from course_tutor.config_store import save_config
from course_tutor.demo.canvas import DemoCanvas
from course_tutor.demo.scripted import MODEL_ID
from course_tutor.setup.login import run_login
from tests.setup.fakes import Browser, Keyboard


@pytest.fixture
def logged_in(canvas_url: str, model_url: str) -> None:
    save_config(
        {"canvas_base_url": canvas_url, "openai_base_url": model_url, "model": MODEL_ID}
    )
    browser = Browser()
    args = argparse.Namespace(
        client_id="demo-client",
        client_secret="demo-secret",
        no_browser=False,
        oob=False,
        port=0,
    )
    assert run_login(args, Keyboard().terminal(browser)) == 0
    browser.join()


def test_ask_uses_the_login(
    logged_in: None, demo_canvas: DemoCanvas, capsys: pytest.CaptureFixture[str]
) -> None:
    # Canvas's clock runs ahead, so the first request is refused and the
    # token refreshed on the way.
    demo_canvas.clock = lambda: time.time() + 7200

    assert main(["ask", "What courses am I taking?"]) == 0
    answer = capsys.readouterr().out
    assert "BIO 110" in answer


def test_ask_after_the_login_was_revoked(
    logged_in: None, demo_canvas: DemoCanvas, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_canvas.oauth.revoke_refresh_tokens()

    # The tool's error goes to the model, which passes it on.
    assert main(["ask", "What courses am I taking?"]) == 0
    assert "Run `course-tutor login` to log in again." in capsys.readouterr().out


def test_ask_with_nothing_set_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "What courses am I taking?"]) != 0
    assert "course-tutor init" in capsys.readouterr().err
