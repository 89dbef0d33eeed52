"""`course-tutor init` with typed answers, against the demo Canvas and the
scripted model over loopback: each answer checked, wrong ones asked again,
the file and the keyring written at the end, and `doctor` happy after."""

from __future__ import annotations

import argparse
import io
import os
import socket
import stat
from pathlib import Path

import pytest
from keyring.backends import fail

from course_tutor import secret_store
from course_tutor.config import read_config_document
from course_tutor.config_store import save_config
from course_tutor.demo.canvas import DemoCanvas
from course_tutor.demo.scripted import MODEL_ID
from course_tutor.secret_store import SERVICE
from course_tutor.setup.doctor import run_doctor
from course_tutor.setup.init import run_init
from tests.fake_keys import openai_key
from tests.setup.fakes import Browser, Keyboard, MemoryKeyring

TOKEN = "7~InItT0kEn-abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
def token(demo_canvas: DemoCanvas) -> str:
    demo_canvas.tokens[TOKEN] = None
    return TOKEN


@pytest.fixture
def closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def init(keyboard: Keyboard, browser: Browser | None = None) -> int:
    return run_init(argparse.Namespace(), keyboard.terminal(browser))


def doctor_passes() -> bool:
    out = io.StringIO()
    args = argparse.Namespace(model=None, prompt=None)
    return run_doctor(args, out=out, width=240) == 0


def test_the_whole_set_up(
    canvas_url: str,
    model_url: str,
    token: str,
    demo_canvas: DemoCanvas,
    config_file: Path,
    keyring_backend: MemoryKeyring,
) -> None:
    keyboard = Keyboard(lines=[canvas_url, model_url, ""], secrets=[token, ""])

    assert init(keyboard) == 0, keyboard.transcript

    said = keyboard.transcript
    name = demo_canvas.school["user"]["name"]
    assert f"✓ {canvas_url} answers like Canvas." in said
    assert f"signed in as {name}" in said
    assert f"{canvas_url}/profile/settings" in said  # where to make a token
    assert "120 days" in said
    assert "OAuth" in said
    assert "It offers: course-tutor-scripted" in said
    assert f"✓ {MODEL_ID} is available." in said
    assert f"Saved to {config_file}" in said
    assert "course-tutor doctor" in said
    assert keyboard.prompts[1].startswith("Access token (hidden")

    document = read_config_document()
    assert document["canvas"] == {"base_url": canvas_url}
    assert document["model"] == {"base_url": model_url, "name": MODEL_ID}
    assert keyring_backend.items == {(SERVICE, "canvas_api_token"): token}
    assert token not in config_file.read_text()
    assert token not in said
    assert doctor_passes()


