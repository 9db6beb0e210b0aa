from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from apps.detection.models import Severity


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


class UnmaskStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    USED = "used", "Used"  # an approval reveals the value once (services.finding_unmask)


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
    used_at = models.DateTimeField(null=True, blank=True)
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
