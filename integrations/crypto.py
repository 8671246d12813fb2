"""Encryption at rest for secret config fields, with key rotation (MultiFernet)."""

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    """The first key encrypts; every key decrypts, so old values survive a rotation."""
    return _fernet(tuple(settings.SIGNAL_ENCRYPTION_KEYS))


def encrypt(value: dict[str, Any]) -> str:
    return fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, Any]:
    return json.loads(fernet().decrypt(token.encode()))


class EncryptedJSONField(models.TextField):
    """A dict stored as one Fernet token; the column never holds plaintext."""

    def from_db_value(self, value: str | None, expression, connection) -> dict[str, Any]:
        return decrypt(value) if value else {}

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        return decrypt(value) if value else {}

    def get_prep_value(self, value: dict[str, Any] | None) -> str:
        return encrypt(value or {})
