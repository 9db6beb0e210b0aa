"""Every app's API routes, under /api/ on an organization's host."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("apps.ingestion.api.urls")),
    path("", include("apps.conversations.api.urls")),
    path("", include("apps.registry.api.urls")),
    path("", include("apps.compliance.api.urls")),
]
