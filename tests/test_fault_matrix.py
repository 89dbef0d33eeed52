"""The fault matrix: every way Canvas or the model can fail, one row each,
played as a whole turn (scripted model, real loop, real tools, real Canvas
client) and checked three ways:

- retried or not: how many requests reached the failing server;
- what the model sees: the tool result (or the failure the loop reports);
- what the student sees: the answer text, the `TurnFailed` message, and the
  title of the TUI notification for it.

The rows are the table in the README's "Reliability" section, and
`test_the_readme_shows_this_matrix` keeps the two the same. Run it with
`uv run pytest tests/test_fault_matrix.py`.

Crash safety (kill -9 while an answer streams) is proven by
tests/test_store_crash.py and appears in the README table as a reference.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from course_tutor.agent.http import model_http_client
from course_tutor.agent.loop import Agent
from course_tutor.canvas import CanvasClient
from course_tutor.config import Settings
from course_tutor.demo import canvas_app, scripted_model_app
from course_tutor.demo.faults import Fault, Throttle
from course_tutor.headless import TurnRecord, play_turn
from course_tutor.instructions import load_instructions
from course_tutor.session import open_session
from course_tutor.tools import canvas_tools
from course_tutor.tui import notices
from tests.canvas_fakes import CountingSleep
from tests.servers import free_port, serving
from tests.test_agent_loop import assert_valid_history

CANVAS = "https://canvas.northwood.example"
CANVAS_HOST = "canvas.northwood.example"
SCRIPTED = "course-tutor-scripted"
README = Path(__file__).resolve().parent.parent / "README.md"

LIST = "List all of my courses."
# Three turns that end in listing the 120 items of STAT 201's last module,
# two pages of them.
BIG_MODULE = ("Give an overview of one of my courses.", "STAT 201", "7")
BIG_MODULE_ITEMS = "/courses/48251/modules/231524/items"


# -- playing a turn --------------------------------------------------------------


class Recording(httpx2.AsyncBaseTransport):
    """A transport that notes every request's URL before passing it on."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.urls: list[httpx2.URL] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.urls.append(request.url)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class PatientOpenAI(openai.AsyncOpenAI):
    """The SDK client with its production retry count (2), whose waits
    between retries are noted instead of slept."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.waits: list[float] = []

    def _calculate_retry_timeout(self, *args: Any, **kwargs: Any) -> float:
        self.waits.append(super()._calculate_retry_timeout(*args, **kwargs))
        return 0.0


@dataclass
class Outcome:
    """What one scenario produced."""

    record: TurnRecord
    history: list[dict[str, Any]]
    attempts: int
    """Requests that reached the failing server (Canvas or the model)."""
    waits: list[float] = field(default_factory=list)
    """Pauses before retries, in seconds."""
    hosts: set[str] = field(default_factory=set)
    """Every host the Canvas client sent a request to."""

    @property
    def tool_results(self) -> list[Any]:
        return [json.loads(m["content"]) for m in self.history if m["role"] == "tool"]

    @property
    def tool_errors(self) -> list[str]:
        return [
            r["error"]["type"]
            for r in self.tool_results
            if isinstance(r, dict) and isinstance(r.get("error"), dict)
        ]


@dataclass
class Tutor:
    agent: Agent
    canvas_transport: Recording
    model_transport: Recording
    canvas_sleep: CountingSleep
    model: PatientOpenAI
    history: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"role": "system", "content": load_instructions().text}
        ]
    )

    async def ask(self, *questions: str) -> TurnRecord:
        record = TurnRecord()
        for question in questions:
            record = await play_turn(self.agent, self.history, question)
        return record

    def model_requests(self) -> int:
        return sum(
            url.path.endswith("/chat/completions") for url in self.model_transport.urls
        )


@asynccontextmanager
async def tutor(
    *,
    canvas: Any = None,
    canvas_url: str = CANVAS,
    canvas_transport: httpx2.AsyncBaseTransport | None = None,
    misbehave: tuple[str, ...] = (),
    model: str = SCRIPTED,
    model_url: str = "http://127.0.0.1/v1",
    model_transport: httpx2.AsyncBaseTransport | None = None,
    tool_timeout: float = 60.0,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    model_http: Callable[..., httpx2.AsyncClient] = model_http_client,
    **client_options: Any,
) -> AsyncIterator[Tutor]:
    """The scripted tutor over the demo Canvas (`canvas`, an app), both
    in-process unless a transport or address says otherwise."""
    canvas_side = Recording(
        canvas_transport or httpx2.ASGITransport(app=canvas or canvas_app())
    )
    model_side = Recording(
        model_transport
        or httpx2.ASGITransport(app=scripted_model_app(misbehave=misbehave))
    )
    counting = CountingSleep()
    async with (
        CanvasClient(
            canvas_url,
            "demo",
            transport=canvas_side,
            sleep=sleep or counting,
            rng=random.Random(7),
            **client_options,
        ) as client,
        PatientOpenAI(
            base_url=model_url,
            api_key="sk-test-fault-matrix",
            http_client=model_http(model_side),
            max_retries=2,
        ) as model_client,
    ):
        tools = canvas_tools(client, timeout=tool_timeout)
        agent = Agent(model_client, model, tools, max_steps=5)
        yield Tutor(agent, canvas_side, model_side, counting, model_client)


def canvas_requests(app: Any, part: str = "/api/v1/") -> int:
    return sum(part in path for path in app.state.canvas.requests)


def _hosts(transport: Recording) -> set[str]:
    return {url.host for url in transport.urls}


# -- the scenarios -----------------------------------------------------------------

Scenario = Callable[[], Awaitable[Outcome]]


def canvas_fault(
    *faults: Fault,
    questions: tuple[str, ...] = (LIST,),
    part: str = "/api/v1/courses",
    throttle: Throttle | None = None,
    **options: Any,
) -> Scenario:
    """The student asks `questions` of a demo Canvas with `faults`; attempts
    are the requests whose path holds `part` (in the last turn)."""

    async def play() -> Outcome:
        app = canvas_app(faults=faults, throttle=throttle)
        async with tutor(canvas=app, **options) as t:
            await t.ask(*questions[:-1])
            before = canvas_requests(app, part)
            record = await t.ask(questions[-1])
        return Outcome(
            record,
            t.history,
            canvas_requests(app, part) - before,
            t.canvas_sleep.waits,
            _hosts(t.canvas_transport),
        )

    return play


class BucketClock:
    """Time for the demo Canvas's rate-limit bucket, passing only while the
    client waits (when `moves`); it doubles as the client's sleep."""

    def __init__(self, *, moves: bool) -> None:
        self.now = 0.0
        self.moves = moves
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.moves:
            self.now += seconds


