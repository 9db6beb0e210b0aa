"""The OpenAPI generator every API view uses: documents the error statuses DRF and our
exception handler answer, so a client (and the schema fuzz test) never meets an undocumented one.

A view's own ``extend_schema(responses=...)`` still wins for any status it documents itself
(the ingestion views describe their 401/403/413/429 precisely).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

_ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "description": "`detail` (a message), or one list of messages per invalid field",
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": True,
        }
    }
}
_DESCRIPTIONS = {
    "400": "invalid request: `detail`, or the messages per field",
    "401": "not authenticated (missing or unknown credentials)",
    "403": "not authenticated by session, or the caller's role or department may not do this",
    "404": "no such object, or one the caller may not see",
}


class ErrorDocumentingAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        statuses = set()
        if self.method in ("POST", "PUT", "PATCH") or any(p["in"] == "query" for p in operation.get("parameters", [])):
            statuses.add("400")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            statuses |= {"401", "403"}
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            statuses.add("404")
        for status in sorted(statuses - set(responses)):
            responses[status] = {"content": _ERROR_BODY, "description": _DESCRIPTIONS[status]}
        return operation
