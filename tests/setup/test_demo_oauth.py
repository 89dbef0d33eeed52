"""The demo Canvas's OAuth2 endpoints, in-process: authorization, the code
exchange with its PKCE check, refreshing, expiry and logging out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from course_tutor.canvas.oauth import pkce_challenge
from course_tutor.demo.canvas import DemoCanvas
from course_tutor.demo.oauth import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, OUT_OF_BAND

BASE = "http://canvas.localhost"
REDIRECT = "http://127.0.0.1:8123/callback"
VERIFIER = "v" * 64


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def demo(clock: Clock) -> DemoCanvas:
    return DemoCanvas(clock=clock)


@pytest.fixture
async def http(demo: DemoCanvas) -> httpx2.AsyncClient:
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=demo.app), base_url=BASE
    ) as client:
        yield client


async def authorize(
    http: httpx2.AsyncClient, **changes: str
) -> tuple[httpx2.Response, dict[str, str]]:
    params = {
        "client_id": DEMO_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "st4te",
        "code_challenge": pkce_challenge(VERIFIER),
        "code_challenge_method": "S256",
        **changes,
    }
    response = await http.get("/login/oauth2/auth", params=params)
    location = response.headers.get("location", "")
    back = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return response, back


async def exchange(
    http: httpx2.AsyncClient, code: str, **changes: str
) -> httpx2.Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "redirect_uri": REDIRECT,
        "code": code,
        "code_verifier": VERIFIER,
        **changes,
    }
    return await http.post("/login/oauth2/token", data=form)


async def logged_in(http: httpx2.AsyncClient) -> dict:
    _, back = await authorize(http)
    response = await exchange(http, back["code"])
    assert response.status_code == 200
    return response.json()


async def me(http: httpx2.AsyncClient, token: str) -> int:
    response = await http.get(
        "/api/v1/users/self", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


async def test_the_demo_key_is_approved_at_once(http: httpx2.AsyncClient) -> None:
    response, back = await authorize(http)

    assert response.status_code == 302
    assert response.headers["location"].startswith(REDIRECT + "?")
    assert back["state"] == "st4te"
    assert back["code"]


async def test_other_keys_are_denied(http: httpx2.AsyncClient) -> None:
    response, back = await authorize(http, client_id="someone-else")
    assert response.status_code == 302
    assert back == {"error": "access_denied", "state": "st4te"}


@pytest.mark.parametrize(
    "redirect", ["https://evil.example/callback", "http://10.0.0.5/cb", ""]
)
async def test_redirects_off_this_computer_are_refused(
    http: httpx2.AsyncClient, redirect: str
) -> None:
    response, _ = await authorize(http, redirect_uri=redirect)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_the_code_buys_tokens_that_work(http: httpx2.AsyncClient) -> None:
    body = await logged_in(http)

    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["user"]["name"]
    assert body["refresh_token"]
    assert await me(http, body["access_token"]) == 200


async def test_the_pkce_verifier_must_match(http: httpx2.AsyncClient) -> None:
    _, back = await authorize(http)
    response = await exchange(http, back["code"], code_verifier="w" * 64)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_a_code_works_once(http: httpx2.AsyncClient) -> None:
    _, back = await authorize(http)
    assert (await exchange(http, back["code"])).status_code == 200
    again = await exchange(http, back["code"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_a_wrong_secret_is_an_invalid_client(http: httpx2.AsyncClient) -> None:
    _, back = await authorize(http)
    response = await exchange(http, back["code"], client_secret="nope")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_the_redirect_uri_must_be_the_same(http: httpx2.AsyncClient) -> None:
    _, back = await authorize(http)
    response = await exchange(
        http, back["code"], redirect_uri="http://127.0.0.1:9999/callback"
    )
    assert response.json()["error"] == "invalid_grant"


async def test_tokens_expire_and_a_refresh_replaces_them(
    http: httpx2.AsyncClient, clock: Clock
) -> None:
    body = await logged_in(http)
    clock.now += 3601
    assert await me(http, body["access_token"]) == 401

    response = await http.post(
        "/login/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "refresh_token": body["refresh_token"],
        },
    )
    fresh = response.json()
    assert "refresh_token" not in fresh
    assert await me(http, fresh["access_token"]) == 200


async def test_refreshing_retires_the_previous_access_token(
    http: httpx2.AsyncClient, demo: DemoCanvas
) -> None:
    body = await logged_in(http)
    response = await http.post(
        "/login/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "refresh_token": body["refresh_token"],
        },
    )
    assert response.status_code == 200
    assert await me(http, body["access_token"]) == 401


async def test_logging_out_ends_both_tokens(
    http: httpx2.AsyncClient, demo: DemoCanvas
) -> None:
    body = await logged_in(http)
    bearer = {"Authorization": f"Bearer {body['access_token']}"}

    assert (await http.delete("/login/oauth2/token", headers=bearer)).status_code == 200
    assert await me(http, body["access_token"]) == 401
    assert demo.oauth.refresh_tokens == {}
    assert (await http.delete("/login/oauth2/token", headers=bearer)).status_code == 401


async def test_a_revoked_refresh_token_is_an_invalid_grant(
    http: httpx2.AsyncClient, demo: DemoCanvas
) -> None:
    body = await logged_in(http)
    demo.oauth.revoke_refresh_tokens()
    response = await http.post(
        "/login/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "refresh_token": body["refresh_token"],
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_out_of_band_shows_the_code(http: httpx2.AsyncClient) -> None:
    response, _ = await authorize(http, redirect_uri=OUT_OF_BAND)
    assert response.status_code == 200
    assert '<pre id="code">' in response.text


async def test_the_demo_token_still_works(http: httpx2.AsyncClient) -> None:
    assert await me(http, "demo") == 200
