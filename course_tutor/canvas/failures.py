"""Turning a failed exchange with Canvas into the right CanvasError.

Canvas answers 401 for three different reasons (no token, a bad token, not
allowed) and 403 both for permissions and for throttling; the body tells them
apart. Each error gets a message for the student, with Canvas's own words
where they help.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import httpx2

from course_tutor.canvas.errors import (
    BadRequestError,
    BadResponseError,
    CanvasError,
    CanvasUnavailableError,
    InvalidTokenError,
    NotFoundError,
    NotPermittedError,
    RateLimitedError,
)
from course_tutor.canvas.retry import retry_after

Redact = Callable[[str], str]

_MAKE_TOKEN = (
    "under Account → Settings → Approved Integrations, then run `course-tutor init`."
)
_MAX_CANVAS_MESSAGE = 300


def is_rate_limited(response: httpx2.Response) -> bool:
    """True for Canvas's throttling answers: 429, or 403 "Rate Limit Exceeded"."""
    if response.status_code == 429:
        return True
    return (
        response.status_code == 403 and "rate limit exceeded" in response.text.lower()
    )


def error_for_response(
    response: httpx2.Response,
    *,
    what: str,
    token_sent: bool,
    attempts: int,
    redact: Redact,
) -> CanvasError:
    """The error for a response that is not a success; ``what`` names the
    thing asked for ("course 42"), ``attempts`` counts the tries made."""
    status = response.status_code
    said = canvas_message(response, redact)

    if is_rate_limited(response):
        wait = retry_after(response)
        when = f"about {_seconds(math.ceil(wait))}" if wait else "a minute"
        return RateLimitedError(
            f"Canvas is limiting how fast course-tutor may ask for data, and it "
            f"still was after {_tries(attempts)}. Wait {when}, then try again.",
            status=status,
            canvas_message=said,
        )
    if status == 401:
        return _unauthorized(response, what, said, token_sent=token_sent)
    if status == 403:
        return NotPermittedError(
            _not_permitted_message(what), status=status, canvas_message=said
        )
    if status == 404:
        return _not_found(what, said)
    if status >= 500:
        return CanvasUnavailableError(
            f"Canvas had a problem on its side (HTTP {status}) and still did after "
            f"{_tries(attempts)}. Try again in a few minutes; if it keeps happening, "
            "Canvas may be down for maintenance.",
            status=status,
            canvas_message=said,
        )
    if 300 <= status < 400:
        return BadResponseError(
            f"Canvas answered the request for {what} by sending course-tutor to "
            f"another page (HTTP {status}), which the Canvas API does not do. "
            "Check the Canvas address with `course-tutor init`.",
            status=status,
            canvas_message=said,
        )
    if 400 <= status < 500:
        detail = f": {said}" if said else ""
        return BadRequestError(
            f"Canvas refused the request for {what} (HTTP {status}{detail}). "
            "Try again with different options.",
            status=status,
            canvas_message=said,
        )
    return unreadable(what, f"unexpected HTTP status {status}", status=status)


def error_for_transport(
    exc: httpx2.TransportError, *, host: str, attempts: int
) -> CanvasUnavailableError:
    """The error for a request that got no answer at all."""
    if isinstance(exc, httpx2.TimeoutException):
        message = (
            f"Canvas at {host} did not answer in time ({_tries(attempts)}). It may "
            "be busy or down; try again in a minute."
        )
    elif isinstance(exc, httpx2.ConnectError):
        message = (
            f"course-tutor could not reach Canvas at {host}. Check your internet "
            "connection and the Canvas address (`course-tutor init` changes it)."
        )
    else:
        message = (
            f"The connection to Canvas at {host} broke off ({_tries(attempts)}). "
            "Try again in a minute."
        )
    return CanvasUnavailableError(message)


def unreadable(what: str, detail: str, *, status: int | None) -> BadResponseError:
    """The error for an answer whose content is not what Canvas sends."""
    return BadResponseError(
        f"Canvas sent an answer about {what} that course-tutor could not read "
        f"({detail}). Check that the Canvas address is right (`course-tutor init`); "
        "if it is, try again later.",
        status=status,
    )


def canvas_message(response: httpx2.Response, redact: Redact) -> str | None:
    """Canvas's own explanation from an error body, short and on one line."""
    try:
        said = _message_in(response.json())
    except ValueError:
        # Not JSON: plain text is kept ("403 Forbidden (Rate Limit Exceeded)"),
        # an HTML page is not.
        text = response.text
        said = None if "<" in text else text
    if not said:
        return None

    said = redact(" ".join(said.split()))
    if len(said) > _MAX_CANVAS_MESSAGE:
        said = said[: _MAX_CANVAS_MESSAGE - 1] + "…"
    return said


def _message_in(body: Any) -> str | None:
    """The first human-readable message in the error shapes Canvas uses."""
    if isinstance(body, str):
        return body
    if isinstance(body, list):
        return next(filter(None, map(_message_in, body)), None)
    if not isinstance(body, dict):
        return None
    for key in ("errors", "message", "error_description", "error"):
        found = _message_in(body.get(key))
        if found:
            return found
    # Validation errors come keyed by field: {"errors": {"name": [...]}}.
    return next(filter(None, map(_message_in, body.values())), None)


def _unauthorized(
    response: httpx2.Response, what: str, said: str | None, *, token_sent: bool
) -> CanvasError:
    try:
        body = response.json()
    except ValueError:
        body = None
    status_word = body.get("status") if isinstance(body, dict) else None
    lowered = (said or "").lower()

    if status_word == "unauthorized" or "not authorized" in lowered:
        return NotPermittedError(
            _not_permitted_message(what), status=401, canvas_message=said
        )
    if not token_sent:
        return InvalidTokenError(
            "Canvas needs you to be logged in for this, and course-tutor has no "
            f"access token to send. Make one {_MAKE_TOKEN}",
            status=401,
            canvas_message=said,
        )
    return InvalidTokenError(
        "Canvas did not accept your access token (it may have expired or been "
        f"deleted). Make a new one {_MAKE_TOKEN}",
        status=401,
        canvas_message=said,
    )


def _not_permitted_message(what: str) -> str:
    return (
        f"Canvas says you are not allowed to see {what}. If it is one of your "
        "courses, it may have ended or not started yet; otherwise check the id "
        "(listing your courses shows the ones you can open)."
    )


def _not_found(what: str, said: str | None) -> NotFoundError:
    if said and re.search(r"\bdisabled\b", said, re.IGNORECASE):
        return NotFoundError(
            f"This course has turned that part off in Canvas (Canvas says: {said}). "
            "Look for the material elsewhere in the course, or ask your instructor.",
            status=404,
            canvas_message=said,
        )
    return NotFoundError(
        f"Canvas could not find {what}. Check the id (listing your courses shows "
        "the ones you can open).",
        status=404,
        canvas_message=said,
    )


def _seconds(count: int) -> str:
    return "1 second" if count == 1 else f"{count} seconds"


def _tries(attempts: int) -> str:
    return "1 try" if attempts == 1 else f"{attempts} tries"
