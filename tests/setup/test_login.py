"""`course-tutor login` and `logout` end to end: the demo Canvas served on
127.0.0.1, a browser that follows its redirect back to the login listener,
the tokens kept, used, refreshed and revoked."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import socket
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from course_tutor.canvas import InvalidTokenError
from course_tutor.config import load_settings, read_config_document
from course_tutor.config_store import load_oauth_login, save_config, save_oauth_login
from course_tutor.demo.canvas import DemoCanvas
from course_tutor.demo.oauth import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from course_tutor.secret_store import SERVICE
from course_tutor.setup.connect import OAUTH, canvas_access, open_canvas
from course_tutor.setup.login import run_login, run_logout
from tests.setup.fakes import Browser, Keyboard, MemoryKeyring, PrintedAddressBrowser


def login_args(**changes: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "no_browser": False,
        "oob": False,
        "port": 0,
    }
    values.update(changes)
    return argparse.Namespace(**values)


@pytest.fixture
def canvas(canvas_url: str) -> str:
    save_config({"canvas_base_url": canvas_url})
    return canvas_url


def log_in(keyboard: Keyboard | None = None, **changes: object) -> tuple[int, Keyboard]:
    keyboard = keyboard or Keyboard()
    browser = Browser()
    code = run_login(login_args(**changes), keyboard.terminal(browser))
    browser.join()
    return code, keyboard


def issued(demo: DemoCanvas) -> set[str]:
    """Every token the demo has handed out and still honours."""
    return (set(demo.tokens) - {"demo"}) | set(demo.oauth.refresh_tokens)


async def whoami() -> str:
    async with await open_canvas(load_settings()) as client:
        me = await client.get_self()
    return me.name or ""


def test_login_with_the_browser(
    canvas: str,
    demo_canvas: DemoCanvas,
    keyring_backend: MemoryKeyring,
    config_file: Path,
) -> None:
    keyboard = Keyboard()
    browser = Browser()
    code = run_login(login_args(), keyboard.terminal(browser))
    browser.join()

    assert code == 0, keyboard.transcript
    name = demo_canvas.school["user"]["name"]
    assert f"Logged in to Canvas as {name}" in keyboard.transcript
    # The browser went to Canvas, came back to the listener, saw the outcome.
    assert browser.visited[0].startswith(f"{canvas}/login/oauth2/auth?")
    assert re.match(r"http://127\.0\.0\.1:\d+/callback\?code=", browser.visited[1])
    assert "received your login" in browser.pages[-1].text

    login = load_oauth_login()
    assert login is not None
    assert login.base_url == canvas
    assert login.user_name == name
    assert login.access_token.get_secret_value() in demo_canvas.tokens
    assert (SERVICE, "canvas_oauth") in keyring_backend.items
    text = config_file.read_text()
    for secret in issued(demo_canvas) | {DEMO_CLIENT_SECRET}:
        assert secret not in text

    assert asyncio.run(whoami()) == name


def test_login_without_a_browser_prints_the_address(
    canvas: str, demo_canvas: DemoCanvas
) -> None:
    browser = Browser()
    out = PrintedAddressBrowser(browser)
    keyboard = Keyboard()

    def no_browser(url: str) -> bool:
        raise AssertionError("--no-browser opened a browser")

    terminal = keyboard.terminal(no_browser, out=out)
    code = run_login(login_args(no_browser=True), terminal)
    browser.join()

    assert code == 0, keyboard.transcript
    assert out.opened
    assert "Open this address in a browser" in keyboard.transcript
    assert "--oob" in keyboard.transcript  # the way out for a browser elsewhere


def test_login_asks_for_the_developer_key(canvas: str) -> None:
    keyboard = Keyboard(lines=[DEMO_CLIENT_ID], secrets=[DEMO_CLIENT_SECRET])
    code, _ = log_in(keyboard, client_id=None, client_secret=None)

    assert code == 0, keyboard.transcript
    assert "developer key" in keyboard.transcript
    assert keyboard.prompts[0].startswith("Client id")
    assert keyboard.prompts[1].startswith("Client secret (hidden")


def test_login_asks_for_the_canvas_address_when_there_is_none(
    canvas_url: str,
) -> None:
    keyboard = Keyboard(lines=["http://canvas.school.edu", canvas_url + "/api/v1/"])
    code, _ = log_in(keyboard)

    assert code == 0, keyboard.transcript
    assert "unencrypted" in keyboard.transcript
    assert read_config_document()["canvas"]["base_url"] == canvas_url


def test_another_developer_key_is_denied(canvas: str) -> None:
    code, keyboard = log_in(client_id="not-approved")

    assert code == 1
    assert "did not authorize" in keyboard.err.getvalue()
    assert load_oauth_login() is None


def test_a_state_mismatch_is_rejected(canvas: str, demo_canvas: DemoCanvas) -> None:
    def forge(url: str) -> str:
        parts = urlsplit(url)
        if parts.path != "/callback":
            return url
        params = dict(parse_qsl(parts.query), state="forged")
        return parts._replace(query=urlencode(params)).geturl()

    keyboard = Keyboard()
    browser = Browser(tamper=forge)
    code = run_login(login_args(), keyboard.terminal(browser))
    browser.join()

    assert code == 1
    assert "state" in keyboard.err.getvalue()
    assert "Login not completed" in browser.pages[-1].text
    assert load_oauth_login() is None
    assert issued(demo_canvas) == set()  # the code was never exchanged


def test_a_taken_port_is_a_clear_message(canvas: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, keyboard = log_in(port=port)

    assert code == 1
    message = keyboard.err.getvalue()
    assert f"127.0.0.1:{port}" in message
    assert "--port" in message


def test_out_of_band_login_with_a_pasted_code(canvas: str) -> None:
    browser = Browser()
    keyboard = Keyboard()

    def paste() -> str:
        url = re.search(r"\S+/login/oauth2/auth\?\S+", keyboard.out.getvalue())
        assert url is not None
        page = browser.fetch(url.group(0)).text
        found = re.search(r'<pre id="code">([^<]+)</pre>', page)
        assert found is not None
        return found.group(1)

    keyboard.lines.append(paste)
    code = run_login(login_args(oob=True), keyboard.terminal())

    assert code == 0, keyboard.transcript
    assert "urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob" in browser.visited[0]
    assert load_oauth_login() is not None


def test_an_expired_token_is_refreshed_before_use(
    canvas: str, demo_canvas: DemoCanvas
) -> None:
    assert log_in()[0] == 0
    login = load_oauth_login()
    assert login is not None
    save_oauth_login(login.model_copy(update={"expires_at": time.time() - 10}))

    assert asyncio.run(whoami()) == demo_canvas.school["user"]["name"]

    renewed = load_oauth_login()
    assert renewed is not None
    assert renewed.access_token != login.access_token
    assert renewed.expires_at is not None
    assert renewed.expires_at > time.time()
    assert login.access_token.get_secret_value() not in demo_canvas.tokens


def test_a_refused_token_is_refreshed_once(
    canvas: str, demo_canvas: DemoCanvas
) -> None:
    assert log_in()[0] == 0
    login = load_oauth_login()
    assert login is not None
    # Canvas's clock runs ahead: the token it issued has expired there,
    # though not by the expiry course-tutor was told.
    demo_canvas.clock = lambda: time.time() + 7200

    assert asyncio.run(whoami()) == demo_canvas.school["user"]["name"]
    renewed = load_oauth_login()
    assert renewed is not None
    assert renewed.access_token != login.access_token


def test_a_revoked_refresh_token_says_to_log_in_again(
    canvas: str, demo_canvas: DemoCanvas
) -> None:
    assert log_in()[0] == 0
    demo_canvas.oauth.revoke_refresh_tokens()

    with pytest.raises(InvalidTokenError, match="course-tutor login"):
        asyncio.run(whoami())


def test_a_personal_token_comes_first(canvas: str) -> None:
    assert log_in()[0] == 0
    save_config({"canvas_api_token": "demo"})

    access = asyncio.run(canvas_access(load_settings()))
    assert access.method != OAUTH
    assert access.token == "demo"

    code, keyboard = log_in(Keyboard(lines=["n"]))
    assert code == 0
    assert "personal access token is saved too" in keyboard.transcript
    assert load_settings().canvas_api_token is not None

    code, keyboard = log_in(Keyboard(lines=["y"]))
    assert code == 0
    assert load_settings().canvas_api_token is None
    access = asyncio.run(canvas_access(load_settings()))
    assert access.method == OAUTH


def test_a_token_in_the_environment_is_pointed_out(
    canvas: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANVAS_API_TOKEN", "demo")
    code, keyboard = log_in()
    assert code == 0
    assert "Unset it to use the login" in keyboard.transcript


def test_a_login_for_another_canvas_is_not_used(canvas: str) -> None:
    from course_tutor.session import SetupError

    assert log_in()[0] == 0
    save_config({"canvas_base_url": "https://other.school.edu"})

    with pytest.raises(SetupError, match="course-tutor login"):
        asyncio.run(canvas_access(load_settings()))


def test_logout_revokes_and_forgets(
    canvas: str, demo_canvas: DemoCanvas, keyring_backend: MemoryKeyring
) -> None:
    assert log_in()[0] == 0
    keyboard = Keyboard()

    assert run_logout(argparse.Namespace(), keyboard.terminal()) == 0
    assert "Logged out" in keyboard.transcript
    assert issued(demo_canvas) == set()
    assert load_oauth_login() is None
    assert keyring_backend.items == {}
    assert read_config_document() == {"canvas": {"base_url": canvas}}


def test_logout_after_expiry_refreshes_to_revoke(
    canvas: str, demo_canvas: DemoCanvas
) -> None:
    assert log_in()[0] == 0
    demo_canvas.clock = lambda: time.time() + 7200

    keyboard = Keyboard()
    assert run_logout(argparse.Namespace(), keyboard.terminal()) == 0
    assert "Logged out" in keyboard.transcript
    assert issued(demo_canvas) == set()


def test_logout_of_a_login_canvas_no_longer_knows(
    canvas: str, demo_canvas: DemoCanvas
) -> None:
    assert log_in()[0] == 0
    demo_canvas.oauth.revoke_refresh_tokens()

    keyboard = Keyboard()
    assert run_logout(argparse.Namespace(), keyboard.terminal()) == 0
    assert load_oauth_login() is None


def test_logout_without_a_login() -> None:
    keyboard = Keyboard()
    assert run_logout(argparse.Namespace(), keyboard.terminal()) == 0
    assert "not logged in" in keyboard.transcript


def test_logout_when_canvas_cannot_be_reached(canvas: str) -> None:
    assert log_in()[0] == 0
    login = load_oauth_login()
    assert login is not None
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{closed.getsockname()[1]}"
    save_oauth_login(login.model_copy(update={"base_url": gone}))

    keyboard = Keyboard()
    assert run_logout(argparse.Namespace(), keyboard.terminal()) == 0
    assert "could not be told" in keyboard.transcript
    assert "Approved Integrations" in keyboard.transcript
    assert load_oauth_login() is None


def test_no_token_ever_reaches_the_output_or_the_logs(
    canvas: str, demo_canvas: DemoCanvas, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    transcripts = []
    code, keyboard = log_in()
    transcripts.append(keyboard.transcript)
    seen = issued(demo_canvas)
    demo_canvas.clock = lambda: time.time() + 7200
    asyncio.run(whoami())
    seen |= issued(demo_canvas)
    demo_canvas.oauth.revoke_refresh_tokens()
    with pytest.raises(InvalidTokenError) as caught:
        asyncio.run(whoami())
    transcripts.append(f"{caught.value} {caught.value!r}")
    keyboard = Keyboard()
    run_logout(argparse.Namespace(), keyboard.terminal())
    transcripts.append(keyboard.transcript)

    assert code == 0
    assert len(seen) >= 3
    shown = "\n".join(transcripts) + caplog.text
    for secret in seen | {DEMO_CLIENT_SECRET}:
        assert secret not in shown


def test_tokens_in_the_file_when_there_is_no_keyring(
    canvas: str, demo_canvas: DemoCanvas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyring.backends import fail

    from course_tutor import secret_store

    monkeypatch.setattr(secret_store, "system_backend", lambda: fail.Keyring())
    code, keyboard = log_in()

    assert code == 0
    assert "which only you can read" in keyboard.transcript
    oauth = read_config_document()["oauth"]
    assert oauth["access_token"] in demo_canvas.tokens
    assert asyncio.run(whoami())
