"""Every set-up test runs against its own configuration file and a keyring
in memory: never the user's real configuration or keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from course_tutor import secret_store
from course_tutor.demo.canvas import DemoCanvas
from course_tutor.demo.scripted import scripted_model_app
from tests.servers import serving
from tests.setup.fakes import MemoryKeyring

ENVIRONMENT = (
    "CANVAS_BASE_URL",
    "CANVAS_API_TOKEN",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "COURSE_TUTOR_MODEL",
    "COURSE_TUTOR_CONTEXT_WINDOW",
    "COURSE_TUTOR_EXPORT_DIR",
)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return tmp_path / "settings" / "config.toml"


@pytest.fixture
def keyring_backend() -> object:
    """The keyring the test runs with; override to change it."""
    return MemoryKeyring()


@pytest.fixture(autouse=True)
def _isolated(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    config_file: Path,
    keyring_backend: object,
) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COURSE_TUTOR_CONFIG", str(config_file))
    monkeypatch.setenv("COURSE_TUTOR_DATA_DIR", str(tmp_path / "data"))
    # Should anything reach keyring itself, it finds no backend.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setattr(secret_store, "system_backend", lambda: keyring_backend)


@pytest.fixture
def demo_canvas() -> DemoCanvas:
    return DemoCanvas()


@pytest.fixture
def canvas_url(demo_canvas: DemoCanvas) -> Iterator[str]:
    """The demo Canvas served over loopback, OAuth endpoints included."""
    with serving(demo_canvas.app) as url:
        yield url


@pytest.fixture(scope="module")
def model_url() -> Iterator[str]:
    """The scripted model's OpenAI-compatible API over loopback."""
    with serving(scripted_model_app()) as url:
        yield url + "/v1"
