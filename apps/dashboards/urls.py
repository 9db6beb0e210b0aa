from django.urls import path

from apps.dashboards import views
from apps.dashboards.cx import cx_view, user_journey_view

app_name = "dashboards"

urlpatterns = [
    path("summary/", views.summary_view, name="summary"),
    path("cx/", cx_view, name="cx"),
    path("users/", user_journey_view, name="user_journey"),
]
