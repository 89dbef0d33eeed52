"""No cassette holds a credential: request and response headers, bodies and
URLs are scanned for every way a secret could have been written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import CASSETTES
from tests.fake_keys import openai_key

FORBIDDEN = [
    re.compile(r"(?i)^\s*-?\s*authorization:", re.MULTILINE),
    re.compile(r"(?i)\bbearer\s+\S"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?i)access_token=[^&\s]"),
    re.compile(r'(?i)"(access|refresh)_token"\s*:\s*"(?!FILTERED)'),
    re.compile(
        r"(?i)^\s*-?\s*(cookie|set-cookie|openai-organization|openai-project):",
        re.MULTILINE,
    ),
]


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def test_there_are_cassettes_to_check() -> None:
    assert _cassettes()


@pytest.mark.parametrize(
    "path", _cassettes(), ids=lambda p: str(p.relative_to(CASSETTES))
)
def test_cassette_holds_no_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for pattern in FORBIDDEN:
        match = pattern.search(text)
        assert match is None, f"{path.name}: {match.group(0)!r}"


@pytest.mark.parametrize(
    "leak",
    [
        "    authorization:\n    - Bearer 7~AbCdEf0123456789\n",
        "uri: https://canvas.example/api/v1/courses?access_token=7~abc\n",
        '{"access_token":"7~abcdef","token_type":"Bearer"}',
        "api_key: " + openai_key("proj-abcdefghijklmnop") + "\n",
        "    openai-organization:\n    - org-123\n",
    ],
)
def test_the_scan_would_catch_a_leak(leak: str) -> None:
    assert any(pattern.search(leak) for pattern in FORBIDDEN)
