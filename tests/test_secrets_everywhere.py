"""Tokens and keys never written down: not in cassettes (headers, bodies,
URLs), logs, the conversation store, transcripts, exports, error messages
or the `repr` of the configuration.

A whole session runs with the distinctive test secrets of
tests/session_guards.py: the demo Canvas and the scripted model over
loopback, a Canvas token that expires and is refreshed, OpenAI organisation,
project and cookie headers both ways, every log at DEBUG, a vcr recording
with the project's filters, the store, transcripts and a practice-exam PDF.
Then everything it produced is searched for the secrets. At the end of the
run, session_guards scans every file the whole test run wrote, and the
cassettes, the same way.

Elsewhere: Canvas echoing the token in an error (tests/test_canvas_errors.py),
the OAuth login's output and logs (tests/setup/test_login.py), the shipped
cassettes (tests/test_recordings_are_clean.py).
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import logging
import zlib
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
import vcr
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from course_tutor.agent.events import TurnFailed
from course_tutor.agent.loop import Agent
from course_tutor.canvas import CanvasClient
from course_tutor.config import load_settings
from course_tutor.config_store import OAuthLogin
from course_tutor.demo import canvas_app, scripted_model_app
from course_tutor.instructions import load_instructions
from course_tutor.store import Recorder, Store
from course_tutor.tools import canvas_tools
from course_tutor.tools.export import ExportPracticeExam
from tests.recording import SECRET_HEADERS, vcr_settings
from tests.servers import serving
from tests.session_guards import (
    TEST_SECRETS,
    Leak,
    files_written,
    run_folders,
    scan,
)

TOKEN = TEST_SECRETS["canvas token"]
REFRESHED = TEST_SECRETS["refreshed canvas token"]
KEY = TEST_SECRETS["model api key"]
ORGANIZATION = TEST_SECRETS["openai organization"]
PROJECT = TEST_SECRETS["openai project"]
COOKIE = TEST_SECRETS["session cookie"]

EXAM = (
    "Help me take a practice exam.",
    "3 questions",
    "BIO 110",
    "1",
    "A",
    "B",
    "C",
    "yes",
)


def leaked(text: str) -> list[str]:
    """The names of the test secrets in `text`."""
    return [name for name, value in TEST_SECRETS.items() if value in text]


class TellingModel:
    """ASGI middleware on the scripted model: answers with the headers a
    hosted API sends back (organisation, project, a cookie)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"openai-organization", ORGANIZATION.encode()),
                    (b"openai-project", PROJECT.encode()),
                    (b"set-cookie", f"__cf_bm={COOKIE}; path=/".encode()),
                ]
            await send(message)

        await self.app(scope, receive, sending)


