"""The Canvas address: normalised, https unless the host is this machine."""

from __future__ import annotations

import pytest

from course_tutor.canvas import (
    CanvasClient,
    CanvasConfigError,
    is_loopback_host,
    normalize_base_url,
)
from tests.canvas_fakes import TOKEN, FakeCanvas, canvas_json, make_client


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("https://canvas.school.edu", "https://canvas.school.edu"),
        ("https://canvas.school.edu/", "https://canvas.school.edu"),
        ("https://canvas.school.edu/api/v1", "https://canvas.school.edu"),
        ("https://canvas.school.edu/api/v1/", "https://canvas.school.edu"),
        ("  https://canvas.school.edu  ", "https://canvas.school.edu"),
        ("canvas.school.edu", "https://canvas.school.edu"),
        ("HTTPS://Canvas.School.EDU", "https://canvas.school.edu"),
        ("https://canvas.school.edu:443/", "https://canvas.school.edu"),
        ("https://canvas.school.edu:8443", "https://canvas.school.edu:8443"),
        ("https://canvas.school.edu/courses/123/modules", "https://canvas.school.edu"),
        ("https://canvas.school.edu/?login_success=1", "https://canvas.school.edu"),
        ("https://canvas.school.edu/#top", "https://canvas.school.edu"),
        ("https://school.edu/canvas/api/v1", "https://school.edu/canvas"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("http://localhost", "http://localhost"),
        ("http://localhost:8000/api/v1/", "http://localhost:8000"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("http://127.8.9.10", "http://127.8.9.10"),
        ("http://[::1]:3000/", "http://[::1]:3000"),
        ("http://canvas.localhost", "http://canvas.localhost"),
    ],
)
def test_normalize_base_url(typed: str, expected: str) -> None:
    assert normalize_base_url(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "http://canvas.school.edu",
        "http://canvas.school.edu:80/api/v1",
        "http://10.0.0.5",
        "http://0.0.0.0:8000",
        "http://192.168.1.10",
        "http://localhost.evil.com",
        "http://127.0.0.1.nip.io",
    ],
)
def test_plain_http_to_another_host_is_refused(typed: str) -> None:
    with pytest.raises(CanvasConfigError, match="plain http") as caught:
        normalize_base_url(typed)
    assert caught.value.kind == "config"
    assert "https://" in caught.value.message


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "ftp://canvas.school.edu",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://",
        "https://user:pass@canvas.school.edu",
        "https://canvas .school.edu",
        "https://canvas.school.edu:99999",
        "https://canvas.school.edu:port",
    ],
)
def test_unusable_addresses_are_refused(typed: str) -> None:
    with pytest.raises(CanvasConfigError):
        normalize_base_url(typed)


def test_refusal_does_not_echo_the_query() -> None:
    with pytest.raises(CanvasConfigError) as caught:
        normalize_base_url(f"http://canvas.school.edu/?access_token={TOKEN}")
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("canvas.localhost", True),
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost.example.com", False),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("::", False),
        ("canvas.school.edu", False),
    ],
)
def test_is_loopback_host(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


def test_client_refuses_http_before_any_request() -> None:
    canvas = FakeCanvas()
    with pytest.raises(CanvasConfigError):
        make_client(canvas, base_url="http://canvas.school.edu")
    assert canvas.calls == 0


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:8123", "http://localhost:8123/", "http://[::1]:8123"]
)
async def test_client_allows_http_to_loopback(base: str) -> None:
    canvas = FakeCanvas(lambda request: canvas_json({"id": 1, "name": "Sam"}))
    async with make_client(canvas, base_url=base) as client:
        user = await client.get_self()
    assert user.name == "Sam"
    assert canvas.last.url.scheme == "http"
    assert canvas.last.url.raw_path == b"/api/v1/users/self"


@pytest.mark.parametrize(
    "base",
    [
        "https://canvas.test",
        "https://canvas.test/",
        "https://canvas.test/api/v1",
        "https://canvas.test/api/v1/",
    ],
)
async def test_requests_go_below_api_v1_whatever_the_base_form(base: str) -> None:
    canvas = FakeCanvas(lambda request: canvas_json([]))
    async with make_client(canvas, base_url=base) as client:
        assert client.base_url == "https://canvas.test"
        await client.list_your_courses()
    assert str(canvas.last.url).startswith("https://canvas.test/api/v1/courses?")


def test_repr_shows_the_address_and_never_the_token() -> None:
    client = CanvasClient("https://canvas.test", TOKEN)
    assert repr(client) == "CanvasClient(base_url='https://canvas.test')"
    assert TOKEN not in repr(client)
    assert TOKEN not in str(client)


@pytest.mark.parametrize("token", ["abc def", "abc\n", "tök", "a\x00b"])
def test_a_mangled_token_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(CanvasConfigError) as caught:
        CanvasClient("https://canvas.test", token)
    assert token not in str(caught.value)
    assert token not in repr(caught.value)
