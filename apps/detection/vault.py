"""The vault: original values encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from ``settings.TESSERA_VAULT_KEYS``: the first encrypts, every key decrypts, so a key
is rotated by prepending a new one, running ``rotate_vault_keys`` (re-encrypts every entry with
the first key), then dropping the old one.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from apps.core.exceptions import ApplicationError
from apps.detection.models import VaultEntry

logger = logging.getLogger(__name__)
ROTATE_CHUNK = 1000
_dev_key_warned: list[bool] = []


class VaultKeyError(ApplicationError):
    """No configured key decrypts an entry (a key was dropped before rotation finished)."""

    status_code = 500


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


def vault_encrypt_many(values: Sequence[str]) -> list[str]:
    f = fernet()
    return [f.encrypt(value.encode()).decode() for value in values]


def vault_decrypt(entry: VaultEntry) -> str:
    try:
        return fernet().decrypt(entry.ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise VaultKeyError("no configured vault key decrypts this entry; see docs/compliance.md") from exc


def vault_rotate() -> int:
    """Re-encrypt every entry with the first key; returns how many entries were rewritten."""
    f = fernet()
    done = 0
    last_id = 0
    while True:
        chunk = list(VaultEntry.objects.filter(pk__gt=last_id).order_by("pk")[:ROTATE_CHUNK])
        if not chunk:
            return done
        for entry in chunk:
            try:
                entry.ciphertext = f.rotate(entry.ciphertext.encode()).decode()
            except InvalidToken as exc:
                raise VaultKeyError(f"vault entry {entry.pk} is not readable with any configured key") from exc
        VaultEntry.objects.bulk_update(chunk, ["ciphertext"])
        done += len(chunk)
        last_id = chunk[-1].pk
