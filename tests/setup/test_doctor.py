"""`course-tutor doctor`: a ✓ or ✗ per check with the fix, against the demo
Canvas and the scripted model over loopback; exit 0 only when all pass."""

from __future__ import annotations

import argparse
import io
import os
import socket
from pathlib import Path

import pytest
from keyring.backends import fail

from course_tutor import secret_store
from course_tutor.cli import main
from course_tutor.config_store import save_config
from course_tutor.demo.canvas import DemoCanvas
from course_tutor.demo.scripted import MODEL_ID
from course_tutor.setup.doctor import Check, run_checks, run_doctor
from course_tutor.setup.login import run_login
from tests.setup.fakes import Browser, Keyboard

TOKEN = "7~DoCtOrT0kEn-abcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture
def closed_url() -> str:
    """An address on this computer where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def all_good(canvas_url: str, model_url: str, demo_canvas: DemoCanvas) -> None:
    demo_canvas.tokens[TOKEN] = None
    save_config(
        {
            "canvas_base_url": canvas_url,
            "canvas_api_token": TOKEN,
            "openai_base_url": model_url,
            "model": MODEL_ID,
        }
    )


def doctor(**options: str | None) -> tuple[int, str]:
    out = io.StringIO()
    args = argparse.Namespace(model=options.get("model"), prompt=options.get("prompt"))
    code = run_doctor(args, out=out, width=240)
    return code, out.getvalue()


def checks(**options: str | None) -> dict[str, Check]:
    import asyncio

    found = asyncio.run(run_checks(**options))
    return {check.name: check for check in found}


def line_of(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if f" {name}   " in line)


def test_everything_passes(all_good: None, demo_canvas: DemoCanvas) -> None:
    code, output = doctor()

    assert code == 0, output
    assert output.count("✓") == 6
    assert "✗" not in output
    name = demo_canvas.school["user"]["name"]
    assert name in line_of(output, "Canvas token")
    assert "personal access token from the system keyring" in output
    assert MODEL_ID in line_of(output, "Model")
    assert "All set" in output


def test_nothing_configured() -> None:
    code, output = doctor()
    found = checks()

    assert code == 1
    assert not found["Configuration"].ok
    assert "course-tutor init" in found["Configuration"].fix
    assert found["Canvas reachable"].detail == "no Canvas address is set"
    assert found["Canvas token"].fix == "Fix the check above first."
    assert "OPENAI_API_KEY" in found["Model server"].fix
    assert found["Instructions"].ok
    assert "→ Run `course-tutor init`." in output
    assert "checks failed" in output


def test_the_environment_is_enough(
    canvas_url: str, model_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANVAS_BASE_URL", canvas_url)
    monkeypatch.setenv("CANVAS_API_TOKEN", "demo")
    monkeypatch.setenv("OPENAI_BASE_URL", model_url)

    code, output = doctor()

    assert code == 0, output
    assert "using the environment" in output
    assert "from CANVAS_API_TOKEN" in output
    assert f"{MODEL_ID} (the first the server offers)" in output


def test_canvas_cannot_be_reached(all_good: None, closed_url: str) -> None:
    save_config({"canvas_base_url": closed_url})
    found = checks()

    assert not found["Canvas reachable"].ok
    assert "could not reach Canvas" in found["Canvas reachable"].detail
    assert "internet connection" in found["Canvas reachable"].fix
    assert found["Canvas token"].detail == "not checked"
    assert found["Model server"].ok


def test_an_address_that_is_not_canvas(all_good: None, model_url: str) -> None:
    save_config({"canvas_base_url": model_url.removesuffix("/v1")})
    found = checks()

    assert "not the way Canvas does" in found["Canvas reachable"].detail


def test_plain_http_to_another_computer(all_good: None) -> None:
    save_config({"canvas_base_url": "http://canvas.school.edu"})
    found = checks()

    assert "unencrypted" in found["Canvas reachable"].detail


def test_a_refused_token(all_good: None, demo_canvas: DemoCanvas) -> None:
    del demo_canvas.tokens[TOKEN]
    code, output = doctor()
    found = checks()

    assert code == 1
    assert found["Canvas token"].detail == "Canvas refused the personal access token"
    assert "New Access Token" in found["Canvas token"].fix
    assert "120 days" in found["Canvas token"].fix
    assert TOKEN not in output


def test_an_expired_token(all_good: None, demo_canvas: DemoCanvas) -> None:
    demo_canvas.tokens[TOKEN] = 1.0  # expired long ago
    assert not checks()["Canvas token"].ok


def test_no_token_at_all(all_good: None) -> None:
    save_config({"canvas_api_token": None})
    found = checks()

    assert not found["Canvas token"].ok
    assert "course-tutor login" in found["Canvas token"].fix


def test_the_model_server_is_down(all_good: None, closed_url: str) -> None:
    save_config({"openai_base_url": closed_url + "/v1"})
    found = checks()

    assert not found["Model server"].ok
    assert "Could not reach the model server" in found["Model server"].detail
    assert found["Model"].detail == "not checked"


def test_a_server_without_a_model_list(all_good: None, canvas_url: str) -> None:
    save_config({"openai_base_url": canvas_url})
    found = checks()

    assert "/v1" in found["Model server"].fix


def test_a_model_the_server_does_not_offer(all_good: None) -> None:
    code, output = doctor(model="llama3.2")
    found = checks(model="llama3.2")

    assert code == 1
    assert "→ Choose one it offers (course-tutor-scripted)" in output
    assert found["Model"].detail.startswith("llama3.2 is not offered by")
    assert MODEL_ID in found["Model"].fix
    assert found["Model server"].ok


def test_an_ollama_hint(all_good: None) -> None:
    from course_tutor.setup.models import ModelServer, missing_model_fix

    server = ModelServer("http://localhost:11434/v1", None)
    assert "ollama pull llama3.2" in missing_model_fix(server, "llama3.2", ["qwen3"])


def test_a_prompt_file_that_does_not_load(all_good: None, tmp_path: Path) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\nBody\n")
    missing = checks(prompt=str(tmp_path / "missing.md"))["Instructions"]
    bad = checks(prompt=str(broken))["Instructions"]

    assert not missing.ok
    assert "Cannot read" in missing.detail
    assert "--prompt" in missing.fix
    assert not bad.ok
    code, _ = doctor(prompt=str(broken))
    assert code == 1


def test_a_file_others_can_read(all_good: None, config_file: Path) -> None:
    os.chmod(config_file, 0o644)
    found = checks()

    assert not found["Configuration"].ok
    assert found["Configuration"].fix == f"Run `chmod 600 {config_file}`."


def test_a_keyring_that_cannot_be_opened(
    all_good: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secret_store, "system_backend", lambda: fail.Keyring())
    found = checks()

    assert not found["Configuration"].ok
    assert "keyring" in found["Configuration"].detail
    assert "Unlock the keyring" in found["Configuration"].fix


def test_an_unreadable_file(config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text("[canvas\n")
    found = checks()

    assert not found["Configuration"].ok
    assert "Cannot read the configuration file" in found["Configuration"].detail


@pytest.fixture
def oauth_login(canvas_url: str, model_url: str) -> None:
    save_config({"canvas_base_url": canvas_url, "openai_base_url": model_url})
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


def test_an_oauth_login_is_used_without_a_token(oauth_login: None) -> None:
    code, output = doctor()

    assert code == 0, output
    assert "OAuth login saved by `course-tutor login`" in output


def test_a_revoked_oauth_login(oauth_login: None, demo_canvas: DemoCanvas) -> None:
    demo_canvas.oauth.revoke_refresh_tokens()
    found = checks()

    assert not found["Canvas token"].ok
    assert "course-tutor login" in found["Canvas token"].fix


def test_the_command_line_exit_code(
    all_good: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    assert main(["doctor", "--model", "nope"]) == 1
    assert TOKEN not in capsys.readouterr().out
