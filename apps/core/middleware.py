from django.http import HttpRequest
from django_tenants.middleware.main import TenantMainMiddleware


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' host routing; unknown hosts get ``DEFAULT_NOT_FOUND_TENANT_VIEW`` (a 404 page)."""

    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str:
        # Host names are case-insensitive (RFC 4343) and domains are stored in lower case, so
        # DEMO.LOCALHOST must reach the same organization as demo.localhost, not a 404.
        return TenantMainMiddleware.hostname_from_request(request).lower()
