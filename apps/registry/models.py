import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from apps.core.models import TimeStampedModel


class Department(TimeStampedModel):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    # Membership lives here (tenant app) rather than on User, because User also exists in the
    # public schema where departments do not.
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="departments", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


MAX_METRIC_DIMENSIONS = 3  # the rollups have three custom key columns, dim1..dim3
METRIC_DIMENSION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def validate_metric_dimensions(value: object) -> None:
    """Up to three distinct short identifiers: the ``metadata`` keys an assistant's metrics slice by."""
    if not isinstance(value, list):
        raise ValidationError("must be a list of metadata keys")
    if len(value) > MAX_METRIC_DIMENSIONS:
        raise ValidationError(f"at most {MAX_METRIC_DIMENSIONS} metadata keys")
    for key in value:
        if not isinstance(key, str) or not METRIC_DIMENSION_KEY.fullmatch(key):
            raise ValidationError(
                f"{key!r} is not a metadata key: lowercase letters, digits and _, starting with a letter, "
                "at most 32 characters"
            )
    if len(set(value)) != len(value):
        raise ValidationError("metadata keys must be unique")


class AssistantStatus(models.TextChoices):
    PILOT = "pilot", "Pilot"
    APPROVED = "approved", "Approved"
    RETIRED = "retired", "Retired"


class Assistant(TimeStampedModel):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="assistants")
    name = models.CharField(max_length=120)
    purpose = models.TextField(blank=True)
    vendor = models.CharField(max_length=80)
    model = models.CharField(max_length=120)
    status = models.CharField(max_length=16, choices=AssistantStatus.choices, default=AssistantStatus.PILOT)
    audience_size = models.PositiveIntegerField(default=0, help_text="people who could use it (day-1 adoption)")
    launched_on = models.DateField(null=True, blank=True, help_text="first day of availability")
    # Value settings for ROI (METRICS.md, Business outcomes and ROI).
    minutes_saved_per_task = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    hourly_cost = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    cost_per_human_contact = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    deflection_share = models.DecimalField(
        max_digits=4, decimal_places=3, default=1, help_text="share of resolved chats that avoided a human contact"
    )
    fixed_monthly_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    price_per_1k_tokens = models.DecimalField(max_digits=10, decimal_places=5, default=0)
    # Custom metric dimensions: the Nth key names the event ``metadata`` key whose value the
    # rollups keep in their dimN column (docs/analytics.md).
    metric_dimensions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_metric_dimensions],
        help_text="up to 3 metadata keys to slice metrics by (dim1..dim3), e.g. plan, channel",
    )

    class Meta:
        ordering = ["department__name", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="assistant_unique_name_per_dept")]

    def __str__(self) -> str:
        return self.name


class ApiKeyKind(models.TextChoices):
    SECRET = "secret", "Secret (server)"
    # Safe to put in a web page: it may only POST browser signals (actions, feedback, abandoned
    # outcomes) for its assistant, from its allowed origins, within its rate limit. Never reads.
    PUBLISHABLE = "publishable", "Publishable (browser)"


class ApiKey(models.Model):
    """An assistant's ingestion credential. Only a salted hash is stored; the key is shown once.

    Publishable keys are public by design (they sit in page source), yet they are hashed too:
    pages behind a login or on an intranet do not publish them, a leaked database or backup must
    not hand out working keys that let an outsider skew an assistant's metrics, and one
    verification path for both kinds leaves nothing to get wrong. Re-issuing one costs a minute.
    """

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=32, unique=True)  # tsk_live_/tpk_live_<12 hex>, shown in lists
    kind = models.CharField(max_length=16, choices=ApiKeyKind.choices, default=ApiKeyKind.SECRET)
    # Publishable keys only: exact origins (scheme://host[:port]) whose pages may send with it,
    # and the most events per minute it may send (browsers are many; one key is shared by all).
    allowed_origins = models.JSONField(default=list, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(null=True, blank=True)
    salt = models.CharField(max_length=32)
    hashed = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_publishable(self) -> bool:
        return self.kind == ApiKeyKind.PUBLISHABLE


class ReleaseKind(models.TextChoices):
    PROMPT = "prompt", "Prompt change"
    MODEL = "model", "Model change"
    OTHER = "other", "Other"


class ReleaseAnnotation(TimeStampedModel):
    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="releases")
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=ReleaseKind.choices)
    text = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}: {self.text[:40]}"
