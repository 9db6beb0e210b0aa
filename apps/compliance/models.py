from django.conf import settings
from django.db import models

from apps.detection.models import Severity


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED_INCIDENT = "confirmed_incident", "Confirmed incident"
    FALSE_POSITIVE = "false_positive", "False positive"
    ACCEPTED_RISK = "accepted_risk", "Accepted risk"


class ReviewCase(models.Model):
    """One per (assistant, end user, finding type): one person pasting the same card five times,
    in one conversation or five, is one case. Findings below the policy's threshold or suppressed
    open none; the case covers the group's findings in every conversation of that user with that
    assistant. The assistant is part of the key because each assistant is a different exposure
    (its own vendor, model and owning department), and it keeps a case's department exact."""

    # Where the data was first exposed (the group's earliest finding); the case page shows every
    # conversation of the group.
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="review_cases"
    )
    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("registry.Department", on_delete=models.CASCADE, related_name="+")
    user_id = models.CharField(max_length=128)  # the end user's pseudonymous id (Conversation.user_id)
    finding_type = models.CharField(max_length=32)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, db_index=True)
    finding_count = models.PositiveIntegerField(default=0)
    conversation_count = models.PositiveIntegerField(default=1)
    # Findings no auto-close rule covers: when this grows, a decided case reopens (new evidence
    # the decision did not cover); findings a rule covers leave the decision standing.
    reviewable_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True)
    # The rule that closed the case without a person (decided_by stays empty).
    auto_rule = models.ForeignKey(
        "compliance.AutoCloseRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
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
        constraints = [
            models.UniqueConstraint(fields=["assistant", "user_id", "finding_type"], name="reviewcase_group_uq")
        ]
        indexes = [models.Index(fields=["user_id", "finding_type"], name="reviewcase_user_type")]

    def __str__(self) -> str:
        return f"case {self.pk}"


AUTO_DECISIONS = [(CaseStatus.ACCEPTED_RISK.value, CaseStatus.ACCEPTED_RISK.label),
                  (CaseStatus.FALSE_POSITIVE.value, CaseStatus.FALSE_POSITIVE.label)]  # fmt: skip


class AutoCloseRule(models.Model):
    """Findings of ``finding_type`` in messages written by ``message_role`` (of ``assistant``, or of
    any assistant when empty) are decided ``decision`` at enrichment, audited: e.g. accept the
    risk of the e-mail addresses the assistant itself wrote. An officer sets them on the policy
    page; they apply to findings enriched from then on."""

    finding_type = models.CharField(max_length=32)
    message_role = models.CharField(max_length=16)
    assistant = models.ForeignKey(
        "registry.Assistant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    decision = models.CharField(max_length=24, choices=AUTO_DECISIONS)
    comment = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding_type", "message_role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding_type", "message_role", "assistant"], name="autocloserule_uq", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"auto-close {self.finding_type} by {self.message_role}"


class SavedQueueView(models.Model):
    """A named set of queue filters, one person's own (list, apply, delete on the queue page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.TextField()  # the queue's query string, validated by CaseFilter when saved
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedqueueview_name_uq")]

    def __str__(self) -> str:
        return self.name


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
