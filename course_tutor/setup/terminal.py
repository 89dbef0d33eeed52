"""Questions and answers on the terminal, with the reading functions
injectable so tests can answer them."""

from __future__ import annotations

import getpass
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO


class Abandoned(Exception):
    """The user closed the input (Ctrl+D) before answering."""


def _stdout() -> TextIO:
    return sys.stdout


def _stderr() -> TextIO:
    return sys.stderr


@dataclass
class Terminal:
    out: TextIO = field(default_factory=_stdout)
    err: TextIO = field(default_factory=_stderr)
    read_line: Callable[[str], str] = input
    read_secret: Callable[[str], str] = getpass.getpass
    """Reads without echoing what is typed."""
    open_browser: Callable[[str], bool] = webbrowser.open

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def fail(self, text: str) -> None:
        """A problem that ends the command."""
        print(text, file=self.err, flush=True)

    def ask(self, question: str, default: str | None = None) -> str:
        """An answer; Enter gives ``default`` (shown in brackets)."""
        shown = f"{question} [{default}]: " if default else f"{question}: "
        answer = self._read(self.read_line, shown).strip()
        return answer or (default or "")

    def ask_secret(self, question: str) -> str:
        return self._read(self.read_secret, f"{question}: ").strip()

    def confirm(self, question: str, *, default: bool = False) -> bool:
        choices = "Y/n" if default else "y/N"
        while True:
            answer = self._read(self.read_line, f"{question} [{choices}]: ")
            answer = answer.strip().lower()
            if not answer:
                return default
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.say("Please answer y or n.")

    def _read(self, read: Callable[[str], str], prompt: str) -> str:
        try:
            return read(prompt)
        except EOFError:
            self.say()
            raise Abandoned from None
