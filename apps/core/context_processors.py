from django.db import connection
from django.http import HttpRequest


def tenant(request: HttpRequest) -> dict:
    return {"tenant": getattr(request, "tenant", None), "schema_name": connection.schema_name}