def throttled_canvas(*, drains: bool) -> Scenario:
    """Canvas's bucket for the token is (nearly) full: another program spent
    it. It drains at Canvas's 10 units a second while the client backs off,
    when `drains`; otherwise it stays full."""

    async def play() -> Outcome:
        clock = BucketClock(moves=drains)
        level = 550.5 if drains else 600.0  # a request reserves 50 of 600
        app = canvas_app(throttle=Throttle(level=level, clock=clock))
        async with tutor(canvas=app, sleep=clock.sleep) as t:
            record = await t.ask(LIST)
        hosts = _hosts(t.canvas_transport)
        return Outcome(record, t.history, canvas_requests(app), clock.waits, hosts)

    return play


def slow_canvas() -> Scenario:
    """A Canvas on loopback that answers after the client's read timeout."""

    async def play() -> Outcome:
        app = canvas_app(faults=[Fault("slow", delay=0.3)])
        with serving(app) as url:
            async with tutor(
                canvas_url=url,
                canvas_transport=httpx2.AsyncHTTPTransport(),
                timeout=0.05,
            ) as t:
                record = await t.ask(LIST)
        return Outcome(record, t.history, canvas_requests(app), t.canvas_sleep.waits)

    return play


def refused_canvas() -> Scenario:
    """A Canvas address where nothing listens."""

    async def play() -> Outcome:
        url = f"http://127.0.0.1:{free_port()}"
        async with tutor(
            canvas_url=url, canvas_transport=httpx2.AsyncHTTPTransport()
        ) as t:
            record = await t.ask(LIST)
        attempts = len(t.canvas_transport.urls)
        return Outcome(record, t.history, attempts, t.canvas_sleep.waits)

    return play