class Collected(logging.Handler):
    """Every log record, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Session:
    """Everything a session with the test secrets produced."""

    folder: Path
    logs: list[str]
    said: list[str] = field(default_factory=list)
    """Answers, failure messages and tool results: all the student or the
    model was shown."""


async def _play(folder: Path, canvas_url: str, model_url: str) -> list[str]:
    said: list[str] = []

    async def refresh(stale: str) -> str:
        assert stale == TOKEN
        return REFRESHED

    store = Store.open(folder / "data" / "course-tutor.db")
    async with (
        CanvasClient(canvas_url, TOKEN, token_refresher=refresh) as canvas,
        openai.AsyncOpenAI(
            api_key=KEY,
            organization=ORGANIZATION,
            project=PROJECT,
            base_url=model_url,
            default_headers={"Cookie": f"session={COOKIE}"},
            max_retries=0,
        ) as client,
    ):
        exporter = ExportPracticeExam(folder / "exports", store=store)
        agent = Agent(
            client, "course-tutor-scripted", [*canvas_tools(canvas), exporter]
        )
        history = [{"role": "system", "content": load_instructions().text}]
        conversation = store.new_conversation(
            title="secrets", model="course-tutor-scripted", prompt_hash="x"
        )
        exporter.conversation_id = lambda: conversation.id
        recorder = Recorder(store, conversation.id, history)
        for question in ("List all of my courses.", *EXAM):
            recorder.question(question)
            stream = recorder.follow(agent.run(history, question))
            async with aclosing(stream) as events:
                async for event in events:
                    said.append(repr(event))
        said += [json.dumps(message) for message in history]

    (folder / "transcript.md").write_text(
        store.export_markdown(conversation.id), encoding="utf-8"
    )
    (folder / "transcript.json").write_text(
        json.dumps(store.export_json(conversation.id)), encoding="utf-8"
    )
    store.close()
    return said


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("secrets-session")
    canvas = canvas_app()
    canvas.state.canvas.tokens = {REFRESHED: None}  # TOKEN has expired
    handler = Collected()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    recorder = vcr.VCR(**vcr_settings())
    try:
        with (
            serving(canvas) as canvas_url,
            serving(TellingModel(scripted_model_app())) as model_url,
            recorder.use_cassette(str(folder / "cassette.yaml"), record_mode="all"),
        ):
            said = asyncio.run(_play(folder, canvas_url, model_url + "/v1"))
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    return Session(folder, handler.lines, said)


def test_the_session_did_what_it_should(session: Session) -> None:
    """Sanity: the token was refreshed, the exam exported, all recorded."""
    assert any("retrying with a fresh one" in line for line in session.logs)
    files = {p.name for p in session.folder.rglob("*") if p.is_file()}
    assert "cassette.yaml" in files
    assert any(name.endswith(".pdf") for name in files)
    assert "course-tutor.db" in files
    assert any("Score" in text or "score" in text for text in session.said)


def test_no_secret_in_any_file_the_session_wrote(session: Session) -> None:
    files = [p for p in session.folder.rglob("*") if p.is_file()]
    assert len(files) >= 5
    assert scan(files) == []


CREDENTIALS = {"canvas token", "refreshed canvas token", "model api key"}


def test_no_token_or_key_in_any_log(session: Session) -> None:
    """Every logger at DEBUG, the HTTP libraries' own included."""
    assert len(session.logs) > 50
    found = set(leaked("\n".join(session.logs)))
    assert found.isdisjoint(CREDENTIALS), found


def test_no_secret_at_all_in_course_tutors_logs(session: Session) -> None:
    """The response headers (organisation, project, cookies) show only in
    httpcore's DEBUG log, which course-tutor never switches on."""
    ours = [line for line in session.logs if line.startswith("course_tutor")]
    assert ours
    assert leaked("\n".join(ours)) == []


def test_no_secret_in_what_the_student_or_the_model_saw(session: Session) -> None:
    assert leaked("\n".join(session.said)) == []


def test_the_cassette_keeps_no_credential_header(session: Session) -> None:
    text = (session.folder / "cassette.yaml").read_text(encoding="utf-8")
    assert "course-tutor-scripted" in text  # the model's requests are in it
    assert "/api/v1/courses" in text  # and Canvas's
    lowered = text.lower()
    for header in ("authorization", "cookie", "set-cookie"):
        assert f"{header}:" not in lowered, header
    for header in ("openai-organization", "openai-project"):
        assert header in SECRET_HEADERS
        assert f"{header}:" not in lowered, header


# -- error messages from a model server that repeats what it was sent -------------


def _echoing_model(status: int) -> Starlette:
    """A model server that fails, quoting the request's credentials back."""

    async def fail(request: Request) -> JSONResponse:
        quoted = (
            f"{request.headers.get('authorization')} "
            f"org={request.headers.get('openai-organization')} "
            f"project={request.headers.get('openai-project')}"
        )
        error = {"message": f"Refused: {quoted}", "type": "error", "code": None}
        return JSONResponse({"error": error}, status_code=status)

    return Starlette(routes=[Route("/v1/chat/completions", fail, methods=["POST"])])


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 418, 422, 429, 500, 503])
async def test_model_errors_never_quote_the_key(status: int) -> None:
    async with openai.AsyncOpenAI(
        api_key=KEY,
        organization=ORGANIZATION,
        project=PROJECT,
        base_url="http://127.0.0.1/v1",
        http_client=httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=_echoing_model(status))
        ),
        max_retries=0,
    ) as client:
        agent = Agent(client, "m", [])
        async with aclosing(agent.run([], "hi")) as events:
            failures = [e async for e in events if isinstance(e, TurnFailed)]
    [failure] = failures
    assert failure.message
    assert leaked(failure.message) == []


