"""Throttling and retries: what is retried, how often, and for how long."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx2
import pytest

from course_tutor.canvas import (
    CanvasError,
    CanvasUnavailableError,
    NotPermittedError,
    RateLimitedError,
    RetryPolicy,
)
from course_tutor.canvas.retry import RetryBudget, retry_after
from tests.canvas_fakes import (
    CountingSleep,
    FakeCanvas,
    canvas_json,
    canvas_text,
    course,
    make_client,
)

RATE_LIMITED_403 = "403 Forbidden (Rate Limit Exceeded)"
UNAUTHORIZED = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}


def failing_then_ok(
    failures: int, fail: Callable[[httpx2.Request], httpx2.Response]
) -> FakeCanvas:
    """Canvas answering ``fail`` to the first ``failures`` requests, then a course."""
    seen = 0

    def answer(request: httpx2.Request) -> httpx2.Response:
        nonlocal seen
        seen += 1
        return fail(request) if seen <= failures else canvas_json(course(1))

    return FakeCanvas(answer)


def always(response: httpx2.Response) -> Callable[[httpx2.Request], httpx2.Response]:
    return lambda request: response


def raising(exc_type: type[httpx2.TransportError]) -> Callable[..., httpx2.Response]:
    def answer(request: httpx2.Request) -> httpx2.Response:
        raise exc_type("simulated", request=request)

    return answer


async def test_rate_limited_403_is_retried_then_succeeds() -> None:
    canvas = failing_then_ok(2, always(canvas_text(RATE_LIMITED_403, 403)))
    sleep = CountingSleep()
    async with make_client(canvas, sleep=sleep) as client:
        found = await client.get_single_course(1)
    assert found.id == 1
    assert canvas.calls == 3
    assert len(sleep.waits) == 2


async def test_persistent_rate_limit_gives_up_with_rate_limited_error() -> None:
    canvas = FakeCanvas(always(canvas_text(RATE_LIMITED_403, 403)))
    sleep = CountingSleep()
    policy = RetryPolicy(max_rate_limit_retries=4)
    async with make_client(canvas, sleep=sleep, retry=policy) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.get_single_course(1)
    assert canvas.calls == 5
    assert len(sleep.waits) == 4
    assert caught.value.kind == "rate_limited"
    assert caught.value.status == 403
    assert "5 tries" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        canvas_json(UNAUTHORIZED, status=403),
        canvas_text("403 Forbidden", 403),
        canvas_json({"errors": [{"message": "Rate limit? no, forbidden"}]}, 403),
    ],
)
async def test_other_403_is_not_retried(body: httpx2.Response) -> None:
    canvas = FakeCanvas(always(body))
    sleep = CountingSleep()
    async with make_client(canvas, sleep=sleep) as client:
        with pytest.raises(NotPermittedError):
            await client.get_single_course(1)
    assert canvas.calls == 1
    assert sleep.waits == []


async def test_429_honours_retry_after_seconds() -> None:
    canvas = failing_then_ok(1, always(canvas_text("", 429, {"Retry-After": "3"})))
    sleep = CountingSleep()
    async with make_client(canvas, sleep=sleep) as client:
        await client.get_single_course(1)
    assert sleep.waits == [3.0]
    assert canvas.calls == 2


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    when = format_datetime(now + timedelta(seconds=7), usegmt=True)
    response = httpx2.Response(429, headers={"Retry-After": when})
    assert retry_after(response, now=now) == 7.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0.0), ("1.5", 1.5), ("-4", 0.0), ("soon", None), ("", None), ("nan", None)],
)
def test_retry_after_values(value: str, expected: float | None) -> None:
    assert retry_after(httpx2.Response(429, headers={"Retry-After": value})) == expected


async def test_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    canvas = FakeCanvas(always(canvas_text("", 429, {"Retry-After": "120"})))
    sleep = CountingSleep()
    async with make_client(canvas, sleep=sleep) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.get_single_course(1)
    assert canvas.calls == 1
    assert sleep.waits == []
    assert "about 120 seconds" in caught.value.message


async def test_repeated_retry_after_stops_at_the_budget() -> None:
    canvas = FakeCanvas(always(canvas_text("", 429, {"Retry-After": "10"})))
    sleep = CountingSleep()
    async with make_client(canvas, sleep=sleep) as client:
        with pytest.raises(RateLimitedError):
            await client.get_single_course(1)
    assert sleep.waits == [10.0, 10.0, 10.0]
    assert canvas.calls == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_twice_then_unavailable(status: int) -> None:
    canvas = FakeCanvas(always(canvas_text("oops", status)))
    sleep = CountingSleep()
    async with make_client(canvas, sleep=sleep) as client:
        with pytest.raises(CanvasUnavailableError) as caught:
            await client.list_your_courses()
    assert canvas.calls == 3
    assert len(sleep.waits) == 2
    assert caught.value.status == status
    assert caught.value.kind == "unavailable"


async def test_a_passing_server_error_is_invisible() -> None:
    canvas = failing_then_ok(2, always(canvas_text("", 503)))
    async with make_client(canvas) as client:
        assert (await client.get_single_course(1)).id == 1
    assert canvas.calls == 3


@pytest.mark.parametrize(
    ("exc_type", "words"),
    [
        (httpx2.ConnectTimeout, "did not answer in time"),
        (httpx2.ReadTimeout, "did not answer in time"),
        (httpx2.PoolTimeout, "did not answer in time"),
        (httpx2.ConnectError, "could not reach Canvas"),
        (httpx2.ReadError, "broke off"),
        (httpx2.RemoteProtocolError, "broke off"),
    ],
)
async def test_timeouts_and_connection_failures_are_retried(
    exc_type: type[httpx2.TransportError], words: str
) -> None:
    canvas = FakeCanvas(raising(exc_type))
    sleep = CountingSleep()
    async with make_client(canvas, sleep=sleep) as client:
        with pytest.raises(CanvasUnavailableError) as caught:
            await client.list_your_courses()
    assert canvas.calls == 3
    assert len(sleep.waits) == 2
    assert words in caught.value.message
    assert "canvas.test" in caught.value.message
    assert caught.value.status is None


async def test_a_dropped_connection_that_recovers() -> None:
    calls = 0

    def answer(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx2.ConnectError("refused", request=request)
        return canvas_json([course(1)])

    async with make_client(FakeCanvas(answer)) as client:
        assert len(await client.list_your_courses()) == 1


@pytest.mark.parametrize(
    "response",
    [
        canvas_json({"errors": [{"message": "Invalid access token."}]}, 401),
        canvas_json(UNAUTHORIZED, 401),
        canvas_json(
            {"errors": [{"message": "The specified resource does not exist."}]}, 404
        ),
        canvas_json({"errors": {"include": ["is invalid"]}}, 400),
    ],
)
async def test_client_errors_are_never_retried(response: httpx2.Response) -> None:
    canvas = FakeCanvas(always(response))
    sleep = CountingSleep()
    async with make_client(canvas, sleep=sleep) as client:
        with pytest.raises(CanvasError):
            await client.get_single_course(1)
    assert canvas.calls == 1
    assert sleep.waits == []


async def test_total_wait_is_bounded_however_generous_the_counts() -> None:
    canvas = FakeCanvas(always(canvas_text(RATE_LIMITED_403, 403)))
    sleep = CountingSleep()
    policy = RetryPolicy(
        max_rate_limit_retries=1000,
        max_total_wait=12.0,
        backoff_base=4.0,
        backoff_cap=60.0,
    )
    async with make_client(
        canvas, sleep=sleep, retry=policy, rng=random.Random(7)
    ) as client:
        with pytest.raises(RateLimitedError):
            await client.get_single_course(1)
    assert sleep.total <= 12.0
    assert canvas.calls < 1000


async def test_default_wait_bound_is_thirty_seconds() -> None:
    canvas = FakeCanvas(always(canvas_text("", 503)))
    sleep = CountingSleep()
    policy = RetryPolicy(max_retries=50, backoff_base=8.0)
    async with make_client(canvas, sleep=sleep, retry=policy) as client:
        with pytest.raises(CanvasUnavailableError):
            await client.list_your_courses()
    assert sleep.total <= 30.0


async def test_retries_can_be_turned_off() -> None:
    canvas = FakeCanvas(always(canvas_text("", 500)))
    policy = RetryPolicy(max_retries=0, max_rate_limit_retries=0)
    async with make_client(canvas, retry=policy) as client:
        with pytest.raises(CanvasUnavailableError) as caught:
            await client.list_your_courses()
    assert canvas.calls == 1
    assert "1 try" in caught.value.message


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=8.0)
    rng = random.Random(1)
    for retry_number, ceiling in [
        (1, 0.5),
        (2, 1.0),
        (3, 2.0),
        (4, 4.0),
        (5, 8.0),
        (9, 8.0),
    ]:
        draws = [policy.backoff(retry_number, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in draws)
        assert max(draws) > ceiling * 0.8
        assert min(draws) < ceiling * 0.2


async def test_low_remaining_quota_slows_the_next_requests() -> None:
    remaining = iter(["600", "50", "0", "700"])

    def answer(request: httpx2.Request) -> httpx2.Response:
        return canvas_json(
            [course(1)],
            headers={
                "X-Rate-Limit-Remaining": next(remaining),
                "X-Request-Cost": "1.5",
            },
        )

    sleep = CountingSleep()
    async with make_client(FakeCanvas(answer), sleep=sleep) as client:
        for _ in range(4):
            await client.list_your_courses()
    # After 600: none; after 50 (half the threshold of 100): half of 2 s;
    # after 0: the full 2 s; 700 lifts it again.
    assert sleep.waits == [1.0, 2.0]


async def test_low_remaining_threshold_is_configurable() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return canvas_json([], headers={"X-Rate-Limit-Remaining": "150"})

    sleep = CountingSleep()
    async with make_client(
        FakeCanvas(answer),
        sleep=sleep,
        low_remaining_threshold=300,
        max_throttle_delay=1.0,
    ) as client:
        await client.list_your_courses()
        await client.list_your_courses()
    assert sleep.waits == [0.5]

    sleep = CountingSleep()
    async with make_client(
        FakeCanvas(answer), sleep=sleep, low_remaining_threshold=0
    ) as client:
        await client.list_your_courses()
        await client.list_your_courses()
    assert sleep.waits == []


async def test_concurrent_requests_share_a_small_semaphore() -> None:
    in_flight = 0
    peak = 0

    async def answer(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return canvas_json(course(1))

    async with make_client(FakeCanvas(answer)) as client:  # type: ignore[arg-type]
        await asyncio.gather(*(client.get_single_course(1) for _ in range(20)))
    assert peak == 8


def test_retry_budget_counts_each_kind_separately() -> None:
    budget = RetryBudget(
        RetryPolicy(max_retries=1, max_rate_limit_retries=2, max_total_wait=100.0),
        random.Random(3),
    )
    assert budget.wait_before_retry(rate_limited=False) is not None
    assert budget.wait_before_retry(rate_limited=False) is None
    assert budget.wait_before_retry(rate_limited=True, asked=5.0) == 5.0
    assert budget.wait_before_retry(rate_limited=True, asked=6.0) == 6.0
    assert budget.wait_before_retry(rate_limited=True, asked=1.0) is None


def test_retry_budget_clamps_backoff_to_what_is_left() -> None:
    policy = RetryPolicy(max_retries=10, max_total_wait=1.0, backoff_base=100.0)
    budget = RetryBudget(policy, random.Random(0))
    first = budget.wait_before_retry(rate_limited=False)
    assert first is not None
    assert first <= 1.0
    while budget.waited < 1.0:
        assert budget.wait_before_retry(rate_limited=False) is not None
    assert budget.wait_before_retry(rate_limited=False) is None
    assert budget.waited == pytest.approx(1.0)
