"""The loopback redirect: a one-shot HTTP listener on 127.0.0.1 that
catches the browser on its way back from Canvas's authorization page, checks
the answer (`oauth.code_from_redirect`) and shows the student how it went."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from urllib.parse import parse_qsl, urlsplit

from course_tutor.canvas.oauth import (
    CALLBACK_PATH,
    AuthorizationRequest,
    OAuthError,
    code_from_redirect,
)

logger = logging.getLogger(__name__)

_PAGE = (
    "<!doctype html><meta charset=utf-8><title>course-tutor</title>"
    "<body style='font-family: sans-serif; margin: 3em'>"
    "<h1>{title}</h1><p>{text}</p></body>"
)


class LoopbackReceiver:
    """A one-shot HTTP listener on 127.0.0.1 for the browser's return from
    Canvas. ``port`` 0 lets the system pick a free one.

    Once started (its `redirect_uri` known), `expect` gives it the login to
    check answers against; `wait` returns the code. The browser is shown
    the outcome, and a mismatched or refused answer ends the wait with the
    OAuthError from `code_from_redirect`.
    """

    def __init__(
        self, port: int = 0, *, host: str = "127.0.0.1", patience: float = 300.0
    ) -> None:
        self.host = host
        self.port = port
        self.patience = patience
        """Seconds to wait for the browser."""
        self._server: asyncio.Server | None = None
        self._request: AuthorizationRequest | None = None
        self._answer: asyncio.Future[str] | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.host}:{self.port}{CALLBACK_PATH}"

    async def __aenter__(self) -> LoopbackReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._answer = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(
                self._handle, self.host, self.port
            )
        except OSError as error:
            raise OAuthError(
                f"course-tutor could not listen on {self.host}:{self.port} for "
                f"Canvas's answer ({error.strerror or error}). Another program is "
                "probably using that port: close it, or pick another port with "
                "`course-tutor login --port N` (the redirect URI registered with "
                "the developer key must match), or leave out --port."
            ) from None
        self.port = self._server.sockets[0].getsockname()[1]

    def expect(self, request: AuthorizationRequest) -> None:
        self._request = request

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def wait(self) -> str:
        """The code, once the browser has come back with a good answer."""
        if self._answer is None:
            raise RuntimeError("start() the receiver first")
        try:
            return await asyncio.wait_for(asyncio.shield(self._answer), self.patience)
        except TimeoutError:
            waited = _duration(self.patience)
            raise OAuthError(
                f"No answer came back from the browser within {waited}. Run "
                "`course-tutor login` again; if the browser shows an error page, "
                "read what it says."
            ) from None

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            target = await _read_request_target(reader)
            parts = urlsplit(target or "")
            params = dict(parse_qsl(parts.query))
            answered = {"code", "error", "state"} & params.keys()
            if parts.path != CALLBACK_PATH or not answered:
                await _respond(writer, 404, "Not found", "Nothing here.")
                return
            await _respond(writer, 200, *self._settle(params))
        except (OSError, TimeoutError, ValueError):
            logger.debug("A connection to the login listener broke off")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _settle(self, params: dict[str, str]) -> tuple[str, str]:
        """Check the first answer, end the wait with it, and say how it went."""
        answer = self._answer
        if answer is None or answer.done() or self._request is None:
            return "Already answered", "course-tutor has its answer; close this tab."
        try:
            code = code_from_redirect(self._request, params)
        except OAuthError as error:
            answer.set_exception(error)
            return "Login not completed", f"{error.message} (See the terminal.)"
        answer.set_result(code)
        return (
            "course-tutor received your login",
            "Go back to the terminal; you can close this tab.",
        )


async def _read_request_target(reader: asyncio.StreamReader) -> str | None:
    line = await asyncio.wait_for(reader.readline(), 10)
    method, _, rest = line.decode("latin-1").partition(" ")
    target = rest.rsplit(" ", 1)[0]
    # Headers are read and ignored, up to a bound.
    for _ in range(100):
        header = await asyncio.wait_for(reader.readline(), 10)
        if header in (b"\r\n", b"\n", b""):
            break
    return target if method == "GET" else None


async def _respond(
    writer: asyncio.StreamWriter, status: int, title: str, text: str
) -> None:
    body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
    reason = {200: "OK", 404: "Not Found"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode("ascii") + body)
    await writer.drain()


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"
