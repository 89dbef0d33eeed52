"""The Canvas REST client: one method per endpoint the tutor reads.

Every request carries the token as a Bearer header and goes only to the
configured Canvas. Listings are paginated through the ``Link`` header up to a
record cap; throttling, server errors and dropped connections are retried
within bounds; whatever still fails becomes a CanvasError (see ``errors``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel

from course_tutor.canvas.address import normalize_base_url
from course_tutor.canvas.failures import unreadable
from course_tutor.canvas.ids import course_id_segment, module_id_segment, plain_id
from course_tutor.canvas.listing import Listing
from course_tutor.canvas.models import Course, Module, ModuleItem, User
from course_tutor.canvas.pagination import collect, loggable, parse_records, resolve
from course_tutor.canvas.requester import Query, Requester, Sleep, TokenRefresher
from course_tutor.canvas.retry import RetryPolicy
from course_tutor.canvas.throttle import Throttle

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

QueryValue = str | int | bool | list[str] | None


class CanvasClient:
    """An async client for the parts of the Canvas REST API the tutor reads.

    ``base_url`` is the Canvas address (``https://canvas.school.edu``, with or
    without ``/api/v1``); ``token`` an access token, or None for the few
    endpoints that work without one. Use as ``async with CanvasClient(...)``.

    At most ``max_concurrency`` requests are in flight. Eight lets a step
    that asks for all of a course's modules at once take one round trip,
    and stays well inside Canvas's throttle: each request reserves 50 of a
    600 bucket up front, so a dozen at once would reach its limit.

    ``token_refresher``, for OAuth logins, is awaited with the token Canvas
    refused and returns a fresh one; each request is retried with it once.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: float | httpx2.Timeout = 20.0,
        max_items: int = 1000,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
        low_remaining_threshold: float = 100.0,
        max_throttle_delay: float = 2.0,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        token_refresher: TokenRefresher | None = None,
    ) -> None:
        if max_items < 1 or max_concurrency < 1:
            raise ValueError("max_items and max_concurrency must be at least 1")

        self.base_url = normalize_base_url(base_url)
        """The normalised Canvas address, without ``/api/v1``."""
        self.max_items = max_items
        self._requester = Requester(
            self.base_url,
            token,
            transport=transport,
            timeout=timeout,
            max_concurrency=max_concurrency,
            retry=retry or RetryPolicy(),
            throttle=Throttle(low_remaining_threshold, max_throttle_delay),
            sleep=sleep,
            rng=rng or random.Random(),
            token_refresher=token_refresher,
        )

    def __repr__(self) -> str:
        return f"CanvasClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> CanvasClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        await self._requester.aclose()

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

        # search_term is not passed on to the items: the module already
        # matched, so all of its items are shown, as for smaller modules.
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
        return await collect(
            self._requester,
            path_or_url,
            query,
            model,
            what=what,
            max_items=self.max_items,
            unwrap=unwrap,
        )

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
            root = httpx2.URL(self._requester.api_root)
            url = resolve(module.items_url, relative_to=root)
            if url is None or not self._requester.may_send_to(url):
                logger.warning(
                    "Not fetching the items of module %s from %s: not the "
                    "configured Canvas",
                    module.id,
                    loggable(url),
                )
                return None
        return await self._list(
            url, query, ModuleItem, what=f"the items of module {module.id}"
        )

    # -- single requests ---------------------------------------------------

    async def _get_object(
        self, path: str, query: Query, model: type[M], *, what: str
    ) -> M:
        body, response = await self._requester.get_json(
            self._requester.url(path), query, what=what
        )
        if not isinstance(body, dict):
            raise unreadable(what, "expected an object", status=response.status_code)
        [record] = parse_records([body], model, what)
        return record


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


def _unwrap_course(record: Any) -> Any:
    """``{"course": {...}}`` → the course; a bare course passes through."""
    if isinstance(record, Mapping) and isinstance(record.get("course"), Mapping):
        return record["course"]
    return record
