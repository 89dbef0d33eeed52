"""Logging in to Canvas with OAuth2, for schools that do not let students
make access tokens.

The authorization code flow, as Canvas runs it:

1. `start_authorization` makes the address to open in the browser, with a
   random `state` and a PKCE (S256) challenge.
2. The student logs in and approves; Canvas sends the browser back to the
   redirect URI with `code` and `state`. `loopback.LoopbackReceiver` listens
   for that on 127.0.0.1; with the out-of-band URI (`OUT_OF_BAND`) Canvas shows the
   code instead and the student pastes it (`code_from_pasted`).
3. `OAuthClient.exchange` trades the code (and the PKCE verifier) for an
   access token, which expires after an hour, and a refresh token.
4. `TokenKeeper` hands out the access token, refreshing it when it has
   expired or when Canvas refuses it; `OAuthClient.revoke` logs out.

Errors::

    CanvasError
     ├── OAuthError          "oauth"          the login did not complete:
     │                                        denied, state mismatch, bad
     │                                        developer key, port in use
     └── InvalidTokenError
          └── LoginExpiredError               the refresh token no longer
                                              works: log in again
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx2

from course_tutor import __version__
from course_tutor.canvas.address import normalize_base_url
from course_tutor.canvas.errors import CanvasError, InvalidTokenError
from course_tutor.canvas.failures import error_for_transport, unreadable

logger = logging.getLogger(__name__)

OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob"
CALLBACK_PATH = "/callback"

# Refresh this long before Canvas would refuse the token.
EXPIRY_MARGIN = 60.0

_LOGIN_AGAIN = "Run `course-tutor login` to log in again."


class OAuthError(CanvasError):
    """The login did not complete; the message says why and what to do."""

    kind = "oauth"


class LoginExpiredError(InvalidTokenError):
    """The OAuth login has ended: the refresh token was revoked or expired."""


@dataclass(frozen=True)
class DeveloperKey:
    """The OAuth client a Canvas admin made (Admin → Developer Keys)."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class OAuthTokens:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None
    """When the access token stops working (seconds since the epoch)."""
    user_name: str | None = None

    def expired(self, now: float, margin: float = EXPIRY_MARGIN) -> bool:
        return self.expires_at is not None and now >= self.expires_at - margin


@dataclass(frozen=True)
class AuthorizationRequest:
    """One login attempt: the address for the browser and what checks the
    answer."""

    url: str
    redirect_uri: str
    state: str = field(repr=False)
    verifier: str = field(repr=False)


def start_authorization(
    base_url: str, client_id: str, redirect_uri: str, *, scope: str | None = None
) -> AuthorizationRequest:
    """The authorization address, with a fresh `state` and PKCE verifier."""
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(64)  # 86 characters, within 43..128
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if scope:
        params["scope"] = scope
    root = normalize_base_url(base_url)
    return AuthorizationRequest(
        url=f"{root}/login/oauth2/auth?{urlencode(params)}",
        redirect_uri=redirect_uri,
        state=state,
        verifier=verifier,
    )


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def code_from_redirect(request: AuthorizationRequest, params: Mapping[str, str]) -> str:
    """The code from the parameters Canvas sent the browser back with;
    OAuthError for a refusal or an answer to some other login."""
    state = params.get("state")
    if state is None or not secrets.compare_digest(state, request.state):
        raise OAuthError(
            "The answer that came back to course-tutor was not for this login "
            "(its `state` does not match), so it was ignored. Run "
            "`course-tutor login` again; if this keeps happening, another "
            "program may be interfering."
        )
    error = params.get("error")
    if error == "access_denied":
        raise OAuthError(
            "Canvas did not authorize course-tutor (access denied). Either the "
            "request was declined, or this developer key is not allowed. Check "
            "the client id with whoever gave it to you, then run "
            "`course-tutor login` again."
        )
    if error:
        raise OAuthError(
            f"Canvas refused the login ({_short(error)}: "
            f"{_short(params.get('error_description', ''))}). Check the "
            "developer key and run `course-tutor login` again."
        )
    code = params.get("code")
    if not code:
        raise OAuthError("Canvas sent the browser back without a login code.")
    return code


def code_from_pasted(request: AuthorizationRequest, text: str) -> str:
    """The code a student pasted: the code itself, or the whole address of
    the page Canvas showed it on (then its `state` is checked too)."""
    pasted = text.strip()
    if "code=" not in pasted:
        if not pasted or any(ch.isspace() for ch in pasted):
            raise OAuthError("That is not a login code. Paste the code Canvas showed.")
        return pasted
    query = urlsplit(pasted).query if "?" in pasted else pasted
    params = dict(parse_qsl(query))
    if "state" not in params:
        params["state"] = request.state  # Canvas's page may leave it out
    return code_from_redirect(request, params)


# -- the token endpoint ---------------------------------------------------------


