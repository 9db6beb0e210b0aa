from django_tenants.middleware.main import TenantMainMiddleware


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' host routing; unknown hosts get ``DEFAULT_NOT_FOUND_TENANT_VIEW`` (a 404 page)."""
