"""Forms of the review pages (validation only; services decide)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from apps.accounts.models import User
from apps.compliance.filters import CaseFilter
from apps.compliance.models import AUTO_DECISIONS, CaseStatus, ReviewCase
from apps.compliance.selectors import compliance_users
from apps.compliance.services import MESSAGE_ROLES
from apps.detection.findings import ENTITY_TYPES
from apps.detection.masking import action_for
from apps.detection.models import MaskAction, MaskingPolicy, Severity
from apps.registry.models import Assistant

DECISION_CHOICES = [(s.value, s.label) for s in CaseStatus if s != CaseStatus.OPEN]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISION_CHOICES, widget=forms.RadioSelect)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign", "Assign to…"),
        ("false_positive", "Mark false positive"),
        ("accepted_risk", "Accept risk"),
    ]
    # Querysets are set per request in __init__.
    cases: forms.ModelMultipleChoiceField[ReviewCase] = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.MultipleHiddenInput
    )
    action = forms.ChoiceField(choices=ACTIONS)
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")
    comment = forms.CharField(required=False, max_length=4000)

    def __init__(self, *args: Any, cases: QuerySet[ReviewCase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds copies of the fields declared above.
        cast("forms.ModelMultipleChoiceField[ReviewCase]", self.fields["cases"]).queryset = cases
        cast("forms.ModelChoiceField[User]", self.fields["assignee"]).queryset = compliance_users()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what super().clean() returned; its stub allows None
        if cleaned.get("action") in ("false_positive", "accepted_risk") and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "a decision needs a comment")
        return cleaned


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds a copy of the field declared above; its queryset is read per request.
        cast("forms.ModelChoiceField[User]", self.fields["assignee"]).queryset = compliance_users()


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        min_length=5, max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Why do you need the original?"})
    )


class PolicyForm(forms.Form):
    case_threshold = forms.TypedChoiceField(coerce=int, choices=Severity.choices, label="Open a case from severity")
    retention_days = forms.IntegerField(
        required=False, min_value=1, max_value=36500, label="Retention (days)",
        help_text="Content older than this is replaced by [expired]; empty keeps it.",
    )  # fmt: skip
    four_eyes_unmask = forms.BooleanField(required=False, label="Unmasking needs a second compliance user's approval")

    def __init__(self, data: Mapping[str, Any] | None = None, *, policy: MaskingPolicy, **kwargs: Any) -> None:
        initial = {
            "case_threshold": policy.case_threshold,
            "retention_days": policy.retention_days,
            "four_eyes_unmask": policy.four_eyes_unmask,
            **{f"action_{t}": action_for(t, policy.actions) for t in ENTITY_TYPES},
        }
        super().__init__(data, initial=initial, **kwargs)
        for t in ENTITY_TYPES:
            self.fields[f"action_{t}"] = forms.ChoiceField(choices=MaskAction.choices, label=t)

    def action_fields(self) -> list[forms.BoundField]:
        return [self[f"action_{t}"] for t in ENTITY_TYPES]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "actions": {t: data[f"action_{t}"] for t in ENTITY_TYPES},
            "case_threshold": data["case_threshold"],
            "retention_days": data["retention_days"],
            "four_eyes_unmask": data["four_eyes_unmask"],
        }


class AutoCloseRuleForm(forms.Form):
    finding_type = forms.ChoiceField(label="Finding type", choices=[(t, t) for t in ENTITY_TYPES])
    message_role = forms.ChoiceField(label="Written by", choices=[(r, r) for r in MESSAGE_ROLES], initial="assistant")
    assistant: forms.ModelChoiceField[Assistant] = forms.ModelChoiceField(
        queryset=Assistant.objects.order_by("name"), required=False, empty_label="Any assistant"
    )
    decision = forms.ChoiceField(choices=AUTO_DECISIONS, initial=CaseStatus.ACCEPTED_RISK)
    comment = forms.CharField(
        max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Why: the reason on every case it closes"})
    )


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=80, widget=forms.TextInput(attrs={"placeholder": "Name this view"}))
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def clean_query(self) -> str:
        """Only the queue's own filters, and only valid ones: a saved view never lists everything
        by accident."""
        params = QueryDict(self.cleaned_data["query"], mutable=True)
        for ignored in ("page", "export"):
            params.pop(ignored, None)
        filters = CaseFilter(params, queryset=ReviewCase.objects.none())
        if not filters.is_valid():
            raise forms.ValidationError(f"these filters are not valid: {filters.errors.as_text()}")
        unknown = set(params) - set(filters.filters)
        if unknown:
            raise forms.ValidationError(f"unknown filters: {', '.join(sorted(unknown))}")
        return params.urlencode()