class OAuthClient:
    """`/login/oauth2/token` on one Canvas, with one developer key."""

    def __init__(
        self,
        base_url: str,
        key: DeveloperKey,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.key = key
        self.clock = clock
        self._endpoint = f"{self.base_url}/login/oauth2/token"
        self._host = httpx2.URL(self.base_url).host
        self._secrets: list[str] = [key.client_secret]
        self._transport = transport
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"OAuthClient(base_url={self.base_url!r})"

    def _http(self) -> httpx2.AsyncClient:
        # A connection per call: the endpoint is used about once an hour.
        return httpx2.AsyncClient(
            transport=self._transport,
            timeout=self._timeout,
            follow_redirects=False,
            headers={
                "Accept": "application/json",
                "User-Agent": f"course-tutor/{__version__}",
            },
        )

    async def exchange(self, request: AuthorizationRequest, code: str) -> OAuthTokens:
        """Trade the code from the redirect for tokens."""
        self._secrets.append(code)
        body = await self._post(
            {
                "grant_type": "authorization_code",
                "client_id": self.key.client_id,
                "client_secret": self.key.client_secret,
                "redirect_uri": request.redirect_uri,
                "code": code,
                "code_verifier": request.verifier,
            },
            refused=self._login_refused,
        )
        return self._tokens(body, refresh_token=None)

    async def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        """A new access token; Canvas keeps the refresh token as it was."""
        if not tokens.refresh_token:
            raise LoginExpiredError(
                f"Your Canvas login has expired and cannot be renewed. {_LOGIN_AGAIN}"
            )
        self._secrets.append(tokens.refresh_token)
        body = await self._post(
            {
                "grant_type": "refresh_token",
                "client_id": self.key.client_id,
                "client_secret": self.key.client_secret,
                "refresh_token": tokens.refresh_token,
            },
            refused=self._refresh_refused,
        )
        fresh = self._tokens(body, refresh_token=tokens.refresh_token)
        return replace(fresh, user_name=fresh.user_name or tokens.user_name)

    async def revoke(self, access_token: str) -> None:
        """`DELETE /login/oauth2/token`: log this access token (and its
        refresh token) out. InvalidTokenError if Canvas no longer knows it."""
        self._secrets.append(access_token)
        try:
            async with self._http() as http:
                response = await http.delete(
                    self._endpoint, headers={"Authorization": f"Bearer {access_token}"}
                )
        except httpx2.TransportError as error:
            raise error_for_transport(error, host=self._host, attempts=1) from None
        if response.status_code == 401:
            raise InvalidTokenError(
                "Canvas no longer accepts this login's access token.", status=401
            )
        if not response.is_success:
            raise OAuthError(
                f"Canvas could not log out (HTTP {response.status_code}).",
                status=response.status_code,
            )

    # -- helpers ----------------------------------------------------------

    async def _post(
        self,
        form: dict[str, str],
        *,
        refused: Callable[[int, str, str], CanvasError],
    ) -> dict[str, Any]:
        try:
            async with self._http() as http:
                response = await http.post(self._endpoint, data=form)
        except httpx2.TransportError as error:
            raise error_for_transport(error, host=self._host, attempts=1) from None
        logger.info("POST /login/oauth2/token %d", response.status_code)

        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        if not isinstance(body, dict) or not response.is_error:
            raise unreadable(
                "the login", "expected a JSON object", status=response.status_code
            )
        code = self._redact(str(body.get("error") or f"HTTP {response.status_code}"))
        said = self._redact(str(body.get("error_description") or ""))
        raise refused(response.status_code, code, said)

    def _tokens(
        self, body: dict[str, Any], *, refresh_token: str | None
    ) -> OAuthTokens:
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise unreadable("the login", "it has no access token", status=200)
        expires_in = body.get("expires_in")
        user = body.get("user")
        name = user.get("name") if isinstance(user, dict) else None
        refresh = body.get("refresh_token")
        return OAuthTokens(
            access_token=access,
            refresh_token=refresh if isinstance(refresh, str) else refresh_token,
            expires_at=(
                self.clock() + float(expires_in)
                if isinstance(expires_in, int | float)
                else None
            ),
            user_name=name if isinstance(name, str) else None,
        )

    def _login_refused(self, status: int, error: str, said: str) -> CanvasError:
        detail = f"{error}: {said}" if said else error
        if status == 401 or error == "invalid_client":
            return OAuthError(
                f"Canvas did not accept the developer key ({_short(detail)}). "
                "Check the client id and secret with whoever gave them to you.",
                status=status,
                canvas_message=said or None,
            )
        return OAuthError(
            f"Canvas refused the login code ({_short(detail)}). It may have "
            f"expired or been used already. {_LOGIN_AGAIN}",
            status=status,
            canvas_message=said or None,
        )

    def _refresh_refused(self, status: int, error: str, said: str) -> CanvasError:
        return LoginExpiredError(
            "Your Canvas login has ended: Canvas no longer accepts it (it may "
            f"have been revoked under Account → Settings). {_LOGIN_AGAIN}",
            status=status,
            canvas_message=said or None,
        )

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "[secret]")
        return text


# -- keeping the access token fresh ----------------------------------------------

Saver = Callable[[OAuthTokens], object]


class TokenKeeper:
    """Hands out a working access token: refreshed when it has expired, or
    when Canvas refuses it (`replace`, the client's `token_refresher`).
    Parallel requests refused together share one refresh. Every new token is
    passed to ``save``."""

    def __init__(
        self,
        client: OAuthClient,
        tokens: OAuthTokens,
        *,
        save: Saver | None = None,
    ) -> None:
        self.client = client
        self.tokens = tokens
        self._save = save
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"TokenKeeper(base_url={self.client.base_url!r})"

    async def current(self) -> str:
        """The access token, refreshed first if it has expired."""
        async with self._lock:
            if self.tokens.expired(self.client.clock()):
                await self._refresh()
            return self.tokens.access_token

    async def replace(self, stale: str) -> str:
        """A token instead of ``stale``, which Canvas refused."""
        async with self._lock:
            if secrets.compare_digest(stale, self.tokens.access_token):
                await self._refresh()
            return self.tokens.access_token

    async def _refresh(self) -> None:
        self.tokens = await self.client.refresh(self.tokens)
        logger.info("Refreshed the Canvas access token")
        if self._save is not None:
            self._save(self.tokens)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
