"""memory_long_conversation: a 300-turn conversation through the loop.

One conversation, one history, the scripted model and the demo Canvas, the
flows played in turn over the enrolled courses: the course list, an
overview and the items of six modules, a study guide, and a practice exam
answered question by question. It runs in a fresh process so that the peak
resident set size is this conversation's alone: `VmHWM` of
`/proc/self/status` on Linux (`ru_maxrss` would also count the parent the
process was started from, since Linux carries that over across exec).

Every request body sent to the model is measured on the wire. The largest is
reported in tokens, estimated as the scripted model does (four bytes a
token, tool schemas and JSON included), against the context window less the
room the budget keeps for the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2

from benchmarks.common import Row, demo_tutor, model_client, model_transport
from course_tutor.headless import play_turn

ROOT = Path(__file__).resolve().parent.parent
TURNS = 300
TARGET_MB = 250.0

COURSES = ("BIO 110", "HIST 210", "STAT 201")


def conversation() -> Iterator[str]:
    """What the student says, turn after turn, for as long as asked."""
    for code in itertools.cycle(COURSES):
        yield "List all of my courses."
        yield f"Tell me about {code}"
        yield "1 to 6"
        yield f"Make a study guide for {code}"
        yield f"Quiz me: 4 questions on {code}"
        yield "1 and 2"
        yield from ("A", "B", "C", "D")


class _SizingTransport(httpx2.AsyncBaseTransport):
    """Passes requests on, keeping the size of each body sent."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sizes: list[int] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sizes.append(len(await request.aread()))
        return await self.inner.handle_async_request(request)


async def talk(turns: int) -> dict[str, float]:
    sizing = _SizingTransport(model_transport())
    failures = 0
    tool_calls = 0
    async with demo_tutor(model=model_client(sizing)) as tutor:
        history = tutor.new_history()
        for text in itertools.islice(conversation(), turns):
            record = await play_turn(tutor.agent, history, text)
            failures += record.failure is not None
            tool_calls += len(record.tool_calls)
        budget = tutor.agent.budget
        fitted = budget.fit(history)

    kept_bytes = sum(len(json.dumps(m)) for m in history)
    return {
        "turns": turns,
        "failed_turns": failures,
        "tool_calls": tool_calls,
        "requests": len(sizing.sizes),
        "largest_request_bytes": max(sizing.sizes),
        "last_request_messages": len(fitted),
        "history_messages": len(history),
        "history_bytes": kept_bytes,
        "window": budget.window,
        "reserve": budget.reserve,
        "peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """The most memory this process has held resident, in MB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: kilobytes on Linux, bytes on macOS
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024
    kilobytes = next(
        line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")
    )
    return int(kilobytes) / 1024


def measure(turns: int) -> dict[str, float]:
    """The conversation's figures, from a fresh process."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", "--turns", str(turns)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(done.stdout)
    if figures["failed_turns"]:
        raise RuntimeError(f"{figures['failed_turns']} turns failed: {figures}")
    return figures


def run(quick: bool = False) -> list[Row]:
    figures = measure(20 if quick else TURNS)
    turns = int(figures["turns"])
    largest = figures["largest_request_bytes"] / 4
    room = figures["window"] - figures["reserve"]
    return [
        Row(
            name=f"memory_long_conversation peak RSS ({turns} turns)",
            value=figures["peak_rss_mb"],
            unit="MB",
            baseline=None,
            target=f"<= {TARGET_MB:g} MB",
            ok=figures["peak_rss_mb"] <= TARGET_MB,
        ),
        Row(
            name=f"memory_long_conversation largest request ({turns} turns)",
            value=largest,
            unit="tokens",
            baseline=room,
            target="ratio <= 1 (window less answer reserve)",
            ok=largest <= room,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=TURNS)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(talk(args.turns))))


if __name__ == "__main__":
    main()
