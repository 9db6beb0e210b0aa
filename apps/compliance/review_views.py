"""Review workflow pages under /compliance/ (htmx partials). Thin: check, call one service, render.

Cases are org-wide (compliance reviews everything); the schema already confines them to the
organization, so another organization's case id is simply not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.accounts.permissions import (
    can_decide_review_cases,
    can_edit_masking_policy,
    can_read_review_cases,
    can_see_small_cuts,
    can_unmask,
    has_role,
)
from apps.accounts.request import AuthedRequest
from apps.compliance.filters import CaseFilter
from apps.compliance.forms import (
    AssignForm,
    AutoCloseRuleForm,
    BulkForm,
    DecisionForm,
    PolicyForm,
    SavedViewForm,
    UnmaskForm,
)
from apps.compliance.models import AutoCloseRule, CaseStatus, ReviewCase, SavedQueueView, UnmaskRequest, UnmaskStatus
from apps.compliance.selectors import (
    MessageView,
    auto_close_rules,
    case_conversations,
    conversation_cases,
    conversation_messages,
    review_case_counts,
    review_cases,
    saved_queue_views,
    unmask_requests_pending,
)
from apps.compliance.services import (
    FourEyesRequiredError,
    auto_close_rule_create,
    auto_close_rule_delete,
    conversation_sensitive_view_record,
    finding_unmask,
    queue_view_delete,
    queue_view_save,
    review_case_decide,
    review_cases_assign,
    review_cases_decide,
    unmask_request_create,
    unmask_request_decide,
)
from apps.conversations.models import Conversation
from apps.core.exceptions import ApplicationError
from apps.core.filters import filterset_rows
from apps.core.forms import form_call
from apps.detection.models import SensitiveFinding
from apps.detection.services import masking_policy_get, masking_policy_update

PAGE_SIZE = 50


def _require_reader(request: AuthedRequest) -> None:
    if not can_read_review_cases(request.user):
        raise PermissionDenied("The review queue is open to compliance and admins only.")


def _require_reviewer(request: AuthedRequest) -> None:
    if not can_decide_review_cases(request.user):
        raise PermissionDenied("Only compliance users may work review cases.")


def nav_context(request: AuthedRequest) -> dict[str, Any]:
    return {
        "can_audit": has_role(request.user, Role.ADMIN, Role.COMPLIANCE),
        "can_policy": can_edit_masking_policy(request.user),
        "can_review": can_read_review_cases(request.user),
    }


@login_required
@require_GET
def queue_view(request: AuthedRequest) -> HttpResponse:
    _require_reader(request)
    # Without a query string the queue shows open cases, and its form says so.
    data = request.GET or QueryDict("status=open")
    filters = CaseFilter(data, queryset=review_cases(), request=request)
    cases = filterset_rows(filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    context = {
        "filters": filters.form,
        "main_fields": [f for f in filters.form.visible_fields() if f.name not in CaseFilter.MORE],
        "more_fields": [filters.form[name] for name in CaseFilter.MORE],
        "more_open": any(filters.form[name].value() or filters.form[name].errors for name in CaseFilter.MORE),
        "page": page,
        "query": query.urlencode(),
        "counts": review_case_counts(),
        "can_decide": can_decide_review_cases(request.user),
        "bulk": BulkForm(cases=ReviewCase.objects.none()),
        "saved_views": saved_queue_views(user=request.user),
        "save_view": SavedViewForm(initial={"query": query.urlencode()}),
        "pending_requests": unmask_requests_pending().exclude(requester=request.user)
        if can_unmask(request.user)
        else [],
        **nav_context(request),
    }
    template = "compliance/queue.html"
    if request.htmx and request.htmx.target == "case-table":
        template += "#case-table"
    return render(request, template, context)


@login_required
@require_POST
def bulk_view(request: AuthedRequest) -> HttpResponse:
    _require_reviewer(request)
    form = BulkForm(request.POST, cases=ReviewCase.objects.all())
    if not form.is_valid():
        messages.error(
            request, "Bulk action not applied: " + "; ".join(str(e) for errs in form.errors.values() for e in errs)
        )
        return HttpResponseRedirect(reverse("compliance:queue"))
    ids = [c.pk for c in form.cleaned_data["cases"]]
    action = form.cleaned_data["action"]
    try:
        if action == "assign":
            review_cases_assign(actor=request.user, case_ids=ids, assignee=form.cleaned_data["assignee"])
        else:
            review_cases_decide(actor=request.user, case_ids=ids, decision=action, comment=form.cleaned_data["comment"])
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{dict(BulkForm.ACTIONS)[action].rstrip('…')}: {len(ids)} case(s).")
    return HttpResponseRedirect(
        reverse("compliance:queue") + ("?" + request.POST["next"] if request.POST.get("next") else "")
    )


def _case(request: AuthedRequest, pk: int) -> ReviewCase:
    return get_object_or_404(ReviewCase.objects.select_related("conversation", "assistant", "department"), pk=pk)


@dataclass(frozen=True)
class _FindingRow:
    """A row of the case page's findings table: the finding and the viewer's latest own
    four-eyes request for it.

    case_detail.html reads the finding's fields off the row (``f.type``, ``f.vault_id``), so
    they are delegated; a template reading ``row.finding.*`` would make the delegation unneeded.
    """

    finding: SensitiveFinding
    my_request: UnmaskRequest | None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy/pickle probe dunders before the fields exist
            raise AttributeError(name)
        return getattr(self.finding, name)


def _finding_rows(request: AuthedRequest, conversation_id: int, views: list[MessageView]) -> list[_FindingRow]:
    mine = {
        r.finding_id: r
        for r in UnmaskRequest.objects.filter(finding__conversation_id=conversation_id, requester=request.user)
        .select_related("approved_by")
        .order_by("created_at")
    }
    return [_FindingRow(f, mine.get(f.pk)) for mv in views for f in mv.findings]


def _transcript(request: AuthedRequest, conversation: Conversation) -> dict[str, Any]:
    views = conversation_messages(conversation_id=conversation.pk)
    return {
        "conversation": conversation,
        "messages_view": views,
        "findings": _finding_rows(request, conversation.pk, views),
    }


def _unmask_context(request: AuthedRequest) -> dict[str, Any]:
    return {
        "unmask_form": UnmaskForm(),
        "can_unmask": can_unmask(request.user),
        "four_eyes": masking_policy_get().four_eyes_unmask,
    }


def _detail_context(request: AuthedRequest, case: ReviewCase, **extra: Any) -> dict[str, Any]:
    return {
        "case": case,
        # Grouped per conversation: the case's findings in each conversation they were found in.
        "transcripts": [_transcript(request, c) for c in case_conversations(case=case)],
        **_unmask_context(request),
        "decision": extra.pop("decision", None) or DecisionForm(),
        "assign": AssignForm(initial={"assignee": case.assignee_id}),
        "can_decide": can_decide_review_cases(request.user),
        **nav_context(request),
        **extra,
    }


@login_required
@require_GET
@never_cache
def case_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    case = _case(request, pk)
    context = _detail_context(request, case)
    for transcript in context["transcripts"]:
        conversation_sensitive_view_record(
            actor=request.user, conversation_id=transcript["conversation"].pk, via="case page"
        )
    return render(request, "compliance/case_detail.html", context)


@login_required
@require_GET
@never_cache
def conversation_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """One conversation, masked, with its findings (low severities too) and its review cases."""
    _require_reader(request)
    conversation = get_object_or_404(Conversation.objects.select_related("assistant__department"), pk=pk)
    conversation_sensitive_view_record(actor=request.user, conversation_id=conversation.pk, via="conversation page")
    context = {
        **_transcript(request, conversation),
        **_unmask_context(request),
        "cases": conversation_cases(conversation=conversation),
        "show_people": can_see_small_cuts(request.user),
        **nav_context(request),
    }
    return render(request, "compliance/conversation.html", context)


@login_required
@require_POST
def case_decide_view(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    case = _case(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        decided = form_call(form, lambda: review_case_decide(actor=request.user, case=case, **form.cleaned_data))
        if decided is not None:
            messages.success(
                request, f"Case {case.pk} closed as {CaseStatus(form.cleaned_data['decision']).label.lower()}."
            )
            return HttpResponseRedirect(reverse("compliance:case", args=[case.pk]))
    return render(request, "compliance/case_detail.html", _detail_context(request, case, decision=form), status=400)


@login_required
@require_POST
def case_assign_view(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    case = _case(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        review_cases_assign(actor=request.user, case_ids=[case.pk], assignee=form.cleaned_data["assignee"])
        messages.success(request, "Assignment saved.")
    return HttpResponseRedirect(reverse("compliance:case", args=[case.pk]))


@login_required
@require_POST
@never_cache
def finding_unmask_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx: reveal one value (reason required), or file/await a four-eyes request."""
    if not can_unmask(request.user):
        raise PermissionDenied("Only compliance users may unmask content.")
    finding = get_object_or_404(SensitiveFinding, pk=pk)
    form = UnmaskForm(request.POST)
    context: dict[str, Any] = {
        "finding": finding,
        "unmask_form": form,
        "four_eyes": masking_policy_get().four_eyes_unmask,
    }
    try:
        if masking_policy_get().four_eyes_unmask:
            try:
                context["unmasked"] = finding_unmask(actor=request.user, finding=finding)
            except FourEyesRequiredError:
                if not form.is_valid():
                    return render(request, "compliance/_unmask.html", context, status=400)
                context["unmask_request"] = unmask_request_create(
                    actor=request.user, finding=finding, reason=form.cleaned_data["reason"]
                )
        else:
            if not form.is_valid():
                return render(request, "compliance/_unmask.html", context, status=400)
            context["unmasked"] = finding_unmask(
                actor=request.user, finding=finding, reason=form.cleaned_data["reason"]
            )
    except ApplicationError as exc:
        context["error"] = exc.detail
        return render(request, "compliance/_unmask.html", context, status=exc.status_code)
    return render(request, "compliance/_unmask.html", context)


