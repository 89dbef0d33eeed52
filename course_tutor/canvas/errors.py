"""What can go wrong when talking to Canvas, as a small tree of exceptions.

::

    CanvasError                         kind             status
     ├── CanvasConfigError (ValueError) "config"         -        bad address,
     │                                                            http to a remote
     │                                                            host, bad token
     ├── InvalidIdError (ValueError)    "invalid_id"     -        not a Canvas id
     ├── InvalidTokenError              "invalid_token"  401      token missing,
     │                                                            invalid, expired
     ├── NotPermittedError              "not_permitted"  401, 403 not allowed
     ├── NotFoundError                  "not_found"      404      no such thing,
     │                                                            or tab disabled
     ├── RateLimitedError               "rate_limited"   403, 429 still throttled
     ├── CanvasUnavailableError         "unavailable"    5xx, -   server error,
     │                                                            timeout, offline
     ├── BadRequestError                "bad_request"    4xx      parameters refused
     └── BadResponseError               "bad_response"   any      unreadable answer

Rate limits, server errors, timeouts and connection failures are retried
first; the errors above are what is left when retrying did not help.

Every error carries ``kind`` (a stable short name that tools hand to the model
as the error type), ``status`` (the HTTP status, or None when no answer came)
and a message written for the student: what happened and what to do next.
``canvas_message`` holds Canvas's own words when it sent any. The access token
never appears in any of these.
"""

from __future__ import annotations


class CanvasError(Exception):
    """Base class: something went wrong between course-tutor and Canvas."""

    kind: str = "canvas_error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        canvas_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.canvas_message = canvas_message

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self.message!r}, kind={self.kind!r}, status={self.status!r})"


class CanvasConfigError(CanvasError, ValueError):
    """The Canvas address or the token cannot be used as configured."""

    kind = "config"


class InvalidIdError(CanvasError, ValueError):
    """An id that is neither a plain Canvas id nor an accepted prefixed form."""

    kind = "invalid_id"


class InvalidTokenError(CanvasError):
    """Canvas did not accept the token (missing, invalid, expired or deleted)."""

    kind = "invalid_token"


class NotPermittedError(CanvasError):
    """The token is fine, but its owner may not see this."""

    kind = "not_permitted"


class NotFoundError(CanvasError):
    """Canvas has nothing at this address, or the course turned the page off."""

    kind = "not_found"


class RateLimitedError(CanvasError):
    """Canvas kept throttling requests after every retry allowed."""

    kind = "rate_limited"


class CanvasUnavailableError(CanvasError):
    """Canvas could not be reached or kept failing on its side."""

    kind = "unavailable"


class BadRequestError(CanvasError):
    """Canvas refused the request's parameters (400, 422 and other 4xx)."""

    kind = "bad_request"


class BadResponseError(CanvasError):
    """Canvas answered with something that is not the JSON expected."""

    kind = "bad_response"
