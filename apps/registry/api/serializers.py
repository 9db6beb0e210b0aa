"""Input validation and output shapes of the registry API (no business rules here)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from apps.registry.models import (
    MAX_METRIC_DIMENSIONS,
    METRIC_DIMENSION_KEY,
    ApiKey,
    ApiKeyKind,
    Assistant,
    AssistantStatus,
    Department,
    ReleaseAnnotation,
    ReleaseKind,
    validate_metric_dimensions,
)
from apps.registry.selectors import departments_visible_to
from apps.registry.services import (
    ASSISTANT_FIELDS,
    PUBLISHABLE_DEFAULT_RATE_PER_MINUTE,
    PUBLISHABLE_MAX_RATE_PER_MINUTE,
)

ZERO = Decimal(0)
MONEY_FIELDS = ("hourly_cost", "cost_per_human_contact", "fixed_monthly_cost", "price_per_1k_tokens")


class DepartmentOut(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ("id", "name", "description")


class VisibleDepartmentField(serializers.PrimaryKeyRelatedField):
    """A department id the caller can see; anything else is reported the same way (no oracle)."""

    default_error_messages = {
        "does_not_exist": "no department with id {pk_value} that you can see",
        "incorrect_type": "expected a department id (integer), got {data_type}",
    }

    def get_queryset(self) -> Any:
        return departments_visible_to(user=self.context["request"].user)


class AssistantOut(serializers.ModelSerializer):
    department = DepartmentOut(read_only=True)
    keys_count = serializers.IntegerField(read_only=True, help_text="active (not revoked) API keys")

    class Meta:
        model = Assistant
        fields = ("id", "department", *ASSISTANT_FIELDS, "keys_count", "created_at", "updated_at")


class AssistantIn(serializers.ModelSerializer):
    department = VisibleDepartmentField()
    status = serializers.ChoiceField(choices=AssistantStatus.choices, required=False)
    audience_size = serializers.IntegerField(min_value=0, required=False)
    minutes_saved_per_task = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=ZERO, required=False)
    hourly_cost = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=ZERO, required=False)
    cost_per_human_contact = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=ZERO, required=False)
    deflection_share = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=ZERO, max_value=Decimal(1), required=False
    )
    fixed_monthly_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=ZERO, required=False)
    price_per_1k_tokens = serializers.DecimalField(max_digits=10, decimal_places=5, min_value=ZERO, required=False)
    metric_dimensions = serializers.ListField(
        child=serializers.RegexField(METRIC_DIMENSION_KEY),
        max_length=MAX_METRIC_DIMENSIONS,
        required=False,
        validators=[validate_metric_dimensions],
        help_text="up to 3 distinct event metadata keys; the Nth is the metrics' dimN dimension",
    )

    class Meta:
        model = Assistant
        fields = ("department", *ASSISTANT_FIELDS)
        # Uniqueness of (department, name) is a business rule the service reports precisely;
        # DRF's generated validator would duplicate it with a vaguer message.
        validators: list[Any] = []


class ApiKeyOut(serializers.ModelSerializer):
    revoked = serializers.SerializerMethodField()
    # Null for keys and releases made by management commands (no acting user).
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None, read_only=True)

    class Meta:
        model = ApiKey
        fields: tuple[str, ...] = (
            "id",
            "prefix",
            "name",
            "kind",
            "allowed_origins",
            "rate_limit_per_minute",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked",
            "revoked_at",
        )

    def get_revoked(self, obj: ApiKey) -> bool:
        return obj.revoked_at is not None


class ApiKeyIn(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=ApiKeyKind.choices,
        default=ApiKeyKind.SECRET,
        help_text="secret: server-side, any event; publishable: for the browser snippet, ingest-only, "
        "from allowed origins, rate-limited",
    )
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        default=list,
        help_text="publishable keys: exact origins (scheme://host[:port]) whose pages may send with the key",
    )
    rate_limit_per_minute = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=PUBLISHABLE_MAX_RATE_PER_MINUTE,
        default=PUBLISHABLE_DEFAULT_RATE_PER_MINUTE,
        help_text="publishable keys: most events per minute, all pages together",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == ApiKeyKind.SECRET and attrs["allowed_origins"]:
            raise serializers.ValidationError({"allowed_origins": "only publishable keys have allowed origins"})
        return attrs


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.CharField(read_only=True, help_text="the plaintext key; shown in this response only, never again")

    class Meta(ApiKeyOut.Meta):
        fields = (*ApiKeyOut.Meta.fields, "key")


class ReleaseOut(serializers.ModelSerializer):
    # Null for keys and releases made by management commands (no acting user).
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None, read_only=True)

    class Meta:
        model = ReleaseAnnotation
        fields = ("id", "assistant", "date", "kind", "text", "created_by", "created_at")


class ReleaseIn(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=ReleaseKind.choices)
    text = serializers.CharField(max_length=500)
