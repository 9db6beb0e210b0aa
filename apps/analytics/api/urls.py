from django.urls import path

from apps.analytics.api.views import (
    AlertViewSet,
    MetricListView,
    MetricQueryView,
    RecommendationViewSet,
    ReleaseComparisonView,
    VariantComparisonView,
)

urlpatterns = [
    path("v1/metrics/", MetricListView.as_view(), name="metric-list"),
    path("v1/metrics/<slug:slug>/", MetricQueryView.as_view(), name="metric-query"),
    path("v1/comparisons/variants/", VariantComparisonView.as_view(), name="comparison-variants"),
    path("v1/comparisons/releases/<int:annotation_id>/", ReleaseComparisonView.as_view(), name="comparison-release"),
    path("v1/recommendations/", RecommendationViewSet.as_view({"get": "list"}), name="recommendation-list"),
    path(
        "v1/recommendations/<int:pk>/resolve/",
        RecommendationViewSet.as_view({"post": "resolve"}),
        name="recommendation-resolve",
    ),
    path(
        "v1/recommendations/<int:pk>/dismiss/",
        RecommendationViewSet.as_view({"post": "dismiss"}),
        name="recommendation-dismiss",
    ),
    path("v1/alerts/", AlertViewSet.as_view({"get": "list"}), name="alert-list"),
    path("v1/alerts/<int:pk>/resolve/", AlertViewSet.as_view({"post": "resolve"}), name="alert-resolve"),
    path("v1/alerts/<int:pk>/dismiss/", AlertViewSet.as_view({"post": "dismiss"}), name="alert-dismiss"),
]
