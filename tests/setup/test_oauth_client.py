"""The OAuth pieces on their own: the authorization address, PKCE, checking
what comes back, the token keeper, and the loopback listener."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from course_tutor.canvas import CanvasConfigError
from course_tutor.canvas.loopback import LoopbackReceiver
from course_tutor.canvas.oauth import (
    OUT_OF_BAND,
    DeveloperKey,
    LoginExpiredError,
    OAuthClient,
    OAuthError,
    OAuthTokens,
    TokenKeeper,
    code_from_pasted,
    code_from_redirect,
    pkce_challenge,
    start_authorization,
)
from course_tutor.demo.canvas import DemoCanvas
from course_tutor.demo.oauth import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

KEY = DeveloperKey(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)


def test_pkce_challenge_matches_rfc_7636() -> None:
    # The example in RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_the_authorization_address() -> None:
    request = start_authorization(
        "canvas.school.edu/api/v1/", "170000000000123", "http://127.0.0.1:5000/callback"
    )
    parts = urlsplit(request.url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}

    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://canvas.school.edu/login/oauth2/auth"
    )
    assert params["client_id"] == "170000000000123"
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == "http://127.0.0.1:5000/callback"
    assert params["state"] == request.state
    assert params["code_challenge"] == pkce_challenge(request.verifier)
    assert params["code_challenge_method"] == "S256"
    assert 43 <= len(request.verifier) <= 128
    assert request.verifier not in request.url
    assert request.verifier not in repr(request)


def test_every_login_gets_its_own_state_and_verifier() -> None:
    one = start_authorization("https://c.edu", "id", OUT_OF_BAND)
    two = start_authorization("https://c.edu", "id", OUT_OF_BAND)
    assert one.state != two.state
    assert one.verifier != two.verifier


def test_plain_http_to_another_computer_is_refused() -> None:
    with pytest.raises(CanvasConfigError, match="unencrypted"):
        start_authorization("http://canvas.school.edu", "id", OUT_OF_BAND)


def test_a_state_mismatch_is_rejected() -> None:
    request = start_authorization("https://c.edu", "id", OUT_OF_BAND)
    with pytest.raises(OAuthError, match="state"):
        code_from_redirect(request, {"code": "abc", "state": "forged"})
    with pytest.raises(OAuthError, match="state"):
        code_from_redirect(request, {"code": "abc"})


def test_a_refusal_says_what_to_do() -> None:
    request = start_authorization("https://c.edu", "id", OUT_OF_BAND)
    with pytest.raises(OAuthError, match="did not authorize"):
        code_from_redirect(request, {"error": "access_denied", "state": request.state})
    with pytest.raises(OAuthError, match="invalid_scope"):
        code_from_redirect(
            request,
            {
                "error": "invalid_scope",
                "error_description": "x",
                "state": request.state,
            },
        )


def test_pasted_codes() -> None:
    request = start_authorization("https://c.edu", "id", OUT_OF_BAND)
    assert code_from_pasted(request, "  abc123 \n") == "abc123"
    assert code_from_pasted(request, "https://c.edu/login/oauth2/auth?code=xyz") == (
        "xyz"
    )
    pasted = f"https://c.edu/login/oauth2/auth?code=xyz&state={request.state}"
    assert code_from_pasted(request, pasted) == "xyz"
    with pytest.raises(OAuthError):
        code_from_pasted(request, "https://c.edu/login/oauth2/auth?code=x&state=bad")
    with pytest.raises(OAuthError):
        code_from_pasted(request, "two words")


# -- the token keeper ---------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


async def demo_login(demo: DemoCanvas, clock: Clock) -> tuple[OAuthClient, OAuthTokens]:
    """Log in to the in-process demo by hand: authorize, then exchange."""
    transport = httpx2.ASGITransport(app=demo.app)
    client = OAuthClient(
        "http://canvas.localhost", KEY, transport=transport, clock=clock
    )
    request = start_authorization(
        client.base_url, KEY.client_id, "http://127.0.0.1:1/callback"
    )
    async with httpx2.AsyncClient(transport=transport) as browser:
        back = (await browser.get(request.url)).headers["location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    tokens = await client.exchange(request, code_from_redirect(request, params))
    return client, tokens


async def test_the_keeper_refreshes_an_expired_token_before_use() -> None:
    clock = Clock()
    demo = DemoCanvas(clock=clock)
    client, tokens = await demo_login(demo, clock)
    saved: list[OAuthTokens] = []
    keeper = TokenKeeper(client, tokens, save=saved.append)

    assert await keeper.current() == tokens.access_token
    clock.now += 3600 - 30  # within the margin: refreshed early
    fresh = await keeper.current()

    assert fresh != tokens.access_token
    assert fresh in demo.tokens
    assert tokens.access_token not in demo.tokens
    assert saved == [keeper.tokens]
    assert keeper.tokens.refresh_token == tokens.refresh_token


async def test_the_keeper_refreshes_once_for_a_stale_token() -> None:
    clock = Clock()
    demo = DemoCanvas(clock=clock)
    client, tokens = await demo_login(demo, clock)
    keeper = TokenKeeper(client, tokens)

    first, second = await asyncio.gather(
        keeper.replace(tokens.access_token), keeper.replace(tokens.access_token)
    )
    assert first == second == keeper.tokens.access_token
    assert len([t for t in demo.tokens if t != "demo"]) == 1


async def test_a_revoked_refresh_token_means_logging_in_again() -> None:
    clock = Clock()
    demo = DemoCanvas(clock=clock)
    client, tokens = await demo_login(demo, clock)
    demo.oauth.revoke_refresh_tokens()

    with pytest.raises(LoginExpiredError, match="course-tutor login") as caught:
        await TokenKeeper(client, tokens).replace(tokens.access_token)
    shown = f"{caught.value} {caught.value!r} {caught.value.canvas_message}"
    assert tokens.refresh_token is not None
    assert tokens.refresh_token not in shown
    assert DEMO_CLIENT_SECRET not in shown


async def test_a_refused_code_says_to_log_in_again() -> None:
    clock = Clock()
    demo = DemoCanvas(clock=clock)
    transport = httpx2.ASGITransport(app=demo.app)
    client = OAuthClient("http://canvas.localhost", KEY, transport=transport)
    request = start_authorization(client.base_url, KEY.client_id, OUT_OF_BAND)
    with pytest.raises(OAuthError, match="course-tutor login"):
        await client.exchange(request, "not-a-code")


async def test_a_wrong_secret_is_named_as_the_problem() -> None:
    demo = DemoCanvas()
    transport = httpx2.ASGITransport(app=demo.app)
    key = DeveloperKey(DEMO_CLIENT_ID, "wrong-secret")
    client = OAuthClient("http://canvas.localhost", key, transport=transport)
    request = start_authorization(client.base_url, key.client_id, OUT_OF_BAND)
    with pytest.raises(OAuthError, match="developer key") as caught:
        await client.exchange(request, "whatever")
    assert "wrong-secret" not in str(caught.value)


# -- the loopback listener ----------------------------------------------------


async def test_the_listener_takes_a_free_port_and_returns_the_code() -> None:
    async with LoopbackReceiver() as receiver:
        assert receiver.port > 0
        request = start_authorization("https://c.edu", "id", receiver.redirect_uri)
        receiver.expect(request)
        async with httpx2.AsyncClient() as browser:
            stray = await browser.get(f"http://127.0.0.1:{receiver.port}/favicon.ico")
            page = await browser.get(
                receiver.redirect_uri, params={"code": "c0de", "state": request.state}
            )
        assert stray.status_code == 404
        assert "received your login" in page.text
        assert await receiver.wait() == "c0de"


async def test_the_listener_rejects_a_state_mismatch() -> None:
    async with LoopbackReceiver() as receiver:
        request = start_authorization("https://c.edu", "id", receiver.redirect_uri)
        receiver.expect(request)
        async with httpx2.AsyncClient() as browser:
            page = await browser.get(
                receiver.redirect_uri, params={"code": "c0de", "state": "forged"}
            )
        assert "Login not completed" in page.text
        with pytest.raises(OAuthError, match="state"):
            await receiver.wait()


async def test_a_taken_port_is_a_clear_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OAuthError, match=f"127.0.0.1:{port}") as caught:
            await LoopbackReceiver(port).start()
    assert "--port" in str(caught.value)


async def test_the_listener_gives_up_after_a_while() -> None:
    async with LoopbackReceiver(patience=0.05) as receiver:
        with pytest.raises(OAuthError, match="No answer came back"):
            await receiver.wait()
