"""One answer of the tutor, rendered as Markdown while it streams in.

A model sends an answer as hundreds of tiny fragments. Rendering each one
would re-parse and re-draw the answer hundreds of times a second and starve
the keyboard, so `append` only collects fragments, and a pump renders what
has piled up at most `refresh_rate` times a second.

A render splits the text not yet settled into the blocks that are complete
and the one still being written (`split_settled`). Complete blocks are
rendered to lines once, at the widget's width, and kept; only the block
being written is rendered again. The answer is a single widget that draws
those lines, so neither a render nor a layout of the screen grows with the
length of the answer. Blocks are one blank line apart, as in a document
rendered whole; an answer with reference-style links is rendered whole when
it finishes, since their definitions may come last.

Public API (also what the streaming benchmark drives):

    view = AnswerView()          # mount it, then
    view.append(fragment)        # whenever a fragment arrives: cheap and sync
    await view.finish()          # render the rest; the final render is exact
    view.text                    # the Markdown received so far
"""

from __future__ import annotations

import asyncio
import contextlib
from time import monotonic
from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.await_complete import AwaitComplete
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from course_tutor.tui.markdown import RichStyles

# `course_tutor.tui.markdown` (Rich's Markdown, markdown-it, Pygments) is
# imported when the first answer renders, not before the first screen.

DEFAULT_REFRESH_RATE = 8.0
"""Renders per second while an answer streams: smooth to read, cheap to draw."""


class AnswerView(Widget):
    """A streamed Markdown answer; see the module docstring for the API."""

    DEFAULT_CSS = """
    AnswerView {
        height: auto;
        width: 1fr;
    }
    """

    class LinkClicked(Message):
        """A link in an answer was clicked."""

        def __init__(self, answer: AnswerView, href: str) -> None:
            super().__init__()
            self.answer = answer
            self.href = href

        @property
        def control(self) -> AnswerView:
            return self.answer

    def __init__(
        self,
        text: str = "",
        *,
        streaming: bool = True,
        refresh_rate: float = DEFAULT_REFRESH_RATE,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._chunks: list[str] = []
        self._tail = ""
        self._pending: list[str] = [text] if text else []
        self._interval = 1.0 / refresh_rate
        self._wake = asyncio.Event()
        self._finishing = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self._streaming = streaming
        if not streaming:
            self._chunks = [text] if text else []
            self._pending = []
        # Lines of the complete chunks and of the tail, for one width and theme.
        self._drawn_for: tuple[int, RichStyles] | None = None
        self._chunk_lines: list[list[Strip]] = []
        self._tail_lines: list[Strip] = []
        self._joined: list[Strip] | None = None
        self.renders = 0
        """How many times new text was rendered (for tests and benchmarks)."""

    @property
    def text(self) -> str:
        """Everything received so far, rendered or not."""
        return "".join(self._chunks) + self._tail + "".join(self._pending)

    @property
    def streaming(self) -> bool:
        """True until `finish` is called."""
        return self._streaming

    def append(self, fragment: str) -> AwaitComplete:
        """Add a fragment; it shows at the next render (within 1/refresh_rate s).

        Returns an already-finished awaitable, so `await view.append(...)`
        works too."""
        if fragment:
            if not self._streaming:
                raise RuntimeError("AnswerView.append() after finish()")
            self._pending.append(fragment)
            self._wake.set()
        return AwaitComplete.nothing()

    def finish(self) -> AwaitComplete:
        """Stop streaming and render the rest; await it to know it is drawn."""
        self._streaming = False
        self._finishing.set()
        self._wake.set()
        if self._pump is None:
            self._settle_all()
            return AwaitComplete.nothing()
        return AwaitComplete(asyncio.shield(self._pump))

    # -- streaming -----------------------------------------------------------

    def on_mount(self) -> None:
        if self._streaming or self._pending:
            self._pump = asyncio.create_task(self._run_pump())
            self._wake.set()

    def on_unmount(self) -> None:
        if self._pump is not None and not self._pump.done():
            self._pump.cancel()

    async def _run_pump(self) -> None:
        while not self._finishing.is_set():
            await self._wake.wait()
            self._wake.clear()
            started = monotonic()
            self._render_pending()
            # Rest, so renders are at least an interval apart; fragments that
            # arrive meanwhile are rendered together next time.
            rest = self._interval - (monotonic() - started)
            if rest > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._finishing.wait(), rest)
        self._settle_all()

    def _render_pending(self) -> None:
        if not self._pending:
            return
        self.renders += 1
        from course_tutor.tui.markdown import split_settled

        source = self._tail + "".join(self._pending)
        self._pending.clear()
        settled, self._tail = split_settled(source)
        old_height = self._height()
        if settled:
            self._chunks.append(settled)
            if self._drawn_for is not None:
                self._chunk_lines.append(self._draw(settled, self._drawn_for))
        self._tail_lines = (
            self._draw(self._tail, self._drawn_for) if self._drawn_for else []
        )
        self._joined = None
        self.refresh(layout=self._height() != old_height or not self._drawn_for)

    def _settle_all(self) -> None:
        """The end of the answer: everything left is complete."""
        from course_tutor.tui.markdown import has_reference_links

        self._render_pending()
        text = self.text
        if has_reference_links(text):
            self._chunks, self._tail = [text], ""
            self._drawn_for = None
        elif self._tail:
            self._chunks.append(self._tail)
            self._tail = ""
            if self._drawn_for is not None:
                self._chunk_lines.append(self._tail_lines)
            self._tail_lines = []
        self._joined = None
        self.refresh(layout=True)

    # -- drawing -------------------------------------------------------------

    def _lines(self, width: int) -> list[Strip]:
        drawn = self._drawn_for
        if self._joined is not None and drawn is not None and drawn[0] == width:
            return self._joined
        from course_tutor.tui.markdown import styles_for

        key = (width, styles_for(self.app))
        if key != self._drawn_for:
            self._drawn_for = key
            self._chunk_lines = [self._draw(chunk, key) for chunk in self._chunks]
            self._tail_lines = self._draw(self._tail, key)
            self._joined = None
        if self._joined is None:
            self._joined = []
            gap = Strip.blank(width, self.rich_style)
            for block in [*self._chunk_lines, self._tail_lines]:
                if block:
                    if self._joined:
                        self._joined.append(gap)
                    self._joined.extend(block)
        return self._joined

    def _height(self) -> int:
        blocks = [b for b in [*self._chunk_lines, self._tail_lines] if b]
        return sum(map(len, blocks)) + max(0, len(blocks) - 1)

    def _draw(self, source: str, key: tuple[int, RichStyles]) -> list[Strip]:
        """`source` as lines `width` wide, without blank lines at either end."""
        from course_tutor.tui.markdown import MarkdownDocument

        width, styles = key
        if not source.strip() or width <= 0:
            return []
        options = self.app.console_options.update(
            width=width, height=None, highlight=False
        )
        segments = self.app.console.render(MarkdownDocument(source, styles), options)
        base = self.rich_style
        lines = [
            Strip(line, width)
            for line in Segment.split_and_crop_lines(
                Segment.apply_style(segments, base),
                width,
                style=base,
                pad=True,
                include_new_lines=False,
            )
        ]
        while lines and not lines[-1].text.strip():
            lines.pop()
        while lines and not lines[0].text.strip():
            lines.pop(0)
        return lines

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        lines = self._lines(width)
        if 0 <= y < len(lines):
            return lines[y]
        return Strip.blank(width, self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._joined = None  # check the theme again at the next draw

    def action_open_link(self, href: str) -> None:
        self.post_message(self.LinkClicked(self, href))
