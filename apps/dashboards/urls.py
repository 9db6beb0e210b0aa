from django.urls import path

from apps.dashboards import views
from apps.dashboards.product import product_view

app_name = "dashboards"

urlpatterns = [
    path("summary/", views.summary_view, name="summary"),
    path("product/", product_view, name="product"),
]
