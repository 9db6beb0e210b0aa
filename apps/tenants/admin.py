from django.contrib import admin
from django.http import HttpRequest
from django_tenants.admin import TenantAdminMixin
from django_tenants.utils import get_public_schema_name

from apps.core.tenancy import current_schema
from apps.tenants.models import Domain, Organization


@admin.register(Organization)
class OrganizationAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("schema_name", "name", "created_at")

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Organizations are operator business: never listed from inside a tenant's admin.
        return current_schema() == get_public_schema_name() and super().has_module_permission(request)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return current_schema() == get_public_schema_name() and super().has_module_permission(request)
