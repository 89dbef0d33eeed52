"""startup: how long the command takes to start, against `python -c pass`.

Each command runs as a fresh process; the commands are run in turn, round
after round, and each figure is the median of its rounds. `--version` and
`--help` must not import the heavy packages (openai, textual, starlette); the
CLI imports them inside the subcommands that need them.

The first screen of `course-tutor --demo` is timed from outside, with no
hook in the app: the command runs in a pseudo-terminal (120 x 40), and the
clock stops when what it has drawn, escape sequences removed, shows the
app's title and enough text to be a whole screen. Its configuration and
history go to a temporary home.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from benchmarks.common import Row, median

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 4.0
FIRST_SCREEN_TARGET = 1.5
"""Seconds from starting `course-tutor --demo` to its first screen."""

TERMINAL = (40, 120)
"""Rows and columns of the pseudo-terminal."""
TITLE = b"course-tutor"
WHOLE_SCREEN = 300
"""Visible characters (not spaces) that make a painted screen."""
_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor, colours, modes
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: the window title, colours
    rb"|\x1b[P^_X].*?\x1b\\"  # DCS and friends
    rb"|\x1b[@-_]",
    re.DOTALL,
)

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "--version": [sys.executable, "-m", "course_tutor", "--version"],
    "--help": [sys.executable, "-m", "course_tutor", "--help"],
}


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def measure(rounds: int) -> dict[str, float]:
    """Median seconds of each command, the commands interleaved."""
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():  # warm the file cache
        _seconds(command)
    for number in range(rounds):
        names = list(COMMANDS)
        # Rotate the order so that no command always runs first.
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(_seconds(COMMANDS[name]))
    return {name: median(values) for name, values in times.items()}


def _settle_env(home: str) -> dict[str, str]:
    """The environment for the app: a fresh home, no real Canvas or model."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CANVAS_", "OPENAI_", "COURSE_TUTOR_", "XDG_"))
        and name not in ("COLUMNS", "LINES")
    }
    env.update(HOME=home, TERM="xterm-256color")
    return env


def first_screen(env: dict[str, str], timeout: float = 30.0) -> float:
    """Seconds from starting `course-tutor --demo` in a pseudo-terminal to
    its first whole screen."""
    master, slave = pty.openpty()
    rows, columns = TERMINAL
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    started = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, "-m", "course_tutor", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    drawn = b""
    try:
        while True:
            waited = time.perf_counter() - started
            if waited > timeout:
                raise RuntimeError(f"no first screen after {timeout:g} s: {drawn!r}")
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                drawn += os.read(master, 65536)
                visible = _ESCAPES.sub(b"", drawn)
                painted = len(re.sub(rb"\s", b"", visible)) >= WHOLE_SCREEN
                if TITLE in visible and painted:
                    return time.perf_counter() - started
    finally:
        _quit(app, master)


def _quit(app: subprocess.Popen[bytes], master: int) -> None:
    # Stopped rather than asked to quit: it is a throwaway home, and a quit
    # would wait for the session the app opens after its first screen.
    app.terminate()
    try:
        app.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.kill()
        app.wait()
    finally:
        os.close(master)


def measure_first_screen(rounds: int) -> tuple[float, float]:
    """Median seconds to the first screen, and of `python -c pass`, interleaved."""
    screens: list[float] = []
    python: list[float] = []
    with tempfile.TemporaryDirectory(prefix="course-tutor-bench-") as home:
        env = _settle_env(home)
        first_screen(env)  # warm the file cache, create the store
        for _ in range(rounds):
            screens.append(first_screen(env))
            python.append(_seconds(COMMANDS["python -c pass"]))
    return median(screens), median(python)


def run(quick: bool = False) -> list[Row]:
    medians = measure(rounds=5 if quick else 40)
    python = medians["python -c pass"]
    rows = []
    for flag in ("--version", "--help"):
        seconds = medians[flag]
        rows.append(
            Row(
                name=f"startup {flag}",
                value=seconds * 1000,
                unit="ms",
                baseline=python * 1000,
                target=f"ratio <= {TARGET_RATIO:g}",
                ok=seconds / python <= TARGET_RATIO,
            )
        )
    screen, python = measure_first_screen(rounds=1 if quick else 10)
    rows.append(
        Row(
            name="startup --demo first screen",
            value=screen * 1000,
            unit="ms",
            baseline=python * 1000,
            target=f"<= {FIRST_SCREEN_TARGET * 1000:,.0f} ms",
            ok=screen <= FIRST_SCREEN_TARGET,
        )
    )
    return rows
