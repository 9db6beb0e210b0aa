from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import View, defaults

from apps.core.tenancy import current_schema


class UnknownOrganizationView(View):
    """Answer for a host that names no organization: a clear 404, never a stack trace."""

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        host = request.get_host().split(":")[0]
        return render(request, "errors/unknown_org.html", {"host": host}, status=404)


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "schema": current_schema()})


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An unknown /api/ path answers JSON like every other API error; pages keep Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
