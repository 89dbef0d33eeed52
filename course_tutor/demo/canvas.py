"""The demo Canvas: a Starlette app that answers the tutor's endpoints the way
Canvas does, from the bundled dataset of a fictional school.

    GET /api/v1/courses                                   listYourCourses
    GET /api/v1/courses/:id                               getSingleCourse
    GET /api/v1/courses/:id/modules                       listModules
    GET /api/v1/courses/:id/modules/:module_id/items      listModuleItems
    GET /api/v1/search/all_courses                        searchCourses (no login)
    GET /api/v1/users/self
    /login/oauth2/...                                     OAuth2 (see `oauth`)

The bearer token is `demo`. Course ids may be numbers or `sis_course_id:`,
`uuid:` forms. Paths are matched on the raw, still-encoded path, so an encoded
`/` inside an id stays inside its segment, as on Canvas.

Options reproduce what a real Canvas does to clients: latency, the rate-limit
bucket (`Throttle`), and injected `Fault`s.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from course_tutor.demo import dataset, shapes
from course_tutor.demo.faults import Fault, Throttle
from course_tutor.demo.oauth import DemoOAuth
from course_tutor.demo.paging import paginate

Record = dict[str, Any]
Handler = Callable[[Request, list[str]], Awaitable[Response]]

DEMO_TOKEN = "demo"

_NO_TOKEN = {
    "status": "unauthenticated",
    "errors": [{"message": "user authorization required"}],
}
_BAD_TOKEN = {"errors": [{"message": "Invalid access token."}]}
_NOT_PERMITTED = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}
_NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
_SERVER_ERROR = {
    "errors": [{"message": "An error occurred."}],
    "error_report_id": 3141592,
}
_ENROLLMENT_STATES = {
    "active": {"active"},
    "completed": {"completed"},
    "invited_or_pending": {"invited", "creation_pending"},
}


class CanvasReply(Exception):
    """Raised inside a handler to answer at once with a Canvas error."""

    def __init__(
        self, status: int, body: Record, headers: dict[str, str] | None = None
    ):
        super().__init__(status)
        self.response = JSONResponse(body, status_code=status, headers=headers)


@dataclass
class DemoCanvas:
    """The demo Canvas's data and behaviour; `app` is the ASGI app."""

    school: Record = field(default_factory=dataset.load_school)
    tokens: dict[str, float | None] = field(default_factory=lambda: {DEMO_TOKEN: None})
    latency_ms: float = 0.0
    throttle: Throttle | None = None
    faults: Sequence[Fault] = ()
    bookmarks: bool = False
    seed: int = 0
    clock: Callable[[], float] = time.time
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._terms = {term["id"]: term for term in self.school["terms"]}
        self._user_id = self.school["user"]["id"]
        self.oauth = DemoOAuth(self)
        self.app = Starlette(
            routes=[
                *self.oauth.routes(),
                Route("/{path:path}", self._dispatch, methods=["GET"]),
            ]
        )
        self.app.state.canvas = self

    # -- dispatch ---------------------------------------------------------

    async def _dispatch(self, request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        segments = [unquote(part) for part in raw_path.decode("latin-1").split("/")]
        segments = [part for part in segments if part]
        path, query = request.url.path, request.url.query
        self.requests.append(path + ("?" + query if query else ""))

        if self.throttle is not None and not self.throttle.start():
            return self._throttled()
        try:
            # Canvas holds a request's reservation while it works on it, so
            # requests in flight together drain the bucket together.
            if self.latency_ms:
                await asyncio.sleep(self.latency_ms / 1000)
            response = await self._answer(request, segments)
        finally:
            if self.throttle is not None:
                self.throttle.finish()
        response.headers["X-Request-Cost"] = f"{self._rng.uniform(0.01, 0.2):.4f}"
        if self.throttle is not None:
            remaining = self.throttle.remaining
            response.headers["X-Rate-Limit-Remaining"] = f"{remaining:.1f}"
        return response

    async def _answer(self, request: Request, segments: list[str]) -> Response:
        path, query = request.url.path, request.url.query
        fault = next(
            (f for f in self.faults if f.applies(path, query, self._rng)), None
        )
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            return self._fault_response(fault.status or 500)

        handler, args = self._route(segments)
        if handler is None:
            return JSONResponse(_NOT_FOUND, status_code=404)
        try:
            response = await handler(request, args)
        except CanvasReply as reply:
            return reply.response

        if fault is not None and fault.kind == "malformed":
            return Response(
                bytes(response.body)[: max(len(response.body) // 2, 1)],
                media_type="application/json",
            )
        if fault is not None and fault.kind == "foreign-link":
            link = response.headers.get("Link", "")
            response.headers["Link"] = link.replace(request.url.netloc, "evil.example")
        return response

    def _route(self, segments: list[str]) -> tuple[Handler | None, list[str]]:
        if segments[:2] != ["api", "v1"]:
            return None, []
        rest = segments[2:]
        match rest:
            case ["courses"]:
                return self._list_courses, []
            case ["courses", course_id]:
                return self._get_course, [course_id]
            case ["courses", course_id, "modules"]:
                return self._list_modules, [course_id]
            case ["courses", course_id, "modules", module_id, "items"]:
                return self._list_items, [course_id, module_id]
            case ["search", "all_courses"]:
                return self._search, []
            case ["users", "self"]:
                return self._self, []
        return None, []

    # -- replies ----------------------------------------------------------

    def _throttled(self) -> Response:
        status = self.throttle.status if self.throttle else 403
        if status == 429:
            return JSONResponse(
                {"errors": [{"message": "Rate Limit Exceeded"}]},
                status_code=429,
                headers={"Retry-After": "1", "X-Rate-Limit-Remaining": "0.0"},
            )
        return Response(
            "403 Forbidden (Rate Limit Exceeded)",
            status_code=403,
            media_type="text/plain",
            headers={"X-Rate-Limit-Remaining": "0.0"},
        )

    def _fault_response(self, status: int) -> Response:
        match status:
            case 401:
                return JSONResponse(
                    _BAD_TOKEN, status_code=401, headers=_www_authenticate()
                )
            case 403:
                return JSONResponse(_NOT_PERMITTED, status_code=403)
            case 404:
                return JSONResponse(_NOT_FOUND, status_code=404)
            case 429:
                return self._throttled_with(429)
        return JSONResponse(_SERVER_ERROR, status_code=status)

    def _throttled_with(self, status: int) -> Response:
        saved, self.throttle = self.throttle, Throttle(status=status)
        try:
            return self._throttled()
        finally:
            self.throttle = saved

    # -- auth -------------------------------------------------------------

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not token:
            token = request.query_params.get("access_token", "")
        elif scheme.lower() != "bearer":
            token = ""
        if not token:
            raise CanvasReply(401, _NO_TOKEN, _www_authenticate())
        if token not in self.tokens:
            raise CanvasReply(401, _BAD_TOKEN, _www_authenticate())
        expires = self.tokens[token]
        if expires is not None and expires <= self.clock():
            raise CanvasReply(401, _BAD_TOKEN, _www_authenticate())

    # -- lookups ----------------------------------------------------------

    def _find_course(self, course_id: str) -> Record:
        prefix, sep, value = course_id.partition(":")
        for course in self.school["courses"]:
            if not sep and course_id.isdigit() and course["id"] == int(course_id):
                return course
            if (
                sep
                and prefix == "sis_course_id"
                and course.get("sis_course_id") == value
            ):
                return course
            if sep and prefix == "uuid" and course.get("uuid") == value:
                return course
        raise CanvasReply(404, _NOT_FOUND)

    def _visible_course(self, course_id: str) -> Record:
        """A course the demo student may read: enrolled, or public."""
        course = self._find_course(course_id)
        if course.get("enrollment") or course.get("is_public"):
            return course
        raise CanvasReply(401, _NOT_PERMITTED)

    def _readable_course(self, course_id: str) -> Record:
        course = self._visible_course(course_id)
        if course.get("access_restricted_by_date"):
            raise CanvasReply(401, _NOT_PERMITTED)
        return course

    def _base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def _page(self, request: Request, records: Sequence[Any]) -> Response:
        chunk, link = paginate(
            records, request.url, request.query_params, bookmarks=self.bookmarks
        )
        return JSONResponse(chunk, headers={"Link": link})

    # -- endpoints --------------------------------------------------------

    async def _list_courses(self, request: Request, _: list[str]) -> Response:
        self._authenticate(request)
        query = request.query_params
        include = set(query.getlist("include[]"))
        kind = query.get("enrollment_type")
        wanted_states = _ENROLLMENT_STATES.get(
            query.get("enrollment_state", ""), {"active", "invited", "completed"}
        )
        course_states = set(query.getlist("state[]"))

        chosen = []
        for course in self.school["courses"]:
            enrollment = course.get("enrollment")
            if not enrollment:
                continue
            if kind and enrollment.get("type") != kind:
                continue
            if enrollment.get("enrollment_state") not in wanted_states:
                continue
            if course_states and course.get("workflow_state") not in course_states:
                continue
            chosen.append(self._course(request, course, include))
        return self._page(request, chosen)

    async def _get_course(self, request: Request, args: list[str]) -> Response:
        self._authenticate(request)
        course = self._visible_course(args[0])
        include = set(request.query_params.getlist("include[]"))
        shown = self._course(request, course, include)
        limit = request.query_params.get("teacher_limit")
        if limit and limit.isdigit() and len(course.get("teachers") or []) > int(limit):
            shown.pop("teachers", None)
            shown["teacher_count"] = len(course["teachers"])
        return JSONResponse(shown)

    async def _list_modules(self, request: Request, args: list[str]) -> Response:
        self._authenticate(request)
        course = self._readable_course(args[0])
        query = request.query_params
        include = set(query.getlist("include[]"))
        term = query.get("search_term")
        base = self._base(request)

        shown = []
        for module in course.get("modules") or []:
            name_hit = term is None or shapes.matches(module["name"], term)
            items = None
            if "items" in include:
                # With items, a search also matches item titles; a module
                # whose name matched keeps all of its items.
                items = self._items(
                    request,
                    course,
                    module,
                    "content_details" in include,
                    None if name_hit else term,
                )
                if not name_hit and not items:
                    continue
                if len(module.get("items") or []) > 100:
                    items = None  # Canvas leaves big modules to items_url
            elif not name_hit:
                continue
            shown.append(shapes.module_json(course, module, base=base, items=items))
        return self._page(request, shown)

    async def _list_items(self, request: Request, args: list[str]) -> Response:
        self._authenticate(request)
        course = self._readable_course(args[0])
        module = self._find_module(course, args[1])
        query = request.query_params
        include = set(query.getlist("include[]"))
        items = self._items(
            request,
            course,
            module,
            "content_details" in include,
            query.get("search_term"),
        )
        return self._page(request, items)

    async def _search(self, request: Request, _: list[str]) -> Response:
        query = request.query_params
        term = query.get("search", "")
        open_only = query.get("open_enrollment_only") == "true"
        found = []
        for course in self.school["courses"]:
            if (
                not course.get("in_public_index")
                or course.get("workflow_state") != "available"
            ):
                continue
            if open_only and not course.get("open_enrollment"):
                continue
            texts = (
                course["name"],
                course["course_code"],
                course.get("public_description"),
            )
            if term and not any(shapes.matches(text, term) for text in texts):
                continue
            shown = self._course(request, course, {"public_description", "term"})
            found.append({"course": shown})
        return self._page(request, found)

    async def _self(self, request: Request, _: list[str]) -> Response:
        self._authenticate(request)
        user = dict(self.school["user"])
        user.setdefault("created_at", "2024-08-12T15:02:11Z")
        user.setdefault("effective_locale", "en")
        return JSONResponse(user)

    # -- helpers ----------------------------------------------------------

    def _course(self, request: Request, course: Record, include: set[str]) -> Record:
        return shapes.course_json(
            course,
            base=self._base(request),
            include=include,
            terms=self._terms,
            user_id=self._user_id,
        )

    def _find_module(self, course: Record, module_id: str) -> Record:
        for module in course.get("modules") or []:
            if module_id.isdigit() and module["id"] == int(module_id):
                return module
        raise CanvasReply(404, _NOT_FOUND)

    def _items(
        self,
        request: Request,
        course: Record,
        module: Record,
        content_details: bool,
        term: str | None,
    ) -> list[Record]:
        base = self._base(request)
        return [
            shapes.item_json(
                course,
                module,
                item,
                position,
                base=base,
                content_details=content_details,
            )
            for position, item in enumerate(module.get("items") or [], start=1)
            if term is None or shapes.matches(item["title"], term)
        ]


def _www_authenticate() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}


def canvas_app(
    *,
    latency_ms: float = 0.0,
    throttle: Throttle | bool | None = None,
    faults: Iterable[Fault] = (),
    bookmarks: bool = False,
    seed: int = 0,
    school: Record | None = None,
) -> Starlette:
    """The demo Canvas as an ASGI app (token `demo`).

    Mount it in-process with `httpx2.ASGITransport(app=canvas_app())`, or
    serve it with `course-tutor demo-canvas`. The `DemoCanvas` behind it is
    `app.state.canvas` (its `requests` list records every path asked for).
    """
    demo = DemoCanvas(
        school=school if school is not None else dataset.load_school(),
        latency_ms=latency_ms,
        throttle=Throttle() if throttle is True else (throttle or None),
        faults=list(faults),
        bookmarks=bookmarks,
        seed=seed,
    )
    return demo.app
