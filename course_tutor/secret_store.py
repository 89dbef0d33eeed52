"""Secrets in the system keyring, when this computer has one that works.

`keyring` picks a backend for the platform (macOS Keychain, Windows
Credential Locker, the Secret Service on Linux desktops). On a server, in a
container or over SSH there is often none: keyring then hands back its
`fail` backend, or the user chose the `null` one. The store reports that as
unavailable, with the reason, and the caller keeps the secret in the 0600
configuration file instead and says so.

Names used under the service `course-tutor`: `canvas_api_token`,
`openai_api_key`, and `canvas_oauth` (a JSON object with the OAuth tokens).

To keep secrets out of any keyring, set
`PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring`.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

logger = logging.getLogger(__name__)

SERVICE = "course-tutor"

# Backends that exist to say "no keyring here".
_NOT_A_KEYRING = {"keyring.backends.fail", "keyring.backends.null"}


class SecretStoreError(Exception):
    """The keyring could not be used; the message says why (never the secret)."""


def system_backend() -> Any:
    """The keyring backend for this computer (tests replace this)."""
    import keyring

    return keyring.get_keyring()


class SecretStore:
    """Get, set and delete secrets under one service name in a keyring."""

    def __init__(self, backend: Any = None, *, service: str = SERVICE) -> None:
        self._given = backend
        self.service = service

    def __repr__(self) -> str:
        return f"SecretStore(available={self.available}, name={self.name!r})"

    @cached_property
    def _backend(self) -> tuple[Any, str | None]:
        """The backend and None, or None and why there is none."""
        try:
            backend = self._given if self._given is not None else system_backend()
        except Exception as error:  # a broken keyring install raises anything
            return None, f"the keyring could not start ({type(error).__name__})"
        if type(backend).__module__ in _NOT_A_KEYRING:
            return None, "this computer has no system keyring that course-tutor can use"
        return backend, None

    @property
    def available(self) -> bool:
        return self._backend[0] is not None

    @property
    def unavailable_reason(self) -> str | None:
        return self._backend[1]

    @property
    def name(self) -> str:
        """The keyring's own name, such as "macOS Keychain"."""
        backend = self._backend[0]
        if backend is None:
            return "no keyring"
        return str(getattr(backend, "name", type(backend).__name__))

    def get(self, key: str) -> str | None:
        backend = self._require()
        try:
            return backend.get_password(self.service, key)
        except Exception as error:
            raise self._failed("read from", key, error) from None

    def set(self, key: str, value: str) -> None:
        backend = self._require()
        try:
            backend.set_password(self.service, key, value)
        except Exception as error:
            raise self._failed("save to", key, error) from None

    def delete(self, key: str) -> None:
        """Forget ``key``; nothing happens when it is not there."""
        backend = self._require()
        from keyring.errors import PasswordDeleteError

        try:
            backend.delete_password(self.service, key)
        except PasswordDeleteError:
            pass
        except Exception as error:
            raise self._failed("delete from", key, error) from None

    def _require(self) -> Any:
        backend, reason = self._backend
        if backend is None:
            raise SecretStoreError(f"No keyring: {reason}.")
        return backend

    def _failed(self, doing: str, key: str, error: Exception) -> SecretStoreError:
        # The error's own text may quote what was stored; only its type is kept.
        logger.warning(
            "Could not %s the keyring (%s): %s", doing, key, type(error).__name__
        )
        return SecretStoreError(
            f"Could not {doing} the {self.name} ({type(error).__name__}); it may "
            "be locked."
        )
