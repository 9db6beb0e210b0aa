"""Every app's API routes, under /api/ on an organization's host."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

# The schema and its docs are public: no credential is needed, so none is checked (a client
# that sends its ingestion key or a token along still gets the document, never a 401/403).
_PUBLIC = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**_PUBLIC), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema", **_PUBLIC), name="docs"),
    path("", include("apps.ingestion.api.urls")),
    path("", include("apps.conversations.api.urls")),
    path("", include("apps.registry.api.urls")),
    path("", include("apps.detection.api.urls")),
    path("", include("apps.compliance.api.urls")),
    path("", include("apps.analytics.api.urls")),
]
