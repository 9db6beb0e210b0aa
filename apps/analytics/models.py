"""Daily rollups of the enriched record (docs/analytics.md): the additive counts every metric of
METRICS.md is computed from, so dashboards and the API never scan events per request.

Every rollup row is keyed by a day in the tenant's time zone, an assistant and the dimensions of
the filter bar. Key columns hold ``''`` (or ``0`` for an intent) for "none" rather than NULL, so the
unique constraint covers every row. Only ``apps.analytics.services`` writes them: per (assistant, day),
deleted and re-aggregated, or, for a batch, merged with the difference its conversations' facts
make (the unique keys are the merge's keys); either way the rows a rebuild gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.core.models import TimeStampedModel

if TYPE_CHECKING:
    from apps.registry.models import Assistant

KEY_FIELDS = ("day", "assistant", "variant", "feature", "language", "department", "dim1", "dim2", "dim3")


class RollupKey(models.Model):
    day = models.DateField()  # in the tenant's time zone
    # No index of its own: the key's unique index (day first) finds a batch's rows by their whole
    # key and serves the readers' day ranges. With one, the planner merged a batch by reading
    # every row of the assistant through it, and each inserted row paid for one more index.
    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+", db_index=False)
    variant = models.CharField(max_length=128, default="")
    feature = models.CharField(max_length=128, default="")
    language = models.CharField(max_length=8, default="")  # of the conversation's first user message
    department = models.CharField(max_length=128, default="")  # the conversation's user_department
    # Up to three custom metadata dimensions an assistant declares in the registry (not stored yet:
    # neither the registry nor the enriched record carries them; always '' for now).
    dim1 = models.CharField(max_length=128, default="")
    dim2 = models.CharField(max_length=128, default="")
    dim3 = models.CharField(max_length=128, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.assistant_id} {self.day}"


class ConversationRollup(RollupKey):
    """Conversation facts, by the conversation's start day and its dimensions."""

    intent_id = models.BigIntegerField(default=0)  # nlp.Intent id, 0 = none (plain id: clusters come and go)
    conversations = models.IntegerField(default=0)
    ended = models.IntegerField(default=0)
    # The following count ended conversations only (their rates are over ended conversations).
    resolved = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    self_served = models.IntegerField(default=0)  # resolved and not escalated
    abandoned = models.IntegerField(default=0)
    frustrated = models.IntegerField(default=0)  # over all conversations
    user_messages = models.IntegerField(default=0)
    user_messages_with_previous = models.IntegerField(default=0)  # rephrase-rate denominator
    rephrases = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    ratings_up = models.IntegerField(default=0)
    ratings_down = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*KEY_FIELDS, "intent_id"], name="analytics_convrollup_key"),
        ]


class OutputRollup(RollupKey):
    """Output (assistant message) facts, by the conversation's start day, the output's own variant
    and feature, and the conversation's language and department."""

    outputs = models.IntegerField(default=0)
    outputs_with_action = models.IntegerField(default=0)  # any accept, edit or reject action
    accepted = models.IntegerField(default=0)  # an accept action and no edit
    edited = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    regenerations = models.IntegerField(default=0)
    tasks = models.IntegerField(default=0)  # a conversation, or one feature's use within it
    tasks_regen3 = models.IntegerField(default=0)  # tasks with >= 3 regenerations
    first_actions = models.IntegerField(default=0)  # outputs with any action at all (time to first action)
    instant_accepts = models.IntegerField(default=0)  # first action an accept, under 3 s
    latency_outputs = models.IntegerField(default=0)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=18, decimal_places=6, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(KEY_FIELDS), name="analytics_outputrollup_key")]


class Measure(models.TextChoices):
    TURNS = "turns", "user messages per conversation"
    DROP_OFF = "drop_off", "index of the last user turn of abandoned conversations"
    TTFA = "ttfa_s", "whole seconds from an output to its first action"
    LATENCY = "latency_ms", "output latency, bucketed (docs/analytics.md)"


class HistogramRollup(RollupKey):
    """Counts per value bucket, so medians and percentiles merge exactly over days and cuts."""

    measure = models.CharField(max_length=16, choices=Measure.choices)
    bucket = models.BigIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*KEY_FIELDS, "measure", "bucket"], name="analytics_histrollup_key"),
        ]


