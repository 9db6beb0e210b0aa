"""Page forms of the registry: they validate input only; views hand cleaned data to services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from apps.accounts.models import User
from apps.registry.models import Assistant, Department, ReleaseAnnotation, validate_metric_dimensions
from apps.registry.selectors import departments_manageable_by
from apps.registry.services import ASSISTANT_FIELDS

NON_NEGATIVE = (
    "audience_size",
    "minutes_saved_per_task",
    "hourly_cost",
    "cost_per_human_contact",
    "deflection_share",
    "fixed_monthly_cost",
    "price_per_1k_tokens",
)
VALUE_FIELDS = (
    "minutes_saved_per_task",
    "hourly_cost",
    "cost_per_human_contact",
    "deflection_share",
    "fixed_monthly_cost",
    "price_per_1k_tokens",
)


class MetricDimensionsField(forms.CharField):
    """The assistant's metric dimensions as one comma-separated text input ("plan, channel")."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [key.strip() for key in text.split(",") if key.strip()]

    def validate(self, value: Any) -> None:
        validate_metric_dimensions(value)


class AssistantForm(forms.ModelForm):
    """Create and edit. ``validate_url`` wires every field to the inline-validation endpoint."""

    metric_dimensions = MetricDimensionsField(
        required=False,
        label="Metric dimensions",
        help_text="Up to 3 event metadata keys to slice metrics by, comma-separated (e.g. plan, channel).",
        widget=forms.TextInput(attrs={"placeholder": "plan, channel"}),
    )

    class Meta:
        model = Assistant
        fields = ("department", *ASSISTANT_FIELDS)
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "launched_on": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {
            "minutes_saved_per_task": "Minutes saved per resolved task",
            "hourly_cost": "Hourly cost of the people helped",
            "cost_per_human_contact": "Cost per human contact",
            "deflection_share": "Deflection share (0–1)",
            "fixed_monthly_cost": "Fixed monthly cost",
            "price_per_1k_tokens": "Price per 1k tokens",
            "audience_size": "Audience size",
            "launched_on": "Launched on",
        }

    def __init__(self, *args: Any, user: User, validate_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only departments the user may register in: the service checks again, this keeps the
        # choice list honest and makes a foreign department a field error, not a 403 page.
        # ModelForm builds a ModelChoiceField for the department foreign key.
        department = cast("forms.ModelChoiceField[Department]", self.fields["department"])
        department.queryset = departments_manageable_by(user=user)
        department.empty_label = "Choose a department…"
        for name in NON_NEGATIVE:
            field = self.fields[name]
            field.validators.append(MinValueValidator(0))
            field.widget.attrs["min"] = "0"
        self.fields["deflection_share"].validators.append(MaxValueValidator(Decimal(1)))
        self.fields["deflection_share"].widget.attrs.update({"max": "1", "step": "0.001"})
        if validate_url:
            for field in self.fields.values():
                field.widget.attrs.update(
                    {
                        "hx-post": validate_url,
                        "hx-trigger": "change",
                        "hx-target": "closest .field",
                        "hx-swap": "outerHTML",
                    }
                )

    def clean(self) -> dict[str, Any]:
        super().clean()  # ModelForm's clean turns the unique checks on and returns cleaned_data
        cleaned = self.cleaned_data
        department, name = cleaned.get("department"), cleaned.get("name")
        if department is not None and name:
            clash = Assistant.objects.filter(department=department, name=name)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                # On the name field (not a form-wide error) so inline validation can show it;
                # the field error also makes ModelForm skip the duplicate constraint message.
                self.add_error("name", f"{department.name} already has an assistant named “{name}”.")
        return cleaned

    @property
    def general_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in VALUE_FIELDS]

    @property
    def value_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in VALUE_FIELDS]


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=80, required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. production"})
    )


class ReleaseForm(forms.ModelForm):
    class Meta:
        model = ReleaseAnnotation
        fields = ("date", "kind", "text")
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
