"""`course-tutor init`: three questions, each answer checked live before the
next, and nothing saved until all are answered.

1. The Canvas address, as the student would type it; it must answer like
   Canvas does.
2. An access token (typed hidden), with where to make one; Canvas must
   accept it. No token means OAuth: `course-tutor login`, offered at once.
3. The model: OpenAI (with an API key) or an OpenAI-compatible server's
   address; the server must answer, and the model must be one it offers.

Ctrl+D stops without saving. Re-running `init` keeps each saved answer on
Enter, so changing one thing is quick.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

import httpx2

from course_tutor.canvas import (
    CanvasConfigError,
    CanvasError,
    is_loopback_host,
    normalize_base_url,
)
from course_tutor.config import DEFAULT_MODEL, ConfigError, config_path, stored_settings
from course_tutor.config_store import save_config
from course_tutor.secret_store import SecretStoreError
from course_tutor.setup.login import LoginOptions, log_in_and_save
from course_tutor.setup.models import (
    OPENAI_KEYS_PAGE,
    ModelCheckError,
    ModelServer,
    available_models,
    missing_model_fix,
    normalize_model_url,
)
from course_tutor.setup.probes import Probe, probe_canvas, whoami
from course_tutor.setup.terminal import Abandoned, Terminal

_ENVIRONMENT = {
    "canvas_base_url": "CANVAS_BASE_URL",
    "canvas_api_token": "CANVAS_API_TOKEN",
    "openai_base_url": "OPENAI_BASE_URL",
    "openai_api_key": "OPENAI_API_KEY",
    "model": "COURSE_TUTOR_MODEL",
}

_TOKEN_HELP = """\
course-tutor reads your courses with a Canvas access token, as you.
Make one in Canvas: {base}/profile/settings
  → Approved Integrations → + New Access Token. Enter a purpose such as
  "course-tutor", then copy the token: Canvas shows it only once.
Many schools limit student tokens to 120 days. When yours stops working,
make a new one and run `course-tutor init` again.
If your school does not let students make tokens, answer "oauth" (or press
Enter when no token is saved) to log in with OAuth instead; this needs a
developer key from your Canvas admin."""

_MODEL_HELP = """\
The tutor needs a model that speaks the OpenAI API:
  - OpenAI itself: press Enter, then give an API key; make one at
    {keys}
  - A server of your own (Ollama, vLLM, LM Studio, llama.cpp): type its
    address, such as http://localhost:11434/v1 for Ollama."""


def run_init(args: argparse.Namespace, terminal: Terminal | None = None) -> int:
    terminal = terminal or Terminal()
    try:
        return Init(terminal).run()
    except Abandoned:
        terminal.fail("Stopped; nothing more was saved.")
        return 1
    except (ConfigError, SecretStoreError) as error:
        terminal.fail(str(error))
        return 1


