from django.urls import URLPattern, path, re_path

from apps.analytics.api.views import (
    AlertViewSet,
    MetricListView,
    MetricQueryView,
    RecommendationViewSet,
    ReleaseComparisonView,
    VariantComparisonView,
)

# Closing a finding is spelled without a trailing slash in the issue (`POST …/{id}/resolve`) and
# with one like every other route here: both work, and POST cannot rely on APPEND_SLASH (Django
# refuses to redirect a POST). One route per action with an optional slash keeps one operation
# in the OpenAPI schema (drf-spectacular simplifies `/?$` to the slashed form).


def _close_route(model: str, viewset: type[RecommendationViewSet | AlertViewSet], verb: str, name: str) -> URLPattern:
    return re_path(rf"^v1/{model}/(?P<pk>[0-9]+)/{verb}/?$", viewset.as_view({"post": verb}), name=name)


urlpatterns = [
    path("v1/metrics/", MetricListView.as_view(), name="metric-list"),
    path("v1/metrics/<slug:slug>/", MetricQueryView.as_view(), name="metric-query"),
    path("v1/comparisons/variants/", VariantComparisonView.as_view(), name="comparison-variants"),
    path("v1/comparisons/releases/<int:annotation_id>/", ReleaseComparisonView.as_view(), name="comparison-release"),
    path("v1/recommendations/", RecommendationViewSet.as_view({"get": "list"}), name="recommendation-list"),
    _close_route("recommendations", RecommendationViewSet, "resolve", "recommendation-resolve"),
    _close_route("recommendations", RecommendationViewSet, "dismiss", "recommendation-dismiss"),
    path("v1/alerts/", AlertViewSet.as_view({"get": "list"}), name="alert-list"),
    _close_route("alerts", AlertViewSet, "resolve", "alert-resolve"),
    _close_route("alerts", AlertViewSet, "dismiss", "alert-dismiss"),
]
