"""How cassettes are recorded: what is filtered out before anything is
written, so that no token, key or cookie ever lands in `cassettes/`."""

from __future__ import annotations

import re
from typing import Any

SECRET_HEADERS = (
    "authorization",
    "cookie",
    "set-cookie",
    "openai-organization",
    "openai-project",
    "x-api-key",
    "api-key",
)
SECRET_FIELDS = ("access_token", "refresh_token", "client_secret", "code_verifier")
_SECRET_FIELD = re.compile(r'("(?:' + "|".join(SECRET_FIELDS) + r')"\s*:\s*)"[^"]*"')


def _scrub_text(text: str) -> str:
    return _SECRET_FIELD.sub(r'\1"FILTERED"', text)


def _scrub_request(request: Any) -> Any:
    body = request.body
    if isinstance(body, bytes):
        request.body = _scrub_text(body.decode("utf-8", "replace")).encode()
    elif isinstance(body, str):
        request.body = _scrub_text(body)
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = _scrub_text(
            body.decode("utf-8", "replace")
        ).encode()
    elif isinstance(body, str):
        response["body"]["string"] = _scrub_text(body)
    return response


def vcr_settings() -> dict[str, Any]:
    """The vcrpy configuration every recording test uses."""
    return {
        "filter_headers": [(name, None) for name in SECRET_HEADERS],
        "filter_query_parameters": [("access_token", None)],
        "filter_post_data_parameters": [(name, "FILTERED") for name in SECRET_FIELDS],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
    }
