"""The Link header: Canvas's forms, and httpx2's own parser compared."""

from __future__ import annotations

import httpx2
import pytest

from course_tutor.canvas.links import next_link, parse_link_header

CANVAS_LINK = (
    '<https://canvas.test/api/v1/courses?page=2&per_page=100>; rel="current",'
    '<https://canvas.test/api/v1/courses?page=3&per_page=100>; rel="next",'
    '<https://canvas.test/api/v1/courses?page=1&per_page=100>; rel="prev",'
    '<https://canvas.test/api/v1/courses?page=1&per_page=100>; rel="first",'
    '<https://canvas.test/api/v1/courses?page=7&per_page=100>; rel="last"'
)


def test_canvas_link_header() -> None:
    links = parse_link_header(CANVAS_LINK)
    assert links["next"] == "https://canvas.test/api/v1/courses?page=3&per_page=100"
    assert links["last"] == "https://canvas.test/api/v1/courses?page=7&per_page=100"
    assert set(links) == {"current", "next", "prev", "first", "last"}


def test_no_last_and_bookmarks() -> None:
    header = (
        "<https://canvas.test/api/v1/courses?page=bookmark:WyJ4IiwxMF0&per_page=100>; "
        'rel="current", <https://canvas.test/api/v1/courses?page=bookmark:WzEwMF0'
        '&per_page=100>; rel="next", <https://canvas.test/api/v1/courses?page=first'
        '&per_page=100>; rel="first"'
    )
    links = parse_link_header(header)
    assert links["next"] == (
        "https://canvas.test/api/v1/courses?page=bookmark:WzEwMF0&per_page=100"
    )
    assert "last" not in links


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<https://c.test/a?p=2>; rel=next", "https://c.test/a?p=2"),
        ('<https://c.test/a?p=2>;rel="next"', "https://c.test/a?p=2"),
        ('<https://c.test/a?p=2> ; REL = "Next"', "https://c.test/a?p=2"),
        ('<https://c.test/a?p=2>; rel="next last"', "https://c.test/a?p=2"),
        ('<https://c.test/a?p=2>; title="a, b; c"; rel="next"', "https://c.test/a?p=2"),
        ('<https://c.test/a?x=1;y=2&p=2>; rel="next"', "https://c.test/a?x=1;y=2&p=2"),
        ('<https://c.test/a?x=1,2&p=2>; rel="next"', "https://c.test/a?x=1,2&p=2"),
        ('<https://c.test/a?p=b==>; rel="next"', "https://c.test/a?p=b=="),
        (
            '<https://c.test/1>; rel="next", <https://c.test/2>; rel="next"',
            "https://c.test/1",
        ),
        ('<https://c.test/1>; rel="prev"', None),
        ("", None),
        ("garbage", None),
    ],
)
def test_link_header_variants(header: str, expected: str | None) -> None:
    assert parse_link_header(header).get("next") == expected


@pytest.mark.parametrize("name", ["Link", "link", "LINK", "lInK"])
def test_header_name_in_any_case(name: str) -> None:
    response = httpx2.Response(200, headers={name: '<https://c.test/2>; rel="next"'})
    assert next_link(response) == "https://c.test/2"


def test_several_link_headers_are_read_together() -> None:
    response = httpx2.Response(
        200,
        headers=[
            ("Link", '<https://c.test/1>; rel="current"'),
            ("Link", '<https://c.test/2>; rel="next"'),
        ],
    )
    assert next_link(response) == "https://c.test/2"


def test_no_link_header() -> None:
    assert next_link(httpx2.Response(200)) is None


@pytest.mark.parametrize(
    "header",
    [
        CANVAS_LINK,
        CANVAS_LINK.replace("; rel=", ";rel="),
        '<https://c.test/a?page=bookmark:WzEwMF0&per_page=100>; rel="next",'
        '<https://c.test/a?page=first&per_page=100>; rel="first"',
    ],
)
def test_agrees_with_httpx2_on_canvas_headers(header: str) -> None:
    theirs = httpx2.Response(200, headers={"link": header}).links
    ours = parse_link_header(header)
    assert {str(rel).lower(): link["url"] for rel, link in theirs.items()} == ours


@pytest.mark.parametrize(
    "header",
    [
        # httpx2 stops reading parameters at a value holding "=" ...
        '<https://c.test/a?p=2>; title="x=y"; rel="next"',
        # ... keeps parameter names in their case ...
        '<https://c.test/a?p=2>; REL="next"',
        # ... and takes a space-separated list of relations as one name.
        '<https://c.test/a?p=2>; rel="next last"',
    ],
)
def test_where_httpx2_falls_short(header: str) -> None:
    assert "next" not in httpx2.Response(200, headers={"link": header}).links
    assert parse_link_header(header)["next"] == "https://c.test/a?p=2"
