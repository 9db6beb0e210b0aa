"""The vault: original values encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from ``settings.TESSERA_VAULT_KEYS``: the first encrypts, every key decrypts, so a key
is rotated by prepending a new one, running ``rotate_vault_keys`` (re-encrypts every entry with
the first key), then dropping the old one. Key handling lives in ``apps.core.crypto``, shared
with ingestion's OTLP join state (which may not import this app).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cryptography.fernet import InvalidToken

from apps.core.crypto import encrypt_many, fernet
from apps.core.exceptions import ApplicationError
from apps.detection.models import VaultEntry

logger = logging.getLogger(__name__)
ROTATE_CHUNK = 1000


class VaultKeyError(ApplicationError):
    """No configured key decrypts an entry (a key was dropped before rotation finished)."""

    status_code = 500


def vault_encrypt_many(values: Sequence[str]) -> list[str]:
    return encrypt_many([value.encode() for value in values])


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
