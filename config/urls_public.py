from django.contrib import admin
from django.shortcuts import render
from django.urls import path

from apps.core.views import health


def landing(request):
    return render(request, "tenants/landing.html")


urlpatterns = [
    path("", landing, name="landing"),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]
