"""Canvas HTML (syllabi, descriptions) as Markdown a model can read.

Canvas content is written by instructors and is untrusted: it is converted
to text and handed to the model as data, never fetched or followed. Links
stay as Markdown links with their addresses verbatim; scripts, styles,
images, frames and embedded media are dropped, since the model can do nothing
with them but spend tokens. Long text is cut on a paragraph or line boundary,
with a visible note saying so.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from markdownify import ATX, MarkdownConverter

SYLLABUS_LIMIT = 6000
"""Characters of syllabus Markdown kept."""

DESCRIPTION_LIMIT = 1000
"""Characters of a course description kept."""

_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z!/]")
# Headings left at the end of a cut, with nothing of their section after them.
_HEADING_AT_END = re.compile(r"(?:\n*^#{1,6} [^\n]*\s*)+\Z", re.MULTILINE)


class _CanvasMarkdown(MarkdownConverter):
    """markdownify with what a model cannot use left out."""

    def _drop(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return ""

    convert_img = _drop
    convert_iframe = _drop
    convert_video = _drop
    convert_audio = _drop
    convert_object = _drop
    convert_embed = _drop
    convert_svg = _drop
    convert_canvas = _drop
    convert_noscript = _drop
    convert_template = _drop
    convert_form = _drop
    convert_button = _drop
    convert_input = _drop
    convert_select = _drop
    convert_textarea = _drop
    convert_head = _drop
    convert_title = _drop
    convert_meta = _drop
    convert_link = _drop


_CONVERTER = _CanvasMarkdown(
    heading_style=ATX,
    bullets="-",
    escape_asterisks=False,
    escape_underscores=False,
    table_infer_header=True,
)


def to_markdown(html: str | None, *, limit: int | None = None) -> str:
    """Markdown for Canvas HTML (plain text passes through, tidied), at most
    about ``limit`` characters when a limit is given."""
    if not html:
        return ""
    text = _converted(html)
    return shorten(text, limit) if limit is not None else text


@functools.lru_cache(maxsize=64)
def _converted(html: str) -> str:
    # Kept because a session reads the same syllabus again and again (each
    # overview, guide and exam of a course), and converting it is most of
    # the cost of a getSingleCourse call: about 3 ms for a 3 KB syllabus.
    if _LOOKS_LIKE_HTML.search(html):
        return tidy(_CONVERTER.convert(html))
    return tidy(html, keep_indent=False)


def tidy(text: str, *, keep_indent: bool = True) -> str:
    """Runs of spaces made one, trailing spaces and surplus blank lines
    removed. Indentation is kept where it means something (nested lists),
    and code blocks are left as they are."""
    lines = []
    in_code = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code:
            lines.append(line.rstrip())
            continue
        body = line.lstrip(" ")
        indent = line[: len(line) - len(body)] if keep_indent else ""
        body = _SPACES.sub(" ", body).strip()
        lines.append(indent + body if body else "")
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to fit ``limit`` characters, note included, at the last
    paragraph break (or line break, or space) that fits."""
    if len(text) <= limit:
        return text
    note = (
        f"\n\n[Shortened: the first {{kept}} of {len(text)} characters. "
        "The rest is in Canvas.]"
    )
    room = max(limit - len(note), limit // 2)

    cut = -1
    for boundary in ("\n\n", "\n", " "):
        cut = text.rfind(boundary, 0, room + 1)
        if cut >= room // 2:
            break
    if cut < room // 2:
        cut = room
    kept = _HEADING_AT_END.sub("", text[:cut]).rstrip()
    return kept + note.format(kept=len(kept))
