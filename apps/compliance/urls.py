from django.urls import path

from apps.compliance import views

# No app_name: mounted under the registry's namespace for now (see apps/registry/urls.py).
urlpatterns = [
    path("", views.audit_log_view, name="audit"),
    path("export.csv", views.audit_export_csv_view, name="audit-export"),
]
