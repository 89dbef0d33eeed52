"""Guards over the whole test run, registered by `pytest_plugins` in
conftest.py.

- Hypothesis profiles: `ci` is derandomized (the same examples on every
  run) and has no deadline; it is used when `CI` is set, or when
  `HYPOTHESIS_PROFILE=ci`. Locally the `dev` profile keeps hypothesis's own
  defaults, so new examples keep being tried.
- Every test runs with HOME, the XDG folders, `COURSE_TUTOR_CONFIG`,
  `COURSE_TUTOR_DATA_DIR` and the temporary folder pointing into this run's
  pytest base folder, so everything the run writes lies in one tree (and
  nothing lands in the real home folder).
- When the run ends, that tree, the cassettes and any file of the checkout
  written during the run are scanned for the test secrets below. A secret
  found anywhere fails the run, naming the file.

`TEST_SECRETS` are distinctive values that tests hand to the program as
tokens and keys; nothing is ever allowed to write them down. (The 0600
settings file is where secrets go when there is no keyring, so tests of that
file use other values.)
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from tests.fake_keys import openai_key

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"

TEST_SECRETS = {
    "canvas token": "7~QxCanvasTokenForTestsOnly4Z8rWq2",
    "refreshed canvas token": "7~QxRefreshedCanvasTokenForTests9Kp",
    "oauth refresh token": "7~QxOAuthRefreshTokenForTests5Vd3",
    "oauth client secret": "QxOAuthClientSecretForTests1Mn7",
    "model api key": openai_key("QxModelKeyForTestsOnly6Jt0Lb4"),
    "openai organization": "org-QxOrganizationForTests2Hs",
    "openai project": "proj_QxProjectForTests8Gf",
    "session cookie": "QxSessionCookieForTests3Pa",
}
"""Name → value of every secret a test may give the program."""

_SKIPPED_IN_CHECKOUT = {".git", ".venv", "node_modules", "__pycache__"}
"""Not scanned: version control, installed packages, and compiled modules
(which hold the constants above)."""

settings.register_profile("ci", derandomize=True, deadline=None, database=None)
settings.register_profile("dev")
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


# -- one folder for everything the run writes ----------------------------------


_RUN = pytest.StashKey["RunFolders"]()


@dataclass(frozen=True)
class RunFolders:
    base: Path
    """The run's pytest base folder: every tmp_path and the home below."""
    started: float
    """When the run started (files of the checkout written since are scanned)."""


@pytest.fixture(scope="session", autouse=True)
def _run_home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """HOME and the program's folders inside the run's base folder."""
    base = tmp_path_factory.getbasetemp()
    home = base / "home"
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_STATE_HOME": home / ".local" / "state",
        "TMPDIR": base / "tmp",
        "COURSE_TUTOR_DATA_DIR": home / "course-tutor-data",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[_RUN] = RunFolders(base, time.time() - 1)

    with pytest.MonkeyPatch.context() as patch:
        for name, folder in folders.items():
            patch.setenv(name, str(folder))
        patch.setenv("COURSE_TUTOR_CONFIG", str(home / "course-tutor.toml"))
        patch.setattr(tempfile, "tempdir", str(folders["TMPDIR"]))
        yield home


def run_folders(config: pytest.Config) -> RunFolders | None:
    """This run's folders, once the first test has started."""
    return config.stash.get(_RUN, None)


# -- the scan ------------------------------------------------------------------


@dataclass(frozen=True)
class Leak:
    path: Path
    secret: str
    """The secret's name in TEST_SECRETS, never its value."""


def scan(paths: Iterable[Path], secrets: dict[str, str] = TEST_SECRETS) -> list[Leak]:
    """Every (file, secret) where the file holds the secret, in any form
    that can be read back: raw, or inside a compressed PDF or gzip stream."""
    needles = {name: value.encode() for name, value in secrets.items()}
    leaks = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue  # gone, or a socket or fifo
        readable = b"\0".join(_readable_forms(data))
        leaks.extend(
            Leak(path, name) for name, value in needles.items() if value in readable
        )
    return leaks


def files_written(base: Path, started: float) -> list[Path]:
    """The run's base folder, the cassettes, and files of the checkout
    changed since the run started."""
    found = [p for p in base.rglob("*") if p.is_file() and not p.is_symlink()]
    found += [p for p in CASSETTES.rglob("*") if p.is_file()]
    for folder, names, files in os.walk(ROOT):
        names[:] = [n for n in names if n not in _SKIPPED_IN_CHECKOUT]
        for name in files:
            path = Path(folder) / name
            try:
                if path.stat().st_mtime >= started:
                    found.append(path)
            except OSError:
                continue
    return sorted(set(found))


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def _readable_forms(data: bytes) -> Iterator[bytes]:
    yield data
    if data.startswith(b"%PDF"):
        for stream in _STREAM.finditer(data):
            yield _inflated(stream.group(1))
    elif data.startswith(b"\x1f\x8b"):
        yield _inflated(data, wbits=zlib.MAX_WBITS | 16)


def _inflated(data: bytes, wbits: int = zlib.MAX_WBITS) -> bytes:
    try:
        return zlib.decompress(data, wbits)
    except zlib.error:
        return b""


_LEAKS = pytest.StashKey[list[Leak]]()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    run = run_folders(session.config)
    if run is None:
        return  # no test ran
    leaks = scan(files_written(run.base, run.started))
    session.config.stash[_LEAKS] = leaks
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    leaks = config.stash.get(_LEAKS, [])
    if not leaks:
        return
    terminalreporter.section("test secrets written to disk", red=True)
    for leak in leaks:
        terminalreporter.line(f"{leak.path}: the {leak.secret}")
