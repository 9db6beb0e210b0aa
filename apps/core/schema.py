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
    def get_auth(self) -> list[dict[str, list[Any]]]:
        # apps.core.api adds the personal-token authenticator to every view, but a permission
        # that admits only some credentials (an ingestion key) declares their security scheme
        # names as ``openapi_security``: the schema then lists only what can get through, not a
        # token that would be refused.
        auth: list[dict[str, list[Any]]] = super().get_auth()
        for permission in self.view.get_permissions():
            admitted = getattr(permission, "openapi_security", None)
            if admitted is not None:
                auth = [alternative for alternative in auth if set(alternative) <= admitted]
        return auth

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
