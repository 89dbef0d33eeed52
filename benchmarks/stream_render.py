"""stream_render: the CPU a streamed answer costs the screen, and how
quickly keys are answered meanwhile.

A 20 KB Markdown answer (headings, paragraphs, lists, a table, code) is cut
into about 2,500 fragments and sent at about 250 a second, as a model
streams, into the tutor's answer widget in a headless app; keys are pressed
every 50 ms through the pilot while it streams. The baseline is Textual's
own `Markdown` widget with each fragment written to `Markdown.get_stream()`.
The sides take turns, and each figure is the median of its runs.

The figures: CPU seconds (`time.process_time`) from the first fragment until
the answer is fully drawn, and the 95th percentile of the delay from a key
being pressed to its handler running.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
from collections.abc import Awaitable, Callable

from textual import events
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from benchmarks.common import Row, median, percentile
from course_tutor.tui.widgets.answer import AnswerView

SIZE = (100, 40)
RATE = 250.0
"""Fragments a second."""
FRAGMENTS = 2500
KEY_EVERY = 0.05
"""Seconds between key presses during the stream."""
CPU_TARGET = 3.0
KEY_TARGET_MS = 50.0


def answer_text(size: int = 20_000) -> str:
    """A tutor-like Markdown answer of about `size` characters."""
    parts: list[str] = []
    unit = 0
    while sum(map(len, parts)) < size:
        unit += 1
        parts.append(
            f"## Unit {unit}: membranes, energy and the cell cycle\n\n"
            f"This unit builds on unit {unit - 1 or 1}. Read the **lecture notes** "
            "first, then work through the _problem set_; the quiz at the end "
            "checks the [key terms](https://canvas.northwood.example/courses/"
            f"48213/modules/items/{1000 + unit}) and takes about 20 minutes.\n\n"
            "Key ideas to review:\n\n"
            "- the fluid mosaic model and what moves across a membrane\n"
            "- passive transport: diffusion, osmosis and facilitated diffusion\n"
            "  - tonicity, and what happens to a cell in each kind of solution\n"
            "- active transport and the sodium–potassium pump\n\n"
            "1. Read chapter 7 and take notes on figures 7.4 to 7.9.\n"
            "2. Answer the review questions at the end of the chapter.\n"
            "3. Try the practice quiz; retake it until you score 80 %.\n\n"
            "| Item | Type | Due | Points |\n"
            "|---|---|---|---|\n"
            f"| Lecture {unit}: transport | Page | — | — |\n"
            f"| Problem set {unit} | Assignment | Oct {unit % 28 + 1}, 23:59 | 20 |\n"
            f"| Lab report {unit} | Assignment | Oct {unit % 28 + 2}, 23:59 | 30 |\n"
            f"| Quiz {unit} | Quiz | Oct {unit % 28 + 3}, 23:59 | 10 |\n\n"
            "A worked example, in Python:\n\n"
            "```python\n"
            "def concentration(moles: float, litres: float) -> float:\n"
            '    """Molarity of a solution."""\n'
            "    return moles / litres\n"
            "```\n\n"
            "> Tip: explain each step out loud; if you cannot, review it again.\n\n"
        )
    return "".join(parts)[:size]


def fragments(text: str, count: int) -> list[str]:
    """`text` cut into `count` pieces of nearly equal length."""
    step = len(text) / count
    cuts = [round(i * step) for i in range(count + 1)]
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


class _StreamApp(App[None]):
    """A transcript-like column holding the widget under test; it times the
    keys it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.key_sent = 0.0
        self.key_delays: list[float] = []

    def on_key(self, event: events.Key) -> None:
        if event.key == "x" and self.key_sent:
            self.key_delays.append(time.perf_counter() - self.key_sent)
            self.key_sent = 0.0

    async def stream(self, pieces: list[str], rate: float) -> None:
        raise NotImplementedError


class TutorAnswerApp(_StreamApp):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield AnswerView()

    async def stream(self, pieces: list[str], rate: float) -> None:
        view = self.query_one(AnswerView)
        await _paced(pieces, rate, view.append)
        await view.finish()


class PlainMarkdownApp(_StreamApp):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown()

    async def stream(self, pieces: list[str], rate: float) -> None:
        stream = Markdown.get_stream(self.query_one(Markdown))
        await _paced(pieces, rate, stream.write)
        await stream.stop()


async def _paced(
    pieces: list[str], rate: float, send: Callable[[str], Awaitable[object] | object]
) -> None:
    """Send each piece at its time on a fixed schedule (no drift)."""
    start = time.perf_counter()
    for number, piece in enumerate(pieces):
        wait = start + number / rate - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        sent = send(piece)
        if isinstance(sent, Awaitable):
            await sent


async def _one_stream(
    app: _StreamApp, pieces: list[str], rate: float
) -> tuple[float, list[float]]:
    """CPU seconds of one stream, and the key delays during it."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        gc.collect()
        cpu = time.process_time()
        streaming = asyncio.create_task(app.stream(pieces, rate))
        while not streaming.done():
            await asyncio.sleep(KEY_EVERY)
            app.key_sent = time.perf_counter()
            await pilot.press("x")
        await streaming
        cpu = time.process_time() - cpu
    return cpu, app.key_delays


async def measure(rounds: int, count: int) -> dict[str, tuple[float, float]]:
    """For each side: median CPU seconds, and the p95 key delay over all runs."""
    pieces = fragments(answer_text(round(20_000 * count / FRAGMENTS)), count)
    cpu: dict[str, list[float]] = {"ours": [], "plain": []}
    delays: dict[str, list[float]] = {"ours": [], "plain": []}
    for number in range(rounds):
        sides: list[tuple[str, type[_StreamApp]]] = [
            ("ours", TutorAnswerApp),
            ("plain", PlainMarkdownApp),
        ]
        for side, kind in sides if number % 2 == 0 else sides[::-1]:
            seconds, keys = await _one_stream(kind(), pieces, RATE)
            cpu[side].append(seconds)
            delays[side].extend(keys)
    return {side: (median(cpu[side]), percentile(delays[side], 0.95)) for side in cpu}


def run(quick: bool = False) -> list[Row]:
    figures = asyncio.run(
        measure(rounds=1 if quick else 3, count=250 if quick else FRAGMENTS)
    )
    (ours_cpu, ours_key), (plain_cpu, plain_key) = figures["ours"], figures["plain"]
    return [
        Row(
            name="stream_render CPU",
            value=ours_cpu,
            unit="s",
            baseline=plain_cpu,
            target=f"ratio <= {1 / CPU_TARGET:.2f} ({CPU_TARGET:g}x less)",
            ok=ours_cpu * CPU_TARGET <= plain_cpu,
        ),
        Row(
            name="stream_render keypress p95",
            value=ours_key * 1000,
            unit="ms",
            baseline=plain_key * 1000,
            target=f"<= {KEY_TARGET_MS:g} ms",
            ok=ours_key * 1000 <= KEY_TARGET_MS,
        ),
    ]
