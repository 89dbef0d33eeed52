"""The Canvas address: normalising what a user typed, and telling origins apart.

The token is only ever sent to the configured origin (scheme, host and port),
and only over https unless the host is this machine.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote

import httpx2

from course_tutor.canvas.errors import CanvasConfigError

API_PREFIX = "/api/v1"

_DEFAULT_PORTS = {"http": 80, "https": 443}

_PATH_SAFE = "-._~!$&'()*+,;=:@"

_HOST_NAME = re.compile(
    r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?"
)

# First path segments of Canvas pages a student might paste from the browser
# (https://canvas.school.edu/courses/123/modules): the address is the host.
_CANVAS_PAGE_ROOTS = frozenset(
    {
        "about",
        "accounts",
        "calendar",
        "conversations",
        "courses",
        "dashboard",
        "files",
        "grades",
        "groups",
        "login",
        "profile",
        "search",
        "users",
    }
)

Origin = tuple[str, str, int]


def normalize_base_url(text: str) -> str:
    """The Canvas root URL for an address as a user might type it.

    Accepts ``canvas.school.edu``, ``https://canvas.school.edu/``,
    ``https://canvas.school.edu/api/v1`` or a page address copied from the
    browser, and returns ``https://canvas.school.edu`` (no trailing slash,
    no ``/api/v1``). Raises CanvasConfigError for anything unusable,
    including plain http to a host that is not this machine.
    """
    typed = text.strip()
    if not typed:
        raise CanvasConfigError(
            "No Canvas address is set. Run `course-tutor init` and enter the "
            "address you use to open Canvas, such as https://canvas.school.edu."
        )
    if "://" not in typed:
        typed = f"https://{typed}"

    try:
        url = httpx2.URL(typed)
    except httpx2.InvalidURL:
        raise _not_an_address(text) from None
    _check_parts(url, text)

    return f"{url.scheme}://{_netloc(url)}{_root_path(url.path)}"


def is_loopback_host(host: str) -> bool:
    """True for localhost, *.localhost, 127.0.0.0/8 and ::1."""
    name = host.lower().strip("[]").rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def origin(url: httpx2.URL) -> Origin:
    """Scheme, host and port (with the scheme's default filled in)."""
    port = url.port or _DEFAULT_PORTS.get(url.scheme, 0)
    return (url.scheme, url.raw_host.decode("ascii").lower(), port)


def _check_parts(url: httpx2.URL, typed: str) -> None:
    if url.scheme not in _DEFAULT_PORTS:
        raise _not_an_address(typed)
    if url.userinfo:
        raise CanvasConfigError(
            "The Canvas address must not contain a user name or password. "
            "Enter just the address, such as https://canvas.school.edu."
        )
    host = url.raw_host.decode("ascii").lower()
    if not host or not (_is_ip_literal(host) or _HOST_NAME.fullmatch(host)):
        raise _not_an_address(typed)
    if url.port is not None and not 0 < url.port < 65536:
        raise _not_an_address(typed)
    if url.scheme == "http" and not is_loopback_host(host):
        raise CanvasConfigError(
            f"The Canvas address {_shown(typed)} uses plain http, which would "
            "send your access token unencrypted. Use the https:// address "
            "(only addresses on this computer, such as http://localhost, may "
            "use http)."
        )


def _netloc(url: httpx2.URL) -> str:
    """Host and port, without the scheme's default port."""
    host = url.raw_host.decode("ascii").lower()
    if ":" in host:
        host = f"[{host}]"
    if url.port is None or url.port == _DEFAULT_PORTS[url.scheme]:
        return host
    return f"{host}:{url.port}"


def _root_path(path: str) -> str:
    """The path prefix Canvas lives under: almost always empty."""
    segments = [segment for segment in path.split("/") if segment]
    for index in range(len(segments) - 1):
        if segments[index : index + 2] == ["api", "v1"]:
            segments = segments[:index]
            break
    if segments and segments[0] in _CANVAS_PAGE_ROOTS:
        return ""
    return "".join(f"/{quote(segment, safe=_PATH_SAFE)}" for segment in segments)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _shown(typed: str) -> str:
    """The typed address without its query or fragment, which might hold secrets."""
    return repr(re.split(r"[?#]", typed.strip(), maxsplit=1)[0][:200])


def _not_an_address(typed: str) -> CanvasConfigError:
    return CanvasConfigError(
        f"{_shown(typed)} is not a Canvas address course-tutor can use. Enter "
        "the address you open Canvas at, such as https://canvas.school.edu."
    )
