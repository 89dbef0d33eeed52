"""The client's optional token refresher: a refused token is swapped for a
fresh one, and the request retried, once per request."""

from __future__ import annotations

import asyncio
import logging

import httpx2
import pytest

from course_tutor.canvas import (
    CanvasClient,
    CanvasUnavailableError,
    InvalidTokenError,
    NotPermittedError,
)
from tests.canvas_fakes import BASE, TOKEN, FakeCanvas, canvas_json, make_client

FRESH = "7~FrEsHt0kEn-zyxwvutsrqponmlkji0987654321"
NEWER = "7~NeWeRt0kEn-zyxwvutsrqponmlkji0987654321"
_INVALID = {"errors": [{"message": "Invalid access token."}]}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
_ME = {"id": 7, "name": "Ada Student"}


def accepting(*tokens: str) -> FakeCanvas:
    """A Canvas that knows only ``tokens``."""

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if sent in tokens:
            return canvas_json(_ME)
        return canvas_json(_INVALID, 401, _CHALLENGE)

    return FakeCanvas(answer)


class Refresher:
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def __call__(self, stale: str) -> str:
        self.asked.append(stale)
        return self.answers.pop(0)


async def test_a_refused_token_is_refreshed_and_the_request_retried() -> None:
    canvas, refresher = accepting(FRESH), Refresher(FRESH)
    async with make_client(canvas, token_refresher=refresher) as client:
        me = await client.get_self()
        again = await client.get_self()

    assert me.name == again.name == "Ada Student"
    assert refresher.asked == [TOKEN]
    sent = [r.headers["Authorization"] for r in canvas.requests]
    assert sent == [f"Bearer {TOKEN}", f"Bearer {FRESH}", f"Bearer {FRESH}"]


async def test_only_one_refresh_per_request() -> None:
    canvas, refresher = accepting(), Refresher(FRESH, NEWER)
    async with make_client(canvas, token_refresher=refresher) as client:
        with pytest.raises(InvalidTokenError):
            await client.get_self()

    assert refresher.asked == [TOKEN]
    assert canvas.calls == 2


async def test_not_permitted_is_not_a_reason_to_refresh() -> None:
    body = {
        "status": "unauthorized",
        "errors": [{"message": "user not authorized to perform that action"}],
    }
    canvas = FakeCanvas(lambda request: canvas_json(body, 401))
    refresher = Refresher(FRESH)
    async with make_client(canvas, token_refresher=refresher) as client:
        with pytest.raises(NotPermittedError):
            await client.get_self()
    assert refresher.asked == []


async def test_without_a_refresher_a_refused_token_fails_at_once() -> None:
    canvas = accepting()
    async with make_client(canvas) as client:
        with pytest.raises(InvalidTokenError):
            await client.get_self()
    assert canvas.calls == 1


async def test_a_failing_refresh_is_what_the_caller_sees() -> None:
    async def refused(stale: str) -> str:
        raise InvalidTokenError(
            "Your Canvas login has ended; run `course-tutor login`."
        )

    async with make_client(accepting(), token_refresher=refused) as client:
        with pytest.raises(InvalidTokenError, match="course-tutor login"):
            await client.get_self()


async def test_a_refresher_that_cannot_reach_canvas() -> None:
    async def offline(stale: str) -> str:
        raise CanvasUnavailableError("course-tutor could not reach Canvas.")

    async with make_client(accepting(), token_refresher=offline) as client:
        with pytest.raises(CanvasUnavailableError):
            await client.get_self()


async def test_parallel_requests_share_one_refresh() -> None:
    """Each request hands the refresher the token it sent, so a provider can
    tell a token it already replaced from the current one and refreshes once
    for many requests refused with the same token."""
    refused = 0
    all_sent, replaced = asyncio.Event(), asyncio.Event()

    async def answer(request: httpx2.Request) -> httpx2.Response:
        nonlocal refused
        if request.headers["Authorization"] == f"Bearer {FRESH}":
            return canvas_json(_ME)
        refused += 1
        if refused == 4:
            all_sent.set()
        # The first is refused once all four are out; the rest after the
        # first refresh.
        await (all_sent if refused == 1 else replaced).wait()
        return canvas_json(_INVALID, 401, _CHALLENGE)

    current = TOKEN
    asked: list[str] = []

    async def provider(stale: str) -> str:
        nonlocal current
        asked.append(stale)
        if current == stale:
            current = FRESH if current == TOKEN else NEWER
            replaced.set()
        return current

    transport = httpx2.MockTransport(answer)
    client = CanvasClient(BASE, TOKEN, transport=transport, token_refresher=provider)
    async with client:
        users = await asyncio.gather(*(client.get_self() for _ in range(4)))

    assert [user.name for user in users] == ["Ada Student"] * 4
    assert asked == [TOKEN] * 4
    assert current == FRESH


async def test_tokens_stay_out_of_errors_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def echoing(request: httpx2.Request) -> httpx2.Response:
        sent = request.headers["Authorization"].removeprefix("Bearer ")
        return canvas_json(
            {"errors": [{"message": f"Invalid access token {sent}"}]}, 401
        )

    caplog.set_level(logging.DEBUG)
    refresher = Refresher(FRESH)
    async with make_client(FakeCanvas(echoing), token_refresher=refresher) as client:
        with pytest.raises(InvalidTokenError) as caught:
            await client.get_self()

    shown = f"{caught.value} {caught.value!r} {caught.value.canvas_message}"
    for token in (TOKEN, FRESH):
        assert token not in shown
        assert token not in caplog.text
