"""Which links in an answer open straight away.

Links into the student's own Canvas open in the browser: the tutor got them
from Canvas. Anything else could have been written by whoever wrote a course
page (or by a confused model), so the screen shows the full address and asks
first. Only web addresses open at all. The demo's Canvas host is fictional,
so its links are explained rather than opened.
"""

from __future__ import annotations

from enum import Enum
from urllib.parse import urljoin, urlsplit


class LinkKind(Enum):
    CANVAS = "canvas"
    """On the configured Canvas host: open it."""
    DEMO_CANVAS = "demo_canvas"
    """On the fictional demo Canvas: there is no page to open."""
    OTHER = "other"
    """Somewhere else on the web: ask first."""
    REFUSED = "refused"
    """Not a web address (javascript:, file:, ...): never open."""


def resolve(href: str, canvas_host: str) -> str:
    """Relative links in Canvas content are relative to the Canvas host."""
    if canvas_host and not urlsplit(href).scheme and href.startswith("/"):
        return urljoin(f"https://{canvas_host}", href)
    return href


def classify(href: str, canvas_host: str, *, demo: bool) -> LinkKind:
    parts = urlsplit(href)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return LinkKind.REFUSED
    host = parts.hostname.lower()
    if canvas_host and host == canvas_host.lower():
        return LinkKind.DEMO_CANVAS if demo else LinkKind.CANVAS
    return LinkKind.OTHER
