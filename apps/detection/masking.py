"""Turn a text and its findings into the stored (masked) text, plus per-finding facts.

Pure functions: no database, no logging. The matched value exists only inside ``mask_text``'s
result (``MaskedSpan.value``) so the caller can hash it and, when the policy says so, encrypt it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings

from apps.core.tenancy import current_schema
from apps.detection import findings as t
from apps.detection.findings import Finding
from apps.detection.models import MaskAction, Severity

# How bad a leak of each type is; a case opens when a finding reaches the policy's threshold.
SEVERITY: dict[str, int] = {
    t.SECRET: Severity.CRITICAL,
    t.CREDIT_CARD: Severity.HIGH,
    t.IBAN: Severity.HIGH,
    t.SSN: Severity.HIGH,
    t.NATIONAL_ID: Severity.HIGH,
    t.EMAIL: Severity.MEDIUM,
    t.PHONE: Severity.MEDIUM,
    t.DATE_OF_BIRTH: Severity.MEDIUM,
    t.PERSON: Severity.LOW,
    t.IP_ADDRESS: Severity.LOW,
    t.ORGANIZATION: Severity.INFO,
    t.LOCATION: Severity.INFO,
}

# Organizations and places are rarely personal data on their own and the small NER model
# mislabels them often; masking them would blank out half of every product question.
DEFAULT_ACTIONS: dict[str, str] = {
    **dict.fromkeys(t.ENTITY_TYPES, MaskAction.MASK_AND_VAULT),
    t.ORGANIZATION: MaskAction.KEEP,
    t.LOCATION: MaskAction.KEEP,
}

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_DIGIT_TYPES = frozenset({t.CREDIT_CARD, t.IBAN, t.PHONE, t.SSN, t.NATIONAL_ID})


@dataclass(frozen=True, slots=True)
class MaskedSpan:
    finding: Finding
    value: str  # the original value: hash or encrypt it, never store or log it
    action: str
    masked_start: int
    masked_end: int
    preview: str


def action_for(finding_type: str, actions: Mapping[str, str]) -> str:
    return actions.get(finding_type) or DEFAULT_ACTIONS.get(finding_type, MaskAction.MASK_AND_VAULT)


def _last(value: str, n: int) -> str:
    return _NON_ALNUM.sub("", value)[-n:]


def replacement(finding_type: str, value: str) -> str:
    """What the stored text shows instead of the value: ``[EMAIL]``, partial card ``**** 4242``."""
    if finding_type == t.CREDIT_CARD:
        return f"**** {_last(value, 4)}"
    return f"[{finding_type}]"


def preview(finding_type: str, value: str) -> str:
    """A short hint for reviewers that identifies a value without revealing it."""
    if finding_type in (t.CREDIT_CARD, t.IBAN):
        return f"**** {_last(value, 4)}"
    if finding_type == t.PHONE:
        return f"*** {_last(value, 2)}"
    return f"[{finding_type}]"


def normalize(finding_type: str, value: str) -> str:
    # "4242 4242-4242 4242" and "4242424242424242" are the same card for suppression.
    if finding_type in _DIGIT_TYPES:
        return _NON_ALNUM.sub("", value).upper()
    return value.strip().lower()


def finding_hash_key() -> bytes:
    base = settings.TESSERA_FINDING_HASH_KEY or f"tessera-finding-hash:{settings.SECRET_KEY}"
    # Per organization: equal values in two tenants get unrelated hashes, so hashes cannot be
    # joined across schemas.
    return hmac.new(base.encode(), current_schema().encode(), hashlib.sha256).digest()


def value_hash(finding_type: str, value: str, *, key: bytes | None = None) -> str:
    message = f"{finding_type}:{normalize(finding_type, value)}".encode()
    return hmac.new(key or finding_hash_key(), message, hashlib.sha256).hexdigest()


def mask_text(text: str, found: Sequence[Finding], actions: Mapping[str, str]) -> tuple[str, list[MaskedSpan]]:
    """The text with every finding replaced per its action, and where each ended up.

    ``found`` is sorted and non-overlapping (``detect`` guarantees it).
    """
    parts: list[str] = []
    spans: list[MaskedSpan] = []
    cursor = 0
    out_len = 0
    for finding in found:
        value = text[finding.start : finding.end]
        head = text[cursor : finding.start]
        parts.append(head)
        out_len += len(head)
        action = action_for(finding.type, actions)
        shown = value if action == MaskAction.KEEP else replacement(finding.type, value)
        parts.append(shown)
        spans.append(
            MaskedSpan(
                finding=finding,
                value=value,
                action=action,
                masked_start=out_len,
                masked_end=out_len + len(shown),
                preview=preview(finding.type, value),
            )
        )
        out_len += len(shown)
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts), spans
