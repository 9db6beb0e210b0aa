from django.urls import path

from apps.dashboards import views
from apps.dashboards.cx import cx_view, user_journey_view
from apps.dashboards.portfolio import department_view, portfolio_view
from apps.dashboards.product import product_view

app_name = "dashboards"

urlpatterns = [
    path("summary/", views.summary_view, name="summary"),
    path("digest/", views.digest_view, name="digest"),
    path("portfolio/", portfolio_view, name="portfolio"),
    path("department/", department_view, name="department"),
    path("product/", product_view, name="product"),
    path("cx/", cx_view, name="cx"),
    path("users/", user_journey_view, name="user_journey"),
]
