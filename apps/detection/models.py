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
    # Indexed by finding_message_start_uq (message, start): no second index to maintain.
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.CASCADE, related_name="findings", db_index=False
    )
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


# --- Shadow AI (docs/shadow-ai.md) -----------------------------------------------------------


class ShadowAIPolicy(models.Model):
    """The organization's one shadow-AI policy row (``shadow_policy_get`` creates it).

    ``approved_vendors`` maps a vendor name (compared case-insensitively with the catalog's) to
    the department ids it is approved for, or ``["*"]`` for every department. ``user_key`` is the
    per-organization HMAC key of user pseudonyms, Fernet-encrypted with the vault keys.
    """

    pseudonymize_users = models.BooleanField(default=True)
    approved_vendors = models.JSONField(default=dict, blank=True)
    user_key = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "shadow AI policies"

    def __str__(self) -> str:
        return "shadow AI policy"


class TenantAIService(models.Model):
    """An organization's own catalog entry, or its override of a shared one (same ``key``).

    Blank fields keep the shared entry's value; ``disabled`` stops the key from matching.
    """

    key = models.SlugField(max_length=80, unique=True)
    vendor = models.CharField(max_length=120, blank=True)
    product = models.CharField(max_length=160, blank=True)
    category = models.CharField(max_length=32, blank=True)
    risk = models.CharField(max_length=8, blank=True)
    domains = models.TextField(blank=True, help_text="space-separated rules: example.com, full:host, a.*.example.com")
    data_use = models.TextField(blank=True)
    disabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class IdentityKind(models.TextChoices):
    USER = "user", "User name"
    CIDR = "cidr", "Source IP or network"


class IdentityMapEntry(models.Model):
    """One line of the uploaded identity map: a user name or an IP network → a department."""

    kind = models.CharField(max_length=8, choices=IdentityKind.choices)
    value = models.CharField(max_length=254)  # user names lower-cased; networks in CIDR form
    department = models.ForeignKey("registry.Department", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_map_uq")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class EgressImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class EgressImport(models.Model):
    """One imported log file and its report. ``sha256`` of the content detects a re-import."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=24)
    mapping = models.JSONField(default=dict, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    stored_path = models.CharField(max_length=500, blank=True)  # uploads waiting for the worker
    status = models.CharField(max_length=8, choices=EgressImportStatus.choices, default=EgressImportStatus.QUEUED)
    lines = models.BigIntegerField(default=0)
    parsed = models.BigIntegerField(default=0)
    malformed = models.BigIntegerField(default=0)
    ai_requests = models.BigIntegerField(default=0)
    unattributed_requests = models.BigIntegerField(default=0)
    malformed_samples = models.JSONField(default=list, blank=True)
    services = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class AIUsageDaily(models.Model):
    """Requests and bytes to one AI service on one day by one (pseudonymized) user.

    ``department`` null = unattributed (nothing in the identity map matched): kept, not dropped.
    """

    date = models.DateField()
    service_key = models.CharField(max_length=80)
    department = models.ForeignKey(
        "registry.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user_ref = models.CharField(max_length=254)
    requests = models.BigIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "service_key", "department", "user_ref"],
                name="ai_usage_daily_uq",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["service_key", "department", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.service_key}"


class FindingStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    APPROVED = "approved", "Approved"
    BLOCKED = "blocked", "Blocked"


class ShadowAIFinding(models.Model):
    """Use of one AI service by one department (null = unattributed) and the decision on it.

    The usage figures are refreshed from ``AIUsageDaily`` after each import; whether the use is
    sanctioned is computed when read (registry and policy change without an import).
    """

    service_key = models.CharField(max_length=80)
    department = models.ForeignKey(
        "registry.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=16, choices=FindingStatus.choices, default=FindingStatus.NEW)
    first_seen = models.DateField()
    last_seen = models.DateField()
    distinct_users = models.PositiveIntegerField(default=0)
    requests = models.BigIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    assistant = models.ForeignKey(
        "registry.Assistant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service_key", "department"], name="shadow_finding_uq", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_key} / {self.department_id or 'unattributed'}"


# --- More shadow-AI signals (docs/shadow-ai.md "More signals") --------------------------------


class UnregisteredModelFinding(models.Model):
    """An assistant whose telemetry names a provider or model its registry entry does not.

    One row per (assistant, observed vendor, observed model), both normalised (lower case; ``""``
    when the telemetry did not say). ``count`` is the number of spans (OTLP) or events (batch API)
    seen; ``example_conversation_ids`` the first few conversations, for the "see conversations" link.
    """

    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="+")
    vendor = models.CharField(max_length=120, blank=True)
    model = models.CharField(max_length=128, blank=True)
    # What the registry said when the mismatch was last seen (it may be edited since).
    registered_vendor = models.CharField(max_length=80, blank=True)
    registered_model = models.CharField(max_length=120, blank=True)
    reason = models.CharField(max_length=16)  # vendor | model | vendor+model
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    count = models.BigIntegerField(default=0)
    example_conversation_ids = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assistant", "vendor", "model"], name="unregistered_model_uq"),
        ]
        ordering = ["-last_seen", "-id"]

    def __str__(self) -> str:
        return f"{self.assistant_id}: {self.vendor}/{self.model}"


class SignalBatchScan(models.Model):
    """Marks an ingest batch whose telemetry the unregistered-model check has counted, so a
    re-run of the batch's enrichment counts nothing twice (it commits with the counts)."""

    # Goes with its batch when ingestion purges enriched batches.
    batch = models.OneToOneField("ingestion.IngestBatch", on_delete=models.CASCADE, primary_key=True, related_name="+")
    scanned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"signals of batch {self.pk}"


class ExternalAIMention(models.Model):
    """A user message in a registered assistant that reports using an external AI tool
    ("I pasted this into ChatGPT"). A low-severity signal: never a review case (compliance opens
    cases from ``SensitiveFinding`` only) and never masked. Offsets point into the text as received
    (it is scanned before masking); the name is a product name from the catalog, not personal data."""

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    service_key = models.CharField(max_length=80, db_index=True)
    name = models.CharField(max_length=80)  # the catalog name as matched, e.g. "ChatGPT"
    cue = models.CharField(max_length=16)  # paste | copy | ask | use | attribution
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.LOW)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "start"], name="external_ai_mention_uq")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} in message {self.message_id}"
