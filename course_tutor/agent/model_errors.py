"""Model API failures, told to the student as what happened and what to do.

The openai SDK has already retried what is worth retrying (connection errors,
429 and 5xx) by the time one of these reaches the loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import openai

_SECRET_LENGTH = 12


def describe(
    error: BaseException,
    *,
    model: str,
    base_url: str,
    secrets: Iterable[str | None] = (),
) -> tuple[str, str]:
    """The `(kind, message)` for a failed model request. A server's own
    words are quoted with `secrets` (the API key, ...) blanked out: some
    servers repeat what they were sent."""
    kind, message = _described(error, model=model, where=_host(base_url))
    for secret in secrets:
        # Placeholders local servers accept ("ollama", "not-needed") are
        # not secrets, and blanking them would garble the message.
        if secret and len(secret) >= _SECRET_LENGTH:
            message = message.replace(secret, "[redacted]")
    return kind, message


def _described(error: BaseException, *, model: str, where: str) -> tuple[str, str]:
    match error:
        case openai.AuthenticationError():
            return "bad_key", (
                f"The model server at {where} did not accept the API key. Check "
                "OPENAI_API_KEY (or run `course-tutor init`), then try again."
            )
        case openai.PermissionDeniedError():
            return "not_permitted", (
                f"The API key may not use the model {model!r} on {where}. Pick "
                "another model with --model, or check the key's project settings."
            )
        case openai.NotFoundError():
            return "unknown_model", (
                f"The model server at {where} has no model named {model!r}. "
                "Choose one it offers with --model (or COURSE_TUTOR_MODEL)."
            )
        case openai.RateLimitError() if _code(error) == "insufficient_quota":
            return "quota", (
                "The API account has run out of credit. Add credit or use another "
                "key or an OpenAI-compatible local server, then ask again."
            )
        case openai.RateLimitError():
            return "rate_limited", (
                "The model server is rate-limiting requests and retries did not "
                "help. Wait a minute, then ask again."
            )
        case openai.BadRequestError() if _code(error) == "context_length_exceeded":
            return "context", (
                "This conversation is too long for the model. Start a new chat "
                "(ctrl+n) and ask again."
            )
        case openai.BadRequestError():
            return "bad_request", (
                f"The model server refused the request: {_detail(error)}. If you "
                "use a local server, check that the model supports tool calls."
            )
        case openai.InternalServerError():
            return "server_error", (
                f"The model server at {where} had an internal error. Try again in "
                "a moment."
            )
        case openai.APITimeoutError():
            return "timeout", (
                f"The model server at {where} did not answer in time. Check your "
                "connection and ask again."
            )
        case openai.APIConnectionError():
            return "offline", (
                f"Could not reach the model server at {where}. Check your network "
                "connection (or that your local model server is running), then "
                "ask again."
            )
        case openai.APIStatusError():
            return "server_error", (
                f"The model server answered with an error ({error.status_code}): "
                f"{_detail(error)}."
            )
        case ValueError():
            return "bad_stream", (
                "The model server sent a reply that could not be read. Ask again; "
                "if it keeps happening, the server may not be OpenAI-compatible."
            )
    return "model_error", f"The model request failed: {type(error).__name__}."


def _host(base_url: str) -> str:
    """`host:port` of the address, without any user name or password in it."""
    netloc = base_url.split("://", 1)[-1].split("/", 1)[0]
    return netloc.rpartition("@")[2] or base_url


def _code(error: openai.APIStatusError) -> str | None:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return inner.get("code") or inner.get("type")
    return getattr(error, "code", None)


def _detail(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
    if isinstance(body, str):
        return body[:300]
    return json.dumps(body)[:300] if body else error.message[:300]
