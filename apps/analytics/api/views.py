"""Metrics API (DESIGN.md "Metrics API"): metrics, comparisons, recommendations and alerts.

Read with a session or a personal API token (``apps.core.api`` adds it; tokens are read-only, so
resolving and dismissing need a session). Scoping: assistants come from
``registry.selectors.assistants_visible_to`` (an id the caller may not see is a 404, like one that
does not exist); a viewer reads only the summary metrics (403 for the others). Numbers come from
``engine.metric_query`` and the comparison selectors; this module validates and shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.request import request_user
from apps.analytics import decision_services
from apps.analytics.api.renderers import CSVRenderer, ParquetRenderer
from apps.analytics.api.serializers import (
    ALERT_KINDS,
    EXPORT_FORMATS,
    RECOMMENDATION_KINDS,
    AlertOut,
    DecisionCloseIn,
    DecisionFilterIn,
    MetricOut,
    MetricQueryIn,
    MetricQueryOut,
    RecommendationOut,
    ReleaseComparisonIn,
    ReleaseComparisonOut,
    VariantComparisonIn,
    VariantComparisonsOut,
)
from apps.analytics.decision_selectors import alerts_visible_to, recommendations_visible_to
from apps.analytics.engine import MetricRow
from apps.analytics.metric_selectors import (
    SUMMARY_METRICS,
    assistant_ids_for,
    metric_spec_for,
    metrics_readable_by,
    release_annotation_for,
    release_comparison,
    release_windows,
    variant_comparisons,
)
from apps.analytics.models import Alert, DecisionStatus, Recommendation
from apps.analytics.privacy import metric_query_for
from apps.analytics.services import tenant_today
from apps.core.api import ScopedAPIView, ScopedViewSet

_ERROR = OpenApiResponse(
    response={"type": "object", "properties": {"detail": {"type": "string"}}, "additionalProperties": True},
    description="`detail` says why",
)
_NOT_FOUND = OpenApiResponse(
    response=_ERROR.response, description="no such metric, or an assistant or annotation you may not see"
)
_FORBIDDEN = OpenApiResponse(
    response=_ERROR.response,
    description="not signed in, or a viewer asking for a metric that is not a summary metric "
    f"({', '.join(SUMMARY_METRICS)})",
)
_CONFLICT = OpenApiResponse(response=_ERROR.response, description="already resolved or dismissed")


class ExportableView(ScopedAPIView):
    # JSON, or the answer's ``rows`` as CSV / Parquet with ``?format=csv|parquet``; errors stay JSON
    # whatever the format asked (a client expecting a file gets a readable message, not a table).

    renderer_classes = [JSONRenderer, CSVRenderer, ParquetRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # DRF answers an unknown ?format= with a bare 404; say what is allowed instead.
        requested = request.query_params.get("format")
        if not force and requested is not None and requested not in EXPORT_FORMATS:
            raise serializers.ValidationError({"format": [f"one of: {', '.join(EXPORT_FORMATS)}"]})
        return super().perform_content_negotiation(request, force=force)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        elif isinstance(response, Response) and isinstance(response.accepted_renderer, CSVRenderer | ParquetRenderer):
            extension = response.accepted_renderer.format
            response["Content-Disposition"] = f'attachment; filename="{self.export_name(response)}.{extension}"'
        return response

    def export_name(self, response: Response) -> str:
        data = response.data if isinstance(response.data, dict) else {}
        return str(data.get("metric", "export"))


def _row(row: MetricRow) -> dict[str, Any]:
    fields = {
        "period": row.period,
        "dims": row.dims,
        "value": row.value,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "ci_low": row.ci_low,
        "ci_high": row.ci_high,
        "enough_data": row.enough_data,
        "suppressed": row.suppressed,
        "suppressed_reason": row.suppressed_reason,
    }
    # The metric's extra figures (p95, instant accepts, ROI inputs) sit beside the common ones.
    return {**fields, **{name: v for name, v in row.extra.items() if name not in fields}}


class MetricListView(ScopedAPIView):
    @extend_schema(
        summary="Every metric you may read (METRICS.md): slug, definition, unit, dimensions",
        responses={200: MetricOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        specs = metrics_readable_by(user=request_user(request))
        return Response(
            [
                {
                    "slug": spec.slug,
                    "definition": spec.definition,
                    "unit": spec.unit,
                    "kind": spec.kind,
                    "dimensions": list(spec.dimensions),
                    "summary": spec.slug in SUMMARY_METRICS,
                }
                for spec in specs
            ]
        )


class MetricQueryView(ExportableView):
    """Rows of one metric per period and dimension values; rates with numerator, denominator and a
    95% Wilson interval, "not enough data" (value null) below the minimum sample. Dates are
    inclusive days in the tenant's time zone (default: the last 30 days; at most 366)."""

    @extend_schema(
        summary="One metric by assistant, date range, interval and dimensions (also as CSV or Parquet)",
        parameters=[MetricQueryIn],
        responses={200: MetricQueryOut, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        user = request_user(request)
        spec = metric_spec_for(user=user, slug=slug)
        query = MetricQueryIn(data=request.query_params, context={"spec": spec, "today": tenant_today()})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        assistant_ids = assistant_ids_for(user=user, requested=params.get("assistant"))
        rows = metric_query_for(
            user=user,
            metric=spec.slug,
            assistant_ids=assistant_ids,
            date_from=params["date_from"],
            date_to=params["date_to"],
            group_by=params["group_by"],
            interval=params["interval"],
            filters=params["filters"],
        )
        return Response(
            {
                "metric": spec.slug,
                "from": params["date_from"],
                "to": params["date_to"],
                "interval": params["interval"],
                "group_by": params["group_by"],
                "filters": params["filters"],
                "assistants": assistant_ids,
                "rows": [_row(row) for row in rows],
            }
        )


class VariantComparisonView(ExportableView):
    """Every pair of the assistant's variants (a < b by key): both arms, the difference a - b with
    its 95% Newcombe interval, the two-proportion z-test, and a winner only at p < 0.05 with both
    arms at the minimum sample. Outputs without a variant are no arm."""

    @extend_schema(
        summary="A/B: every pair of one assistant's variants on a rate (Newcombe interval, z-test, winner)",
        parameters=[VariantComparisonIn],
        responses={200: VariantComparisonsOut, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        query = VariantComparisonIn(data=request.query_params, context={"today": tenant_today()})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        spec = metric_spec_for(user=user, slug=params["metric"])
        (assistant_id,) = assistant_ids_for(user=user, requested=[params["assistant"]])
        rows = variant_comparisons(
            user=user, spec=spec, assistant_id=assistant_id, date_from=params["date_from"], date_to=params["date_to"]
        )
        return Response(
            {
                "metric": spec.slug,
                "assistant": assistant_id,
                "from": params["date_from"],
                "to": params["date_to"],
                "rows": rows,
            }
        )


class ReleaseComparisonView(ExportableView):
    """The 14 days after the annotation's date (arm a) against the 14 days before (arm b); the
    release day itself is in neither window."""

    @extend_schema(
        summary="Release impact: the 14 days after vs the 14 days before a release annotation",
        parameters=[ReleaseComparisonIn],
        responses={200: ReleaseComparisonOut, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def get(self, request: Request, annotation_id: int) -> Response:
        user = request_user(request)
        query = ReleaseComparisonIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        spec = metric_spec_for(user=user, slug=query.validated_data["metric"])
        annotation = release_annotation_for(user=user, annotation_id=annotation_id)
        windows = release_windows(annotation.date)
        return Response(
            {
                "metric": spec.slug,
                "annotation": {
                    "id": annotation.pk,
                    "assistant": annotation.assistant_id,
                    "date": annotation.date,
                    "kind": annotation.kind,
                    "text": annotation.text,
                },
                "before": {"from": windows.before[0], "to": windows.before[1]},
                "after": {"from": windows.after[0], "to": windows.after[1]},
                "rows": [release_comparison(user=user, spec=spec, annotation=annotation)],
            }
        )


# --- Recommendations and alerts ----------------------------------------------------------------

_DECISION_FILTERS = [
    OpenApiParameter("status", str, enum=[*DecisionStatus.values, "all"], description="default: open"),
    OpenApiParameter("assistant", int, description="only this assistant"),
]


class _DecisionViewSet(mixins.ListModelMixin, ScopedViewSet):
    """List (scoped, paginated) and close; subclasses name their model's selector and services."""

    kinds: list[str]

    def visible(self, **filters: Any) -> QuerySet:
        raise NotImplementedError

    def scoped_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Recommendation.objects.none()
        user = request_user(self.request)
        if self.action != "list":
            return self.visible(user=user)
        query = DecisionFilterIn(data=self.request.query_params, context={"kinds": self.kinds})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        qs = self.visible(user=user, assistant_id=params.get("assistant"), kind=params.get("kind"))
        return qs if params["status"] == "all" else qs.filter(status=params["status"])

    def _close(self, request: Request, service: Callable[..., Any], record_arg: str) -> Response:
        record = self.get_object()
        body = DecisionCloseIn(data=request.data)
        body.is_valid(raise_exception=True)
        closed = service(actor=request_user(request), reason=body.validated_data["reason"], **{record_arg: record})
        return Response(self.get_serializer(closed).data)


_CLOSE_RESPONSES = {403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT}
# The close routes are regexes (optional trailing slash, api/urls.py): name the id's type here.
_CLOSE_PARAMETERS = [OpenApiParameter("id", int, OpenApiParameter.PATH)]


@extend_schema_view(
    list=extend_schema(
        summary="Recommendations of the assistants you may see, with their evidence",
        parameters=[*_DECISION_FILTERS, OpenApiParameter("kind", str, enum=RECOMMENDATION_KINDS)],
    ),
    resolve=extend_schema(
        summary="Resolve a recommendation",
        request=DecisionCloseIn,
        parameters=_CLOSE_PARAMETERS,
        responses={200: RecommendationOut, **_CLOSE_RESPONSES},
    ),
    dismiss=extend_schema(
        summary="Dismiss a recommendation (not raised again for 30 days)",
        request=DecisionCloseIn,
        parameters=_CLOSE_PARAMETERS,
        responses={200: RecommendationOut, **_CLOSE_RESPONSES},
    ),
)
class RecommendationViewSet(_DecisionViewSet):
    serializer_class = RecommendationOut
    kinds = RECOMMENDATION_KINDS

    def visible(self, **filters: Any) -> QuerySet[Recommendation]:
        return recommendations_visible_to(**filters).select_related("resolved_by")

    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._close(request, decision_services.recommendation_resolve, "recommendation")

    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        return self._close(request, decision_services.recommendation_dismiss, "recommendation")


@extend_schema_view(
    list=extend_schema(
        summary="Alerts of the assistants you may see, with their evidence",
        parameters=[*_DECISION_FILTERS, OpenApiParameter("kind", str, enum=ALERT_KINDS)],
    ),
    resolve=extend_schema(
        summary="Resolve an alert",
        request=DecisionCloseIn,
        parameters=_CLOSE_PARAMETERS,
        responses={200: AlertOut, **_CLOSE_RESPONSES},
    ),
    dismiss=extend_schema(
        summary="Dismiss an alert (not raised again for 30 days)",
        request=DecisionCloseIn,
        parameters=_CLOSE_PARAMETERS,
        responses={200: AlertOut, **_CLOSE_RESPONSES},
    ),
)
class AlertViewSet(_DecisionViewSet):
    serializer_class = AlertOut
    kinds = ALERT_KINDS

    def visible(self, **filters: Any) -> QuerySet[Alert]:
        return alerts_visible_to(**filters).select_related("resolved_by")

    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._close(request, decision_services.alert_resolve, "alert")

    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        return self._close(request, decision_services.alert_dismiss, "alert")
