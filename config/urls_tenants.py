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
    path("registry/", include("apps.registry.urls")),
    path("compliance/", include("apps.compliance.review_urls")),
    path("dashboards/", include("apps.dashboards.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]

handler404 = "apps.core.views.page_not_found"
