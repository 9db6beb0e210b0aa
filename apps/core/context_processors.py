from django.http import HttpRequest

from apps.core.tenancy import current_schema


def tenant(request: HttpRequest) -> dict:
    return {"tenant": getattr(request, "tenant", None), "schema_name": current_schema()}
