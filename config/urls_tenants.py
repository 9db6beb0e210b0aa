from django.contrib import admin
from django.urls import include, path

from apps.accounts.views import home
from apps.core.views import health

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("apps.accounts.urls")),
    path("api/", include("config.api")),
    # The audit log page is compliance's; it keeps its address under /registry/ but is mounted
    # here, so registry (below compliance) does not route to it.
    path("registry/audit/", include("apps.compliance.urls")),
    # An assistant's getting-started page reads ingestion's tables, so ingestion serves it (the
    # registry sits below ingestion) under the assistant's address.
    path("registry/", include("apps.ingestion.urls")),
    path("registry/", include("apps.registry.urls")),
    path("compliance/", include("apps.compliance.review_urls")),
    path("dashboards/", include("apps.dashboards.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]

handler404 = "apps.core.views.page_not_found"