@login_required
@require_POST
def unmask_request_decide_view(request: AuthedRequest, pk: int) -> HttpResponse:
    if not can_unmask(request.user):
        raise PermissionDenied("Only compliance users may approve unmasking.")
    unmask_request = get_object_or_404(UnmaskRequest, pk=pk, status=UnmaskStatus.PENDING)
    try:
        unmask_request_decide(actor=request.user, request=unmask_request, approve=request.POST.get("approve") == "1")
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, "Unmask request approved." if request.POST.get("approve") == "1" else "Unmask request rejected."
        )
    return HttpResponseRedirect(reverse("compliance:queue"))


@login_required
@require_http_methods(["GET", "POST"])
def policy_view(request: AuthedRequest) -> HttpResponse:
    if not can_edit_masking_policy(request.user):
        raise PermissionDenied("The masking policy is open to admins and compliance only.")
    policy = masking_policy_get()
    form = PolicyForm(request.POST or None, policy=policy)
    if request.method == "POST" and form.is_valid():
        masking_policy_update(actor=request.user, changes=form.changes())
        messages.success(request, "Policy saved. It applies to data enriched from now on.")
        return HttpResponseRedirect(reverse("compliance:policy"))
    return _policy_page(request, form=form)


def _policy_page(request: AuthedRequest, *, status: int = 200, **forms_: Any) -> HttpResponse:
    policy = masking_policy_get()
    context = {
        "form": forms_.get("form") or PolicyForm(policy=policy),
        "rule_form": forms_.get("rule_form") or AutoCloseRuleForm(),
        "rules": auto_close_rules(),
        "can_rules": can_decide_review_cases(request.user),
        "policy": policy,
        **nav_context(request),
    }
    return render(request, "compliance/policy.html", context, status=status)


