"""Stand-ins for the set-up tests: keyrings, a student at the keyboard, and
a browser that follows Canvas's redirects."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import httpx2
from keyring.errors import KeyringLocked, PasswordDeleteError

from course_tutor.setup.terminal import Terminal


class MemoryKeyring:
    """A keyring in a dict. Not a keyring backend subclass, so it never
    joins keyring's own choice of backend."""

    name = "test keyring"

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, key: str) -> str | None:
        return self.items.get((service, key))

    def set_password(self, service: str, key: str, value: str) -> None:
        self.items[(service, key)] = value

    def delete_password(self, service: str, key: str) -> None:
        if self.items.pop((service, key), None) is None:
            raise PasswordDeleteError(key)

    def values(self) -> list[str]:
        return list(self.items.values())


class LockedKeyring(MemoryKeyring):
    """A keyring that is there but refuses every use."""

    def get_password(self, service: str, key: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, key: str, value: str) -> None:
        raise KeyringLocked(f"locked, cannot store {value}")

    def delete_password(self, service: str, key: str) -> None:
        raise KeyringLocked("locked")


Answer = str | Callable[[], str]


class Keyboard:
    """Answers to a run's questions, in order: ``lines`` for questions typed
    visibly, ``secrets`` for hidden ones; a callable answer is worked out
    when its question comes. Running out ends the input (as Ctrl+D does), so
    a test never hangs on an unexpected question."""

    def __init__(
        self, lines: Iterable[Answer] = (), secrets: Iterable[Answer] = ()
    ) -> None:
        self.lines = list(lines)
        self.secrets = list(secrets)
        self.prompts: list[str] = []
        self.out = io.StringIO()
        self.err = io.StringIO()

    def terminal(self, browser: Any = None, out: io.StringIO | None = None) -> Terminal:
        if out is not None:
            self.out = out
        return Terminal(
            out=self.out,
            err=self.err,
            read_line=self._line,
            read_secret=self._secret,
            open_browser=browser or (lambda url: False),
        )

    @property
    def transcript(self) -> str:
        return self.out.getvalue() + self.err.getvalue()

    def _line(self, prompt: str) -> str:
        return self._next(prompt, self.lines)

    def _secret(self, prompt: str) -> str:
        return self._next(prompt, self.secrets)

    def _next(self, prompt: str, answers: list[Answer]) -> str:
        self.prompts.append(prompt)
        self.out.write(prompt + "\n")
        if not answers:
            raise EOFError
        answer = answers.pop(0)
        return answer() if callable(answer) else answer


class Browser:
    """Opens an address the way a browser would: follows the redirects, in a
    thread of its own, and keeps the last page. ``tamper`` may rewrite each
    address before it is fetched."""

    def __init__(self, tamper: Any = None) -> None:
        self.tamper = tamper or (lambda url: url)
        self.visited: list[str] = []
        self.pages: list[httpx2.Response] = []
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str) -> bool:
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        self._threads.append(thread)
        thread.start()
        return True

    def fetch(self, url: str) -> httpx2.Response:
        """Visit now, in this thread (for pages that need no answer)."""
        self._visit(url)
        return self.pages[-1]

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=10)

    def _visit(self, url: str) -> None:
        try:
            with httpx2.Client(timeout=10) as client:
                while True:
                    url = self.tamper(url)
                    self.visited.append(url)
                    response = client.get(url)
                    if not response.is_redirect:
                        break
                    url = str(response.url.join(response.headers["location"]))
            self.pages.append(response)
        except BaseException as error:
            self.errors.append(error)


class PrintedAddressBrowser(io.StringIO):
    """An output stream that, like a student reading the terminal, opens the
    authorization address as soon as it is printed (for --no-browser)."""

    def __init__(self, browser: Browser) -> None:
        super().__init__()
        self.browser = browser
        self.opened = False

    def write(self, text: str) -> int:
        written = super().write(text)
        found = re.search(r"https?://\S+/login/oauth2/auth\?\S+", text)
        if found and not self.opened:
            self.opened = True
            self.browser(found.group(0))
        return written