def model_fault(
    *misbehave: str,
    model: str = SCRIPTED,
    questions: tuple[str, ...] = (LIST,),
    model_http: Callable[..., httpx2.AsyncClient] = model_http_client,
) -> Scenario:
    """The scripted model with `misbehave` faults; attempts are chat requests
    of the last turn."""

    async def play() -> Outcome:
        async with tutor(misbehave=misbehave, model=model, model_http=model_http) as t:
            await t.ask(*questions[:-1])
            before = t.model_requests()
            record = await t.ask(questions[-1])
        return Outcome(record, t.history, t.model_requests() - before, t.model.waits)

    return play


def unreachable_model() -> Scenario:
    async def play() -> Outcome:
        url = f"http://127.0.0.1:{free_port()}/v1"
        async with tutor(
            model_url=url, model_transport=httpx2.AsyncHTTPTransport()
        ) as t:
            record = await t.ask(LIST)
        return Outcome(record, t.history, t.model_requests(), t.model.waits)

    return play


# -- the matrix --------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the matrix: the README's words, then what proves them."""

    fault: str
    retried: str
    model_sees: str
    student_sees: str
    scenario: Scenario
    attempts: int
    tool_error: str | None = None
    """The error type of the last tool result; None when the model got data."""
    says: str | None = None
    """Words in the answer the student reads."""
    failure: str | None = None
    """The `TurnFailed` kind, for turns that end in a failure."""
    notice: str | None = None
    """The title of the TUI notification, when there is one."""

    @property
    def id(self) -> str:
        return self.fault.split(":")[0].replace(" ", "-").replace("`", "")