class ActiveUser(RollupKey):
    """One row per user active (≥ 1 user message) on a day in a cut: exact distinct users per day
    and exactly mergeable over any window with COUNT(DISTINCT user_key) — the "bitmap per day"
    option with error 0. ``user_key`` is a 64-bit hash of the user id."""

    user_key = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*KEY_FIELDS, "user_key"], name="analytics_activeuser_key"),
        ]
        indexes = [models.Index(fields=["assistant", "user_key", "day"], name="analytics_activeuser_user")]


class DailyPeople(RollupKey):
    """Distinct users per day and finest cut: how many ``ActiveUser`` rows share this key (one per
    user). Not additive — a user active on two days or in two cuts counts in both — so for any
    coarser cut it only bounds the people: at least the largest count of the cut's (day, key) rows,
    at most their sum. Privacy mode decides almost every cut from these bounds without counting
    users (apps/analytics/privacy.py)."""

    users = models.IntegerField()
    # HyperLogLog registers of the same users (apps/analytics/sketch.py): merged over days and cuts,
    # they estimate distinct users of multi-day windows without reading ``ActiveUser``.
    sketch = models.BinaryField(default=b"")

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(KEY_FIELDS), name="analytics_dailypeople_key")]


class UserFirstSeen(models.Model):
    """The first day each user sent a user message to an assistant (new users, cohorts)."""

    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+")
    user_key = models.BigIntegerField()
    first_day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assistant", "user_key"], name="analytics_firstseen_key")]
        indexes = [models.Index(fields=["assistant", "first_day"], name="analytics_firstseen_day")]

    def __str__(self) -> str:
        return f"{self.assistant_id} {self.user_key} {self.first_day}"


class FactKey(models.Model):
    """The rollup key of a fact, under the fact queries' aliases (``services._R_DIMS``)."""

    r_day = models.DateField()
    r_variant = models.CharField(max_length=128)
    r_feature = models.CharField(max_length=128)
    r_language = models.CharField(max_length=8)
    r_department = models.CharField(max_length=128)
    r_dim1 = models.CharField(max_length=128)
    r_dim2 = models.CharField(max_length=128)
    r_dim3 = models.CharField(max_length=128)

    class Meta:
        abstract = True


class ConversationFact(FactKey):
    """One conversation's contribution to ``ConversationRollup`` and its histograms, as last
    computed (apps/analytics/services.py). The rollups of an (assistant, day) are sums over its
    facts, so a batch recomputes the facts of its own conversations only and re-sums the days it
    touched — work in proportion to the batch, not to the days' volume. Column names are the
    fact queries' aliases. Plain ids, no foreign keys: rows go with their (assistant, day)."""

    conversation_id = models.BigIntegerField(unique=True)
    assistant_id = models.BigIntegerField()
    r_intent = models.BigIntegerField()
    r_ended = models.BooleanField()
    r_resolved = models.BooleanField()
    r_escalated = models.BooleanField()
    r_abandon = models.BooleanField()
    r_frustrated = models.BooleanField()
    user_messages = models.IntegerField()
    r_with_previous = models.IntegerField()
    r_rephrases = models.IntegerField()
    r_ratings = models.IntegerField()
    r_up = models.IntegerField()
    r_down = models.IntegerField()

    class Meta(FactKey.Meta):
        indexes = [models.Index(fields=["assistant_id", "r_day"], name="analytics_convfact_day")]

    def __str__(self) -> str:
        return f"conversation {self.conversation_id}"


class OutputFact(FactKey):
    """One output's contribution to ``OutputRollup`` and its histograms (see ``ConversationFact``)."""

    message_id = models.BigIntegerField(unique=True)
    conversation_id = models.BigIntegerField(db_index=True)
    latency_ms = models.IntegerField(null=True)
    r_assistant = models.BigIntegerField()
    r_any = models.BooleanField()
    r_accept = models.BooleanField()
    r_edit = models.BooleanField()
    r_reject = models.BooleanField()
    r_regens = models.IntegerField()
    r_first_delay = models.FloatField(null=True)
    r_first_accept = models.BooleanField()
    r_in = models.BigIntegerField()
    r_out = models.BigIntegerField()
    r_cost = models.DecimalField(max_digits=18, decimal_places=6, null=True)

    class Meta(FactKey.Meta):
        indexes = [models.Index(fields=["r_assistant", "r_day"], name="analytics_outfact_day")]

    def __str__(self) -> str:
        return f"output {self.message_id}"


