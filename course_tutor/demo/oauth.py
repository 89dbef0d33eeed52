"""The demo Canvas's OAuth2 endpoints, enough for `course-tutor login`.

    GET    /login/oauth2/auth     authorization: approved at once for the
                                  developer key `demo-client`; any other
                                  client is sent back with error=access_denied
    POST   /login/oauth2/token    grant_type=authorization_code (with the PKCE
                                  S256 check) or refresh_token
    DELETE /login/oauth2/token    logs out: the access token and its refresh
                                  token stop working

A real Canvas asks the student to log in and to authorize the developer key;
the demo skips both. Redirect URIs must be on this computer (http to
127.0.0.1 or localhost, any port) or the out-of-band
`urn:ietf:wg:oauth:2.0:oob`, for which the code is shown on a page to copy.

Access tokens issued here go into the demo Canvas's `tokens` with an expiry
(`access_ttl` seconds from the canvas's clock), so its API accepts them until
then. Refreshing replaces the access token, as Canvas does, and returns no new
refresh token.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from course_tutor.canvas.address import is_loopback_host

if TYPE_CHECKING:
    from course_tutor.demo.canvas import DemoCanvas

DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"
OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob"

_NO_STORE = {"Cache-Control": "no-store"}


@dataclass
class _Grant:
    """An authorization code waiting to be exchanged."""

    client_id: str
    redirect_uri: str
    challenge: str | None
    expires_at: float


@dataclass
class DemoOAuth:
    """OAuth state for one DemoCanvas; `routes()` are mounted on its app."""

    canvas: DemoCanvas
    clients: dict[str, str] = field(
        default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
    )
    access_ttl: float = 3600.0
    code_ttl: float = 600.0
    codes: dict[str, _Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    """Each live refresh token, with the access token it last issued."""

    def routes(self) -> list[Route]:
        return [
            Route("/login/oauth2/auth", self._authorize, methods=["GET"]),
            Route("/login/oauth2/token", self._token, methods=["POST"]),
            Route("/login/oauth2/token", self._logout, methods=["DELETE"]),
        ]

    def revoke_refresh_tokens(self) -> None:
        """What an admin or the student does under Approved Integrations."""
        for access in self.refresh_tokens.values():
            self.canvas.tokens.pop(access, None)
        self.refresh_tokens.clear()

    # -- authorization ----------------------------------------------------

    async def _authorize(self, request: Request) -> Response:
        query = request.query_params
        redirect_uri = query.get("redirect_uri", "")
        state = query.get("state")
        if not _acceptable_redirect(redirect_uri):
            return _error(
                400,
                "invalid_request",
                "redirect_uri does not match client settings",
            )

        if query.get("client_id") not in self.clients:
            return _back(redirect_uri, state, error="access_denied")
        if query.get("response_type") != "code":
            return _back(redirect_uri, state, error="unsupported_response_type")
        challenge = query.get("code_challenge")
        if challenge and query.get("code_challenge_method", "plain") != "S256":
            return _back(redirect_uri, state, error="invalid_request")

        code = secrets.token_urlsafe(24)
        self.codes[code] = _Grant(
            client_id=query["client_id"],
            redirect_uri=redirect_uri,
            challenge=challenge,
            expires_at=self.canvas.clock() + self.code_ttl,
        )
        return _back(redirect_uri, state, code=code)

    # -- tokens -----------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        form = await _form(request)
        client_id = form.get("client_id", "")
        if self.clients.get(client_id) != form.get("client_secret") or not client_id:
            return _error(401, "invalid_client", "unknown client")

        match form.get("grant_type"):
            case "authorization_code":
                return self._exchange(form, client_id)
            case "refresh_token":
                return self._refresh(form)
        return _error(400, "unsupported_grant_type", "grant_type is not supported")

    def _exchange(self, form: dict[str, str], client_id: str) -> Response:
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant.expires_at <= self.canvas.clock():
            return _error(400, "invalid_grant", "authorization_code not found")
        if grant.client_id != client_id:
            return _error(400, "invalid_grant", "client does not match the code")
        if grant.redirect_uri != form.get("redirect_uri"):
            return _error(400, "invalid_grant", "redirect_uri does not match")
        if grant.challenge is not None and not _verifies(
            form.get("code_verifier", ""), grant.challenge
        ):
            return _error(400, "invalid_grant", "code_verifier does not match")

        refresh = f"1~{secrets.token_urlsafe(32)}"
        access = self._issue(refresh)
        return JSONResponse(
            {**self._granted(access), "refresh_token": refresh}, headers=_NO_STORE
        )

    def _refresh(self, form: dict[str, str]) -> Response:
        refresh = form.get("refresh_token", "")
        if refresh not in self.refresh_tokens:
            return _error(400, "invalid_grant", "refresh_token not found")
        # The old access token stops working: Canvas regenerates it.
        self.canvas.tokens.pop(self.refresh_tokens[refresh], None)
        access = self._issue(refresh)
        return JSONResponse(
            self._granted(access), headers={"Cache-Control": "no-store"}
        )

    def _issue(self, refresh: str) -> str:
        access = f"1~{secrets.token_urlsafe(32)}"
        self.canvas.tokens[access] = self.canvas.clock() + self.access_ttl
        self.refresh_tokens[refresh] = access
        return access

    def _granted(self, access: str) -> dict[str, Any]:
        user = self.canvas.school["user"]
        return {
            "access_token": access,
            "token_type": "Bearer",
            "user": {"id": user["id"], "name": user["name"]},
            "expires_in": int(self.access_ttl),
        }

    # -- logout -----------------------------------------------------------

    async def _logout(self, request: Request) -> Response:
        scheme, _, access = request.headers.get("authorization", "").partition(" ")
        expires = self.canvas.tokens.get(access, 0.0)
        live = expires is None or expires > self.canvas.clock()
        if scheme.lower() != "bearer" or access not in self.canvas.tokens or not live:
            return JSONResponse(
                {"errors": [{"message": "Invalid access token."}]},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="canvas-lms"'},
            )
        del self.canvas.tokens[access]
        for refresh, issued in list(self.refresh_tokens.items()):
            if issued == access:
                del self.refresh_tokens[refresh]
        return JSONResponse({})


def _acceptable_redirect(uri: str) -> bool:
    if uri == OUT_OF_BAND:
        return True
    parts = urlsplit(uri)
    return parts.scheme == "http" and is_loopback_host(parts.hostname or "")


def _back(redirect_uri: str, state: str | None, **result: str) -> Response:
    """Send the browser back to the app with a code or an error."""
    params = {**result, **({"state": state} if state is not None else {})}
    if redirect_uri == OUT_OF_BAND:
        # Canvas shows the code on a page of its own for the user to copy.
        shown = html.escape(result.get("code") or f"error: {result.get('error')}")
        return HTMLResponse(
            "<!doctype html><title>Canvas</title>"
            "<p>Copy this code into course-tutor:</p>"
            f'<pre id="code">{shown}</pre>'
        )
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), status_code=302)


def _verifies(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return secrets.compare_digest(expected, challenge)


async def _form(request: Request) -> dict[str, str]:
    """The request's parameters: a form body, JSON, or the query string."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(key): str(value) for key, value in data.items()}
    values = dict(request.query_params.items())
    for key, found in parse_qs(body.decode("utf-8", "replace")).items():
        values[key] = found[-1]
    return values


def _error(status: int, error: str, description: str) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status
    )