CANVAS_ROWS = [
    Row(
        "Canvas 401: token refused",
        "no (1 request)",
        "`invalid_token`: make a new token, run `course-tutor init`",
        "the tutor relays it; notification *Canvas token refused*",
        canvas_fault(Fault("status", status=401)),
        attempts=1,
        tool_error="invalid_token",
        says="did not accept your access token",
        notice="Canvas token refused",
    ),
    Row(
        "Canvas 403: not permitted",
        "no (1 request)",
        "`not_permitted`: not allowed to see it, check the id",
        "the tutor relays it",
        canvas_fault(Fault("status", status=403)),
        attempts=1,
        tool_error="not_permitted",
        says="not allowed to see your courses",
    ),
    Row(
        "Canvas 403 `Rate Limit Exceeded`, bucket drains",
        "yes, with backoff (2 requests)",
        "the courses",
        "the courses",
        throttled_canvas(drains=True),
        attempts=2,
        says="BIO 110",
    ),
    Row(
        "Canvas 403 `Rate Limit Exceeded`, bucket stays full",
        "yes, 5 times (6 requests)",
        "`rate_limited`: wait a minute",
        "the tutor relays it",
        throttled_canvas(drains=False),
        attempts=6,
        tool_error="rate_limited",
        says="limiting how fast course-tutor may ask",
    ),
    Row(
        "Canvas 429 with `Retry-After: 1`, once",
        "yes, after the 1 s asked (2 requests)",
        "the courses",
        "the courses",
        canvas_fault(Fault("status", status=429, times=1)),
        attempts=2,
        says="BIO 110",
    ),
    Row(
        "Canvas 429, every time",
        "yes, 5 times (6 requests)",
        "`rate_limited`: wait about 1 second",
        "the tutor relays it",
        canvas_fault(Fault("status", status=429)),
        attempts=6,
        tool_error="rate_limited",
        says="Wait about 1 second,",
    ),
    Row(
        "Canvas 404",
        "no (1 request)",
        "`not_found`: check the id",
        "the tutor relays it",
        canvas_fault(Fault("status", status=404)),
        attempts=1,
        tool_error="not_found",
        says="could not find your courses",
    ),
    Row(
        "Canvas 500",
        "yes, twice (3 requests)",
        "`unavailable`: try again in a few minutes",
        "the tutor relays it",
        canvas_fault(Fault("status", status=500)),
        attempts=3,
        tool_error="unavailable",
        says="HTTP 500",
    ),
    Row(
        "Canvas 502",
        "yes, twice (3 requests)",
        "`unavailable`",
        "the tutor relays it",
        canvas_fault(Fault("status", status=502)),
        attempts=3,
        tool_error="unavailable",
        says="HTTP 502",
    ),
    Row(
        "Canvas 503, twice",
        "yes (3 requests)",
        "the courses",
        "the courses",
        canvas_fault(Fault("status", status=503, times=2)),
        attempts=3,
        says="BIO 110",
    ),
    Row(
        "Canvas slower than the read timeout",
        "yes, twice (3 requests)",
        "`unavailable`: did not answer in time",
        "the tutor relays it",
        slow_canvas(),
        attempts=3,
        tool_error="unavailable",
        says="did not answer in time",
    ),
    Row(
        "Canvas slower than the tool's time limit",
        "no: the call is stopped",
        "`timeout`: try again in a minute",
        "the tutor relays it",
        canvas_fault(Fault("slow", delay=5.0), tool_timeout=0.05),
        attempts=1,
        tool_error="timeout",
        says="took longer than 0.05 seconds",
    ),
    Row(
        "Canvas connection refused",
        "yes, twice (3 attempts)",
        "`unavailable`: check the connection and the address",
        "the tutor relays it",
        refused_canvas(),
        attempts=3,
        tool_error="unavailable",
        says="could not reach Canvas",
    ),
    Row(
        "Canvas malformed JSON",
        "no (1 request)",
        "`bad_response`: check the address, try later",
        "the tutor relays it",
        canvas_fault(Fault("malformed")),
        attempts=1,
        tool_error="bad_response",
        says="could not read",
    ),
    Row(
        "Canvas pagination breaks at page 2 (500)",
        "page 2 twice more (1 + 3 requests)",
        "`unavailable` for the whole listing, no half list",
        "the tutor relays it",
        canvas_fault(
            Fault("status", status=500, match="page=2"),
            questions=BIG_MODULE,
            part=BIG_MODULE_ITEMS,
        ),
        attempts=4,
        tool_error="unavailable",
        says="HTTP 500",
    ),
    Row(
        "Canvas `Link` to another host",
        "not followed (1 request; the other host never contacted)",
        "the first 100 items, `truncated: true` and a note",
        "the items, and that Canvas has more",
        canvas_fault(
            Fault("foreign-link", match=BIG_MODULE_ITEMS),
            questions=BIG_MODULE,
            part=BIG_MODULE_ITEMS,
        ),
        attempts=1,
        says="Canvas has more items than I fetched",
    ),
]

