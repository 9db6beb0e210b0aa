from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.request import request_user
from apps.conversations.api.serializers import ConversationOut
from apps.conversations.selectors import conversation_for_assistant, conversations_for_user
from apps.core.api import ScopedAPIView
from apps.core.exceptions import ApplicationError, NotFoundError
from apps.registry.auth import ApiKeyAuthentication
from apps.registry.models import ApiKey


class KeyOrUser(BasePermission):
    message = "send the assistant's API key, or log in with a role that can see this assistant"

    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.auth, ApiKey) or bool(request.user and request.user.is_authenticated)


class ConversationDetailView(ScopedAPIView):
    """Read back one conversation as enriched, by the client's conversation id."""

    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [KeyOrUser]

    @extend_schema(
        summary="Read back an enriched conversation",
        parameters=[OpenApiParameter("assistant", int, description="assistant id, when the id is ambiguous")],
        responses={200: ConversationOut},
    )
    def get(self, request: Request, conversation_id: str) -> Response:
        # Scoped twice over: a key sees only its own assistant's conversations; a user only
        # assistants the permissions module lets them see. Anything else is a plain 404.
        if isinstance(request.auth, ApiKey):
            conversation = conversation_for_assistant(
                assistant_id=request.auth.assistant_id, external_id=conversation_id
            )
        else:
            candidates = conversations_for_user(user=request_user(request), external_id=conversation_id)
            assistant = request.query_params.get("assistant")
            if assistant is not None:
                if not assistant.isdigit():
                    raise ApplicationError("assistant must be an integer id")
                candidates = candidates.filter(assistant_id=int(assistant))
            found = list(candidates[:2])
            if len(found) > 1:
                raise ApplicationError(
                    "several assistants have a conversation with this id; add ?assistant=<id>",
                    extra={"assistants": [c.assistant_id for c in found]},
                )
            conversation = found[0] if found else None
        if conversation is None:
            raise NotFoundError(f"no conversation {conversation_id!r} visible to you")
        return Response(ConversationOut(conversation).data)
