"""Input (filter) serializers and output shapes of the metrics API; no metric is computed here.

The filter serializers validate a query string into the arguments of ``engine.metric_query`` and
the comparison selectors: dates (inclusive days in the tenant's time zone, default the last 30
days, at most ``MAX_RANGE_DAYS``), interval, dimensions allowed for the metric.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rest_framework import serializers

from apps.analytics.engine import INTERVALS, MetricSpec
from apps.analytics.models import Alert, AlertKind, DecisionStatus, Recommendation, RecommendationKind

DEFAULT_RANGE_DAYS = 30
MAX_RANGE_DAYS = 366
# Far outside any data, inside what date arithmetic (and PostgreSQL's date) handles comfortably.
MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2100, 12, 31)
MAX_ID = 2**31 - 1
FILTER_DIMS = ("variant", "feature", "language", "department", "dim1", "dim2", "dim3", "intent")
EXPORT_FORMATS = ("json", "csv", "parquet")


def _date_field(help_text: str) -> serializers.DateField:
    return serializers.DateField(required=False, help_text=help_text)


class DateRangeIn(serializers.Serializer):
    """``from``/``to`` (Python keywords, hence added in ``get_fields``) → ``date_from``/``date_to``.
    Context: ``today`` (the tenant's today)."""

    format = serializers.ChoiceField(
        choices=EXPORT_FORMATS, required=False, help_text="json (default), or an export: csv, parquet"
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = _date_field(
            f"first day, inclusive (YYYY-MM-DD); default: {DEFAULT_RANGE_DAYS} days before `to`"
        )
        fields["to"] = _date_field("last day, inclusive (YYYY-MM-DD), in the tenant's time zone; default: today")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        today: date = self.context["today"]
        date_to = attrs.pop("to", None)
        date_from = attrs.pop("from", None)
        for name, value in (("from", date_from), ("to", date_to)):
            if value is not None and not MIN_DATE <= value <= MAX_DATE:
                raise serializers.ValidationError({name: [f"must be from {MIN_DATE} to {MAX_DATE}"]})
        if date_to is None:
            date_to = today if date_from is None else max(date_from, today)
        if date_from is None:
            date_from = max(MIN_DATE, date_to - timedelta(days=DEFAULT_RANGE_DAYS - 1))
        if date_from > date_to:
            raise serializers.ValidationError({"from": [f"{date_from} is after to ({date_to})"]})
        if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": [f"the range {date_from} to {date_to} spans more than {MAX_RANGE_DAYS} days"]}
            )
        attrs.pop("format", None)  # read by content negotiation, not by the query
        return {**attrs, "date_from": date_from, "date_to": date_to}


class MetricQueryIn(DateRangeIn):
    """Context: ``spec`` (the metric) and ``today``."""

    assistant = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=100,
        help_text="assistant id (repeat for several); default: every assistant you may see",
    )
    group_by = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="comma-separated dimensions, e.g. variant,language"
    )
    interval = serializers.ChoiceField(choices=INTERVALS, required=False, default="all")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for dim in FILTER_DIMS:
            child: serializers.Field = (
                serializers.IntegerField(min_value=0, max_value=MAX_ID)
                if dim == "intent"
                else serializers.CharField(allow_blank=True, max_length=200)
            )
            fields[dim] = serializers.ListField(
                child=child,
                required=False,
                max_length=100,
                help_text=f"only these values of {dim} (repeat for several; empty = none)"
                + (
                    f"; {dim} is the value of the assistant's {dim[-1]}th declared metadata key "
                    "(registry: metric_dimensions)"
                    if dim.startswith("dim")
                    else ""
                ),
            )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        spec: MetricSpec = self.context["spec"]
        allowed = ", ".join(spec.dimensions)
        group_by: list[str] = []
        for name in (part.strip() for part in attrs.pop("group_by", "").split(",")):
            if not name or name in group_by:
                continue
            if name not in spec.dimensions:
                raise serializers.ValidationError(
                    {"group_by": [f"{spec.slug} cannot be cut by {name!r} (allowed: {allowed})"]}
                )
            group_by.append(name)
        filters = {}
        for dim in FILTER_DIMS:
            values = attrs.pop(dim, None)
            if values is None:
                continue
            if dim not in spec.dimensions:
                raise serializers.ValidationError(
                    {dim: [f"{spec.slug} cannot be filtered by {dim} (allowed: {allowed})"]}
                )
            filters[dim] = list(dict.fromkeys(values))
        return {**super().validate(attrs), "group_by": group_by, "filters": filters}


class VariantComparisonIn(DateRangeIn):
    assistant = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="the assistant whose variants to compare"
    )
    metric = serializers.CharField(max_length=100, help_text="a rate, e.g. acceptance_rate")


class ReleaseComparisonIn(serializers.Serializer):
    metric = serializers.CharField(max_length=100, help_text="a rate, e.g. acceptance_rate")
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, required=False, help_text="json (default), csv, parquet")