class Init:
    """One run of the questions; ``values`` collects what will be saved."""

    def __init__(self, terminal: Terminal) -> None:
        self.t = terminal
        self.values: dict[str, Any] = {}
        self.unreadable = False
        self.saved = self._saved_answers()

    def run(self) -> int:
        self.t.say("Set-up: your Canvas address, how to sign in to Canvas, and the")
        self.t.say("model. Each answer is checked as you go; Ctrl+D stops.")
        self.t.say(f"Settings are saved to {config_path()}.")
        self._note_environment()

        base = self.canvas_address()
        self.values["canvas_base_url"] = base
        use_oauth = self.canvas_token(base)
        if use_oauth and not self.oauth_login(base):
            return 1
        self.model()

        if self.unreadable:
            self._set_aside_unreadable_file()
        saved = save_config(self.values)
        self.t.say()
        self.t.say(f"✓ Saved to {saved.path}.")
        if saved.secrets_saved:
            self.t.say(saved.where_secrets_went())
        self.t.say("Next: `course-tutor doctor` checks everything; `course-tutor`")
        self.t.say("starts the tutor.")
        return 0

    # -- 1. Canvas address ------------------------------------------------

    def canvas_address(self) -> str:
        self._heading("1. Canvas")
        while True:
            typed = self.t.ask(
                "Canvas address (the one you open in your browser, such as "
                "https://canvas.school.edu)",
                default=self.saved.get("canvas_base_url"),
            )
            if not typed:
                self.t.say("Type the address, such as https://canvas.school.edu.")
                continue
            try:
                base = normalize_base_url(typed)
            except CanvasConfigError as error:
                self.t.say(error.message)
                continue

            base, probe = self._probe(base, typed)
            if base != typed.strip():
                self.t.say(f"Using {base}")
            if probe.ok:
                self.t.say(f"✓ {probe.message}")
                return base
            self.t.say(f"✗ {probe.message}")
            if not probe.reachable and self.t.confirm(
                "Keep this address anyway (to check later with `course-tutor doctor`)?"
            ):
                return base

    def _probe(self, base: str, typed: str) -> tuple[str, Probe]:
        """Probe ``base``; a server on this computer typed without a scheme
        may well speak plain http (a Canvas of one's own, the demo)."""
        probe = asyncio.run(probe_canvas(base))
        if probe.reachable or "://" in typed:
            return base, probe
        plain = "http://" + base.removeprefix("https://")
        if not is_loopback_host(httpx2.URL(plain).host):
            return base, probe
        second = asyncio.run(probe_canvas(plain))
        return (plain, second) if second.reachable else (base, probe)

    # -- 2. Canvas token --------------------------------------------------

    def canvas_token(self, base: str) -> bool:
        """Ask for the token until Canvas accepts it; True for OAuth instead."""
        self._heading("2. Signing in to Canvas")
        self.t.say(_TOKEN_HELP.format(base=base))
        saved = self.saved.get("canvas_api_token")
        question = (
            "Access token (hidden as you type; Enter keeps the saved one)"
            if saved
            else "Access token (hidden as you type; Enter for OAuth instead)"
        )
        while True:
            token = self.t.ask_secret(question) or saved
            if not token or token.lower() == "oauth":
                return True
            probe = asyncio.run(whoami(base, token))
            if probe.ok:
                self.t.say(
                    f"✓ Canvas accepted the token: signed in as {probe.message}."
                )
                if token != saved:
                    self.values["canvas_api_token"] = token
                return False
            self.t.say(f"✗ {probe.message}")
            if token == saved:
                saved = None  # the saved one is no good: ask for a new one
                question = "Access token (hidden as you type; Enter for OAuth instead)"
            elif not probe.reachable and self.t.confirm(
                "Save this token anyway (to check later with `course-tutor doctor`)?"
            ):
                self.values["canvas_api_token"] = token
                return False

    def oauth_login(self, base: str) -> bool:
        self.t.say()
        self.t.say("Without a token, course-tutor can log in to Canvas with OAuth.")
        if not self.t.confirm("Log in with OAuth now?", default=True):
            self.t.say("Later, run `course-tutor login` (with the developer key).")
            return True
        try:
            done = log_in_and_save(
                self.t,
                base,
                client_id=None,
                client_secret=None,
                options=LoginOptions(),
            )
        except CanvasError as error:
            self.t.fail(error.message)
            self.t.fail(
                "Run `course-tutor login` to try again, then `course-tutor init`"
            )
            self.t.fail("for the model (your Canvas answers are kept).")
            save_config({"canvas_base_url": base})
            return False
        self.t.say(f"✓ Logged in to Canvas as {done.user_name}.")
        self.t.say(done.saved.where_secrets_went())
        self.values["canvas_api_token"] = None  # the login is used instead
        return True

    # -- 3. model ---------------------------------------------------------

    def model(self) -> None:
        self._heading("3. The model")
        self.t.say(_MODEL_HELP.format(keys=OPENAI_KEYS_PAGE))
        while True:
            typed = self.t.ask(
                'Model server (Enter for OpenAI; "openai" to switch back to it)',
                default=self.saved.get("openai_base_url"),
            )
            try:
                url = (
                    None
                    if typed.lower() in ("", "openai")
                    else normalize_model_url(typed)
                )
            except ValueError as error:
                self.t.say(str(error))
                continue
            if url and url != typed:
                self.t.say(f"Using {url}")
            key, remember = self._model_key(url)
            server = ModelServer(url, key)

            try:
                offered = asyncio.run(available_models(server))
            except ModelCheckError as error:
                self.t.say(f"✗ {error.message}")
                self.t.say(f"  {error.fix}")
                if not self.t.confirm(
                    "Save these answers anyway (to check later with "
                    "`course-tutor doctor`)?"
                ):
                    continue
                name: str | None = self.t.ask(
                    "Model name", default=self._model_default(url, [])
                )
            else:
                self.t.say(f"✓ {server.where} answered.")
                name = self._model_name(server, offered)
                if name is None:
                    continue

            self.values["openai_base_url"] = url
            self.values["model"] = name or None
            if remember:
                self.values["openai_api_key"] = key
            return

    def _model_key(self, url: str | None) -> tuple[str | None, bool]:
        """The API key, and whether to save it (not when it comes from the
        environment or is the saved one)."""
        from_env = os.environ.get("OPENAI_API_KEY")
        if from_env:
            self.t.say("Using the API key in OPENAI_API_KEY.")
            return from_env, False
        saved = self.saved.get("openai_api_key")
        same_server = url == self.saved.get("openai_base_url")
        if url is None:
            question = "OpenAI API key (hidden as you type)"
            if saved and same_server:
                question += "; Enter keeps the saved one"
            while True:
                key = self.t.ask_secret(question)
                if key:
                    return key, True
                if saved and same_server:
                    return saved, False
                self.t.say(f"OpenAI needs an API key: make one at {OPENAI_KEYS_PAGE}")
        question = "API key for the server (hidden; Enter if it needs none)"
        key = self.t.ask_secret(question)
        if key:
            return key, True
        if saved and same_server:
            return saved, False
        return None, True

    def _model_name(self, server: ModelServer, offered: list[str]) -> str | None:
        """A model the server offers; None to go back to the server question."""
        if not offered:
            self.t.say("✗ The server offers no models yet.")
            self.t.say(f"  {missing_model_fix(server, DEFAULT_MODEL, [])}")
            return None
        if server.base_url:
            self.t.say(
                "It offers: "
                + ", ".join(offered[:12])
                + (" …" if len(offered) > 12 else "")
            )
        default = self._model_default(server.base_url, offered)
        while True:
            name = self.t.ask("Model", default=default)
            if name in offered:
                self.t.say(f"✓ {name} is available.")
                return name
            self.t.say(f"✗ {server.where} does not offer {name!r}.")
            self.t.say(f"  {missing_model_fix(server, name, offered)}")

    def _model_default(self, url: str | None, offered: list[str]) -> str | None:
        saved = self.saved.get("model")
        if saved and (not offered or saved in offered):
            return str(saved)
        if url is None:
            return DEFAULT_MODEL
        return offered[0] if offered else None

    # -- helpers ----------------------------------------------------------

    def _heading(self, text: str) -> None:
        self.t.say()
        self.t.say(text)

    def _note_environment(self) -> None:
        for variable in _ENVIRONMENT.values():
            if os.environ.get(variable):
                self.t.say(
                    f"Note: {variable} is set in your environment; it takes "
                    "precedence over what is saved here."
                )

    def _set_aside_unreadable_file(self) -> None:
        path = config_path()
        aside = path.with_name(path.name + ".unreadable")
        try:
            path.replace(aside)
        except OSError as error:
            raise ConfigError(f"Cannot move {path} aside: {error.strerror}") from None
        self.t.say(f"The unreadable file is now {aside}.")

    def _saved_answers(self) -> dict[str, Any]:
        """The saved settings, to offer as defaults; secrets as plain text."""
        try:
            values = stored_settings()
        except ConfigError as error:
            self.t.say(f"{error}")
            self.t.say("It will be set aside and replaced by your answers.")
            self.unreadable = True
            return {}
        return {key: str(value) for key, value in values.items() if value}
