"""`course-tutor login` and `logout`: OAuth2 with Canvas, for schools that
do not let students make access tokens.

The login opens Canvas's authorization page in the browser (or prints its
address with --no-browser), waits on 127.0.0.1 for the browser to come back,
trades the code for tokens and keeps them like any other secret (`config`).
With --oob, Canvas shows the code and the student pastes it: for a browser
on another computer, or a developer key registered for that form only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass

from pydantic import SecretStr

from course_tutor.canvas import CanvasClient, CanvasConfigError, CanvasError
from course_tutor.canvas.address import normalize_base_url
from course_tutor.canvas.loopback import LoopbackReceiver
from course_tutor.canvas.oauth import (
    OUT_OF_BAND,
    AuthorizationRequest,
    DeveloperKey,
    OAuthClient,
    OAuthError,
    OAuthTokens,
    TokenKeeper,
    code_from_pasted,
    start_authorization,
)
from course_tutor.canvas.retry import RetryPolicy
from course_tutor.config import (
    ConfigError,
    load_settings,
    read_config_file,
    stored_settings,
)
from course_tutor.config_store import (
    OAuthLogin,
    SavedConfig,
    forget_oauth_login,
    load_oauth_login,
    save_config,
    save_oauth_login,
)
from course_tutor.secret_store import SecretStoreError
from course_tutor.setup.terminal import Abandoned, Terminal

WHAT_IS_A_KEY = """\
OAuth needs a developer key from your Canvas admin: a client id (a long
number) and a client secret. Ask for a key whose redirect URI allows
http://127.0.0.1/callback (or urn:ietf:wg:oauth:2.0:oob, for --oob)."""


@dataclass(frozen=True)
class LoginOptions:
    browser: bool = True
    out_of_band: bool = False
    port: int = 0
    patience: float = 300.0
    """Seconds to wait for the browser to come back."""


@dataclass(frozen=True)
class LoggedIn:
    user_name: str
    saved: SavedConfig


# -- the commands ---------------------------------------------------------------


def run_login(args: argparse.Namespace, terminal: Terminal | None = None) -> int:
    terminal = terminal or Terminal()
    options = LoginOptions(
        browser=not args.no_browser, out_of_band=args.oob, port=args.port
    )
    try:
        base = _canvas_address(terminal)
        done = log_in_and_save(
            terminal,
            base,
            client_id=args.client_id,
            client_secret=args.client_secret,
            options=options,
        )
    except Abandoned:
        terminal.fail("Stopped; nothing was saved.")
        return 1
    except (CanvasError, ConfigError, SecretStoreError) as error:
        terminal.fail(str(error))
        return 1

    terminal.say(f"✓ Logged in to Canvas as {done.user_name}.")
    terminal.say(done.saved.where_secrets_went())
    _prefer_login(terminal)
    terminal.say(
        "Next: `course-tutor doctor` checks everything; `course-tutor` starts."
    )
    return 0


def run_logout(args: argparse.Namespace, terminal: Terminal | None = None) -> int:
    terminal = terminal or Terminal()
    try:
        login = load_oauth_login()
    except SecretStoreError as error:
        terminal.fail(f"{error} The login stays saved; unlock the keyring and retry.")
        return 1
    except ConfigError as error:
        terminal.fail(str(error))
        return 1
    if login is None:
        terminal.say("You are not logged in with OAuth; there is nothing to log out.")
        return 0

    problem = asyncio.run(_revoke(login))
    forget_oauth_login()
    if problem is None:
        terminal.say(f"✓ Logged out of {login.base_url}; the login is forgotten here.")
    else:
        terminal.say(
            f"The login is forgotten here, but Canvas could not be told ({problem}). "
            "To be sure it no longer works, remove it in Canvas under Account → "
            "Settings → Approved Integrations."
        )
    return 0


# -- logging in -----------------------------------------------------------------


def log_in_and_save(
    terminal: Terminal,
    base_url: str,
    *,
    client_id: str | None,
    client_secret: str | None,
    options: LoginOptions,
) -> LoggedIn:
    """Ask for the developer key where needed, log in, check the token with
    Canvas and save the login. Used by `login` and by `init`."""
    base = normalize_base_url(base_url)
    key = _developer_key(terminal, base, client_id, client_secret)
    tokens, name = asyncio.run(_log_in_and_check(terminal, base, key, options))
    login = OAuthLogin(
        base_url=base,
        client_id=key.client_id,
        client_secret=SecretStr(key.client_secret),
        access_token=SecretStr(tokens.access_token),
        refresh_token=SecretStr(tokens.refresh_token) if tokens.refresh_token else None,
        expires_at=tokens.expires_at,
        user_name=name,
    )
    saved = save_oauth_login(login)
    if "canvas_base_url" not in read_config_file():
        save_config({"canvas_base_url": base})
    return LoggedIn(name, saved)


