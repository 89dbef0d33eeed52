"""Reading the ``Link`` header Canvas paginates with.

Canvas sends ``<url>; rel="current",<url>; rel="next",...`` with absolute
URLs; ``last`` may be missing and pages may be opaque bookmarks. The URLs are
returned exactly as sent, never rebuilt. URLs may contain commas and
semicolons, so the header is scanned link by link rather than split.
"""

from __future__ import annotations

import re

import httpx2

_LINK = re.compile(
    r"""<(?P<url>[^>]*)>
        (?P<params>(?:\s*;\s*[^\s;,=]+(?:\s*=\s*(?:"[^"]*"|[^;,]*))?)*)""",
    re.VERBOSE,
)
_PARAM = re.compile(
    r""";\s*(?P<name>[^\s;,=]+)
        (?:\s*=\s*(?:"(?P<quoted>[^"]*)"|(?P<token>[^;,]*)))?""",
    re.VERBOSE,
)


def parse_link_header(value: str) -> dict[str, str]:
    """Each relation type (lower case) mapped to its URL; the first one wins."""
    links: dict[str, str] = {}
    for link in _LINK.finditer(value):
        for param in _PARAM.finditer(link["params"]):
            if param["name"].lower() != "rel":
                continue
            relations = (param["quoted"] or param["token"] or "").split()
            for relation in relations:
                links.setdefault(relation.lower(), link["url"].strip())
    return links


def next_link(response: httpx2.Response) -> str | None:
    """The URL of the next page, from every Link header the response carries."""
    headers = response.headers.get_list("link")
    if not headers:
        return None
    return parse_link_header(",".join(headers)).get("next") or None
