"""Which links in an answer open straight away.

Links into the student's own Canvas open in the browser: the tutor got them
from Canvas. Anything else could have been written by whoever wrote a course
page (or by a confused model), so the screen shows the full address and asks
first. Only web addresses open at all. The demo's Canvas host is fictional,
so its links are explained rather than opened.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from textual.app import App


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


def follow_link(app: App, href: str, canvas_host: str, *, demo: bool) -> None:
    """Open `href` as the policy says: at once, after asking, or not at all."""
    from course_tutor.tui.screens.confirm_link import ConfirmLinkScreen

    url = resolve(href, canvas_host)
    match classify(url, canvas_host, demo=demo):
        case LinkKind.CANVAS:
            app.open_url(url)
            app.notify(url, title="Opening in your browser")
        case LinkKind.DEMO_CANVAS:
            app.notify(
                f"{canvas_host} is the demo's fictional Canvas, so this page does "
                "not exist. With your own Canvas, its links open in the browser.",
                title="Demo link",
            )
        case LinkKind.OTHER:
            app.push_screen(
                ConfirmLinkScreen(url), lambda go: app.open_url(url) if go else None
            )
        case LinkKind.REFUSED:
            app.notify(
                "Only web links (http and https) are opened.",
                title="Link not opened",
                severity="warning",
            )