async def log_in(
    terminal: Terminal, base_url: str, key: DeveloperKey, options: LoginOptions
) -> OAuthTokens:
    """The authorization code flow, up to the tokens."""
    oauth = OAuthClient(base_url, key)
    if options.out_of_band:
        request = start_authorization(base_url, key.client_id, OUT_OF_BAND)
        _show_address(terminal, request, options, oob=True)
        pasted = terminal.ask("Paste the code Canvas shows")
        code = code_from_pasted(request, pasted)
    else:
        async with LoopbackReceiver(options.port, patience=options.patience) as back:
            request = start_authorization(base_url, key.client_id, back.redirect_uri)
            back.expect(request)
            _show_address(terminal, request, options, oob=False)
            code = await back.wait()
    terminal.say("Canvas sent a login code; exchanging it for tokens…")
    return await oauth.exchange(request, code)


async def _log_in_and_check(
    terminal: Terminal, base: str, key: DeveloperKey, options: LoginOptions
) -> tuple[OAuthTokens, str]:
    tokens = await log_in(terminal, base, key, options)
    async with CanvasClient(
        base, tokens.access_token, retry=RetryPolicy(max_retries=1)
    ) as canvas:
        me = await canvas.get_self()
    return tokens, me.name or tokens.user_name or f"user {me.id}"


def _show_address(
    terminal: Terminal,
    request: AuthorizationRequest,
    options: LoginOptions,
    *,
    oob: bool,
) -> None:
    opened = options.browser and terminal.open_browser(request.url)
    if opened:
        terminal.say("Your browser should now show Canvas. Log in and authorize")
        terminal.say("course-tutor. If no browser opened, go to this address:")
    else:
        terminal.say("Open this address in a browser, log in to Canvas, and authorize")
        terminal.say("course-tutor:")
    terminal.say()
    terminal.say(f"  {request.url}")
    terminal.say()
    if oob:
        terminal.say("Canvas then shows a code: copy it and paste it here.")
        return
    if not opened:
        terminal.say(
            "This must be a browser on this computer: Canvas sends it back to "
            f"{request.redirect_uri}. If your browser runs elsewhere (SSH), stop "
            "with Ctrl+C and run `course-tutor login --oob`."
        )
    terminal.say("Waiting for Canvas to send the browser back (Ctrl+C stops)…")


def _developer_key(
    terminal: Terminal, base: str, client_id: str | None, client_secret: str | None
) -> DeveloperKey:
    """The key from the flags, else from the saved login, else asked for."""
    try:
        saved = load_oauth_login()
    except (SecretStoreError, ConfigError):
        saved = None
    if saved is not None and saved.base_url != base:
        saved = None

    if not client_id:
        if saved is None:
            terminal.say(WHAT_IS_A_KEY)
        client_id = ""
        while not client_id:
            client_id = terminal.ask(
                "Client id", default=saved.client_id if saved else None
            )
    if not client_secret and saved and saved.client_id == client_id:
        client_secret = (
            saved.client_secret.get_secret_value() if saved.client_secret else None
        )
    while not client_secret:
        client_secret = terminal.ask_secret("Client secret (hidden as you type)")
    return DeveloperKey(client_id.strip(), client_secret.strip())


def _canvas_address(terminal: Terminal) -> str:
    """The configured Canvas, or the saved login's, or asked for."""
    settings = load_settings()
    if settings.canvas_base_url:
        return normalize_base_url(settings.canvas_base_url)
    try:
        saved = load_oauth_login()
    except SecretStoreError:
        saved = None
    if saved is not None:
        return saved.base_url
    while True:
        typed = terminal.ask(
            "Canvas address (the one you open in your browser, such as "
            "https://canvas.school.edu)"
        )
        try:
            return normalize_base_url(typed)
        except CanvasConfigError as error:
            terminal.say(str(error))


def _prefer_login(terminal: Terminal) -> None:
    """A personal token is used before any login: offer to drop a saved one."""
    if os.environ.get("CANVAS_API_TOKEN"):
        terminal.say(
            "Note: CANVAS_API_TOKEN is set, and course-tutor uses it before this "
            "login. Unset it to use the login."
        )
        return
    try:
        saved_token = "canvas_api_token" in stored_settings()
    except ConfigError:
        return
    if not saved_token:
        return
    terminal.say("A personal access token is saved too, and it would be used first.")
    try:
        remove = terminal.confirm("Remove the saved token and use this login?")
    except Abandoned:
        remove = False
    if remove:
        save_config({"canvas_api_token": None})
        terminal.say("✓ Removed the saved token.")
    else:
        terminal.say("The token stays, and is used first.")


# -- logging out ----------------------------------------------------------------


async def _revoke(login: OAuthLogin) -> str | None:
    """Tell Canvas to end the login; None when it did, else why not."""
    secret = login.client_secret.get_secret_value() if login.client_secret else ""
    client = OAuthClient(login.base_url, DeveloperKey(login.client_id, secret))
    keeper = TokenKeeper(
        client,
        OAuthTokens(
            access_token=login.access_token.get_secret_value(),
            refresh_token=(
                login.refresh_token.get_secret_value() if login.refresh_token else None
            ),
            expires_at=login.expires_at,
        ),
    )
    try:
        token = await keeper.current()
        try:
            await client.revoke(token)
        except CanvasError as error:
            if error.kind != "invalid_token":
                raise
            # An access token Canvas has already let go of: a fresh one
            # can still end the login.
            await client.revoke(await keeper.replace(token))
    except OAuthError as error:
        return error.message
    except CanvasError as error:
        if error.kind == "invalid_token":
            return None  # Canvas no longer knows the login: it has ended
        return error.message
    return None
