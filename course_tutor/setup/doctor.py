"""`course-tutor doctor`: every part of the set-up checked, as a table with
✓ or ✗ and, for each ✗, what to do about it. Exits 0 only when all pass.

    Configuration      the file (readable, private) or the environment, and
                       the keyring holding its secrets
    Canvas reachable   the address answers like Canvas does
    Canvas token       the token or OAuth login works; whose it is
    Model server       the model server (or OpenAI) answers with its models
    Model              the chosen model is among them
    Instructions       the prompt file loads
"""

from __future__ import annotations

import argparse
import asyncio
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from course_tutor.canvas import CanvasError, InvalidTokenError, normalize_base_url
from course_tutor.config import (
    DEFAULT_MODEL,
    ConfigError,
    Settings,
    config_path,
    load_settings,
    read_config_document,
    unreadable_secrets,
)
from course_tutor.config_store import load_oauth_login
from course_tutor.secret_store import SecretStoreError
from course_tutor.session import SetupError
from course_tutor.setup.connect import OAUTH, canvas_access
from course_tutor.setup.models import (
    ModelCheckError,
    ModelServer,
    available_models,
    missing_model_fix,
)
from course_tutor.setup.probes import ONCE, TIMEOUT, probe_canvas

if TYPE_CHECKING:
    from rich.console import Console

