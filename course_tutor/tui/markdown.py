"""Markdown for the transcript: one Rich renderable per piece of an answer,
coloured from the current Textual theme, with links that ask the screen.

Textual's own `Markdown` widget builds a widget per block, per list item and
per table cell: a 20 KB answer becomes well over a thousand widgets, and every
layout of the screen walks all of them. Here an answer is a handful of
`Static` widgets whose lines are rendered once per width, which keeps a long
conversation cheap to scroll and to stream into.

Links are not terminal hyperlinks (the terminal would open them without
asking); a click runs the `open_link` action of the widget showing them, so
the link policy in `course_tutor.tui.links` decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from markdown_it import MarkdownIt
from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import (
    CodeBlock,
    Heading,
    HorizontalRule,
    ListItem,
    Markdown,
    MarkdownElement,
    TableElement,
)
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from rich.theme import Theme
from textual.color import Color

if TYPE_CHECKING:
    from textual.app import App


class _Heading(Heading):
    """Headings flush left, with a blank line's worth of air from the margin."""

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        text = self.text.copy()
        text.justify = "left"
        yield text


class _CodeBlock(CodeBlock):
    """Fenced code on a quiet panel, highlighted for a light or dark theme."""

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        panel = console.get_style("markdown.code_block").bgcolor
        yield Syntax(
            str(self.text).rstrip(),
            self.lexer_name,
            theme=self.theme,
            word_wrap=True,
            padding=(0, 1),
            background_color=panel.name if panel else None,
        )


class _Rule(HorizontalRule):
    """A thin rule rather than a row of dashes."""

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        yield Rule(style="markdown.hr", characters="─")
        yield Text()


class _Table(TableElement):
    """Tables with a rounded frame and a header in the accent colour."""

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        table = Table(
            box=box.ROUNDED,
            border_style="markdown.table.border",
            header_style="markdown.table.header",
            pad_edge=True,
            show_edge=True,
        )
        if self.header is not None and self.header.row is not None:
            for cell in self.header.row.cells:
                table.add_column(cell.content.copy(), justify=cell.justify)
        if self.body is not None:
            for row in self.body.rows:
                table.add_row(*(cell.content for cell in row.cells))
        yield table


class _ListItem(ListItem):
    """Numbered items read "1." rather than Rich's bare "1"."""

    def render_number(
        self, console: Console, options: ConsoleOptions, number: int, last_number: int
    ) -> RenderResult:
        width = len(str(last_number)) + 3
        lines = console.render_lines(
            self.elements,
            options.update(width=options.max_width - width),
            style=self.style,
        )
        number_style = console.get_style("markdown.item.number", default="none")
        numeral = Segment(f"{number}.".rjust(width - 1) + " ", number_style)
        padding = Segment(" " * width)
        for index, line in enumerate(lines):
            yield padding if index else numeral
            yield from line
            yield Segment.line()


class TutorMarkdown(Markdown):
    """Rich's Markdown with the elements above, and a line break wherever the
    text has one: tutors write choices and steps on their own lines without
    blank lines between, as chat screens show them."""

    def __init__(self, markup: str, **options: Any) -> None:
        super().__init__(markup, **options)
        for token in self.parsed:
            for child in token.children or ():
                if child.type == "softbreak":
                    child.type = "hardbreak"

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "list_item_open": _ListItem,
        "heading_open": _Heading,
        "fence": _CodeBlock,
        "code_block": _CodeBlock,
        "table_open": _Table,
        "hr": _Rule,
    }


class MarkdownDocument:
    """A piece of Markdown rendered with a theme; links become `open_link`
    actions of the widget that shows it."""

    def __init__(self, source: str, styles: RichStyles) -> None:
        self.source = source
        self.styles = styles
        # Textual renders once to measure the height and again to draw.
        self._rendered: tuple[int, list[Segment]] | None = None

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        if self._rendered is not None and self._rendered[0] == options.max_width:
            yield from self._rendered[1]
            return
        document = TutorMarkdown(
            self.source, code_theme=self.styles.code_theme, hyperlinks=True
        )
        with console.use_theme(self.styles.theme):
            segments = [
                Segment(segment.text, _clickable(segment.style))
                if segment.style is not None and segment.style.link
                else segment
                for segment in console.render(document, options)
            ]
        self._rendered = (options.max_width, segments)
        yield from segments


@lru_cache(maxsize=256)
def _clickable(style: Style) -> Style:
    href = style.link or ""
    return style.update_link(None) + Style.from_meta({"@click": f"open_link({href!r})"})


def styles_for(app: App) -> RichStyles:
    """The Markdown styles for the app's current theme (cached by theme)."""
    theme = app.current_theme
    styles = _STYLES.get(theme.name)
    if styles is None:
        styles = _STYLES[theme.name] = RichStyles(app.theme_variables, theme.dark)
    return styles


_STYLES: dict[str, RichStyles] = {}


class RichStyles:
    """The Rich theme for Markdown that matches a Textual theme."""

    def __init__(self, variables: Mapping[str, str], dark: bool) -> None:
        def color(name: str, fallback: str = "default") -> str:
            value = variables.get(name)
            if not value:
                return fallback
            try:
                parsed = Color.parse(value)
            except Exception:  # "auto 60%" and friends are not plain colours
                return fallback
            if parsed.a < 1:
                background = Color.parse(variables.get("background", "#000000"))
                parsed = background.blend(parsed.with_alpha(1.0), parsed.a)
            return parsed.hex

        primary = color("text-primary")
        accent = color("text-accent")
        secondary = color("text-secondary")
        muted = color("foreground-muted")
        panel = color("panel")
        warning = color("text-warning")
        self.code_theme = "monokai" if dark else "default"
        self.theme = Theme(
            {
                "markdown.h1": f"bold underline {primary}",
                "markdown.h2": f"bold {primary}",
                "markdown.h3": f"bold {accent}",
                "markdown.h4": f"bold italic {secondary}",
                "markdown.h5": "italic",
                "markdown.h6": f"italic {muted}",
                "markdown.code": f"{warning} on {panel}",
                "markdown.code_block": f"on {panel}",
                "markdown.block_quote": f"italic {muted}",
                "markdown.list": "none",
                "markdown.item.bullet": f"bold {accent}",
                "markdown.item.number": f"bold {accent}",
                "markdown.hr": muted,
                "markdown.link": f"underline {primary}",
                "markdown.link_url": f"underline {primary}",
                "markdown.table.border": muted,
                "markdown.table.header": f"bold {accent}",
            }
        )


_PARSER = MarkdownIt("commonmark").enable("strikethrough").enable("table")
"""The grammar Rich renders with, used here to find where blocks start."""


def split_settled(source: str) -> tuple[str, str]:
    """Split streamed Markdown into blocks that are complete and the block
    still being written.

    Every top-level block but the last is followed by another one, so more
    text cannot change it; the last (a paragraph mid-sentence, a table still
    growing, a code fence not yet closed) may still change.
    """
    starts = [
        token.map[0]
        for token in _PARSER.parse(source)
        if token.level == 0 and token.nesting != -1 and token.map is not None
    ]
    if len(starts) < 2:
        return "", source
    lines = source.splitlines(keepends=True)
    cut = starts[-1]
    return "".join(lines[:cut]), "".join(lines[cut:])


def has_reference_links(source: str) -> bool:
    """Link reference definitions apply to the whole document, so an answer
    that has them must be rendered in one piece."""
    env: dict = {}
    _PARSER.parse(source, env)
    return bool(env.get("references"))
