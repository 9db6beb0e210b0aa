"""Stored recommendations and alerts (issue 11, item 3): what a rule found, with its evidence.

Kept in their own module while the rollup tables land in ``models.py``; ``models.py`` imports
them so Django registers them in the ``analytics`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel


class DecisionStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class RecommendationKind(models.TextChoices):
    FIX_PROMPT = "fix_prompt", "Fix the prompt first"
    SUNSET_OR_REDESIGN = "sunset_or_redesign", "Sunset or redesign"
    EXPAND = "expand", "Expand"
    LANGUAGE_GAP = "language_gap", "Language gap"


class AlertKind(models.TextChoices):
    DEGRADATION = "degradation", "Degradation"
    USAGE_SPIKE = "usage_spike", "Usage spike"


class DecisionRecord(TimeStampedModel):
    """Shared shape. ``fingerprint`` (kind, assistant, dims) identifies "the same finding": at most
    one open row per fingerprint, whose evidence is refreshed each time the rule fires again."""

    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="%(class)ss")
    kind = models.CharField(max_length=40)
    dims = models.JSONField(default=dict, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=DecisionStatus.choices, default=DecisionStatus.OPEN)
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.dims} ({self.status})"


class Recommendation(DecisionRecord):
    kind = models.CharField(max_length=40, choices=RecommendationKind.choices)

    class Meta(DecisionRecord.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(status=DecisionStatus.OPEN),
                name="analytics_recommendation_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["assistant", "status"], name="an_rec_assistant_status"),
            models.Index(fields=["fingerprint", "status"], name="an_rec_fingerprint"),
        ]


class Alert(DecisionRecord):
    kind = models.CharField(max_length=40, choices=AlertKind.choices)

    class Meta(DecisionRecord.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(status=DecisionStatus.OPEN),
                name="analytics_alert_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["assistant", "status"], name="an_alert_assistant_status"),
            models.Index(fields=["fingerprint", "status"], name="an_alert_fingerprint"),
        ]
