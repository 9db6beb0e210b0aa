"""Input validation and output shapes of the shadow-AI API (no business rules here)."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import serializers

from apps.detection.models import EgressImport, FindingStatus
from apps.detection.shadow.catalog import CATEGORIES
from apps.detection.shadow.parsers import FORMATS


class EgressImportIn(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=sorted(FORMATS))
    mapping = serializers.CharField(
        required=False, allow_blank=True, help_text='generic formats: {"timestamp": "col", …}'
    )

    def validate_mapping(self, value: str) -> dict[str, str]:
        if not value:
            return {}
        try:
            mapping: Any = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise serializers.ValidationError("mapping must be a JSON object of field → column") from None
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise serializers.ValidationError("mapping must be a JSON object of field → column")
        return mapping


class EgressImportOut(serializers.ModelSerializer):
    class Meta:
        model = EgressImport
        fields = (
            "id",
            "filename",
            "format",
            "sha256",
            "size_bytes",
            "status",
            "lines",
            "parsed",
            "malformed",
            "ai_requests",
            "unattributed_requests",
            "malformed_samples",
            "services",
            "error",
            "created_at",
            "finished_at",
        )


class ShadowFindingOut(serializers.Serializer):
    id = serializers.IntegerField()
    service_key = serializers.CharField()
    vendor = serializers.CharField()
    product = serializers.CharField()
    category = serializers.CharField()
    risk = serializers.CharField()
    department_id = serializers.IntegerField(allow_null=True)
    department = serializers.CharField()
    status = serializers.CharField()
    sanctioned = serializers.BooleanField()
    first_seen = serializers.DateField()
    last_seen = serializers.DateField()
    distinct_users = serializers.IntegerField()
    requests = serializers.IntegerField()
    bytes = serializers.IntegerField()
    domains = serializers.ListField(child=serializers.CharField())


class ShadowFindingFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=FindingStatus.values, required=False)
    department = serializers.IntegerField(required=False)
    service = serializers.CharField(required=False)
    risk = serializers.ChoiceField(choices=("low", "medium", "high"), required=False)
    shadow = serializers.BooleanField(required=False, default=False)


class ShadowDecisionIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s for s in FindingStatus.values if s != FindingStatus.NEW])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    create_assistant = serializers.BooleanField(required=False, default=False)


# --- More signals (docs/shadow-ai.md "More signals") -------------------------------------------


class UnregisteredModelOut(serializers.Serializer):
    id = serializers.IntegerField()
    assistant_id = serializers.IntegerField()
    assistant = serializers.CharField(source="assistant.name")
    department = serializers.CharField(source="assistant.department.name")
    vendor = serializers.CharField(help_text="provider named by the telemetry, lower case ('' = not sent)")
    model = serializers.CharField(help_text="model named by the telemetry, lower case ('' = not sent)")
    registered_vendor = serializers.CharField()
    registered_model = serializers.CharField()
    reason = serializers.CharField(help_text="vendor, model or vendor+model")
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    count = serializers.IntegerField(help_text="spans (OTLP) or events (batch API) seen")
    example_conversation_ids = serializers.ListField(child=serializers.IntegerField())


class SignalFilterIn(serializers.Serializer):
    assistant = serializers.IntegerField(required=False, min_value=1)
    service = serializers.CharField(required=False, max_length=80)


class ExternalMentionOut(serializers.Serializer):
    id = serializers.IntegerField()
    service_key = serializers.CharField()
    name = serializers.CharField()
    cue = serializers.CharField()
    severity = serializers.CharField(source="get_severity_display")
    assistant_id = serializers.IntegerField(source="conversation.assistant_id")
    conversation_id = serializers.IntegerField()
    conversation_external_id = serializers.CharField(source="conversation.external_id")
    message_id = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class LaunchImpactIn(serializers.Serializer):
    assistant = serializers.IntegerField(required=False, min_value=1)
    days = serializers.IntegerField(required=False, min_value=1, max_value=180, default=28)
    category = serializers.ChoiceField(choices=CATEGORIES, required=False)


class WindowUseOut(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    days = serializers.IntegerField()
    requests = serializers.IntegerField()
    requests_per_day = serializers.FloatField(allow_null=True)
    users_per_day = serializers.FloatField(allow_null=True)
    distinct_users = serializers.IntegerField()
    daily = serializers.ListField(child=serializers.ListField(), help_text="[day, requests, users]")


class LaunchImpactOut(serializers.Serializer):
    assistant_id = serializers.IntegerField()
    assistant = serializers.CharField()
    department_id = serializers.IntegerField()
    department = serializers.CharField()
    category = serializers.CharField()
    approved_on = serializers.DateField()
    window_days = serializers.IntegerField()
    services = serializers.ListField(child=serializers.CharField())
    before = WindowUseOut()
    after = WindowUseOut()
    complete = serializers.BooleanField()
    requests_change = serializers.FloatField(allow_null=True)
    users_change = serializers.FloatField(allow_null=True)
    requests_p_value = serializers.FloatField(allow_null=True)
    users_p_value = serializers.FloatField(allow_null=True)
    summary = serializers.CharField()
