"""Symmetric encryption with the organization's vault keys (Fernet: AES-128-CBC + HMAC-SHA256).

The one implementation of key handling: detection's vault (originals of masked values) and
ingestion's OTLP join state (content held until its other half arrives) both encrypt with it,
so a key rotation or a missing key behaves the same for everything stored encrypted.

Keys come from ``settings.TESSERA_VAULT_KEYS``: the first encrypts, every key decrypts, so a key
is rotated by prepending a new one, re-encrypting, then dropping the old one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

logger = logging.getLogger(__name__)
_dev_key_warned: list[bool] = []

__all__ = ["InvalidToken", "decrypt", "encrypt", "encrypt_many", "fernet", "vault_keys"]


def _dev_key() -> str:
    digest = hashlib.sha256(b"tessera-vault-dev:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def vault_keys() -> tuple[str, ...]:
    keys = tuple(settings.TESSERA_VAULT_KEYS)
    if keys:
        return keys
    if not _dev_key_warned:
        _dev_key_warned.append(True)  # once per process, not once per value
        logger.warning("TESSERA_VAULT_KEYS is not set: the vault uses a development key derived from SECRET_KEY")
    return (_dev_key(),)


def fernet() -> MultiFernet:
    return _fernet_for(vault_keys())


def encrypt_many(values: Sequence[bytes]) -> list[str]:
    """Fernet tokens (ASCII text) of ``values``, with the first configured key."""
    f = fernet()
    return [f.encrypt(value).decode() for value in values]


def encrypt(value: bytes) -> str:
    return fernet().encrypt(value).decode()


def decrypt(token: str) -> bytes:
    """The plaintext of a token; raises ``InvalidToken`` when no configured key opens it."""
    return fernet().decrypt(token.encode())


def secret_hash(salt: str, plaintext: str) -> str:
    """The stored form of a generated credential (assistant API keys, personal API tokens).

    Both carry 144+ bits of randomness, so one salted SHA-256 is enough: a slow KDF would slow
    every authenticated request without protecting anything a brute force could reach.
    """
    return hashlib.sha256(f"{salt}:{plaintext}".encode()).hexdigest()


def secret_matches(stored: str, salt: str, plaintext: str) -> bool:
    return hmac.compare_digest(stored, secret_hash(salt, plaintext))
