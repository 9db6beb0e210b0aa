"""Input validation and output shapes of the shadow-AI API (no business rules here)."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import serializers

from apps.detection.models import EgressImport, FindingStatus
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