async def test_a_model_address_with_a_password_is_not_repeated() -> None:
    url = f"http://student:{KEY}@127.0.0.1:9/v1"
    async with openai.AsyncOpenAI(
        api_key="x",
        base_url=url,
        http_client=httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=_echoing_model(500))
        ),
        max_retries=0,
    ) as client:
        agent = Agent(client, "m", [])
        async with aclosing(agent.run([], "hi")) as events:
            failures = [e async for e in events if isinstance(e, TurnFailed)]
    assert "127.0.0.1" in failures[0].message
    assert leaked(failures[0].message) == []


async def test_a_placeholder_key_is_not_blanked_out() -> None:
    """Local servers take any key; a short one is no secret to hide."""
    async with openai.AsyncOpenAI(
        api_key="ollama",
        base_url="http://127.0.0.1/v1",
        http_client=httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=_echoing_model(400))
        ),
        max_retries=0,
    ) as client:
        agent = Agent(client, "m", [])
        async with aclosing(agent.run([], "hi")) as events:
            failures = [e async for e in events if isinstance(e, TurnFailed)]
    assert "Bearer ollama" in failures[0].message


# -- the configuration ----------------------------------------------------------


def test_the_configuration_never_shows_a_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CANVAS_BASE_URL", "https://canvas.school.example")
    monkeypatch.setenv("CANVAS_API_TOKEN", TOKEN)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings = load_settings()
    login = OAuthLogin(
        base_url="https://canvas.school.example",
        client_id="170000000000123",
        client_secret=SecretStr(TEST_SECRETS["oauth client secret"]),
        access_token=SecretStr(TOKEN),
        refresh_token=SecretStr(TEST_SECRETS["oauth refresh token"]),
    )
    client = CanvasClient("https://canvas.school.example", TOKEN)

    shown = [
        repr(settings),
        str(settings),
        f"{settings!r}",
        repr(settings.model_dump()),
        settings.model_dump_json(),
        repr(login),
        str(login),
        login.model_dump_json(),
        repr(client),
        repr(vars(client)),
        repr(canvas_tools(client)),
    ]
    assert settings.canvas_api_token is not None
    assert settings.canvas_api_token.get_secret_value() == TOKEN  # it was read
    assert leaked("\n".join(shown)) == []


# -- the scanner itself -----------------------------------------------------------


def test_the_scan_finds_a_secret_however_it_was_written(tmp_path: Path) -> None:
    # Planted secrets of its own: the test secrets on disk would fail the run.
    planted = {"token": "7~PlantedToken1", "key": "sk-Planted2", "cookie": "Planted3"}
    plain = tmp_path / "plain.log"
    plain.write_text(f"Authorization: Bearer {planted['token']}\n")
    packed = tmp_path / "export.pdf"
    stream = zlib.compress(f"BT ({planted['key']}) Tj ET".encode())
    packed.write_bytes(b"%PDF-1.4\n1 0 obj\nstream\n" + stream + b"\nendstream\n")
    zipped = tmp_path / "logs.gz"
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as archive:
        archive.write(planted["cookie"].encode())
    zipped.write_bytes(buffer.getvalue())
    clean = tmp_path / "clean.txt"
    clean.write_text("nothing to see")

    found = scan([plain, packed, zipped, clean], planted)

    assert found == [
        Leak(plain, "token"),
        Leak(packed, "key"),
        Leak(zipped, "cookie"),
    ]


def test_the_run_folder_holds_what_tests_write(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The end-of-run scan covers tmp_path and the program's folders."""
    from course_tutor.config import config_path, data_dir

    run = run_folders(request.config)
    assert run is not None
    written = tmp_path / "note.txt"
    written.write_text("hello")
    assert written in files_written(run.base, run.started)
    assert data_dir().is_relative_to(run.base)
    assert config_path().is_relative_to(run.base)
    assert Path.home().is_relative_to(run.base)