@login_required
@require_POST
def rule_create_view(request: AuthedRequest) -> HttpResponse:
    _require_reviewer(request)
    form = AutoCloseRuleForm(request.POST)
    if form.is_valid():
        rule = form_call(form, lambda: auto_close_rule_create(actor=request.user, **form.cleaned_data))
        if rule is not None:
            messages.success(request, f"Auto-close rule #{rule.pk} saved. It applies to findings enriched from now on.")
            return HttpResponseRedirect(reverse("compliance:policy") + "#rules")
    return _policy_page(request, rule_form=form, status=400)


@login_required
@require_POST
def rule_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    rule = get_object_or_404(AutoCloseRule, pk=pk)
    auto_close_rule_delete(actor=request.user, rule=rule)
    messages.success(request, f"Auto-close rule #{pk} deleted; the cases it closed stay closed.")
    return HttpResponseRedirect(reverse("compliance:policy") + "#rules")


@login_required
@require_POST
def queue_view_save_view(request: AuthedRequest) -> HttpResponse:
    _require_reader(request)
    form = SavedViewForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        view = queue_view_save(actor=request.user, **form.cleaned_data)
        messages.success(request, f"Saved the view “{view.name}”.")
        query = view.query
    else:
        messages.error(request, "View not saved: " + "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return HttpResponseRedirect(reverse("compliance:queue") + (f"?{query}" if query else ""))


@login_required
@require_POST
def queue_view_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    view = get_object_or_404(SavedQueueView, pk=pk, user=request.user)  # only one's own
    queue_view_delete(actor=request.user, view=view)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return HttpResponseRedirect(reverse("compliance:queue"))
