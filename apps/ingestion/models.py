from django.db import models


class IngestBatch(models.Model):
    """One accepted request's worth of events; the unit of enrichment and of retry."""

    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=16, default="batch")  # batch | otlp | browser | seed
    accepted = models.PositiveIntegerField(default=0)
    enriched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["received_at"], name="batch_pending_idx", condition=models.Q(enriched_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.accepted} events)"


class RawEvent(models.Model):
    """Durable transit store of accepted events, deduplicated by (assistant, client event id).

    Written only with COPY + INSERT … SELECT … ON CONFLICT DO NOTHING (services.events_ingest);
    the ORM model exists for migrations, enrichment queries and tests.
    """

    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+", db_index=False)
    batch = models.ForeignKey(IngestBatch, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=128)
    type = models.CharField(max_length=16)
    ts = models.DateTimeField()
    conversation_id = models.CharField(max_length=128)
    user_id = models.CharField(max_length=128)
    message_id = models.CharField(max_length=128, null=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assistant", "event_id"], name="rawevent_dedup")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class OtlpJoinState(models.Model):
    """Durable half of an OTLP span ↔ log-record join (they arrive in separate requests).

    Holds a resolved span's identities or a span's parked log records until the other half
    arrives. Kept in PostgreSQL rather than the cache so a 200 for log records is as durable as
    one for events. What it holds is unmasked (masking runs at enrichment, after the join), so
    ``payload`` is JSON encrypted with the vault's keys (``apps.core.crypto``), never pickle: a
    row's bytes are data, not code. ``trace_id`` and ``user_hash`` (keyed hash of the span's
    user id) let erasure find an end user's rows; rows expire after ``OTLP_JOIN_TTL_SECONDS``
    and are swept on the organization's next OTLP request and by the periodic requeue job.
    """

    key = models.CharField(max_length=200, unique=True)
    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+", db_index=False)
    trace_id = models.CharField(max_length=32)
    user_hash = models.CharField(max_length=64, blank=True, db_index=True)
    payload = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["assistant", "trace_id"], name="otlpjoin_trace_idx")]

    def __str__(self) -> str:
        return self.key


class LangfuseTrace(models.Model):
    """Where a Langfuse trace landed: its conversation, user and latest answer.

    Langfuse clients send scores (and, on the legacy batch API, generations) naming only the
    trace id; the conversation and user come from the trace (``sessionId``/``userId``) and the
    rated message from the trace's last generation. One row per (assistant, trace id). It holds
    the same pseudonymous ids as the raw events, and is deleted by erasure and retention with them.
    """

    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+", db_index=False)
    trace_id = models.CharField(max_length=128)
    conversation_id = models.CharField(max_length=128)
    user_id = models.CharField(max_length=128)
    variant = models.CharField(max_length=128, blank=True)  # Langfuse trace ``version``
    metadata = models.JSONField(default=dict, blank=True)  # trace metadata, tags, name, release
    answer_message_id = models.CharField(max_length=128, null=True, blank=True)
    answer_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assistant", "trace_id"], name="langfusetrace_unique")]
        indexes = [models.Index(fields=["assistant", "conversation_id"], name="langfusetrace_conv_idx")]

    def __str__(self) -> str:
        return f"langfuse trace {self.trace_id} → {self.conversation_id}"
