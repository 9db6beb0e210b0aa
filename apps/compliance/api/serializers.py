from typing import Any, cast

from rest_framework import serializers

from apps.compliance.forms import DECISION_CHOICES
from apps.compliance.models import ReviewCase
from apps.compliance.selectors import case_findings
from apps.detection.models import SensitiveFinding


class FindingOut(serializers.ModelSerializer):
    message_id = serializers.CharField(source="message.external_id")

    class Meta:
        model = SensitiveFinding
        fields = ("id", "message_id", "type", "masked_start", "masked_end", "score", "recognizer", "severity",
                  "masked_preview", "suppressed", "action")  # fmt: skip


class CaseOut(serializers.ModelSerializer):
    # The conversation where the data was first exposed; a case groups one end user's findings of
    # one type with one assistant, across conversations (conversation_count).
    conversation_id = serializers.CharField(source="conversation.external_id")
    # Before cases were grouped per type a case listed several; kept for clients that read it.
    finding_types = serializers.SerializerMethodField()
    assistant = serializers.CharField(source="assistant.name")
    department = serializers.CharField(source="department.name")
    severity = serializers.CharField(source="get_severity_display")
    assignee = serializers.EmailField(source="assignee.email", allow_null=True, default=None)
    decided_by = serializers.EmailField(source="decided_by.email", allow_null=True, default=None)

    class Meta:
        model = ReviewCase
        fields: tuple[str, ...] = ("id", "conversation_id", "assistant", "assistant_id", "department", "department_id", "user_id",
                  "severity", "finding_type", "finding_types", "finding_count", "conversation_count", "status",
                  "auto_rule", "assignee", "decided_by", "decided_at", "comment", "created_at", "updated_at")  # fmt: skip

    def get_finding_types(self, case: ReviewCase) -> list[str]:
        return [case.finding_type]


class CaseDetailOut(CaseOut):
    findings = serializers.SerializerMethodField()

    class Meta(CaseOut.Meta):
        fields = (*CaseOut.Meta.fields, "findings")

    def get_findings(self, case: ReviewCase) -> list[dict[str, Any]]:
        qs = case_findings(case=case).select_related("message")
        # many=True makes the constructor return a ListSerializer, whose data is a list (a
        # ReturnList); the stubs type the call as the child serializer.
        rows = FindingOut(qs.order_by("message__ts", "message_id", "start"), many=True).data
        return cast("list[dict[str, Any]]", rows)


class DecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DECISION_CHOICES)
    comment = serializers.CharField(max_length=4000)
