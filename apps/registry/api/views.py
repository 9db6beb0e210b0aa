"""Registry API: assistants, their API keys and release annotations, departments.

Session auth only: assistant API keys are ingestion credentials and must not manage the
registry. Visibility comes from the selectors (404 for what the caller cannot see, so ids of
other departments or organizations are not an oracle); the right to change comes from the
services, which raise NotPermittedError (403) for visible but read-only callers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.request import request_user
from apps.core.api import ScopedViewSet
from apps.registry.api.serializers import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    AssistantIn,
    AssistantOut,
    DepartmentOut,
    ReleaseIn,
    ReleaseOut,
)
from apps.registry.filters import AssistantFilter
from apps.registry.models import ApiKey, ApiKeyKind, Assistant, Department, ReleaseAnnotation
from apps.registry.selectors import (
    api_keys_of,
    assistant_list,
    assistants_visible_to,
    departments_visible_to,
    releases_of,
)
from apps.registry.services import (
    api_key_create,
    api_key_revoke,
    assistant_register,
    assistant_update,
    publishable_key_create,
    release_annotate,
)


def _as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    # Model.full_clean in the services can still refuse (e.g. the unique name constraint on a
    # rename); report it per field like any other input error instead of a 500.
    return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class RegistryViewSet(ScopedViewSet):
    authentication_classes = [SessionAuthentication]


@extend_schema_view(
    list=extend_schema(summary="List the assistants you may see"),
    retrieve=extend_schema(summary="One assistant"),
)
class AssistantViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RegistryViewSet
):
    serializer_class = AssistantOut
    http_method_names = ["get", "post", "patch", "head", "options"]  # partial updates only
    # The page's filters: a malformed or foreign value is a 400 naming the parameter.
    filter_backends = [DjangoFilterBackend]
    filterset_class = AssistantFilter

    def scoped_queryset(self) -> QuerySet[Assistant]:
        if getattr(self, "swagger_fake_view", False):
            return Assistant.objects.none()
        return assistant_list(user=request_user(self.request))

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return AssistantIn if self.action in ("create", "partial_update") else AssistantOut

    def _out(self, assistant: Assistant) -> dict[str, Any]:
        # Re-read through the scoped list so keys_count is annotated like in list/retrieve.
        fresh = assistant_list(user=request_user(self.request)).get(pk=assistant.pk)
        return AssistantOut(fresh, context=self.get_serializer_context()).data

    @extend_schema(summary="Register an assistant", request=AssistantIn, responses={201: AssistantOut})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AssistantIn(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            assistant = assistant_register(actor=request_user(request), department=data.pop("department"), **data)
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        return Response(self._out(assistant), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change an assistant (audited)", request=AssistantIn, responses={200: AssistantOut})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assistant = self.get_object()
        serializer = AssistantIn(assistant, data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            assistant = assistant_update(actor=request_user(request), assistant=assistant, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        return Response(self._out(assistant))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return self.partial_update(request, *args, **kwargs)


class AssistantChildViewSet(RegistryViewSet):
    """Base for rows under /assistants/{assistant_pk}/: the parent is fetched through the scope."""

    _assistant: Assistant | None = None

    @property
    def assistant(self) -> Assistant:
        if self._assistant is None:
            self._assistant = get_object_or_404(
                assistants_visible_to(user=request_user(self.request)), pk=self.kwargs["assistant_pk"]
            )
        return self._assistant


@extend_schema_view(list=extend_schema(summary="An assistant's API keys (prefixes only, never the key)"))
class ApiKeyViewSet(mixins.ListModelMixin, AssistantChildViewSet):
    serializer_class = ApiKeyOut

    def scoped_queryset(self) -> QuerySet[ApiKey]:
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.objects.none()
        return api_keys_of(assistant=self.assistant)

    @extend_schema(
        summary="Create an API key; the response is the only time the key is shown",
        request=ApiKeyIn,
        responses={201: ApiKeyCreatedOut},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiKeyIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["kind"] == ApiKeyKind.PUBLISHABLE:
            issued = publishable_key_create(
                actor=request_user(request),
                assistant=self.assistant,
                name=data["name"],
                allowed_origins=data["allowed_origins"],
                rate_limit_per_minute=data["rate_limit_per_minute"],
            )
        else:
            issued = api_key_create(actor=request_user(request), assistant=self.assistant, name=data["name"])
        data = {**ApiKeyOut(issued.api_key).data, "key": issued.plaintext}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke an API key (idempotent)", request=None, responses={200: ApiKeyOut})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        api_key = api_key_revoke(actor=request_user(request), api_key=self.get_object())
        return Response(ApiKeyOut(api_key).data)


@extend_schema_view(list=extend_schema(summary="An assistant's release annotations"))
class ReleaseViewSet(mixins.ListModelMixin, AssistantChildViewSet):
    serializer_class = ReleaseOut

    def scoped_queryset(self) -> QuerySet[ReleaseAnnotation]:
        if getattr(self, "swagger_fake_view", False):
            return ReleaseAnnotation.objects.none()
        return releases_of(assistant=self.assistant)

    @extend_schema(summary="Annotate a release (prompt/model change)", request=ReleaseIn, responses={201: ReleaseOut})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ReleaseIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            release = release_annotate(
                actor=request_user(request), assistant=self.assistant, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        return Response(ReleaseOut(release).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Departments you may see (admin and compliance: all; others: their own)"),
    retrieve=extend_schema(summary="One department"),
)
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    serializer_class = DepartmentOut

    def scoped_queryset(self) -> QuerySet[Department]:
        if getattr(self, "swagger_fake_view", False):
            return Department.objects.none()
        return departments_visible_to(user=request_user(self.request))