MODEL_ROWS = [
    Row(
        "Model 401: key refused",
        "no (1 request)",
        "—",
        "turn fails `bad_key`; notification *API key refused*",
        model_fault("status:401"),
        attempts=1,
        failure="bad_key",
        notice="API key refused",
    ),
    Row(
        "Model unknown",
        "no (1 request)",
        "—",
        "turn fails `unknown_model`; notification *Unknown model*",
        model_fault(model="gpt-nonexistent"),
        attempts=1,
        failure="unknown_model",
        notice="Unknown model",
    ),
    Row(
        "Model 429 rate limit, once",
        "yes, once, after the 1 s asked",
        "—",
        "the answer",
        model_fault("status:429*1"),
        attempts=3,  # the failed request, then the two of the turn
        says="BIO 110",
    ),
    Row(
        "Model 429 rate limit, every time",
        "yes, twice by the SDK (3 requests)",
        "—",
        "turn fails `rate_limited`; notification *Rate limited*",
        model_fault("status:429"),
        attempts=3,
        failure="rate_limited",
        notice="Rate limited",
    ),
    Row(
        "Model 429 insufficient quota",
        "no (1 request)",
        "—",
        "turn fails `quota`; notification *Out of credit*",
        model_fault("quota"),
        attempts=1,
        failure="quota",
        notice="Out of credit",
    ),
    Row(
        "Model 500",
        "yes, twice by the SDK (3 requests)",
        "—",
        "turn fails `server_error`; notification *Model server error*",
        model_fault("status:500"),
        attempts=3,
        failure="server_error",
        notice="Model server error",
    ),
    Row(
        "Model server unreachable",
        "yes, twice by the SDK (3 attempts)",
        "—",
        "turn fails `offline`; notification *Can't reach the model*",
        unreachable_model(),
        attempts=3,
        failure="offline",
        notice="Can't reach the model",
    ),
    Row(
        "Model stream cut mid-answer",
        "no (1 request)",
        "—",
        "the partial answer, marked interrupted; turn fails `stream_cut`; "
        "notification *Answer cut off*",
        model_fault("cut", questions=("Help me take a practice exam.",)),
        attempts=1,
        failure="stream_cut",
        notice="Answer cut off",
    ),
    Row(
        "Model malformed chunk",
        "no (1 request)",
        "—",
        "turn fails `bad_stream`; notification *Unreadable reply*",
        model_fault("malformed_chunk"),
        attempts=1,
        failure="bad_stream",
        notice="Unreadable reply",
    ),
    Row(
        "Model calls an unknown tool",
        "the model is asked again (3 requests)",
        "`unknown_tool`, with the tools' names",
        "the answer",
        model_fault("unknown_tool"),
        attempts=3,
        tool_error="unknown_tool",
        says="BIO 110",
    ),
    Row(
        "Model arguments not JSON",
        "the model is asked again (3 requests)",
        "`invalid_arguments`: not valid JSON, with the signature",
        "the answer",
        model_fault("bad_json"),
        attempts=3,
        tool_error="invalid_arguments",
        says="BIO 110",
    ),
    Row(
        "Model arguments of the wrong type",
        "the model is asked again (3 requests)",
        "`invalid_arguments`: which field, what it expects",
        "the answer",
        model_fault("wrong_types"),
        attempts=3,
        tool_error="invalid_arguments",
        says="BIO 110",
    ),
    Row(
        "Model repeats the same call",
        "third and later repeats refused, until the step limit",
        "`repeated_call`: use the earlier result",
        "turn fails `step_limit`; notification *Too many steps*",
        model_fault("repeat"),
        attempts=5,  # the matrix's step limit
        tool_error="repeated_call",
        failure="step_limit",
        notice="Too many steps",
    ),
]

ROWS = CANVAS_ROWS + MODEL_ROWS


# -- the checks ----------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
async def test_fault(row: Row) -> None:
    outcome = await row.scenario()
    record = outcome.record

    # Retried or not.
    assert outcome.attempts == row.attempts, outcome.waits

    # What the model sees.
    if row.tool_error is None and row.failure is None:
        assert outcome.tool_errors == []
    elif row.tool_error is not None:
        assert outcome.tool_errors[-1] == row.tool_error
    assert_valid_history(outcome.history)

    # What the student sees.
    if row.failure is None:
        assert record.failure is None, record.failure
    else:
        assert record.failure is not None
        assert record.failure[0] == row.failure
        assert record.failure[1]
    if row.says is not None:
        assert row.says in record.answer, record.answer
    _assert_notice(row, outcome)

    # Canvas is the only host the client talks to, whatever happened.
    assert outcome.hosts <= {CANVAS_HOST, "127.0.0.1"}


