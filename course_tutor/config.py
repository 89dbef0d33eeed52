"""Settings: flags, then the environment, then the TOML file.

The file lives in the platform's config directory (`course-tutor/config.toml`,
or the path in `COURSE_TUTOR_CONFIG`) and reads like this:

    [canvas]
    base_url = "https://canvas.school.edu"

    [model]
    name = "gpt-4.1-mini"
    base_url = "http://localhost:11434/v1"   # any OpenAI-compatible server

Secrets are `SecretStr`: they never show in a `repr`, a log line or an error.

`save_config` writes the file (mode 0600, atomically). Secrets (the Canvas
token, the API key, an OAuth login's tokens) go to the system keyring when
one works, and the file lists which it keeps there:

    [secrets]
    in_keyring = ["canvas_api_token"]

Without a working keyring they stay in the file, in clear, as `token` and
`api_key` above and in the `[oauth]` section. That section describes a login
made with `course-tutor login` (`OAuthLogin`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import AliasChoices, BaseModel, Field, SecretStr
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
_FILE_KEYS = {
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
_OAUTH_SECRETS = ("access_token", "refresh_token", "client_secret")

_HEADER = (
    "# course-tutor settings, written by `course-tutor init` and `login`.\n"
    "# Environment variables and command-line flags take precedence.\n"
)


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


# -- writing the file ---------------------------------------------------------


@dataclass(frozen=True)
class SavedConfig:
    """Where a save put things, to tell the user."""

    path: Path
    secrets_saved: bool
    keyring: str | None
    """The keyring's name when the secrets went there."""
    keyring_problem: str | None
    """Why the secrets went into the file instead."""

    def where_secrets_went(self) -> str:
        if not self.secrets_saved:
            return ""
        if self.keyring:
            return f"Secrets are kept in the system keyring ({self.keyring})."
        return (
            f"Secrets are kept in {self.path}, which only you can read: "
            f"{self.keyring_problem or 'no keyring was available'}."
        )


def save_config(
    values: Mapping[str, Any],
    *,
    store: SecretStore | None = None,
    path: Path | None = None,
) -> SavedConfig:
    """Merge ``values`` (flat field names; None removes) into the file, with
    the secrets among them in the keyring when it works."""
    unknown = set(values) - set(_FILE_KEYS)
    if unknown:
        raise ValueError(f"not settings of the file: {sorted(unknown)}")
    path = path or config_path()
    document = read_config_document(path)

    for name, value in values.items():
        if name not in SECRET_FIELDS:
            section, key = _FILE_KEYS[name]
            _put(document, section, key, value)

    secrets = {name: _plain(values[name]) for name in SECRET_FIELDS if name in values}
    store = store or _store()
    problem = _into_keyring(document, secrets, store)
    for name, value in secrets.items():
        section, key = _FILE_KEYS[name]
        _put(document, section, key, value if problem else None)

    write_config_document(document, path)
    return _saved(path, secrets, store, problem)


