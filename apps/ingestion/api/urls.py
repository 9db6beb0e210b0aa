from django.urls import path

from apps.ingestion.api.browser_views import BrowserEventsView
from apps.ingestion.api.langfuse_views import (
    LangfuseIngestionView,
    LangfuseOtelTracesView,
    LangfuseProjectsView,
    LangfuseScoresView,
)
from apps.ingestion.api.otlp_views import OtlpLogsView, OtlpMetricsView, OtlpTracesView
from apps.ingestion.api.views import EventsView

urlpatterns = [
    path("v1/events", EventsView.as_view(), name="events"),
    path("v1/browser/events", BrowserEventsView.as_view(), name="browser-events"),
    # OTLP/HTTP: exporters append /v1/<signal> to OTEL_EXPORTER_OTLP_ENDPOINT=…/api/v1/otlp
    path("v1/otlp/v1/traces", OtlpTracesView.as_view(), name="otlp-traces"),
    path("v1/otlp/v1/logs", OtlpLogsView.as_view(), name="otlp-logs"),
    path("v1/otlp/v1/metrics", OtlpMetricsView.as_view(), name="otlp-metrics"),
    # Langfuse-compatible (docs/integrations/langfuse.md): LANGFUSE_BASE_URL=https://<org host>
    path("public/otel/v1/traces", LangfuseOtelTracesView.as_view(), name="langfuse-otel-traces"),
    path("public/ingestion", LangfuseIngestionView.as_view(), name="langfuse-ingestion"),
    path("public/scores", LangfuseScoresView.as_view(), name="langfuse-scores"),
    path("public/projects", LangfuseProjectsView.as_view(), name="langfuse-projects"),
]
