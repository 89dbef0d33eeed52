"""Canvas-style pagination for the demo Canvas: `per_page` (default 10, at most
100), `page` as a number or an opaque bookmark, and a `Link` header of
absolute URLs built from the request's own address."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.datastructures import URL

T = TypeVar("T")

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100


def per_page(value: str | None) -> int:
    try:
        size = int(value) if value is not None else DEFAULT_PER_PAGE
    except ValueError:
        size = DEFAULT_PER_PAGE
    return min(max(size, 1), MAX_PER_PAGE)


def _bookmark(page: int) -> str:
    token = base64.urlsafe_b64encode(f'["page",{page}]'.encode()).decode()
    return "bookmark:" + token.rstrip("=")


def _page_number(value: str | None) -> int:
    """The 1-based page a `page` parameter asks for; 1 when unreadable."""
    if not value:
        return 1
    if value.startswith("bookmark:"):
        token = value.removeprefix("bookmark:")
        try:
            decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            return max(int(decoded.decode().split(",")[1].rstrip("]")), 1)
        except (ValueError, IndexError, UnicodeDecodeError):
            return 1
    try:
        return max(int(value), 1)
    except ValueError:
        return 1


def paginate(
    records: Sequence[T],
    url: URL,
    query: Any,
    *,
    bookmarks: bool = False,
) -> tuple[list[T], str]:
    """One page of `records` and the `Link` header value for it.

    With `bookmarks`, pages are named by opaque bookmarks and no `last` link
    is given, as Canvas does for some collections.
    """
    size = per_page(query.get("per_page"))
    page = _page_number(query.get("page"))
    start = (page - 1) * size
    chunk = list(records[start : start + size])
    last = max((len(records) + size - 1) // size, 1)

    kept = [(k, v) for k, v in query.multi_items() if k not in ("page", "per_page")]

    def link(number: int, rel: str) -> str:
        name = _bookmark(number) if bookmarks else str(number)
        # Canvas leaves the bookmark's colon as it is and encodes the rest.
        params = urlencode([*kept, ("page", name), ("per_page", size)], safe=":")
        return f'<{url.replace(query=params)}>; rel="{rel}"'

    links = [link(page, "current")]
    if page < last:
        links.append(link(page + 1, "next"))
    if page > 1:
        links.append(link(page - 1, "prev"))
    links.append(link(1, "first"))
    if not bookmarks:
        links.append(link(last, "last"))
    return chunk, ",".join(links)
