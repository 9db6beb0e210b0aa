from django.urls import path

from apps.ingestion.api.views import EventsView

urlpatterns = [
    path("v1/events", EventsView.as_view(), name="events"),
]
