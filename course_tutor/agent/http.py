"""The HTTP client a real model server is reached through.

The openai SDK retries every 429 twice, but a 429 whose error code is
`insufficient_quota` means the account has no credit left: asking again only
makes the student wait longer for the same answer. The SDK honours the
`x-should-retry` header it gets back, so a response hook marks those answers
as final before the SDK decides.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai

FINAL_429_CODES = frozenset({"insufficient_quota"})
"""429 error codes (or types) that no amount of waiting will clear."""


def model_http_client(
    transport: httpx2.AsyncBaseTransport | None = None, **options: Any
) -> httpx2.AsyncClient:
    """The SDK's default HTTP client, with final quota errors left unretried."""
    hooks = options.pop("event_hooks", {})
    hooks = {**hooks, "response": [*hooks.get("response", ()), mark_final_quota]}
    return openai.DefaultAsyncHttpxClient(
        transport=transport, event_hooks=hooks, **options
    )


async def mark_final_quota(response: httpx2.Response) -> None:
    """Tell the SDK not to retry a 429 that says the credit has run out."""
    if response.status_code != 429:
        return
    await response.aread()
    try:
        body = response.json()
    except ValueError:
        return
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return
    if {error.get("code"), error.get("type")} & FINAL_429_CODES:
        response.headers["x-should-retry"] = "false"
