"""Each Canvas failure becomes the right error, with a message for the
student, and the token shows up nowhere: not in errors, not in logs."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import httpx2
import pytest

from course_tutor.canvas import (
    BadRequestError,
    BadResponseError,
    CanvasConfigError,
    CanvasError,
    CanvasUnavailableError,
    InvalidIdError,
    InvalidTokenError,
    NotFoundError,
    NotPermittedError,
    RateLimitedError,
    RetryPolicy,
)
from course_tutor.canvas import errors as errors_module
from tests.canvas_fakes import (
    TOKEN,
    FakeCanvas,
    canvas_json,
    canvas_text,
    course,
    link_header,
    make_client,
    module,
)

WWW_AUTH = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
NO_TOKEN_BODY = {
    "status": "unauthenticated",
    "errors": [{"message": "user authorization required"}],
}
INVALID_TOKEN_BODY = {"errors": [{"message": "Invalid access token."}]}
UNAUTHORIZED_BODY = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}
NOT_FOUND_BODY = {"errors": [{"message": "The specified resource does not exist."}]}
TAB_DISABLED_BODY = {"message": "That page has been disabled for this course"}

CASES: list[tuple[str, httpx2.Response, type[CanvasError], str, list[str]]] = [
    (
        "invalid token",
        canvas_json(INVALID_TOKEN_BODY, 401, WWW_AUTH),
        InvalidTokenError,
        "invalid_token",
        [
            "did not accept your access token",
            "Approved Integrations",
            "course-tutor init",
        ],
    ),
    (
        "expired token, unknown wording",
        canvas_json({"errors": [{"message": "Revoked access token."}]}, 401, WWW_AUTH),
        InvalidTokenError,
        "invalid_token",
        ["did not accept your access token"],
    ),
    (
        "401 not permitted",
        canvas_json(UNAUTHORIZED_BODY, 401),
        NotPermittedError,
        "not_permitted",
        ["not allowed to see course 5"],
    ),
    (
        "403 not permitted",
        canvas_json(UNAUTHORIZED_BODY, 403),
        NotPermittedError,
        "not_permitted",
        ["not allowed to see course 5"],
    ),
    (
        "not found",
        canvas_json(NOT_FOUND_BODY, 404),
        NotFoundError,
        "not_found",
        ["could not find course 5", "Check the id"],
    ),
    (
        "tab disabled",
        canvas_json(TAB_DISABLED_BODY, 404),
        NotFoundError,
        "not_found",
        ["turned that part off", "That page has been disabled for this course"],
    ),
    (
        "bad request",
        canvas_json({"errors": [{"message": "invalid include value"}]}, 400),
        BadRequestError,
        "bad_request",
        ["HTTP 400", "invalid include value"],
    ),
    (
        "unprocessable",
        canvas_json({"errors": {"search_term": [{"message": "too short"}]}}, 422),
        BadRequestError,
        "bad_request",
        ["HTTP 422", "too short"],
    ),
    (
        "server error",
        canvas_text("Internal Server Error", 500),
        CanvasUnavailableError,
        "unavailable",
        ["problem on its side", "HTTP 500", "3 tries"],
    ),
    (
        "rate limited",
        canvas_text("403 Forbidden (Rate Limit Exceeded)", 403),
        RateLimitedError,
        "rate_limited",
        ["limiting how fast", "Wait a minute"],
    ),
    (
        "too many requests",
        canvas_text("", 429),
        RateLimitedError,
        "rate_limited",
        ["limiting how fast"],
    ),
    (
        "html instead of json",
        httpx2.Response(200, text="<html><body>Log in to Canvas</body></html>"),
        BadResponseError,
        "bad_response",
        ["could not read", "Canvas address"],
    ),
]


@pytest.mark.parametrize(
    ("response", "error_class", "kind", "phrases"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_status_to_error(
    response: httpx2.Response,
    error_class: type[CanvasError],
    kind: str,
    phrases: list[str],
) -> None:
    canvas = FakeCanvas(lambda request: response)
    async with make_client(
        canvas, retry=RetryPolicy(max_rate_limit_retries=2)
    ) as client:
        with pytest.raises(error_class) as caught:
            await client.get_single_course(5)

    error = caught.value
    assert type(error) is error_class
    assert isinstance(error, CanvasError)
    assert error.kind == kind
    assert error.status == response.status_code
    assert str(error) == error.message
    for phrase in phrases:
        assert phrase in error.message


async def test_401_without_a_token_says_one_is_needed() -> None:
    canvas = FakeCanvas(lambda request: canvas_json(NO_TOKEN_BODY, 401, WWW_AUTH))
    async with make_client(canvas, token=None) as client:
        with pytest.raises(InvalidTokenError) as caught:
            await client.list_your_courses()
    assert "no access token" in caught.value.message
    assert "Approved Integrations" in caught.value.message
    assert caught.value.canvas_message == "user authorization required"


async def test_canvas_message_is_kept_for_tools() -> None:
    canvas = FakeCanvas(lambda request: canvas_json(TAB_DISABLED_BODY, 404))
    async with make_client(canvas) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.list_modules(5)
    assert caught.value.canvas_message == "That page has been disabled for this course"


def test_every_error_class_has_its_own_kind_and_is_drawn_in_the_tree() -> None:
    classes = [
        CanvasConfigError,
        InvalidIdError,
        InvalidTokenError,
        NotPermittedError,
        NotFoundError,
        RateLimitedError,
        CanvasUnavailableError,
        BadRequestError,
        BadResponseError,
    ]
    kinds = [cls.kind for cls in classes]
    assert len(set(kinds)) == len(kinds)
    tree = errors_module.__doc__ or ""
    for cls in classes:
        assert issubclass(cls, CanvasError)
        assert cls.__name__ in tree
        assert f'"{cls.kind}"' in tree
    assert issubclass(InvalidIdError, ValueError)
    assert issubclass(CanvasConfigError, ValueError)


def test_error_repr_is_informative() -> None:
    error = NotFoundError("Canvas could not find course 5.", status=404)
    assert repr(error) == (
        "NotFoundError('Canvas could not find course 5.', kind='not_found', status=404)"
    )


# -- the token stays secret ------------------------------------------------

ECHOING_BODIES: list[tuple[int, Any]] = [
    (401, {"errors": [{"message": f"Invalid access token: {TOKEN}"}]}),
    (403, {"errors": [{"message": f"token {TOKEN} may not"}]}),
    (404, {"message": f"no course for Bearer {TOKEN}"}),
    (400, {"errors": {"token": [{"message": TOKEN}]}}),
    (500, f"crash while handling Authorization: Bearer {TOKEN}"),
]


def everything_said_about(error: BaseException) -> str:
    """Every text an error could show: message, str, repr, traceback, chain."""
    parts = [str(error), repr(error)]
    parts += [str(getattr(error, name, "")) for name in ("message", "canvas_message")]
    parts.append("".join(traceback.format_exception(error)))
    return "\n".join(parts)


@pytest.mark.parametrize(("status", "body"), ECHOING_BODIES)
async def test_token_echoed_by_canvas_is_redacted(status: int, body: Any) -> None:
    response = (
        canvas_json(body, status)
        if isinstance(body, dict)
        else canvas_text(body, status)
    )
    canvas = FakeCanvas(lambda request: response)
    async with make_client(canvas) as client:
        with pytest.raises(CanvasError) as caught:
            await client.get_single_course(5)
    assert TOKEN not in everything_said_about(caught.value)


def failures(request: httpx2.Request) -> httpx2.Response:
    """A Canvas where every path fails in its own way."""
    path = request.url.path
    if path.endswith("/courses/1"):
        return canvas_json(INVALID_TOKEN_BODY, 401, WWW_AUTH)
    if path.endswith("/courses/2"):
        return canvas_json(UNAUTHORIZED_BODY, 403)
    if path.endswith("/courses/3"):
        return canvas_json(NOT_FOUND_BODY, 404)
    if path.endswith("/courses/4"):
        return canvas_text("403 Forbidden (Rate Limit Exceeded)", 403)
    if path.endswith("/courses/5"):
        return canvas_text("down", 503)
    if path.endswith("/courses/6"):
        raise httpx2.ConnectError("connection refused", request=request)
    if path.endswith("/courses/7"):
        raise httpx2.ReadTimeout("timed out", request=request)
    if path.endswith("/modules"):
        link = link_header(next="https://evil.test/api/v1/courses/8/modules?page=2")
        return canvas_json([module(1, items_count=150)], headers={"Link": link})
    return canvas_json([course(9)], headers={"X-Rate-Limit-Remaining": "10"})


async def test_token_never_reaches_logs_or_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caught: list[BaseException] = []
    with caplog.at_level(logging.DEBUG):
        async with make_client(FakeCanvas(failures)) as client:
            assert TOKEN not in repr(client)
            await client.list_your_courses()
            await client.list_your_courses()
            await client.list_modules(8, include=["items"])
            for course_id in range(1, 8):
                try:
                    await client.get_single_course(course_id)
                except CanvasError as error:
                    caught.append(error)
            try:
                await client.get_single_course("../users/self")
            except CanvasError as error:
                caught.append(error)

    assert len(caught) == 8
    assert caplog.records, "the client logs each request"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in str(record.args)
    for error in caught:
        assert TOKEN not in everything_said_about(error)
    request_lines = [
        r
        for r in caplog.records
        if r.name == "course_tutor.canvas.requester" and "GET" in r.getMessage()
    ]
    assert any("/api/v1/courses/3 404" in r.getMessage() for r in request_lines)
    assert all("attempt" in r.getMessage() for r in request_lines)


async def test_request_log_line_shape(caplog: pytest.LogCaptureFixture) -> None:
    canvas = FakeCanvas(lambda request: canvas_json(course(1)))
    with caplog.at_level(logging.INFO, logger="course_tutor.canvas"):
        async with make_client(canvas) as client:
            await client.get_single_course("sis_course_id:A/B")
    [line] = [r for r in caplog.records if r.name == "course_tutor.canvas.requester"]
    assert line.levelno == logging.INFO
    assert line.msg.startswith("GET %s %d in %.0f ms")
    message = line.getMessage()
    assert message.startswith("GET /api/v1/courses/sis_course_id:A%2FB 200 in ")
    assert message.endswith("ms (attempt 1)")
