"""Detection's tables: masking policy, vault, suppression rules, findings.

Matched values are never stored in clear (see masking.py); originals live only in the vault.
"""

from django.conf import settings
from django.db import models


class Severity(models.IntegerChoices):
    INFO = 0, "info"
    LOW = 1, "low"
    MEDIUM = 2, "medium"
    HIGH = 3, "high"
    CRITICAL = 4, "critical"


class MaskAction(models.TextChoices):
    KEEP = "keep", "Store as is"
    MASK = "mask", "Mask"
    MASK_AND_VAULT = "mask_and_vault", "Mask, keep original encrypted"


class MaskingPolicy(models.Model):
    """The organization's one policy row (``masking_policy_get`` creates it on first use).

    ``actions`` maps a finding type to a ``MaskAction``; a type missing from the map uses
    ``apps.detection.masking.DEFAULT_ACTIONS``, so a new recognizer type is masked by default.
    """

    actions = models.JSONField(default=dict, blank=True)
    case_threshold = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.MEDIUM)
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    four_eyes_unmask = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "masking policies"

    def __str__(self) -> str:
        return "masking policy"


class VaultEntry(models.Model):
    """One original value, Fernet-encrypted (``apps.detection.vault``); nothing else stores it."""

    ciphertext = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "vault entries"

    def __str__(self) -> str:
        return f"vault entry {self.pk}"


class SuppressionRule(models.Model):
    """A finding type plus a value hash (or a regex over the value) that never opens a case."""

    type = models.CharField(max_length=32)
    value_hash = models.CharField(max_length=64, blank=True)
    pattern = models.CharField(max_length=300, blank=True)
    comment = models.TextField(blank=True)
    # The compliance review case whose decision created the rule: a plain id, not a foreign key,
    # because detection sits below compliance (compliance clears it when it deletes the case).
    source_case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["type", "value_hash"], condition=~models.Q(value_hash=""), name="suppression_value_uq"
            ),
            models.CheckConstraint(
                condition=~models.Q(value_hash="") | ~models.Q(pattern=""), name="suppression_has_matcher"
            ),
        ]

    def __str__(self) -> str:
        return f"suppress {self.type}"


class MessageScan(models.Model):
    """Marks a message as scanned by enrichment, so a re-run never scans or masks it twice.

    Its own table rather than a flag on Message: the conversations app owns Message, and a
    separate row keeps the "already scanned" check a plain anti-join.
    """

    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, primary_key=True, related_name="scan"
    )
    scanned_at = models.DateTimeField()
    findings = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"scan of message {self.pk}"


class SensitiveFinding(models.Model):
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="findings")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="findings")
    type = models.CharField(max_length=32, db_index=True)
    # Offsets into the original text (as detected) and into the stored, masked content (for
    # highlighting); the two differ once earlier spans were replaced by shorter or longer masks.
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    masked_start = models.PositiveIntegerField()
    masked_end = models.PositiveIntegerField()
    score = models.FloatField()
    recognizer = models.CharField(max_length=64)
    action = models.CharField(max_length=16)  # the policy's MaskAction applied to this finding
    severity = models.PositiveSmallIntegerField()
    # HMAC-SHA256 of the normalised value with a per-organization key: equal values match
    # (suppression, dedup) while the hash reveals nothing without the key.
    value_hash = models.CharField(max_length=64, db_index=True)
    masked_preview = models.CharField(max_length=64)
    vault = models.ForeignKey(VaultEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings")
    suppressed = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["message_id", "start"]
        constraints = [models.UniqueConstraint(fields=["message", "start"], name="finding_message_start_uq")]

    def __str__(self) -> str:
        return f"{self.type} in message {self.message_id}"
