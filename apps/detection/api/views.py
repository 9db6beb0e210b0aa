"""Shadow AI over the API: admin and compliance only (DESIGN.md roles)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.parsers import BaseParser, FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.request import request_user
from apps.core.api import ScopedAPIView, ScopedViewSet
from apps.core.exceptions import ApplicationError
from apps.detection.api.serializers import (
    CatalogServiceIn,
    CatalogServiceOut,
    EgressImportIn,
    EgressImportOut,
    ExternalMentionOut,
    IdentityMapEntryOut,
    IdentityMapIn,
    IdentityMapReportOut,
    LaunchImpactIn,
    LaunchImpactOut,
    ShadowDecisionIn,
    ShadowFindingFilterIn,
    ShadowFindingOut,
    ShadowPolicyIn,
    ShadowPolicyOut,
    SignalFilterIn,
    UnregisteredModelOut,
)
from apps.detection.models import (
    EgressImport,
    ExternalAIMention,
    IdentityMapEntry,
    ShadowAIFinding,
    TenantAIService,
    UnregisteredModelFinding,
)
from apps.detection.shadow.selectors import (
    blocklist_domains,
    blocklist_squid,
    can_read_shadow_ai,
    catalog_entries,
    findings_list,
    findings_queryset,
    identity_map_entries,
    imports_list,
    tenant_services,
)
from apps.detection.shadow.services import (
    IDENTITY_MAP_MAX_CHARS,
    UploadTooLargeError,
    egress_upload_accept,
    finding_decide,
    identity_map_replace,
    shadow_policy_get,
    shadow_policy_update,
    tenant_service_delete,
    tenant_service_upsert,
)
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


# --- Settings: identity map, catalog, policy ----------------------------------------------------


class CSVTextParser(BaseParser):
    """``Content-Type: text/csv``: the body is the map itself (``curl --data-binary @map.csv``)."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> dict[str, str]:
        raw = stream.read(IDENTITY_MAP_MAX_CHARS * 4 + 1) if stream is not None else b""
        try:
            return {"csv": raw.decode("utf-8-sig")}
        except UnicodeDecodeError:
            raise ParseError("the CSV body is not UTF-8 text") from None


class IdentityMapViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Who is in which department: user names, IP addresses and networks found in egress logs.

    ``POST`` replaces the whole map (it is one document, exported from a directory or an IPAM):
    JSON ``{"csv": "…"}`` or the CSV itself as ``text/csv``. Bad lines are reported and skipped; a
    body with no valid line changes nothing (400).
    """

    permission_classes = [IsShadowReader]
    serializer_class = IdentityMapEntryOut
    parser_classes = [JSONParser, CSVTextParser, FormParser, MultiPartParser]

    def scoped_queryset(self) -> QuerySet[IdentityMapEntry]:
        user = self.request.user
        return identity_map_entries(user=user) if isinstance(user, User) else IdentityMapEntry.objects.none()

    @extend_schema(request=IdentityMapIn, responses={200: IdentityMapReportOut})
    def create(self, request: Request) -> Response:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > IDENTITY_MAP_MAX_CHARS * 4:
            raise UploadTooLargeError(
                f"the identity map is larger than the limit of {IDENTITY_MAP_MAX_CHARS} characters"
            )
        body = IdentityMapIn(data=request.data)
        body.is_valid(raise_exception=True)
        report = identity_map_replace(actor=request_user(request), text=body.validated_data["csv"])
        return Response(IdentityMapReportOut(asdict(report)).data)


class CatalogViewSet(ScopedViewSet):
    """The AI-service catalog as this organization matches it: the shared list with its own entries
    and overrides on top. ``PUT``/``PATCH /{key}/`` adds or overrides an entry (fields left out keep
    their value), ``DELETE /{key}/`` removes the organization's row (a shared entry applies again).
    """

    permission_classes = [IsShadowReader]
    serializer_class = CatalogServiceOut
    lookup_field = "key"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def scoped_queryset(self) -> QuerySet[TenantAIService]:
        user = self.request.user
        return tenant_services(user=user) if isinstance(user, User) else TenantAIService.objects.none()

    @extend_schema(responses={200: CatalogServiceOut(many=True)})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(catalog_entries(user=request_user(request)))
        return self.get_paginated_response(CatalogServiceOut(page or [], many=True).data)

    def retrieve(self, request: Request, key: str | None = None) -> Response:
        return Response(CatalogServiceOut(self._row(key)).data)

    @extend_schema(request=CatalogServiceIn, responses={200: CatalogServiceOut})
    def update(self, request: Request, key: str | None = None) -> Response:
        body = CatalogServiceIn(data=request.data, partial=request.method == "PATCH")
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        if "domains" in fields:
            fields["domains"] = " ".join(fields["domains"])
        tenant_service_upsert(actor=request_user(request), key=str(key), **fields)
        return Response(CatalogServiceOut(self._row(key)).data)

    @extend_schema(request=CatalogServiceIn, responses={200: CatalogServiceOut})
    def partial_update(self, request: Request, key: str | None = None) -> Response:
        return self.update(request, key)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, key: str | None = None) -> Response:
        tenant_service_delete(actor=request_user(request), key=str(key))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _row(self, key: str | None) -> dict[str, Any]:
        entries = catalog_entries(user=request_user(self.request), key=str(key))
        if not entries:
            raise NotFound(f"no catalog entry {key!r}")
        return entries[0]


class ShadowPolicyView(ScopedAPIView):
    """Whether log user names are pseudonymized, and which vendors are approved for which departments."""

    permission_classes = [IsShadowReader]

    @extend_schema(responses={200: ShadowPolicyOut})
    def get(self, request: Request) -> Response:
        return Response(ShadowPolicyOut(shadow_policy_get()).data)

    @extend_schema(request=ShadowPolicyIn, responses={200: ShadowPolicyOut})
    def patch(self, request: Request) -> Response:
        body = ShadowPolicyIn(data=request.data)
        body.is_valid(raise_exception=True)
        policy = shadow_policy_update(actor=request_user(request), **body.validated_data)
        return Response(ShadowPolicyOut(policy).data)
