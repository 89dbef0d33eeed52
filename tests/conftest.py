"""Shared fixtures. The network guard here is autouse: no test may reach a
host that is not loopback. Canvas and the model are reached through the
in-process demo apps, servers on 127.0.0.1, or vcrpy cassettes."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.recording import vcr_settings

pytest_plugins = ["tests.session_guards"]

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"


class NetworkBlocked(RuntimeError):
    """A test tried to reach a non-loopback address."""


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and socketpairs stay on this machine
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in the top-level `cassettes/`, a folder per test module."""
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    return vcr_settings()


SETTINGS_FROM_ENVIRONMENT = (
    "CANVAS_BASE_URL",
    "CANVAS_API_TOKEN",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "COURSE_TUTOR_MODEL",
    "COURSE_TUTOR_EXPORT_DIR",
)


@pytest.fixture
def no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A user who has set nothing up: no keys or addresses in the
    environment, and a configuration file and data folder of the test's own."""
    for name in SETTINGS_FROM_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COURSE_TUTOR_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("COURSE_TUTOR_DATA_DIR", str(tmp_path / "data"))
