from django.urls import path

from apps.compliance import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_log_view, name="log"),
    path("export.csv", views.audit_export_csv_view, name="export"),
]
