"""The Canvas REST client: one method per endpoint the tutor reads.

Every request carries the token as a Bearer header and goes only to the
configured Canvas. Listings are paginated through the ``Link`` header up to a
record cap; throttling, server errors and dropped connections are retried
within bounds; whatever still fails becomes a CanvasError (see ``errors``).
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, ValidationError

from course_tutor import __version__
from course_tutor.canvas.address import API_PREFIX, normalize_base_url, origin
from course_tutor.canvas.errors import CanvasConfigError, CanvasError
from course_tutor.canvas.failures import (
    error_for_response,
    error_for_transport,
    is_rate_limited,
    unreadable,
)
from course_tutor.canvas.ids import course_id_segment, module_id_segment, plain_id
from course_tutor.canvas.links import next_link
from course_tutor.canvas.listing import Listing
from course_tutor.canvas.models import Course, Module, ModuleItem, User
from course_tutor.canvas.retry import RetryPolicy, retry_after
from course_tutor.canvas.throttle import Throttle

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

Sleep = Callable[[float], Awaitable[object]]
QueryValue = str | int | bool | Iterable[str] | None
Query = list[tuple[str, str | int | float | bool | None]]

PER_PAGE = 100
"""The largest page Canvas serves; older installs quietly give 50."""

# Failures where the request may simply not have reached Canvas, or Canvas
# dropped it: worth another try.
_RETRYABLE_TRANSPORT = (
    httpx2.TimeoutException,
    httpx2.NetworkError,
    httpx2.RemoteProtocolError,
)


class CanvasClient:
    """An async client for the parts of the Canvas REST API the tutor reads.

    ``base_url`` is the Canvas address (``https://canvas.school.edu``, with or
    without ``/api/v1``); ``token`` an access token, or None for the few
    endpoints that work without one. Use as ``async with CanvasClient(...)``.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: float | httpx2.Timeout = 20.0,
        max_items: int = 1000,
        max_concurrency: int = 4,
        retry: RetryPolicy | None = None,
        low_remaining_threshold: float = 100.0,
        max_throttle_delay: float = 2.0,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_items < 1 or max_concurrency < 1:
            raise ValueError("max_items and max_concurrency must be at least 1")

        self.base_url = normalize_base_url(base_url)
        """The normalised Canvas address, without ``/api/v1``."""
        self.max_items = max_items
        self.retry = retry or RetryPolicy()
        self._api_root = self.base_url + API_PREFIX
        self._origin = origin(httpx2.URL(self._api_root))
        self._token = _checked_token(token)
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._throttle = Throttle(low_remaining_threshold, max_throttle_delay)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http = httpx2.AsyncClient(
            transport=transport,
            timeout=timeout,
            headers=self._headers(),
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"CanvasClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> CanvasClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        await self._http.aclose()

    # -- endpoints ---------------------------------------------------------

    async def list_your_courses(
        self,
        *,
        enrollment_type: str | None = None,
        enrollment_state: str | None = None,
        state: Iterable[str] | None = None,
        include: Iterable[str] | None = None,
    ) -> Listing[Course]:
        """``GET /api/v1/courses``: the courses the token's owner is enrolled in."""
        query = _query(
            enrollment_type=enrollment_type,
            enrollment_state=enrollment_state,
            state=_array(state),
            include=_array(include),
        )
        return await self._list("/courses", query, Course, what="your courses")

    async def get_single_course(
        self,
        course_id: object,
        *,
        include: Iterable[str] | None = None,
        teacher_limit: int | None = None,
    ) -> Course:
        """``GET /api/v1/courses/:id``: one course."""
        course = course_id_segment(course_id)
        query = _query(include=_array(include), teacher_limit=teacher_limit)
        return await self._get_object(
            f"/courses/{course}", query, Course, what=f"course {course_id}"
        )

    async def list_modules(
        self,
        course_id: object,
        *,
        include: Iterable[str] | None = None,
        search_term: str | None = None,
        student_id: object = None,
    ) -> Listing[Module]:
        """``GET /api/v1/courses/:course_id/modules``: a course's modules.

        With ``include=["items"]``, Canvas leaves out the items of a module
        that has more than 100; those are fetched from the module's
        ``items_url`` so every module comes back with its items.
        """
        course = course_id_segment(course_id)
        student = _optional_id(student_id, "student id")
        includes = _array(include) or []
        query = _query(include=includes, search_term=search_term, student_id=student)
        modules = await self._list(
            f"/courses/{course}/modules",
            query,
            Module,
            what=f"the modules of course {course_id}",
        )

        if "items" in includes:
            item_includes = [name for name in includes if name == "content_details"]
            item_query = _query(include=item_includes, student_id=student)
            await self._fill_missing_items(modules, course, item_query)
        return modules

    async def list_module_items(
        self,
        course_id: object,
        module_id: object,
        *,
        include: Iterable[str] | None = None,
        search_term: str | None = None,
        student_id: object = None,
    ) -> Listing[ModuleItem]:
        """``GET /api/v1/courses/:course_id/modules/:module_id/items``."""
        course = course_id_segment(course_id)
        module = module_id_segment(module_id)
        query = _query(
            include=_array(include),
            search_term=search_term,
            student_id=_optional_id(student_id, "student id"),
        )
        return await self._list(
            f"/courses/{course}/modules/{module}/items",
            query,
            ModuleItem,
            what=f"the items of module {module_id} in course {course_id}",
        )

    async def search_courses(
        self,
        search: str | None = None,
        *,
        public_only: bool | None = None,
        open_enrollment_only: bool | None = None,
    ) -> Listing[Course]:
        """``GET /api/v1/search/all_courses``: the public course index.

        Works without a token. Canvas wraps each course as ``{"course": {...}}``.
        """
        query = _query(
            search=search,
            public_only=public_only,
            open_enrollment_only=open_enrollment_only,
        )
        return await self._list(
            "/search/all_courses",
            query,
            Course,
            what="the public course index",
            unwrap=_unwrap_course,
        )

    async def get_self(self) -> User:
        """``GET /api/v1/users/self``: the owner of the token."""
        return await self._get_object("/users/self", [], User, what="your profile")

    # -- listings ----------------------------------------------------------

    async def _list(
        self,
        path_or_url: str | httpx2.URL,
        query: Query,
        model: type[M],
        *,
        what: str,
        unwrap: Callable[[Any], Any] | None = None,
    ) -> Listing[M]:
        """Every record across pages, following ``rel="next"`` links."""
        listing: Listing[M] = Listing()
        url: str | httpx2.URL = self._url(path_or_url)
        params: Query | None = [*query, ("per_page", str(PER_PAGE))]
        visited: set[str] = set()

        while True:
            response = await self._get(url, params, what=what)
            page = self._decode(response, what)
            if not isinstance(page, list):
                raise unreadable(what, "expected a list", status=response.status_code)
            if not page:
                break

            records = _parse_records(page, model, what, unwrap)
            room = self.max_items - len(listing.items)
            listing.items.extend(records[:room])
            if len(records) > room:
                listing.truncated = True
                break

            following = self._next_page(response, visited)
            if following is _End.LAST_PAGE:
                break
            if following is _End.REFUSED or len(listing.items) >= self.max_items:
                listing.truncated = True
                break
            url, params = following, None
        return listing

    def _next_page(
        self, response: httpx2.Response, visited: set[str]
    ) -> httpx2.URL | _End:
        """The next page's URL, or why there is none to follow."""
        link = next_link(response)
        if link is None:
            return _End.LAST_PAGE
        url = _parse_url(link, relative_to=response.request.url)
        if url is None or not self._may_send_to(url):
            logger.warning(
                "Not following a next page link to %s: not the configured Canvas",
                _without_query(url),
            )
            return _End.REFUSED

        # A link back to a page already read would loop forever.
        if str(url) in visited:
            logger.warning("Stopping: next page link repeats %s", _without_query(url))
            return _End.LAST_PAGE
        visited.add(str(url))
        return url

    async def _fill_missing_items(
        self, modules: Listing[Module], course: str, query: Query
    ) -> None:
        """Fetch items Canvas left out of modules with more than 100, in
        parallel (the semaphore bounds the requests in flight)."""
        wanting = [
            module
            for module in modules
            if module.items is None and (module.items_count or 0) > 0
        ]
        fetches = [self._items_of(module, course, query) for module in wanting]
        results = await asyncio.gather(*fetches, return_exceptions=True)

        for module, result in zip(wanting, results, strict=True):
            if isinstance(result, BaseException):
                raise result
            if result is None:
                modules.truncated = True
                continue
            module.items = result.items
            modules.truncated = modules.truncated or result.truncated

    async def _items_of(
        self, module: Module, course: str, query: Query
    ) -> Listing[ModuleItem] | None:
        """A module's items from its ``items_url``; None if that URL is not
        on the configured Canvas."""
        url: str | httpx2.URL | None
        if module.items_url is None:
            url = f"/courses/{course}/modules/{module.id}/items"
        else:
            url = _parse_url(module.items_url, relative_to=httpx2.URL(self._api_root))
            if url is None or not self._may_send_to(url):
                logger.warning(
                    "Not fetching the items of module %s from %s: not the "
                    "configured Canvas",
                    module.id,
                    _without_query(url),
                )
                return None
        return await self._list(
            url, query, ModuleItem, what=f"the items of module {module.id}"
        )

    # -- single requests ---------------------------------------------------

    async def _get_object(
        self, path: str, query: Query, model: type[M], *, what: str
    ) -> M:
        response = await self._get(self._url(path), query, what=what)
        body = self._decode(response, what)
        if not isinstance(body, dict):
            raise unreadable(what, "expected an object", status=response.status_code)
        [record] = _parse_records([body], model, what)
        return record

    async def _get(
        self, url: str | httpx2.URL, params: Query | None, *, what: str
    ) -> httpx2.Response:
        """One GET, retried on throttling, server errors and lost connections
        within the retry policy; raises the matching CanvasError otherwise."""
        policy = self.retry
        retries = rate_limit_retries = 0
        waited = 0.0
        attempt = 0

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
                if (
                    not isinstance(exc, _RETRYABLE_TRANSPORT)
                    or retries >= policy.max_retries
                ):
                    raise failure from exc
                retries += 1
                delay = policy.backoff(retries, self._rng)
                asked = None
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
                asked = retry_after(response)
                if is_rate_limited(response):
                    if rate_limit_retries >= policy.max_rate_limit_retries:
                        raise failure
                    rate_limit_retries += 1
                    delay = policy.backoff(rate_limit_retries, self._rng)
                elif response.status_code >= 500 and retries < policy.max_retries:
                    retries += 1
                    delay = policy.backoff(retries, self._rng)
                else:
                    raise failure

            # Canvas's Retry-After wins over our own guess; if it, or any
            # wait, no longer fits in the budget, give up now.
            remaining = policy.max_total_wait - waited
            if asked is not None:
                delay = asked
            if delay > remaining or remaining <= 0:
                if asked is not None or remaining <= 0:
                    raise failure
                delay = remaining
            waited += delay
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

    # -- helpers -----------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "User-Agent": f"course-tutor/{__version__}",
        }
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _url(self, path_or_url: str | httpx2.URL) -> str | httpx2.URL:
        """A path below ``/api/v1`` made absolute; a URL kept as it is."""
        if isinstance(path_or_url, str) and path_or_url.startswith("/"):
            return self._api_root + path_or_url
        return path_or_url

    def _may_send_to(self, url: httpx2.URL) -> bool:
        """Only the configured scheme, host and port ever see the token."""
        if url.scheme not in ("http", "https") or url.userinfo:
            return False
        return origin(url) == self._origin

    def _decode(self, response: httpx2.Response, what: str) -> Any:
        text = response.text
        # Canvas may guard JSON against hijacking with this prefix.
        text = text.removeprefix("while(1);")
        try:
            return json.loads(text)
        except ValueError:
            raise unreadable(
                what, "it is not JSON", status=response.status_code
            ) from None

    def _redact(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "[token]")
        return text


