"""The enriched record built from raw events (apps.ingestion.enrichment)."""

from django.db import models


class Conversation(models.Model):
    # No index of its own: conversation_external_uq (assistant, external_id) serves lookups by
    # assistant, and every index is paid on each insert of the enrichment's build.
    assistant = models.ForeignKey(
        "registry.Assistant", on_delete=models.CASCADE, related_name="conversations", db_index=False
    )
    external_id = models.CharField(max_length=128)  # the client's conversation_id
    user_id = models.CharField(max_length=128, db_index=True)
    started_at = models.DateTimeField(db_index=True)
    last_event_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, null=True, blank=True)  # resolved | escalated | abandoned
    outcome_at = models.DateTimeField(null=True, blank=True)
    variant = models.CharField(max_length=128, null=True, blank=True)
    feature = models.CharField(max_length=128, null=True, blank=True)
    user_locale = models.CharField(max_length=64, null=True, blank=True)
    user_department = models.CharField(max_length=128, null=True, blank=True)
    user_region = models.CharField(max_length=64, null=True, blank=True)
    user_messages = models.PositiveIntegerField(default=0)
    assistant_messages = models.PositiveIntegerField(default=0)
    # Conversation understanding (apps.nlp.services.nlp_enrich_step).
    language = models.CharField(max_length=8, null=True, blank=True)  # of the first substantive user message
    frustration = models.FloatField(null=True, blank=True)  # 0..1, METRICS.md
    frustrated = models.BooleanField(null=True, blank=True)  # frustration >= 0.5
    intent = models.ForeignKey("nlp.Intent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # {metadata key: value} for the keys the assistant declares as metric dimensions
    # (Assistant.metric_dimensions), copied from the events' masked metadata
    # (apps.conversations.services.conversation_dims_fill).
    dims = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assistant", "external_id"], name="conversation_external_uq")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.external_id


class Message(models.Model):
    # Indexed by message_external_uq (conversation, external_id); see Conversation.assistant.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False)
    external_id = models.CharField(max_length=128)
    event_id = models.CharField(max_length=128)
    role = models.CharField(max_length=16)
    content = models.TextField(blank=True)
    ts = models.DateTimeField()
    model = models.CharField(max_length=128, null=True, blank=True)
    variant = models.CharField(max_length=128, null=True, blank=True)
    feature = models.CharField(max_length=128, null=True, blank=True)
    latency_ms = models.IntegerField(null=True, blank=True)
    input_tokens = models.IntegerField(null=True, blank=True)
    output_tokens = models.IntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    # User messages only (apps.nlp.services.nlp_enrich_step); null until annotated.
    language = models.CharField(max_length=8, null=True, blank=True)  # ISO 639-1, null = unknown
    sentiment = models.FloatField(null=True, blank=True)  # -1..1
    rephrase_score = models.FloatField(null=True, blank=True)  # vs the previous two user messages
    is_rephrase = models.BooleanField(null=True, blank=True)
    intent = models.ForeignKey("nlp.Intent", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    annotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "external_id"], name="message_external_uq")]
        indexes = [
            models.Index(
                fields=["conversation"],
                name="message_user_unannotated",
                condition=models.Q(role="user", annotated_at=None),
            )
        ]
        ordering = ["ts", "id"]

    def __str__(self) -> str:
        return f"{self.role} {self.external_id}"


class Action(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="actions", db_index=False)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="actions")
    message_external_id = models.CharField(max_length=128, null=True, blank=True)
    event_id = models.CharField(max_length=128)
    action = models.CharField(max_length=16)
    ts = models.DateTimeField()
    feature = models.CharField(max_length=128, null=True, blank=True)
    # The client's own measure of the delay since its output appeared (the browser snippet's
    # metadata.ms_since_output, a monotonic clock), kept only when sane (0 ms to 24 h): it is exact
    # where the two server timestamps carry network and clock skew. See action_delay_seconds().
    ms_since_output = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "event_id"], name="action_event_uq")]
        ordering = ["ts", "id"]

    def __str__(self) -> str:
        return self.action


class Feedback(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="feedback", db_index=False)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback")
    message_external_id = models.CharField(max_length=128, null=True, blank=True)
    event_id = models.CharField(max_length=128)
    rating = models.CharField(max_length=4)  # "up", "down" or "1".."5" as sent
    thumb = models.CharField(max_length=4, null=True, blank=True)  # up/down; 3 on a 1-5 scale is neither
    comment = models.TextField(blank=True)
    ts = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "event_id"], name="feedback_event_uq")]
        ordering = ["ts", "id"]

    def __str__(self) -> str:
        return self.rating
