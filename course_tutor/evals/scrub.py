"""What never goes into a cassette: credentials in headers, query strings
and bodies.

`vcr_settings()` is the vcrpy configuration the test suite records with;
`scrub_text` is the same body filter, which the eval recordings apply to
every string they keep. Nothing here imports vcrpy.
"""

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
_SECRET_FIELD = re.compile(
    r'((?:\\?")(?:' + "|".join(SECRET_FIELDS) + r')\\?"\s*:\s*)\\?"[^"\\]*\\?"'
)
_API_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{8,}")


def scrub_text(text: str) -> str:
    """`text` with token fields of JSON (also JSON inside a JSON string)
    replaced by FILTERED, and anything shaped like an OpenAI key replaced."""
    text = _SECRET_FIELD.sub(lambda m: _filtered(m.group(0), m.group(1)), text)
    return _API_KEY.sub("FILTERED-KEY", text)


def _filtered(whole: str, key_part: str) -> str:
    quote = '\\"' if whole.endswith('\\"') else '"'
    return f"{key_part}{quote}FILTERED{quote}"


def _scrub_request(request: Any) -> Any:
    body = request.body
    if isinstance(body, bytes):
        request.body = scrub_text(body.decode("utf-8", "replace")).encode()
    elif isinstance(body, str):
        request.body = scrub_text(body)
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = scrub_text(
            body.decode("utf-8", "replace")
        ).encode()
    elif isinstance(body, str):
        response["body"]["string"] = scrub_text(body)
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
