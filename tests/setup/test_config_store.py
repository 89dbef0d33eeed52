"""Writing the configuration: 0600 and atomic, secrets in the keyring when
one works and in the file otherwise, and reading them back in the right
order (flags, environment, then keyring and file)."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backends import fail, null
from pydantic import SecretStr

from course_tutor.config import (
    Settings,
    load_settings,
    read_config_document,
    unreadable_secrets,
)
from course_tutor.config_store import (
    OAuthLogin,
    forget_oauth_login,
    load_oauth_login,
    save_config,
    save_oauth_login,
    write_config_document,
)
from course_tutor.secret_store import SERVICE, SecretStore
from course_tutor.toml_writer import dump_toml
from tests.fake_keys import openai_key
from tests.setup.fakes import LockedKeyring, MemoryKeyring

TOKEN = "7~CaNvAsT0kEn-abcdefghijklmnopqrstuvwxyz0123"
KEY = openai_key("test-OpEnAiKeY-0123456789abcdefghij")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secrets_go_to_the_keyring_and_not_the_file(
    config_file: Path, keyring_backend: MemoryKeyring
) -> None:
    saved = save_config(
        {
            "canvas_base_url": "https://canvas.school.edu",
            "canvas_api_token": TOKEN,
            "openai_api_key": KEY,
            "model": "gpt-4.1-mini",
        }
    )

    text = config_file.read_text()
    assert TOKEN not in text
    assert KEY not in text
    assert keyring_backend.items[(SERVICE, "canvas_api_token")] == TOKEN
    assert keyring_backend.items[(SERVICE, "openai_api_key")] == KEY
    assert read_config_document()["secrets"]["in_keyring"] == [
        "canvas_api_token",
        "openai_api_key",
    ]
    assert saved.keyring == "test keyring"
    assert "system keyring" in saved.where_secrets_went()

    settings = load_settings()
    assert settings.canvas_api_token is not None
    assert settings.canvas_api_token.get_secret_value() == TOKEN
    assert settings.canvas_base_url == "https://canvas.school.edu"


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_without_a_keyring_secrets_stay_in_the_private_file(
    config_file: Path, backend: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = save_config({"canvas_api_token": TOKEN}, store=SecretStore(backend))

    assert read_config_document()["canvas"]["token"] == TOKEN
    assert "secrets" not in read_config_document()
    assert mode(config_file) == 0o600
    assert saved.keyring is None
    assert "no system keyring" in saved.where_secrets_went()
    assert str(config_file) in saved.where_secrets_went()


def test_a_locked_keyring_falls_back_to_the_file_and_says_why(
    config_file: Path,
) -> None:
    saved = save_config({"canvas_api_token": TOKEN}, store=SecretStore(LockedKeyring()))

    assert read_config_document()["canvas"]["token"] == TOKEN
    assert "locked" in saved.where_secrets_went()
    # The keyring's own error text (which quotes the value) is not repeated.
    assert TOKEN not in saved.where_secrets_went()


def test_file_and_directory_are_private_and_the_write_atomic(
    config_file: Path,
) -> None:
    save_config({"canvas_base_url": "https://canvas.school.edu"})
    save_config({"model": "llama3.2"})

    assert mode(config_file) == 0o600
    assert mode(config_file.parent) == 0o700
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["config.toml"]
    document = read_config_document()
    assert document["canvas"]["base_url"] == "https://canvas.school.edu"
    assert document["model"]["name"] == "llama3.2"


def test_an_existing_loose_file_is_replaced_by_a_private_one(
    config_file: Path,
) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text('[model]\nname = "x"\n')
    os.chmod(config_file, 0o644)

    save_config({"model": "y"})

    assert mode(config_file) == 0o600


def test_moving_a_secret_to_the_file_removes_it_from_the_keyring(
    keyring_backend: MemoryKeyring,
) -> None:
    save_config({"canvas_api_token": TOKEN})
    save_config({"canvas_api_token": "7~second"}, store=SecretStore(fail.Keyring()))

    # The keyring is not consulted when it is unusable, so the old copy
    # stays there, but the file no longer points at it.
    assert "secrets" not in read_config_document()
    assert load_settings().canvas_api_token == SecretStr("7~second")


def test_removing_a_secret_removes_it_everywhere(
    keyring_backend: MemoryKeyring,
) -> None:
    save_config({"canvas_api_token": TOKEN, "openai_api_key": KEY})
    save_config({"canvas_api_token": None})

    assert (SERVICE, "canvas_api_token") not in keyring_backend.items
    assert read_config_document()["secrets"]["in_keyring"] == ["openai_api_key"]
    assert load_settings().canvas_api_token is None


def test_flags_then_environment_then_keyring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_config({"canvas_api_token": TOKEN, "model": "from-file"})
    assert load_settings().model == "from-file"

    monkeypatch.setenv("COURSE_TUTOR_MODEL", "from-env")
    monkeypatch.setenv("CANVAS_API_TOKEN", "7~from-env")
    settings = load_settings()
    assert settings.model == "from-env"
    assert settings.canvas_api_token == SecretStr("7~from-env")

    assert load_settings(model="from-flag").model == "from-flag"


def test_settings_repr_shows_no_secret() -> None:
    save_config({"canvas_api_token": TOKEN, "openai_api_key": KEY})
    settings = load_settings()
    shown = f"{settings!r} {settings} {settings.model_dump()}"
    assert TOKEN not in shown
    assert KEY not in shown


def test_a_file_without_keyring_entries_never_touches_the_keyring(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config_document({"canvas": {"base_url": "https://canvas.school.edu"}})
    from course_tutor import secret_store

    def no_keyring() -> object:
        raise AssertionError("the keyring was opened")

    monkeypatch.setattr(secret_store, "system_backend", no_keyring)
    assert Settings().canvas_base_url == "https://canvas.school.edu"
    assert unreadable_secrets() is None
    save_config({"model": "m"})


def test_a_keyring_that_became_unusable_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_config({"canvas_api_token": TOKEN})
    from course_tutor import secret_store

    monkeypatch.setattr(secret_store, "system_backend", lambda: fail.Keyring())
    assert load_settings().canvas_api_token is None
    problem = unreadable_secrets()
    assert problem is not None
    assert "canvas_api_token" in problem
    assert "no system keyring" in problem

    monkeypatch.setattr(secret_store, "system_backend", LockedKeyring)
    assert "locked" in (unreadable_secrets() or "")


def test_a_keyring_entry_that_vanished_is_reported(
    keyring_backend: MemoryKeyring,
) -> None:
    save_config({"canvas_api_token": TOKEN})
    keyring_backend.items.clear()
    assert "no longer holds canvas_api_token" in (unreadable_secrets() or "")


# -- OAuth logins ---------------------------------------------------------------


def a_login(**changes: object) -> OAuthLogin:
    values: dict[str, object] = {
        "base_url": "https://canvas.school.edu",
        "client_id": "170000000000123",
        "client_secret": SecretStr("client-secret-value"),
        "access_token": SecretStr("1~access-token-value"),
        "refresh_token": SecretStr("1~refresh-token-value"),
        "expires_at": 1_900_000_000.0,
        "user_name": "Ada Student",
    }
    values.update(changes)
    return OAuthLogin.model_validate(values)


def test_an_oauth_login_round_trips_through_the_keyring(
    config_file: Path, keyring_backend: MemoryKeyring
) -> None:
    save_oauth_login(a_login())

    text = config_file.read_text()
    for secret in ("client-secret-value", "1~access-token-value", "1~refresh"):
        assert secret not in text
    assert read_config_document()["oauth"] == {
        "base_url": "https://canvas.school.edu",
        "client_id": "170000000000123",
        "user": "Ada Student",
        "expires_at": 1_900_000_000.0,
    }
    assert load_oauth_login() == a_login()
    assert "access-token" not in repr(load_oauth_login())


def test_an_oauth_login_without_a_keyring(config_file: Path) -> None:
    saved = save_oauth_login(a_login(), store=SecretStore(null.Keyring()))

    assert saved.keyring is None
    assert read_config_document()["oauth"]["access_token"] == "1~access-token-value"
    assert mode(config_file) == 0o600
    assert load_oauth_login(store=SecretStore(null.Keyring())) == a_login()


def test_a_saved_login_counts_as_canvas_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not load_settings().canvas_configured
    save_config({"canvas_base_url": "https://canvas.school.edu"})
    assert not load_settings().canvas_configured

    save_oauth_login(a_login())
    from course_tutor import secret_store

    def no_keyring() -> object:
        raise AssertionError("the keyring was opened")

    monkeypatch.setattr(secret_store, "system_backend", no_keyring)
    assert load_settings().canvas_configured


def test_forgetting_an_oauth_login(keyring_backend: MemoryKeyring) -> None:
    save_config({"canvas_base_url": "https://canvas.school.edu"})
    save_oauth_login(a_login())
    forget_oauth_login()

    assert load_oauth_login() is None
    assert keyring_backend.items == {}
    assert read_config_document() == {
        "canvas": {"base_url": "https://canvas.school.edu"}
    }


# -- TOML ---------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)))
_scalar = st.one_of(
    _text,
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.booleans(),
)
_table = st.dictionaries(_text, st.one_of(_scalar, st.lists(_text, max_size=3)))


@given(st.dictionaries(_text, _table, max_size=4))
def test_written_toml_reads_back_the_same(document: dict) -> None:
    assert tomllib.loads(dump_toml(document)) == document


def test_toml_layout_is_readable() -> None:
    text = dump_toml(
        {"canvas": {"base_url": "https://x.edu"}, "secrets": {"in_keyring": ["a"]}}
    )
    assert text == (
        '[canvas]\nbase_url = "https://x.edu"\n\n[secrets]\nin_keyring = ["a"]\n'
    )
