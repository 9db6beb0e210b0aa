"""Stored sensitive-data findings (the values themselves are never stored; see masking.py)."""

from django.db import models


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
    vault = models.ForeignKey(
        "compliance.VaultEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    suppressed = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["message_id", "start"]
        constraints = [models.UniqueConstraint(fields=["message", "start"], name="finding_message_start_uq")]

    def __str__(self) -> str:
        return f"{self.type} in message {self.message_id}"
