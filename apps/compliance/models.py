from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class AuditEntry(models.Model):
    """Append-only, hash-chained record of who changed or saw what (DESIGN.md: compliance).

    Each entry carries the hash of the one before it, so deleting or editing an entry breaks
    the chain and ``verify_audit_chain`` finds where.
    """

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=254)  # kept when the user is deleted; "system" for tasks
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=254, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_type}:{self.target_id}"


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
    """One original value, Fernet-encrypted (``apps.compliance.vault``); nothing else stores it."""

    ciphertext = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "vault entries"

    def __str__(self) -> str:
        return f"vault entry {self.pk}"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED_INCIDENT = "confirmed_incident", "Confirmed incident"
    FALSE_POSITIVE = "false_positive", "False positive"
    ACCEPTED_RISK = "accepted_risk", "Accepted risk"


class ReviewCase(models.Model):
    """One per conversation with findings at or above the policy's threshold (deduplicated)."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="review_case"
    )
    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("registry.Department", on_delete=models.CASCADE, related_name="+")
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, db_index=True)
    finding_types = ArrayField(models.CharField(max_length=32), default=list)
    finding_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"case {self.pk}"


class SuppressionRule(models.Model):
    """A finding type plus a value hash (or a regex over the value) that never opens a case."""

    type = models.CharField(max_length=32)
    value_hash = models.CharField(max_length=64, blank=True)
    pattern = models.CharField(max_length=300, blank=True)
    comment = models.TextField(blank=True)
    source_case = models.ForeignKey(ReviewCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
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


class UnmaskStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class UnmaskRequest(models.Model):
    """Four-eyes unmasking: a second compliance user approves before the value is revealed."""

    finding = models.ForeignKey("detection.SensitiveFinding", on_delete=models.CASCADE, related_name="unmask_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=UnmaskStatus.choices, default=UnmaskStatus.PENDING)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"unmask request {self.pk} ({self.status})"


class ErasureRecord(models.Model):
    """Proof that one end user's data was erased; holds a keyed hash of the id, never the id."""

    user_hash = models.CharField(max_length=64, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_label = models.CharField(max_length=254)
    counts = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"erasure {self.pk}"
