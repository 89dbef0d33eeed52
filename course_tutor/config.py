"""Settings: flags, then the environment, then the TOML file.

The file lives in the platform's config directory (`course-tutor/config.toml`,
or the path in `COURSE_TUTOR_CONFIG`) and reads like this:

    [canvas]
    base_url = "https://canvas.school.edu"

    [model]
    name = "gpt-4.1-mini"
    base_url = "http://localhost:11434/v1"   # any OpenAI-compatible server

Secrets are `SecretStr`: they never show in a `repr`, a log line or an error.

`config_store` writes the file. Secrets (the Canvas token, the API key, an
OAuth login's tokens) go to the system keyring when one works, and the file
lists which it keeps there:

    [secrets]
    in_keyring = ["canvas_api_token"]

Without a working keyring they stay in the file, in clear, as `token` and
`api_key` above and in the `[oauth]` section. That section describes a login
made with `course-tutor login` (`config_store.OAuthLogin`).
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

if TYPE_CHECKING:
    from course_tutor.secret_store import SecretStore

logger = logging.getLogger(__name__)

APP_NAME = "course-tutor"
DEFAULT_MODEL = "gpt-4.1-mini"

# (TOML section, key) for each setting the file may hold.
FILE_KEYS = {
    "canvas_base_url": ("canvas", "base_url"),
    "canvas_api_token": ("canvas", "token"),
    "openai_api_key": ("model", "api_key"),
    "openai_base_url": ("model", "base_url"),
    "model": ("model", "name"),
    "context_window": ("model", "context_window"),
    "export_dir": ("tutor", "export_dir"),
}


# Settings that are secrets; each has the same name in the keyring.
SECRET_FIELDS = ("canvas_api_token", "openai_api_key")
OAUTH_SECRET = "canvas_oauth"


class ConfigError(Exception):
    """The configuration file cannot be read."""


def config_path() -> Path:
    override = os.environ.get("COURSE_TUTOR_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def data_dir() -> Path:
    """Where conversations and exports are kept."""
    override = os.environ.get("COURSE_TUTOR_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def read_config_document(path: Path | None = None) -> dict[str, Any]:
    """The file as TOML tables; empty when there is no file."""
    path = path or config_path()
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(
            f"Cannot read the configuration file {path}: {error}"
        ) from None


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The file's settings as flat field names; empty when there is no file.
    Secrets kept in the keyring are not included (see `stored_settings`)."""
    document = read_config_document(path)
    flat: dict[str, Any] = {}
    for field, (section, key) in FILE_KEYS.items():
        value = document.get(section, {}).get(key)
        if value is not None:
            flat[field] = value
    return flat


class Settings(BaseSettings):
    """Everything the program needs to reach Canvas and a model."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    canvas_base_url: str | None = Field(
        None, validation_alias=AliasChoices("canvas_base_url", "CANVAS_BASE_URL")
    )
    canvas_api_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("canvas_api_token", "CANVAS_API_TOKEN")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("openai_api_key", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("openai_base_url", "OPENAI_BASE_URL")
    )
    model: str | None = Field(
        None, validation_alias=AliasChoices("model", "COURSE_TUTOR_MODEL")
    )
    context_window: int = Field(
        128_000,
        validation_alias=AliasChoices("context_window", "COURSE_TUTOR_CONTEXT_WINDOW"),
    )
    export_dir: Path | None = Field(
        None, validation_alias=AliasChoices("export_dir", "COURSE_TUTOR_EXPORT_DIR")
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Flags (passed as keyword arguments), then the environment, then the
        # file. A `.env` file is not read: it would surprise more than help.
        file_settings = InitSettingsSource(settings_cls, stored_settings())
        return init_settings, env_settings, file_settings

    @property
    def model_configured(self) -> bool:
        """A real model is configured: a key, or a server of one's own."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def canvas_configured(self) -> bool:
        """A Canvas address and a token, or a login from `course-tutor login`
        (whose tokens are only read when used)."""
        if self.canvas_api_token is not None:
            return bool(self.canvas_base_url)
        from course_tutor.config_store import oauth_login_saved

        return oauth_login_saved()


def load_settings(**flags: Any) -> Settings:
    """Settings from flags (None means not given), environment and file."""
    return Settings(
        **{name: value for name, value in flags.items() if value is not None}
    )


# -- secrets kept in the keyring -------------------------------------------


def keyring_names(document: Mapping[str, Any]) -> list[str]:
    """The secrets the file says are kept in the keyring."""
    names = document.get("secrets", {}).get("in_keyring", [])
    return [str(name) for name in names] if isinstance(names, list) else []


def stored_settings(
    path: Path | None = None, store: SecretStore | None = None
) -> dict[str, Any]:
    """The file's settings with the secrets it keeps in the keyring filled in.
    A keyring that cannot be read is logged and skipped: `doctor` reports it."""
    document = read_config_document(path)
    flat = read_config_file(path)
    wanted = [
        name
        for name in SECRET_FIELDS
        if name in keyring_names(document) and name not in flat
    ]
    if not wanted:
        return flat

    from course_tutor.secret_store import SecretStore, SecretStoreError

    store = store or SecretStore()
    for name in wanted:
        try:
            value = store.get(name)
        except SecretStoreError as error:
            logger.warning("%s is in the keyring, which failed: %s", name, error)
            continue
        if value:
            flat[name] = value
    return flat


def unreadable_secrets(
    path: Path | None = None, store: SecretStore | None = None
) -> str | None:
    """Why secrets the file keeps in the keyring cannot be had, or None."""
    names = keyring_names(read_config_document(path))
    if not names:
        return None
    from course_tutor.secret_store import SecretStore, SecretStoreError

    store = store or SecretStore()
    if not store.available:
        return (
            f"The file keeps {', '.join(names)} in the system keyring, but "
            f"{store.unavailable_reason}."
        )
    missing = []
    for name in names:
        try:
            if store.get(name) is None:
                missing.append(name)
        except SecretStoreError as error:
            return str(error)
    if missing:
        return f"The {store.name} no longer holds {', '.join(missing)}."
    return None
