"""startup: how long the command takes to start, against `python -c pass`.

Each command runs as a fresh process; the three are run in turn, round after
round, and each figure is the median of its rounds. `--version` and `--help`
must not import the heavy packages (openai, textual, starlette); the CLI
imports them inside the subcommands that need them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Row, median

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 4.0

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
    return rows
