from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Organization(TenantMixin):
    """One customer organization; its ``schema_name`` is its slug."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True

    def __str__(self) -> str:
        return f"{self.name} ({self.schema_name})"

    @property
    def slug(self) -> str:
        return self.schema_name


class Domain(DomainMixin):
    def __str__(self) -> str:
        return self.domain


class ApiKeyRoute(models.Model):
    """Public index of credential prefixes → organization: assistant API keys (``tsk_live_…``)
    and personal API tokens (``tsp_…``).

    Keys are verified inside their own schema; this table only lets a request on the wrong host
    be told "this key belongs to another organization" (403) instead of "unknown key" (401),
    without ever verifying the key there.
    """

    prefix = models.CharField(max_length=32, unique=True)
    tenant = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_key_routes")

    def __str__(self) -> str:
        return self.prefix