class RollupWatermark(models.Model):
    """Until when conversations ended by inactivity have been folded into the rollups."""

    name = models.CharField(max_length=32, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.at}"


# --- Stored recommendations and alerts (what a rule found, with its evidence) ----------------


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
    # Shadow-AI egress traffic (docs/shadow-ai.md "More signals"): no assistant, the organization's.
    AI_TRAFFIC_SPIKE = "ai_traffic_spike", "AI traffic spike"


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
    # Null for organization-wide alerts that belong to no assistant (AI traffic spikes from egress
    # logs); those go to admin and compliance and only they see them.
    # Optional here while the base class's is not (hence the override's ignore): every reader of an
    # alert handles the organization-wide case (``decision_subject`` in dashboards).
    assistant: models.ForeignKey[Assistant | None, Assistant | None] = models.ForeignKey(  # type: ignore[assignment]
        "registry.Assistant", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
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


# --- Alert delivery (docs/analytics.md "Alert delivery") --------------------------------------


class WebhookEndpoint(TimeStampedModel):
    """Where an organization's alerts are POSTed (Slack-compatible JSON, signed with ``secret``).

    The secret is kept in clear: signing needs it (HMAC-SHA256 of the body). The URL is validated
    when saved and again before every send (apps.analytics.delivery: http/https only, no private or
    loopback address unless ``ANALYTICS_WEBHOOK_ALLOWED_NETWORKS`` allows it)."""

    name = models.CharField(max_length=120)
    url = models.URLField(max_length=1000)
    secret = models.CharField(max_length=128)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Receipt(models.Model):
    """The in-app unread marker: one row per (finding, recipient) written when the finding is
    delivered; ``read_at`` is null until the person opens it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class AlertReceipt(Receipt):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="receipts")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="analytics_alertreceipt_once")]
        indexes = [models.Index(fields=["user", "read_at"], name="an_receipt_user_unread")]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.user_id}"


class RecommendationReceipt(Receipt):
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="receipts")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "user"], name="analytics_recreceipt_once"),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="an_recreceipt_user_unread")]

    def __str__(self) -> str:
        return f"{self.recommendation_id} → {self.user_id}"


class DeliveryChannel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (retried)"
    REFUSED = "refused", "Refused (not retried)"


class DeliveryAttempt(models.Model):
    """One try to deliver one finding — an alert or a recommendation, exactly one of the two — on
    one channel to one target (an e-mail address, a webhook endpoint as
    ``webhook <id> scheme://host:port`` — never the path, which may hold a token)."""

    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="delivery_attempts")
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    channel = models.CharField(max_length=12, choices=DeliveryChannel.choices)
    target = models.CharField(max_length=300)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["alert", "channel", "target"], name="an_delivery_alert_target"),
            models.Index(fields=["recommendation", "channel", "target"], name="an_delivery_rec_target"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alert__isnull=False, recommendation__isnull=True)
                | models.Q(alert__isnull=True, recommendation__isnull=False),
                name="analytics_delivery_one_finding",
            )
        ]

    def __str__(self) -> str:
        finding = f"alert {self.alert_id}" if self.alert_id else f"recommendation {self.recommendation_id}"
        return f"{finding} {self.channel} {self.target} #{self.attempt} {self.status}"


# --- Per-organization analytics settings ------------------------------------------------------


class AnalyticsSettings(models.Model):
    """The organization's one settings row (``privacy.analytics_settings_get`` creates it on first use).

    Employee-privacy mode (issue 11, item 5): a cut with fewer than ``min_people`` distinct users is
    suppressed for every role but compliance, in the API, pages and exports alike.
    """

    privacy_mode = models.BooleanField(default=True)
    min_people = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(2), MaxValueValidator(1000)])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "analytics settings"

    def __str__(self) -> str:
        return "analytics settings"
