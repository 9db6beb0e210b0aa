"""Input validation and output shapes of the shadow-AI API (no business rules here)."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import serializers

from apps.detection.models import EgressImport, FindingStatus
from apps.detection.shadow.catalog import CATEGORIES, RISKS
from apps.detection.shadow.parsers import FORMATS
from apps.detection.shadow.services import IDENTITY_MAP_MAX_CHARS


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


# --- Settings: identity map, catalog entries, policy (docs/shadow-ai.md "Settings API") -------


class IdentityMapEntryOut(serializers.Serializer):
    kind = serializers.CharField(help_text="user (a user name, lower case) or cidr (an IP network)")
    value = serializers.CharField()
    department_id = serializers.IntegerField()
    department = serializers.CharField(source="department.name")


class IdentityMapIn(serializers.Serializer):
    csv = serializers.CharField(
        max_length=IDENTITY_MAP_MAX_CHARS,
        trim_whitespace=False,
        help_text="identity,department per line (a user name, an IP address or a CIDR network → a department name)",
    )


class IdentityMapReportOut(serializers.Serializer):
    entries = serializers.IntegerField(help_text="entries in the map now")
    rejected = serializers.ListField(child=serializers.CharField(), help_text="lines not taken, with the reason")


class CatalogServiceOut(serializers.Serializer):
    key = serializers.CharField()
    vendor = serializers.CharField()
    product = serializers.CharField()
    category = serializers.CharField()
    risk = serializers.CharField()
    domains = serializers.ListField(child=serializers.CharField())
    data_use = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField(), help_text="'tenant' = the organization's own entry")
    disabled = serializers.BooleanField(help_text="the organization stopped this key from matching")
    overridden = serializers.BooleanField(help_text="the organization has its own row for this key")


class CatalogServiceIn(serializers.Serializer):
    """Fields to set; omitted fields keep the shared entry's (or the saved row's) value."""

    vendor = serializers.CharField(max_length=120, required=False)
    product = serializers.CharField(max_length=160, required=False)
    category = serializers.ChoiceField(choices=CATEGORIES, required=False)
    risk = serializers.ChoiceField(choices=RISKS, required=False)
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        required=False,
        max_length=200,
        help_text="rules: example.com (and subdomains), full:host.example.com, a.*.example.com",
    )
    data_use = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    disabled = serializers.BooleanField(required=False)


class ShadowPolicyOut(serializers.Serializer):
    pseudonymize_users = serializers.BooleanField()
    approved_vendors = serializers.DictField(
        child=serializers.ListField(),
        help_text='vendor → department ids it is approved for, or ["*"] for every department',
    )
    updated_at = serializers.DateTimeField()


class ShadowPolicyIn(serializers.Serializer):
    pseudonymize_users = serializers.BooleanField(required=False)
    approved_vendors = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), max_length=500),
        required=False,
        help_text='vendor → department ids, or ["*"] for every department; replaces the whole mapping',
    )

    def validate_approved_vendors(self, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if len(value) > 500:
            raise serializers.ValidationError("at most 500 vendors")
        clean: dict[str, list[Any]] = {}
        for vendor, ids in value.items():
            name = " ".join(str(vendor).split())
            if not name or len(name) > 120:
                raise serializers.ValidationError(f"vendor names are 1–120 characters: {vendor!r}")
            if ids == ["*"]:
                clean[name] = ["*"]
                continue
            if not ids or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids):
                raise serializers.ValidationError(
                    f'{name}: a list of department ids (positive integers) or ["*"] for every department'
                )
            clean[name] = ids
        return clean
