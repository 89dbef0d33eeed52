"""Sending one GET to Canvas: headers, limits, retries, logging, decoding.

The Requester holds the HTTP connection pool and the token. It sends only to
the configured origin, keeps a few requests in flight at most, pauses when
Canvas says its quota is running low, retries what is worth retrying, and
turns whatever still fails into a CanvasError.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2

from course_tutor import __version__
from course_tutor.canvas.address import API_PREFIX, origin
from course_tutor.canvas.errors import (
    CanvasConfigError,
    CanvasError,
    InvalidTokenError,
)
from course_tutor.canvas.failures import (
    error_for_response,
    error_for_transport,
    is_rate_limited,
    unreadable,
)
from course_tutor.canvas.retry import RetryBudget, RetryPolicy, retry_after
from course_tutor.canvas.throttle import Throttle

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[object]]
# Given the token Canvas refused, a token to try instead (an OAuth refresh);
# raises a CanvasError when there is none.
TokenRefresher = Callable[[str], Awaitable[str]]
Query = list[tuple[str, str | int | float | bool | None]]

# Failures where the request may not have reached Canvas, or Canvas dropped
# it: worth another try.
_RETRYABLE_TRANSPORT = (
    httpx2.TimeoutException,
    httpx2.NetworkError,
    httpx2.RemoteProtocolError,
)


class Requester:
    """GET requests to one Canvas, with one token."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx2.AsyncBaseTransport | None,
        timeout: float | httpx2.Timeout,
        max_concurrency: int,
        retry: RetryPolicy,
        throttle: Throttle,
        sleep: Sleep,
        rng: random.Random,
        token_refresher: TokenRefresher | None = None,
    ) -> None:
        self.api_root = base_url + API_PREFIX
        self.retry = retry
        self._origin = origin(httpx2.URL(self.api_root))
        self._token = checked_token(token)
        self._refresher = token_refresher
        self._spent_tokens: list[str] = []  # still redacted from messages
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._throttle = throttle
        self._sleep = sleep
        self._rng = rng
        self._http = httpx2.AsyncClient(
            transport=transport,
            timeout=timeout,
            headers=self._headers(),
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"Requester(api_root={self.api_root!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    def url(self, path_or_url: str | httpx2.URL) -> str | httpx2.URL:
        """A path below ``/api/v1`` made absolute; a URL kept as it is."""
        if isinstance(path_or_url, str) and path_or_url.startswith("/"):
            return self.api_root + path_or_url
        return path_or_url

    def may_send_to(self, url: httpx2.URL) -> bool:
        """Only the configured scheme, host and port ever see the token."""
        if url.scheme not in ("http", "https") or url.userinfo:
            return False
        return origin(url) == self._origin

    async def get_json(
        self, url: str | httpx2.URL, params: Query | None, *, what: str
    ) -> tuple[Any, httpx2.Response]:
        """The decoded JSON body of a successful GET, and the response."""
        response = await self.get(url, params, what=what)
        # Canvas may guard JSON against hijacking with this prefix.
        text = response.text.removeprefix("while(1);")
        try:
            return json.loads(text), response
        except ValueError:
            raise unreadable(
                what, "it is not JSON", status=response.status_code
            ) from None

    async def get(
        self, url: str | httpx2.URL, params: Query | None, *, what: str
    ) -> httpx2.Response:
        """One successful GET, retried on throttling, server errors and lost
        connections within the retry policy; a CanvasError otherwise.
        ``what`` names the thing asked for, for error messages."""
        budget = RetryBudget(self.retry, self._rng)
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            try:
                response = await self._send(url, params, attempt)
            except httpx2.DecodingError:
                raise unreadable(what, "it could not be decoded", status=None) from None
            except httpx2.TransportError as exc:
                failure: CanvasError = error_for_transport(
                    exc, host=self._origin[1], attempts=attempt
                )
                delay = None
                if isinstance(exc, _RETRYABLE_TRANSPORT):
                    delay = budget.wait_before_retry(rate_limited=False)
                if delay is None:
                    raise failure from exc
            else:
                if response.is_success:
                    return response
                failure = error_for_response(
                    response,
                    what=what,
                    token_sent=self._token is not None,
                    attempts=attempt,
                    redact=self._redact,
                )
                if self._may_refresh(failure, refreshed):
                    refreshed = True
                    await self._refresh_token(_bearer_of(response.request))
                    continue
                delay = None
                if is_rate_limited(response) or response.status_code >= 500:
                    delay = budget.wait_before_retry(
                        rate_limited=is_rate_limited(response),
                        asked=retry_after(response),
                    )
                if delay is None:
                    raise failure

            logger.debug("Retrying in %.2f s after attempt %d", delay, attempt)
            await self._sleep(delay)

    async def _send(
        self, url: str | httpx2.URL, params: Query | None, attempt: int
    ) -> httpx2.Response:
        async with self._semaphore:
            if self._throttle.delay > 0:
                logger.debug(
                    "Canvas quota running low: waiting %.2f s", self._throttle.delay
                )
                await self._sleep(self._throttle.delay)

            started = time.perf_counter()
            try:
                response = await self._http.get(url, params=params)
            except httpx2.TransportError as exc:
                logger.info(
                    "GET %s failed: %s after %.0f ms (attempt %d)",
                    _path_of(url),
                    type(exc).__name__,
                    (time.perf_counter() - started) * 1000,
                    attempt,
                )
                raise
            self._throttle.observe(response)

        logger.info(
            "GET %s %d in %.0f ms (attempt %d)",
            _path_of(response.request.url),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            attempt,
        )
        return response

    def _may_refresh(self, failure: CanvasError, refreshed: bool) -> bool:
        """A refused token is swapped for a fresh one once per request."""
        return (
            isinstance(failure, InvalidTokenError)
            and self._refresher is not None
            and self._token is not None
            and not refreshed
        )

    async def _refresh_token(self, stale: str) -> None:
        """Ask for a token in place of ``stale``, the one this request sent
        (other requests may have refreshed it already)."""
        refresher = self._refresher
        assert refresher is not None
        fresh = checked_token(await refresher(stale))
        if fresh is None:
            raise CanvasConfigError("No Canvas access token came back from a refresh.")
        if self._token and self._token != fresh:
            self._spent_tokens.append(self._token)
        self._token = fresh
        self._http.headers["Authorization"] = f"Bearer {fresh}"
        logger.info("Canvas refused the access token; retrying with a fresh one")

    def _headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "User-Agent": f"course-tutor/{__version__}",
        }
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _redact(self, text: str) -> str:
        for token in (self._token, *self._spent_tokens):
            if token:
                text = text.replace(token, "[token]")
        return text


def checked_token(token: str | None) -> str | None:
    """The token, or None when there is none; never echoed when refused."""
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise CanvasConfigError("The Canvas access token must be text.")
    if not all("!" <= ch <= "~" for ch in token):
        raise CanvasConfigError(
            "The Canvas access token contains spaces or characters a token "
            "never has; it may have been pasted with something else. Copy it "
            "again, then run `course-tutor init`."
        )
    return token


def _bearer_of(request: httpx2.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme == "Bearer" else ""


def _path_of(url: str | httpx2.URL) -> str:
    """The request path as sent, without the query."""
    raw = httpx2.URL(url).raw_path if isinstance(url, str) else url.raw_path
    return raw.split(b"?", 1)[0].decode("ascii", "replace")