def test_without_a_keyring_the_token_goes_in_the_private_file(
    canvas_url: str,
    model_url: str,
    token: str,
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(secret_store, "system_backend", lambda: fail.Keyring())
    keyboard = Keyboard(lines=[canvas_url, model_url, ""], secrets=[token, ""])

    assert init(keyboard) == 0, keyboard.transcript
    assert read_config_document()["canvas"]["token"] == token
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert "no system keyring" in keyboard.transcript
    assert "which only you can read" in keyboard.transcript
    assert token not in keyboard.transcript
    assert doctor_passes()


def test_the_address_is_normalised(canvas_url: str, model_url: str, token: str) -> None:
    typed = canvas_url + "/api/v1/"
    keyboard = Keyboard(lines=[typed, model_url, ""], secrets=[token, ""])

    assert init(keyboard) == 0, keyboard.transcript
    assert f"Using {canvas_url}" in keyboard.transcript
    assert read_config_document()["canvas"]["base_url"] == canvas_url


def test_this_computer_without_a_scheme_may_be_plain_http(
    canvas_url: str, model_url: str, token: str
) -> None:
    typed = canvas_url.removeprefix("http://")
    keyboard = Keyboard(lines=[typed, model_url, ""], secrets=[token, ""])

    assert init(keyboard) == 0, keyboard.transcript
    assert f"Using {canvas_url}" in keyboard.transcript
    assert read_config_document()["canvas"]["base_url"] == canvas_url


def test_bad_addresses_are_asked_again(
    canvas_url: str, model_url: str, token: str, closed_url: str
) -> None:
    keyboard = Keyboard(
        lines=[
            "http://canvas.school.edu",  # plain http to another computer
            "not an address at all",
            closed_url,  # nothing there
            "n",  # do not keep it
            model_url.removesuffix("/v1"),  # answers, but not like Canvas
            canvas_url,
            model_url,
            "",
        ],
        secrets=[token, ""],
    )

    assert init(keyboard) == 0, keyboard.transcript
    said = keyboard.transcript
    assert "unencrypted" in said
    assert "is not a Canvas address" in said
    assert "could not reach Canvas" in said
    assert "not the way Canvas does" in said
    assert read_config_document()["canvas"]["base_url"] == canvas_url


def test_an_unreachable_canvas_can_be_kept_for_later(
    model_url: str, closed_url: str
) -> None:
    keyboard = Keyboard(
        lines=[closed_url, "y", "y", model_url, ""], secrets=[TOKEN, ""]
    )

    assert init(keyboard) == 0, keyboard.transcript
    assert read_config_document()["canvas"]["base_url"] == closed_url


def test_a_refused_token_is_asked_again(
    canvas_url: str, model_url: str, token: str
) -> None:
    keyboard = Keyboard(
        lines=[canvas_url, model_url, ""],
        secrets=["7~wrong-token", "has a space", token, ""],
    )

    assert init(keyboard) == 0, keyboard.transcript
    said = keyboard.transcript
    assert "Canvas did not accept that token" in said
    assert "spaces or characters a token never has" in said
    assert "7~wrong-token" not in said


def test_an_expired_token_is_refused(
    canvas_url: str, model_url: str, demo_canvas: DemoCanvas
) -> None:
    demo_canvas.tokens[TOKEN] = 1.0
    keyboard = Keyboard(lines=[canvas_url], secrets=[TOKEN])

    assert init(keyboard) == 1
    assert "Canvas did not accept that token" in keyboard.transcript
    assert "Stopped" in keyboard.transcript
    assert read_config_document() == {}


def test_a_model_the_server_does_not_offer_is_asked_again(
    canvas_url: str, model_url: str, token: str
) -> None:
    keyboard = Keyboard(
        lines=[canvas_url, model_url, "llama3.2", MODEL_ID], secrets=[token, ""]
    )

    assert init(keyboard) == 0, keyboard.transcript
    assert "does not offer 'llama3.2'" in keyboard.transcript
    assert read_config_document()["model"]["name"] == MODEL_ID


def test_a_model_server_that_is_down_can_be_saved_for_later(
    canvas_url: str, token: str, closed_url: str
) -> None:
    server = closed_url.removeprefix("http://")  # typed without a scheme
    keyboard = Keyboard(
        lines=[canvas_url, server, "y", "llama3.2"], secrets=[token, ""]
    )

    assert init(keyboard) == 0, keyboard.transcript
    said = keyboard.transcript
    assert f"Using {closed_url}/v1" in said
    assert "Could not reach the model server" in said
    assert read_config_document()["model"] == {
        "base_url": closed_url + "/v1",
        "name": "llama3.2",
    }


def test_openai_needs_a_key(
    canvas_url: str,
    model_url: str,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    keyring_backend: MemoryKeyring,
) -> None:
    # The SDK's own default address, pointed at the scripted model so the
    # test stays on this computer.
    monkeypatch.setenv("OPENAI_BASE_URL", model_url)
    key = openai_key("test-0123456789abcdefghijklmnop")
    keyboard = Keyboard(lines=[canvas_url, "", MODEL_ID], secrets=[token, "", key])

    assert init(keyboard) == 0, keyboard.transcript
    said = keyboard.transcript
    assert "OpenAI needs an API key" in said
    assert "platform.openai.com/api-keys" in said
    assert "Note: OPENAI_BASE_URL is set in your environment" in said
    assert keyring_backend.items[(SERVICE, "openai_api_key")] == key
    assert key not in said
    assert "base_url" not in read_config_document().get("model", {})


def test_running_again_keeps_the_saved_answers(
    canvas_url: str, model_url: str, token: str, keyring_backend: MemoryKeyring
) -> None:
    first = Keyboard(lines=[canvas_url, model_url, ""], secrets=[token, ""])
    assert init(first) == 0
    before = (read_config_document(), dict(keyring_backend.items))

    again = Keyboard(lines=["", "", ""], secrets=["", ""])
    assert init(again) == 0, again.transcript

    assert (read_config_document(), dict(keyring_backend.items)) == before
    assert "Enter keeps the saved one" in again.prompts[1]
    assert f"[{canvas_url}]" in again.prompts[0]


def test_a_saved_token_that_stopped_working_is_replaced(
    canvas_url: str, model_url: str, token: str, demo_canvas: DemoCanvas
) -> None:
    save_config({"canvas_base_url": canvas_url, "canvas_api_token": "7~old-one"})
    keyboard = Keyboard(lines=["", model_url, ""], secrets=["", token, ""])

    assert init(keyboard) == 0, keyboard.transcript
    assert "Canvas did not accept that token" in keyboard.transcript
    assert "Enter for OAuth instead" in keyboard.prompts[2]


def test_no_token_means_oauth(
    canvas_url: str, model_url: str, demo_canvas: DemoCanvas
) -> None:
    browser = Browser()
    keyboard = Keyboard(
        lines=[canvas_url, "", "demo-client", model_url, ""],
        secrets=["", "demo-secret", ""],
    )

    code = init(keyboard, browser)
    browser.join()

    assert code == 0, keyboard.transcript
    said = keyboard.transcript
    assert "Logged in to Canvas as" in said
    document = read_config_document()
    assert document["oauth"]["client_id"] == "demo-client"
    assert "token" not in document["canvas"]
    assert document["model"]["name"] == MODEL_ID
    assert doctor_passes()


def test_oauth_in_place_of_a_saved_token(
    canvas_url: str, model_url: str, token: str
) -> None:
    save_config({"canvas_base_url": canvas_url, "canvas_api_token": token})
    browser = Browser()
    keyboard = Keyboard(
        lines=["", "", "demo-client", model_url, ""],
        secrets=["OAuth", "demo-secret", ""],
    )

    code = init(keyboard, browser)
    browser.join()

    assert code == 0, keyboard.transcript
    assert "token" not in read_config_document()["canvas"]
    assert doctor_passes()


def test_oauth_can_wait(canvas_url: str, model_url: str) -> None:
    keyboard = Keyboard(lines=[canvas_url, "n", model_url, ""], secrets=["", ""])

    assert init(keyboard) == 0, keyboard.transcript
    assert "run `course-tutor login`" in keyboard.transcript


def test_a_denied_oauth_login_keeps_the_address(canvas_url: str) -> None:
    browser = Browser()
    keyboard = Keyboard(
        lines=[canvas_url, "", "someone-else"], secrets=["", "their-secret"]
    )

    code = init(keyboard, browser)
    browser.join()

    assert code == 1
    assert "did not authorize" in keyboard.err.getvalue()
    assert read_config_document()["canvas"]["base_url"] == canvas_url


def test_stopping_saves_nothing(canvas_url: str, config_file: Path) -> None:
    keyboard = Keyboard(lines=[canvas_url])

    assert init(keyboard) == 1
    assert "Stopped" in keyboard.err.getvalue()
    assert not config_file.exists()


def test_environment_variables_are_pointed_out(
    canvas_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANVAS_API_TOKEN", "anything")
    keyboard = Keyboard()

    init(keyboard)
    assert "Note: CANVAS_API_TOKEN is set in your environment" in keyboard.transcript
    assert "anything" not in keyboard.transcript


def test_an_unreadable_file_is_set_aside(
    canvas_url: str, model_url: str, token: str, config_file: Path
) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text("[canvas\n")
    keyboard = Keyboard(lines=[canvas_url, model_url, ""], secrets=[token, ""])

    assert init(keyboard) == 0, keyboard.transcript
    aside = config_file.with_name("config.toml.unreadable")
    assert aside.read_text() == "[canvas\n"
    assert str(aside) in keyboard.transcript
    assert read_config_document()["canvas"]["base_url"] == canvas_url
    assert os.path.exists(config_file)
