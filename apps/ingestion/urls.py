"""Pages of ingestion, mounted under /registry/ (config/urls_tenants.py): they belong to an assistant."""

from django.urls import path

from apps.ingestion import views

app_name = "ingestion"

urlpatterns = [
    path("<int:pk>/getting-started/", views.getting_started_view, name="getting-started"),
    path("<int:pk>/getting-started/first-event/", views.first_event_view, name="first-event"),
]