class _End(enum.Enum):
    """Why a listing has no next page to fetch."""

    LAST_PAGE = "last page"
    REFUSED = "next page not on the configured Canvas"


def _checked_token(token: str | None) -> str | None:
    """The token, or None when there is none; never echoed on refusal."""
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


def _optional_id(value: object, what: str) -> int | None:
    return None if value is None else plain_id(value, what=what)


def _array(values: Iterable[str] | str | None) -> list[str] | None:
    """A list of values; a lone string is one value, not its characters."""
    if values is None:
        return None
    if isinstance(values, str):
        return [values]
    return [str(value) for value in values]


def _query(**values: QueryValue) -> Query:
    """Canvas's query encoding: arrays as repeated ``name[]``, booleans as
    ``true``/``false``, None left out."""
    query: Query = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query.append((name, "true" if value else "false"))
        elif isinstance(value, list):
            query.extend((f"{name}[]", item) for item in value)
        else:
            query.append((name, str(value)))
    return query


def _parse_records(
    records: list[Any],
    model: type[M],
    what: str,
    unwrap: Callable[[Any], Any] | None = None,
) -> list[M]:
    try:
        return [model.model_validate(unwrap(r) if unwrap else r) for r in records]
    except ValidationError as exc:
        raise unreadable(
            what,
            f"{exc.error_count()} field(s) in an unexpected shape",
            status=200,
        ) from None


def _unwrap_course(record: Any) -> Any:
    """``{"course": {...}}`` → the course; a bare course passes through."""
    if isinstance(record, Mapping) and isinstance(record.get("course"), Mapping):
        return record["course"]
    return record


def _path_of(url: str | httpx2.URL) -> str:
    """The request path as sent, without the query."""
    raw = httpx2.URL(url).raw_path if isinstance(url, str) else url.raw_path
    return raw.split(b"?", 1)[0].decode("ascii", "replace")


def _parse_url(text: str, *, relative_to: httpx2.URL) -> httpx2.URL | None:
    """An absolute URL as given, or a relative one resolved; None if unreadable."""
    try:
        url = httpx2.URL(text)
        return url if url.is_absolute_url else relative_to.join(url)
    except httpx2.InvalidURL:
        return None


def _without_query(url: httpx2.URL | None) -> str:
    """A URL fit for a log line: no query, which may carry anything."""
    if url is None:
        return "an unreadable address"
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"
