"""Canvas HTML to Markdown: structure kept, links verbatim, what a model
cannot use dropped, whitespace tidied, long text cut on a boundary."""

from __future__ import annotations

import re

import pytest

from course_tutor.tools.html import SYLLABUS_LIMIT, shorten, to_markdown


def test_headings_are_atx() -> None:
    markdown = to_markdown("<h1>Course</h1><h2>Grading</h2><h4>Late work</h4>")
    assert markdown.splitlines() == ["# Course", "", "## Grading", "", "#### Late work"]


def test_lists_keep_their_kind_and_nesting() -> None:
    markdown = to_markdown(
        "<ul><li>Lab coat<ul><li>size M</li></ul></li><li>Goggles</li></ul>"
        "<ol><li>Read</li><li>Write</li></ol>"
    )
    lines = markdown.splitlines()
    assert "- Lab coat" in lines
    assert any(re.fullmatch(r"\s+- size M", line) for line in lines)
    assert "- Goggles" in lines
    assert "1. Read" in lines
    assert "2. Write" in lines


def test_tables_become_pipe_tables() -> None:
    markdown = to_markdown(
        "<table><thead><tr><th>Part</th><th>Weight</th></tr></thead>"
        "<tbody><tr><td>Quizzes</td><td>15%</td></tr></tbody></table>"
    )
    assert markdown.splitlines() == [
        "| Part | Weight |",
        "| --- | --- |",
        "| Quizzes | 15% |",
    ]


def test_a_table_without_a_header_row_still_has_one() -> None:
    markdown = to_markdown("<table><tr><td>A</td><td>B</td></tr></table>")
    assert markdown.splitlines()[1] == "| --- | --- |"


def test_links_are_kept_verbatim() -> None:
    href = "https://canvas.example/courses/1/files/2/download?wrap=1&verifier=x_y*z"
    markdown = to_markdown(
        f'<p>See the <a href="{href.replace("&", "&amp;")}">rubric_v2 *final*</a> '
        'and <a href="/courses/1/pages/help">help</a>.</p>'
    )
    assert f"[rubric_v2 *final*]({href})" in markdown
    assert "[help](/courses/1/pages/help)" in markdown


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert('x')</script>",
        "<style>p { color: red }</style>",
        '<img src="https://x.example/a.png" alt="chart">',
        '<iframe src="https://video.example/embed/1">fallback</iframe>',
        '<video src="a.mp4">no video</video>',
        '<object data="a.swf">old</object>',
        "<noscript>enable js</noscript>",
    ],
)
def test_what_a_model_cannot_use_is_dropped(html: str) -> None:
    assert to_markdown(f"<p>Before</p>{html}<p>After</p>") == "Before\n\nAfter"


def test_whitespace_is_collapsed() -> None:
    markdown = to_markdown(
        "<p>Office&nbsp;&nbsp;hours:\n\n   Tuesday \t 1-3</p>"
        "<p></p><p>&nbsp;</p><br><br><br><p>Room 314</p>"
    )
    assert markdown == "Office hours:\nTuesday 1-3\n\nRoom 314"


def test_code_blocks_keep_their_spacing() -> None:
    markdown = to_markdown("<pre>x  =  1\n    y = 2</pre>")
    assert markdown == "```\nx  =  1\n    y = 2\n```"


def test_plain_text_passes_through_tidied() -> None:
    text = "A tour of the Sun_and_planets *for everyone*  \n\n\n\n  2 < 3"
    assert to_markdown(text) == "A tour of the Sun_and_planets *for everyone*\n\n2 < 3"


@pytest.mark.parametrize("nothing", [None, "", "<p></p>", "<script>x</script>"])
def test_nothing_comes_out_as_empty(nothing: str | None) -> None:
    assert to_markdown(nothing) == ""


def test_short_text_is_not_capped() -> None:
    assert to_markdown("<p>One</p><p>Two</p>", limit=100) == "One\n\nTwo"


def test_long_text_is_cut_on_a_paragraph_boundary_with_a_note() -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 60 for n in range(1, 40)]
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    whole = to_markdown(html)

    cut = to_markdown(html, limit=SYLLABUS_LIMIT)

    assert len(cut) <= SYLLABUS_LIMIT
    kept, note = cut.rsplit("\n\n", 1)
    assert whole.startswith(kept + "\n\n"), "the cut falls between paragraphs"
    assert kept.endswith("word"), "no paragraph is cut in half"
    assert note == (
        f"[Shortened: the first {len(kept)} of {len(whole)} characters. "
        "The rest is in Canvas.]"
    )


def test_a_cut_falls_back_to_a_line_then_a_space() -> None:
    lines = "\n".join(f"line {n} " + "x" * 30 for n in range(100))
    kept = shorten(lines, 500).rsplit("\n\n", 1)[0]
    assert lines.startswith(kept + "\n")

    words = "word " * 400
    kept = shorten(words.strip(), 500).rsplit("\n\n", 1)[0]
    assert kept.endswith("word")
    assert len(kept) < 500


def test_a_cut_does_not_end_on_a_heading() -> None:
    text = "Intro " * 10 + "\n\n## Grading\n\n" + "| a | b |\n" * 200
    kept = shorten(text, 200).rsplit("\n\n", 1)[0]
    assert kept == ("Intro " * 10).strip()
