"""Pattern recognizers, one module per family; ``recognize_patterns`` runs them all."""

from apps.detection.recognizers.secrets import (
    MIN_SCORE,
    PATTERN_RECOGNIZERS,
    recognize_credit_card,
    recognize_date_of_birth,
    recognize_email,
    recognize_iban,
    recognize_ids,
    recognize_ip,
    recognize_patterns,
    recognize_phone,
    recognize_secrets,
)

__all__ = [
    "MIN_SCORE",
    "PATTERN_RECOGNIZERS",
    "recognize_credit_card",
    "recognize_date_of_birth",
    "recognize_email",
    "recognize_iban",
    "recognize_ids",
    "recognize_ip",
    "recognize_patterns",
    "recognize_phone",
    "recognize_secrets",
]
