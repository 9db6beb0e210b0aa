"""Shadow AI over the API: admin and compliance only (DESIGN.md roles)."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.request import request_user
from apps.core.api import ScopedViewSet
from apps.core.exceptions import ApplicationError
from apps.detection.api.serializers import (
    EgressImportIn,
    EgressImportOut,
    ExternalMentionOut,
    LaunchImpactIn,
    LaunchImpactOut,
    ShadowDecisionIn,
    ShadowFindingFilterIn,
    ShadowFindingOut,
    SignalFilterIn,
    UnregisteredModelOut,
)
from apps.detection.models import EgressImport, ExternalAIMention, ShadowAIFinding, UnregisteredModelFinding
from apps.detection.shadow.selectors import (
    blocklist_domains,
    blocklist_squid,
    can_read_shadow_ai,
    findings_list,
    findings_queryset,
    imports_list,
)
from apps.detection.shadow.services import UploadTooLargeError, egress_upload_accept, finding_decide
from apps.detection.shadow.signal_selectors import (
    external_mentions_list,
    launch_impact,
    launch_impacts,
    unregistered_models_list,
)


class IsShadowReader(BasePermission):
    message = "shadow-AI data is open to admin and compliance users only"

    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.user, User) and can_read_shadow_ai(request.user)


class EgressImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    permission_classes = [IsShadowReader]
    serializer_class = EgressImportOut
    parser_classes = [MultiPartParser]

    def scoped_queryset(self) -> QuerySet[EgressImport]:
        user = self.request.user
        return imports_list(user=user) if isinstance(user, User) else EgressImport.objects.none()

    @extend_schema(request=EgressImportIn, responses={202: EgressImportOut})
    def create(self, request: Request) -> Response:
        """Upload a log file; it is stored, checked for a re-import, and imported by a task."""
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.TESSERA_EGRESS_UPLOAD_MAX_BYTES + 64 * 1024:
            # Before ``request.data``: a huge upload is refused without parsing it.
            raise UploadTooLargeError(
                f"the upload is larger than the limit of {settings.TESSERA_EGRESS_UPLOAD_MAX_BYTES} bytes"
            )
        body = EgressImportIn(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        record = egress_upload_accept(
            actor=request_user(request),
            chunks=upload.chunks(),
            filename=upload.name or "upload.log",
            fmt=body.validated_data["format"],
            mapping=body.validated_data.get("mapping") or {},
        )
        return Response(EgressImportOut(record).data, status=status.HTTP_202_ACCEPTED)


class ShadowFindingViewSet(mixins.ListModelMixin, ScopedViewSet):
    permission_classes = [IsShadowReader]
    serializer_class = ShadowFindingOut

    def scoped_queryset(self) -> QuerySet[ShadowAIFinding]:
        user = self.request.user
        return findings_queryset(user=user) if isinstance(user, User) else ShadowAIFinding.objects.none()

    def list(self, request: Request) -> Response:
        filters = ShadowFindingFilterIn(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        rows = findings_list(
            user=request_user(request),
            status=data.get("status", ""),
            department_id=data.get("department"),
            service_key=data.get("service", ""),
            risk=data.get("risk", ""),
            shadow_only=data["shadow"],
        )
        # The common paginator (limit/offset, bounded) over the selector's rows, like every list.
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([ShadowFindingOut(asdict(row)).data for row in page or []])

    @extend_schema(request=ShadowDecisionIn, responses={200: ShadowFindingOut})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        finding = self.get_object()
        body = ShadowDecisionIn(data=request.data)
        body.is_valid(raise_exception=True)
        finding = finding_decide(actor=request_user(request), finding=finding, **body.validated_data)
        row = next(
            r for r in findings_list(user=request_user(request), service_key=finding.service_key) if r.id == finding.pk
        )
        return Response(ShadowFindingOut(asdict(row)).data)

    @action(detail=False, methods=["get"])
    def blocklist(self, request: Request) -> HttpResponse:
        """The blocked services' domains: ``?style=domains`` (default) or ``?style=squid``."""
        style = request.query_params.get("style", "domains")
        if style not in ("domains", "squid"):
            raise ApplicationError("style must be 'domains' or 'squid'")
        user = request_user(request)
        text = blocklist_squid(user=user) if style == "squid" else blocklist_domains(user=user)
        return HttpResponse(text, content_type="text/plain; charset=utf-8")


class UnregisteredModelViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Assistants whose telemetry names a provider or model their registry entry does not."""

    permission_classes = [IsShadowReader]
    serializer_class = UnregisteredModelOut

    def scoped_queryset(self) -> QuerySet[UnregisteredModelFinding]:
        user = self.request.user
        if not isinstance(user, User):
            return UnregisteredModelFinding.objects.none()
        filters = SignalFilterIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return unregistered_models_list(user=user, assistant_id=filters.validated_data.get("assistant"))


class ExternalMentionViewSet(mixins.ListModelMixin, ScopedViewSet):
    """User messages that report using an external AI tool (low severity, no review case)."""

    permission_classes = [IsShadowReader]
    serializer_class = ExternalMentionOut

    def scoped_queryset(self) -> QuerySet[ExternalAIMention]:
        user = self.request.user
        if not isinstance(user, User):
            return ExternalAIMention.objects.none()
        filters = SignalFilterIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return external_mentions_list(
            user=user, service_key=data.get("service", ""), assistant_id=data.get("assistant")
        )


class LaunchImpactViewSet(ScopedViewSet):
    """Shadow use of an approved assistant's category in its department, before vs after approval."""

    permission_classes = [IsShadowReader]
    serializer_class = LaunchImpactOut

    def scoped_queryset(self) -> QuerySet[UnregisteredModelFinding]:
        return UnregisteredModelFinding.objects.none()  # computed, not stored: nothing to look up by id

    @extend_schema(parameters=[LaunchImpactIn], responses={200: LaunchImpactOut(many=True)})  # paginated list
    def list(self, request: Request) -> Response:
        """``?assistant=ID`` for one launch (404 when it is not an approved assistant with an
        approval date), else every approved assistant's; ``days`` (default 28), ``category``."""
        params = LaunchImpactIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = request_user(request)
        if "assistant" in data:
            impact = launch_impact(
                user=user, assistant_id=data["assistant"], days=data["days"], category=data.get("category")
            )
            if impact is None:
                raise NotFound("no approved assistant with a known approval date has this id")
            impacts = [impact]
        else:
            impacts = launch_impacts(user=user, days=data["days"])
        # Paginated like every list (computed rows; one per approved assistant).
        page = self.paginate_queryset(impacts)
        rows = [LaunchImpactOut(asdict(impact)).data for impact in (page if page is not None else impacts)]
        return self.get_paginated_response(rows) if page is not None else Response(rows)