def _assert_notice(row: Row, outcome: Outcome) -> None:
    """The TUI's notifications for this outcome."""
    shown = []
    if outcome.record.failure is not None:
        shown.append(notices.turn_failed(*outcome.record.failure).title)
    for message in outcome.history:
        if message["role"] == "tool":
            notice = notices.tool_failed(message["content"])
            if notice is not None:
                shown.append(notice.title)
    assert shown == ([row.notice] if row.notice else [])


async def test_canvas_retries_wait_as_canvas_asks() -> None:
    """Retry-After is honoured to the second; backoff waits stay small."""
    honoured = await canvas_fault(Fault("status", status=429, times=1))()
    assert honoured.waits[0] == 1.0
    # The 429 also said no quota is left, so the retry pauses for that too.
    assert honoured.waits[1:] == [2.0]
    backed_off = await canvas_fault(Fault("status", status=500))()
    assert len(backed_off.waits) == 2
    assert all(0 <= wait <= 1.0 for wait in backed_off.waits)


async def test_model_retries_wait_as_the_server_asks() -> None:
    outcome = await model_fault("status:429")()
    assert outcome.waits == [1.0, 1.0]


class ChatCount:
    """ASGI middleware counting the chat requests an app is sent."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.chats = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/chat/completions"):
            self.chats += 1
        await self.app(scope, receive, send)


async def test_a_session_gives_up_at_once_when_the_credit_has_run_out() -> None:
    """The model client the program builds is the one the matrix uses: an
    `insufficient_quota` 429 is not retried."""
    model = ChatCount(scripted_model_app(misbehave=["quota"]))
    with serving(model) as url:
        settings = Settings(
            openai_base_url=url + "/v1", openai_api_key="sk-test-quota", model=SCRIPTED
        )
        async with open_session(settings, demo=True, scripted=False) as session:
            record = await play_turn(session.agent, session.new_history(), LIST)
    assert record.failure is not None
    assert record.failure[0] == "quota"
    assert model.chats == 1


async def test_a_cut_answer_keeps_what_arrived() -> None:
    outcome = await model_fault("cut", questions=("Help me take a practice exam.",))()
    assert outcome.record.answer
    assert outcome.history[-1]["content"].startswith(outcome.record.answer)
    assert outcome.history[-1]["content"].endswith("[answer interrupted]_")


async def test_a_foreign_link_is_never_contacted() -> None:
    outcome = await canvas_fault(
        Fault("foreign-link", match=BIG_MODULE_ITEMS),
        questions=BIG_MODULE,
        part=BIG_MODULE_ITEMS,
    )()
    result = outcome.tool_results[-1]
    assert result["truncated"] is True
    assert len(result["results"]) == 100
    assert "Canvas has more" in result["note"]
    assert outcome.hosts == {CANVAS_HOST}


# -- the README ----------------------------------------------------------------------

HEADER = "| fault | retried | the model sees | the student sees |"
CRASH_ROW = (
    "| `kill -9` while an answer streams | — | — | every earlier message is in "
    "the store; only the answer in flight is lost (tests/test_store_crash.py) |"
)


def readme_table() -> str:
    lines = [HEADER, "|---|---|---|---|"]
    lines += [
        f"| {r.fault} | {r.retried} | {r.model_sees} | {r.student_sees} |" for r in ROWS
    ]
    lines.append(CRASH_ROW)
    return "\n".join(lines)


def test_the_readme_shows_this_matrix() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_table() in text, "README's fault matrix differs:\n" + readme_table()