def write_config_document(
    document: Mapping[str, Any], path: Path | None = None
) -> Path:
    """Replace the file atomically with ``document``; mode 0600, directory 0700."""
    path = path or config_path()
    text = _HEADER + "\n" + dump_toml(document)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # mkstemp creates the file readable by its owner only.
        handle, temporary = tempfile.mkstemp(
            prefix=".config-", suffix=".toml", dir=path.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ConfigError(
            f"Cannot write the configuration file {path}: {error.strerror or error}"
        ) from None
    return path


def _store() -> SecretStore:
    from course_tutor.secret_store import SecretStore

    return SecretStore()


def _saved(
    path: Path,
    secrets: Mapping[str, str | None],
    store: SecretStore,
    problem: str | None,
) -> SavedConfig:
    kept = any(value is not None for value in secrets.values())
    return SavedConfig(
        path=path,
        secrets_saved=kept,
        keyring=store.name if kept and problem is None else None,
        keyring_problem=problem if kept else None,
    )


def _into_keyring(
    document: dict[str, Any], secrets: Mapping[str, str | None], store: SecretStore
) -> str | None:
    """Put ``secrets`` in the keyring and list them in the file. Returns None
    when they are there (or were only removed), else why they must go into
    the file. Removed secrets are deleted from the keyring."""
    from course_tutor.secret_store import SecretStoreError

    listed = set(keyring_names(document))
    wanted = {name: value for name, value in secrets.items() if value is not None}
    problem = None
    if wanted:
        problem = store.unavailable_reason
        if problem is None:
            try:
                for name, value in wanted.items():
                    store.set(name, value)
            except SecretStoreError as error:
                problem = str(error).rstrip(".")

    leaving = {name for name in secrets if name not in wanted or problem}
    for name in leaving & listed:
        try:
            store.delete(name)
        except SecretStoreError:
            logger.warning("Could not remove %s from the keyring", name)
    listed = (listed - leaving) | (set(wanted) if problem is None else set())

    _put(document, "secrets", "in_keyring", sorted(listed) or None)
    return problem


def _put(document: dict[str, Any], section: str, key: str, value: Any) -> None:
    table = document.setdefault(section, {})
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value
    if not table:
        del document[section]


def _plain(value: Any) -> str | None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value or None


# -- OAuth logins --------------------------------------------------------------


class OAuthLogin(BaseModel):
    """A login made with `course-tutor login`: the tokens and the developer
    key that refreshes them, for one Canvas."""

    base_url: str
    client_id: str
    client_secret: SecretStr | None = None
    access_token: SecretStr
    refresh_token: SecretStr | None = None
    expires_at: float | None = None
    user_name: str | None = None


def oauth_login_saved(path: Path | None = None) -> bool:
    """Whether the file records a login, without opening the keyring."""
    try:
        document = read_config_document(path)
    except ConfigError:
        return False
    section = document.get("oauth") or {}
    stored = "access_token" in section or OAUTH_SECRET in keyring_names(document)
    return bool(section.get("base_url")) and stored


def load_oauth_login(
    path: Path | None = None, store: SecretStore | None = None
) -> OAuthLogin | None:
    """The stored login, or None. Raises SecretStoreError when its tokens are
    in a keyring that cannot be read."""
    document = read_config_document(path)
    section = dict(document.get("oauth") or {})
    if not section:
        return None
    if OAUTH_SECRET in keyring_names(document):
        raw = (store or _store()).get(OAUTH_SECRET)
        try:
            section.update(json.loads(raw or "{}"))
        except ValueError:
            logger.warning("The OAuth login in the keyring is not readable")
    section["user_name"] = section.pop("user", None)
    if not section.get("access_token"):
        return None
    try:
        return OAuthLogin.model_validate(section)
    except ValueError:
        logger.warning("The [oauth] section of %s is not usable", path or config_path())
        return None


def save_oauth_login(
    login: OAuthLogin, *, store: SecretStore | None = None, path: Path | None = None
) -> SavedConfig:
    path = path or config_path()
    document = read_config_document(path)
    store = store or _store()
    secrets = {
        name: _plain(getattr(login, name))
        for name in _OAUTH_SECRETS
        if getattr(login, name) is not None
    }
    problem = _into_keyring(document, {OAUTH_SECRET: json.dumps(secrets)}, store)

    section = {
        "base_url": login.base_url,
        "client_id": login.client_id,
        "user": login.user_name,
        "expires_at": login.expires_at,
        **(secrets if problem else {}),
    }
    document["oauth"] = {
        key: value for key, value in section.items() if value is not None
    }
    write_config_document(document, path)
    return _saved(path, secrets, store, problem)


def forget_oauth_login(
    *, store: SecretStore | None = None, path: Path | None = None
) -> None:
    """Remove the login from the file and the keyring."""
    path = path or config_path()
    document = read_config_document(path)
    if "oauth" not in document and OAUTH_SECRET not in keyring_names(document):
        return
    _into_keyring(document, {OAUTH_SECRET: None}, store or _store())
    document.pop("oauth", None)
    write_config_document(document, path)


# -- TOML ---------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dump_toml(document: Mapping[str, Any]) -> str:
    """TOML for a document of scalars, lists of scalars and tables (all this
    file needs; the standard library reads TOML but does not write it)."""
    lines: list[str] = []
    _dump_table(document, [], lines)
    return "\n".join(lines).strip("\n") + "\n"


def _dump_table(table: Mapping[str, Any], prefix: list[str], lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if prefix and (scalars or not tables):
        lines.extend(["", "[" + ".".join(map(_toml_key, prefix)) + "]"])
    for key, value in scalars.items():
        lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in tables.items():
        _dump_table(value, [*prefix, key], lines)


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, Path):
        return _toml_string(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
