"""Which credentials reach Canvas, and a client that uses them.

A personal access token (flag, environment, keyring or file) comes first.
Without one, a login made with `course-tutor login` is used, if it is for
the configured Canvas (or no Canvas address is configured at all): its
access token is refreshed before use when it has expired, and again if
Canvas refuses it; every refreshed token is saved where the login is kept.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from course_tutor.canvas import CanvasClient, CanvasConfigError, normalize_base_url
from course_tutor.canvas.oauth import (
    DeveloperKey,
    OAuthClient,
    OAuthTokens,
    TokenKeeper,
)
from course_tutor.config import (
    ConfigError,
    Settings,
    keyring_names,
    read_config_document,
    read_config_file,
    unreadable_secrets,
)
from course_tutor.config_store import OAuthLogin, load_oauth_login, save_oauth_login
from course_tutor.secret_store import SecretStore, SecretStoreError
from course_tutor.session import SetupError

logger = logging.getLogger(__name__)

PERSONAL = "personal access token"
OAUTH = "OAuth login"

NOT_SET_UP = (
    "Canvas is not set up. Run `course-tutor init`, or set CANVAS_BASE_URL and "
    "CANVAS_API_TOKEN. To look around first, try `course-tutor --demo`."
)


@dataclass
class CanvasAccess:
    """A Canvas address and the credentials for it."""

    base_url: str
    token: str = field(repr=False)
    method: str
    """`PERSONAL` or `OAUTH`."""
    source: str
    """Where the credentials came from, for `doctor`."""
    keeper: TokenKeeper | None = None

    def client(self, **options: Any) -> CanvasClient:
        refresher = self.keeper.replace if self.keeper is not None else None
        return CanvasClient(
            self.base_url, self.token, token_refresher=refresher, **options
        )


async def canvas_access(
    settings: Settings,
    *,
    store: SecretStore | None = None,
    transport: Any = None,
    clock: Callable[[], float] = time.time,
) -> CanvasAccess:
    """The credentials to use; SetupError saying what to do when there are
    none, LoginExpiredError when the OAuth login cannot be renewed."""
    base, token = settings.canvas_base_url, settings.canvas_api_token
    if base and token:
        return CanvasAccess(
            normalize_base_url(base),
            token.get_secret_value(),
            PERSONAL,
            token_source(store),
        )

    login = _stored_login(store)
    if login is not None and (not base or _same_canvas(base, login.base_url)):
        keeper = _keeper(login, store, transport, clock)
        fresh = await keeper.current()
        return CanvasAccess(
            login.base_url, fresh, OAUTH, "saved by `course-tutor login`", keeper
        )
    raise SetupError(_missing(base, store))


async def open_canvas(
    settings: Settings, *, store: SecretStore | None = None, **options: Any
) -> CanvasClient:
    """A CanvasClient for the configured Canvas, ready to use."""
    access = await canvas_access(settings, store=store)
    return access.client(**options)


def token_source(store: SecretStore | None = None) -> str:
    """Where the personal token comes from, in words."""
    if os.environ.get("CANVAS_API_TOKEN"):
        return "from CANVAS_API_TOKEN"
    try:
        if "canvas_api_token" in keyring_names(read_config_document()):
            name = (store or SecretStore()).name
            return f"from the system keyring ({name})"
        if "canvas_api_token" in read_config_file():
            return "from the configuration file"
    except ConfigError:
        pass
    return "from the command line"


def _stored_login(store: SecretStore | None) -> OAuthLogin | None:
    try:
        return load_oauth_login(store=store)
    except SecretStoreError as error:
        raise SetupError(
            f"Your Canvas login is kept in the system keyring, which could not be "
            f"read: {error} Unlock it, or run `course-tutor login` again."
        ) from None


def _keeper(
    login: OAuthLogin,
    store: SecretStore | None,
    transport: Any,
    clock: Callable[[], float],
) -> TokenKeeper:
    secret = login.client_secret.get_secret_value() if login.client_secret else ""
    client = OAuthClient(
        login.base_url,
        DeveloperKey(login.client_id, secret),
        transport=transport,
        clock=clock,
    )
    tokens = OAuthTokens(
        access_token=login.access_token.get_secret_value(),
        refresh_token=(
            login.refresh_token.get_secret_value() if login.refresh_token else None
        ),
        expires_at=login.expires_at,
        user_name=login.user_name,
    )

    def save(fresh: OAuthTokens) -> None:
        updated = login.model_copy(
            update={
                "access_token": SecretStr(fresh.access_token),
                "refresh_token": (
                    SecretStr(fresh.refresh_token) if fresh.refresh_token else None
                ),
                "expires_at": fresh.expires_at,
                "user_name": fresh.user_name or login.user_name,
            }
        )
        try:
            save_oauth_login(updated, store=store)
        except ConfigError as error:
            # The session goes on with the token in memory; the next start
            # refreshes again.
            logger.warning("Could not save the refreshed login: %s", error)

    return TokenKeeper(client, tokens, save=save)


def _same_canvas(configured: str, logged_in: str) -> bool:
    try:
        return normalize_base_url(configured) == normalize_base_url(logged_in)
    except CanvasConfigError:
        return False


def _missing(base: str | None, store: SecretStore | None) -> str:
    problem = None
    try:
        problem = unreadable_secrets(store=store)
    except ConfigError as error:
        return str(error)
    if problem:
        return (
            f"{problem} Unlock the keyring, or run `course-tutor init` again to "
            "save the token where course-tutor can read it."
        )
    if base:
        return (
            f"No Canvas access token is set for {base}. Run `course-tutor init` "
            "to add one, or `course-tutor login` if your school uses OAuth "
            "(CANVAS_API_TOKEN also works)."
        )
    return NOT_SET_UP