_FIX_ABOVE = "Fix the check above first."
_MAKE_TOKEN = (
    "Make a new token in Canvas (Account → Settings → Approved Integrations → "
    "New Access Token), then run `course-tutor init`. Student tokens often "
    "expire after 120 days."
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class _Found:
    """What earlier checks learnt, for the later ones."""

    settings: Settings | None = None
    canvas_base: str | None = None
    canvas_answered: bool = False
    models: list[str] | None = None
    server: ModelServer | None = None


def run_doctor(
    args: argparse.Namespace, out: TextIO | None = None, width: int | None = None
) -> int:
    from rich.console import Console

    checks = asyncio.run(run_checks(model=args.model, prompt=args.prompt))
    render(checks, Console(file=out or sys.stdout, highlight=False, width=width))
    return 0 if all(check.ok for check in checks) else 1


async def run_checks(
    *, model: str | None = None, prompt: str | None = None
) -> list[Check]:
    found = _Found()
    checks = [_configuration(found, model)]
    checks.append(await _canvas_reachable(found))
    checks.append(await _canvas_token(found))
    checks.append(await _model_server(found))
    checks.append(_model(found))
    checks.append(_instructions(prompt))
    return checks


def render(checks: list[Check], console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("check", no_wrap=True)
    table.add_column("result")
    for check in checks:
        mark = Text("✓", style="green") if check.ok else Text("✗", style="bold red")
        result = Text(check.detail)
        if check.fix:
            result.append("\n→ " + check.fix, style="yellow")
        table.add_row(mark, check.name, result)
    passed = sum(check.ok for check in checks)
    console.print(table)
    console.print()
    if passed == len(checks):
        console.print("All set. Run `course-tutor` to start.")
    else:
        console.print(
            f"{len(checks) - passed} of {len(checks)} checks failed; "
            "the arrows say what to do."
        )


# -- the checks -----------------------------------------------------------------


def _configuration(found: _Found, model: str | None) -> Check:
    name = "Configuration"
    path = config_path()
    try:
        document = read_config_document(path)
        found.settings = load_settings(model=model)
    except ConfigError as error:
        return Check(
            name,
            False,
            str(error),
            "Fix the file, or delete it and run `course-tutor init`.",
        )
    except ValueError as error:  # pydantic's ValidationError
        first = str(error).splitlines()[:3]
        return Check(
            name, False, " ".join(first), f"Fix {path}, or run `course-tutor init`."
        )

    if not document:
        if os.environ.get("CANVAS_BASE_URL"):
            return Check(name, True, f"no file at {path}; using the environment")
        return Check(
            name, False, f"nothing found at {path}", "Run `course-tutor init`."
        )
    loose = _loose_permissions(path)
    if loose:
        return Check(
            name,
            False,
            f"{path} is readable by others ({loose})",
            f"Run `chmod 600 {path}`.",
        )
    problem = unreadable_secrets(path)
    if problem:
        return Check(
            name,
            False,
            problem,
            "Unlock the keyring (log in to the desktop session), or run "
            "`course-tutor init` again to save the secrets where they can be read.",
        )
    return Check(name, True, str(path))


async def _canvas_reachable(found: _Found) -> Check:
    name = "Canvas reachable"
    settings = found.settings
    base = (settings.canvas_base_url if settings else None) or _login_base()
    if not base:
        return Check(
            name,
            False,
            "no Canvas address is set",
            "Run `course-tutor init`, or set CANVAS_BASE_URL.",
        )
    try:
        found.canvas_base = normalize_base_url(base)
    except CanvasError as error:
        return Check(name, False, error.message, "Run `course-tutor init` to fix it.")

    probe = await probe_canvas(found.canvas_base)
    if not probe.ok:
        fix = (
            "Check the address (`course-tutor init` changes it)."
            if probe.reachable
            else "Check your internet connection and the address "
            "(`course-tutor init` changes it)."
        )
        return Check(name, False, probe.message, fix)
    found.canvas_answered = True
    return Check(name, True, f"{found.canvas_base} answered")


async def _canvas_token(found: _Found) -> Check:
    name = "Canvas token"
    if found.settings is None or not found.canvas_answered:
        return Check(name, False, "not checked", _FIX_ABOVE)
    try:
        access = await canvas_access(found.settings)
    except SetupError as error:
        return Check(name, False, "no token and no OAuth login", str(error))
    except InvalidTokenError as error:  # the OAuth login could not be renewed
        return Check(name, False, error.message, "Run `course-tutor login`.")
    except CanvasError as error:
        return Check(name, False, error.message, "Try again in a minute.")

    async with access.client(retry=ONCE, timeout=TIMEOUT) as canvas:
        try:
            me = await canvas.get_self()
        except InvalidTokenError:
            fix = (
                "Run `course-tutor login` again."
                if access.method == OAUTH
                else _MAKE_TOKEN
            )
            return Check(name, False, f"Canvas refused the {access.method}", fix)
        except CanvasError as error:
            return Check(name, False, error.message, "Try again in a minute.")
    who = me.name or f"user {me.id}"
    return Check(name, True, f"{who} ({access.method} {access.source})")


async def _model_server(found: _Found) -> Check:
    name = "Model server"
    settings = found.settings
    if settings is None:
        return Check(name, False, "not checked", _FIX_ABOVE)
    key = (
        settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    )
    found.server = ModelServer(settings.openai_base_url, key)
    try:
        found.models = await available_models(found.server)
    except ModelCheckError as error:
        return Check(name, False, error.message, error.fix)
    count = len(found.models)
    models = "model" if count == 1 else "models"
    return Check(name, True, f"{found.server.where} answered ({count} {models})")


def _model(found: _Found) -> Check:
    name = "Model"
    if found.settings is None or found.models is None or found.server is None:
        return Check(name, False, "not checked", _FIX_ABOVE)
    chosen = found.settings.model
    if chosen is None and found.server.base_url:
        if not found.models:
            return Check(
                name,
                False,
                "the server offers no models",
                missing_model_fix(found.server, "a model", []),
            )
        return Check(name, True, f"{found.models[0]} (the first the server offers)")
    chosen = chosen or DEFAULT_MODEL
    if chosen in found.models:
        return Check(name, True, chosen)
    return Check(
        name,
        False,
        f"{chosen} is not offered by {found.server.where}",
        missing_model_fix(found.server, chosen, found.models),
    )


def _instructions(prompt: str | None) -> Check:
    from course_tutor.instructions import InstructionsError, load_instructions

    name = "Instructions"
    try:
        instructions = load_instructions(prompt)
    except InstructionsError as error:
        fix = (
            "Check the file given with --prompt."
            if prompt
            else "The shipped prompt is missing: reinstall course-tutor."
        )
        return Check(name, False, str(error), fix)
    return Check(name, True, f"{instructions.title} ({instructions.path.name})")


# -- helpers ------------------------------------------------------------------


def _loose_permissions(path: Path) -> str | None:
    if os.name != "posix":
        return None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return f"mode {mode:o}" if mode & 0o077 else None


def _login_base() -> str | None:
    try:
        login = load_oauth_login()
    except (ConfigError, SecretStoreError):
        return None
    return login.base_url if login else None
