"""Settings: flags, then the environment, then the TOML file.

The file lives in the platform's config directory (`course-tutor/config.toml`,
or the path in `COURSE_TUTOR_CONFIG`) and reads like this:

    [canvas]
    base_url = "https://canvas.school.edu"

    [model]
    name = "gpt-4.1-mini"
    base_url = "http://localhost:11434/v1"   # any OpenAI-compatible server

Secrets are `SecretStr`: they never show in a `repr`, a log line or an error.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

APP_NAME = "course-tutor"
DEFAULT_MODEL = "gpt-4.1-mini"

# (TOML section, key) for each setting the file may hold.
_FILE_KEYS = {
    "canvas_base_url": ("canvas", "base_url"),
    "canvas_api_token": ("canvas", "token"),
    "openai_api_key": ("model", "api_key"),
    "openai_base_url": ("model", "base_url"),
    "model": ("model", "name"),
    "context_window": ("model", "context_window"),
    "export_dir": ("tutor", "export_dir"),
}


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


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The file's settings as flat field names; empty when there is no file."""
    path = path or config_path()
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(
            f"Cannot read the configuration file {path}: {error}"
        ) from None
    flat: dict[str, Any] = {}
    for field, (section, key) in _FILE_KEYS.items():
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
        file_settings = InitSettingsSource(settings_cls, read_config_file())
        return init_settings, env_settings, file_settings

    @property
    def model_configured(self) -> bool:
        """A real model is configured: a key, or a server of one's own."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def canvas_configured(self) -> bool:
        return bool(self.canvas_base_url and self.canvas_api_token)


def load_settings(**flags: Any) -> Settings:
    """Settings from flags (None means not given), environment and file."""
    return Settings(
        **{name: value for name, value in flags.items() if value is not None}
    )
