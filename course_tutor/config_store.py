"""Writing the configuration file, and keeping secrets where they belong.

`save_config` merges settings into the file; `save_oauth_login` and
`forget_oauth_login` keep the login from `course-tutor login`. The file is
replaced atomically and created readable by its owner only (0600, in a 0700
directory). Secrets go to the system keyring when it works, listed under
`[secrets] in_keyring`; when it does not, they are written into the file and
the result (`SavedConfig`) says why, for the user to be told.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, SecretStr

from course_tutor.config import (
    FILE_KEYS,
    OAUTH_SECRET,
    SECRET_FIELDS,
    ConfigError,
    config_path,
    keyring_names,
    read_config_document,
)
from course_tutor.toml_writer import dump_toml

if TYPE_CHECKING:
    from course_tutor.secret_store import SecretStore

logger = logging.getLogger(__name__)

_OAUTH_SECRETS = ("access_token", "refresh_token", "client_secret")

_HEADER = (
    "# course-tutor settings, written by `course-tutor init` and `login`.\n"
    "# Environment variables and command-line flags take precedence.\n"
)


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
    unknown = set(values) - set(FILE_KEYS)
    if unknown:
        raise ValueError(f"not settings of the file: {sorted(unknown)}")
    path = path or config_path()
    document = read_config_document(path)

    for name, value in values.items():
        if name not in SECRET_FIELDS:
            section, key = FILE_KEYS[name]
            _put(document, section, key, value)

    secrets = {name: _plain(values[name]) for name in SECRET_FIELDS if name in values}
    store = store or _store()
    problem = _into_keyring(document, secrets, store)
    for name, value in secrets.items():
        section, key = FILE_KEYS[name]
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
