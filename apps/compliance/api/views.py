"""Review cases over the API: compliance only, every case of the organization (masked)."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.permissions import can_decide_review_cases
from apps.accounts.request import request_user
from apps.compliance.api.serializers import CaseDetailOut, CaseOut, DecisionIn
from apps.compliance.filters import CaseFilter
from apps.compliance.models import ReviewCase
from apps.compliance.selectors import review_cases
from apps.compliance.services import conversation_sensitive_view_record, review_case_decide
from apps.core.api import ScopedViewSet


class IsCompliance(BasePermission):
    message = "review cases are open to compliance users only"

    def has_permission(self, request: Request, view: object) -> bool:
        # An anonymous caller is refused here (False), so DRF answers it as it always has.
        return isinstance(request.user, User) and can_decide_review_cases(request.user)


class ReviewCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    permission_classes = [IsCompliance]
    serializer_class = CaseOut
    # The queue page's filters: a malformed or unknown value is a 400 naming the parameter.
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter

    def scoped_queryset(self) -> QuerySet[ReviewCase]:
        user = self.request.user
        if not (isinstance(user, User) and can_decide_review_cases(user)):
            return ReviewCase.objects.none()
        return review_cases().select_related("decided_by")

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        case = self.get_object()
        conversation_sensitive_view_record(actor=request_user(request), conversation_id=case.conversation_id, via="api")
        return Response(CaseDetailOut(case).data)

    @extend_schema(request=DecisionIn, responses={200: CaseOut})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        body = DecisionIn(data=request.data)
        body.is_valid(raise_exception=True)
        case = review_case_decide(actor=request_user(request), case=case, **body.validated_data)
        return Response(CaseOut(case).data)