class DecisionFilterIn(serializers.Serializer):
    """Context: ``kinds`` (the model's kinds)."""

    status = serializers.ChoiceField(
        choices=[*DecisionStatus.values, "all"], required=False, default=DecisionStatus.OPEN
    )
    assistant = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    kind = serializers.CharField(required=False, max_length=40)

    def validate_kind(self, value: str) -> str:
        kinds: list[str] = self.context["kinds"]
        if value not in kinds:
            raise serializers.ValidationError(f"one of: {', '.join(kinds)}")
        return value


class DecisionCloseIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


# --- Output shapes ------------------------------------------------------------------------------


def _renamed_from(fields: dict[str, serializers.Field]) -> dict[str, serializers.Field]:
    # ``from`` is a Python keyword: declared as ``from_``, documented under its real name.
    return {("from" if name == "from_" else name): field for name, field in fields.items()}


class MetricOut(serializers.Serializer):
    slug = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    kind = serializers.CharField(help_text="count, rate, mean, distribution, sum, cohort or business")
    dimensions = serializers.ListField(child=serializers.CharField(), help_text="allowed in group_by and as filters")
    summary = serializers.BooleanField(help_text="a summary metric (the only ones a viewer may read)")


class MetricRowOut(serializers.Serializer):
    """Plus the metric's extra figures (e.g. ``p95`` for latency_ms, ``p50``/``p90`` for turns)."""

    period = serializers.DateField(allow_null=True, help_text="first day of the period; null for interval=all")
    dims = serializers.DictField(help_text="the group_by dimensions of this row")
    value = serializers.FloatField(allow_null=True, help_text="null: not enough data")
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True, help_text="95% Wilson interval of a rate")
    ci_high = serializers.FloatField(allow_null=True)
    enough_data = serializers.BooleanField(help_text="false below the minimum sample")
    suppressed = serializers.BooleanField(help_text="privacy mode hid this cut: fewer than k distinct people")
    suppressed_reason = serializers.CharField(allow_null=True, help_text='e.g. "fewer than 5 people"')


class MetricQueryOut(serializers.Serializer):
    metric = serializers.CharField()
    from_ = serializers.DateField()
    to = serializers.DateField()
    interval = serializers.ChoiceField(choices=INTERVALS)
    group_by = serializers.ListField(child=serializers.CharField())
    filters = serializers.DictField()
    assistants = serializers.ListField(child=serializers.IntegerField())
    rows = MetricRowOut(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        return _renamed_from(super().get_fields())


class ArmOut(serializers.Serializer):
    key = serializers.CharField(help_text="variant key, or after/before")
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    enough_data = serializers.BooleanField()


class ComparisonOut(serializers.Serializer):
    a = ArmOut()
    b = ArmOut()
    difference = serializers.FloatField(allow_null=True, help_text="rate(a) - rate(b)")
    ci_low = serializers.FloatField(allow_null=True, help_text="95% Newcombe interval of the difference")
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True, help_text="two-proportion z-test")
    alpha = serializers.FloatField()
    min_sample = serializers.IntegerField()
    higher_is_better = serializers.BooleanField()
    enough_data = serializers.BooleanField()
    winner = serializers.CharField(
        allow_null=True, help_text="the winning arm's key; null unless p < alpha, both arms >= min_sample"
    )


class VariantComparisonsOut(serializers.Serializer):
    metric = serializers.CharField()
    assistant = serializers.IntegerField()
    from_ = serializers.DateField()
    to = serializers.DateField()
    rows = ComparisonOut(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        return _renamed_from(super().get_fields())


class WindowOut(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()

    def get_fields(self) -> dict[str, serializers.Field]:
        return _renamed_from(super().get_fields())


class AnnotationOut(serializers.Serializer):
    id = serializers.IntegerField()
    assistant = serializers.IntegerField()
    date = serializers.DateField()
    kind = serializers.CharField()
    text = serializers.CharField()


class ReleaseComparisonOut(serializers.Serializer):
    metric = serializers.CharField()
    annotation = AnnotationOut()
    before = WindowOut()
    after = WindowOut()
    rows = ComparisonOut(many=True, help_text="one row: a = after, b = before")


class _DecisionOut(serializers.ModelSerializer):
    assistant_name = serializers.CharField(source="assistant.name", read_only=True, allow_null=True, default=None)
    resolved_by = serializers.EmailField(source="resolved_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        fields = (
            "id", "assistant", "assistant_name", "kind", "dims", "evidence", "summary", "status",
            "created_at", "last_seen_at", "resolved_at", "resolved_by",
        )  # fmt: skip


class RecommendationOut(_DecisionOut):
    class Meta(_DecisionOut.Meta):
        model = Recommendation


class AlertOut(_DecisionOut):
    class Meta(_DecisionOut.Meta):
        model = Alert


RECOMMENDATION_KINDS: list[str] = list(RecommendationKind.values)
ALERT_KINDS: list[str] = list(AlertKind.values)
