"""Gathering a listing across pages.

Canvas serves at most 100 records a page (we always ask for 100) and links
the next page in the ``Link`` header. The next URL is requested exactly as
given, unless it points away from the configured Canvas: then the listing
stops there and is marked truncated, as it is when the record cap is reached.
Past the last page Canvas answers ``[]``.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, ValidationError

from course_tutor.canvas.failures import unreadable
from course_tutor.canvas.links import next_link
from course_tutor.canvas.listing import Listing
from course_tutor.canvas.requester import Query, Requester

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

PER_PAGE = 100
"""The largest page Canvas serves; older installs quietly give 50."""


class _End(enum.Enum):
    """Why a listing has no next page to fetch."""

    LAST_PAGE = "last page"
    REFUSED = "next page not on the configured Canvas"


async def collect(
    requester: Requester,
    path_or_url: str | httpx2.URL,
    query: Query,
    model: type[M],
    *,
    what: str,
    max_items: int,
    unwrap: Callable[[Any], Any] | None = None,
) -> Listing[M]:
    """Every record of a listing, page after page, up to ``max_items``."""
    listing: Listing[M] = Listing()
    url = requester.url(path_or_url)
    params: Query | None = [*query, ("per_page", str(PER_PAGE))]
    visited: set[str] = set()

    while True:
        page, response = await requester.get_json(url, params, what=what)
        if not isinstance(page, list):
            raise unreadable(what, "expected a list", status=response.status_code)
        if not page:
            break

        records = parse_records(page, model, what, unwrap)
        room = max_items - len(listing.items)
        listing.items.extend(records[:room])
        if len(records) > room:
            listing.truncated = True
            break

        following = _next_page(requester, response, visited)
        if following is _End.LAST_PAGE:
            break
        if following is _End.REFUSED or len(listing.items) >= max_items:
            listing.truncated = True
            break
        url, params = following, None
    return listing


def parse_records(
    records: list[Any],
    model: type[M],
    what: str,
    unwrap: Callable[[Any], Any] | None = None,
) -> list[M]:
    """Records as models; one that cannot be read fails the whole answer."""
    try:
        return [model.model_validate(unwrap(r) if unwrap else r) for r in records]
    except ValidationError as exc:
        raise unreadable(
            what, f"{exc.error_count()} field(s) in an unexpected shape", status=200
        ) from None


def resolve(text: str, *, relative_to: httpx2.URL) -> httpx2.URL | None:
    """An absolute URL as given, or a relative one resolved; None if unreadable."""
    try:
        url = httpx2.URL(text)
        return url if url.is_absolute_url else relative_to.join(url)
    except httpx2.InvalidURL:
        return None


def loggable(url: httpx2.URL | None) -> str:
    """A URL fit for a log line: without its query, which may carry anything."""
    if url is None:
        return "an unreadable address"
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"


def _next_page(
    requester: Requester, response: httpx2.Response, visited: set[str]
) -> httpx2.URL | _End:
    """The next page's URL, or why there is none to follow."""
    link = next_link(response)
    if link is None:
        return _End.LAST_PAGE
    url = resolve(link, relative_to=response.request.url)
    if url is None or not requester.may_send_to(url):
        logger.warning(
            "Not following a next page link to %s: not the configured Canvas",
            loggable(url),
        )
        return _End.REFUSED

    # A link back to a page already read would loop forever.
    if str(url) in visited:
        logger.warning("Stopping: next page link repeats %s", loggable(url))
        return _End.LAST_PAGE
    visited.add(str(url))
    return url
