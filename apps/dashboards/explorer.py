"""The conversation explorer (``/dashboards/conversations/``), transcripts, and the qualitative
layer's endpoints: tags and notes on conversations and end users, saved segments.

Thin views: the filters are ``explorer_forms.ConversationFilter`` (declared once), reads are
``selectors``, writes ``services``. Every list and transcript is confined to the assistants the
user may see: a conversation outside them is a 404, like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import can_read_review_cases, has_role
from apps.accounts.request import AuthedRequest
from apps.compliance.forms import UnmaskForm
from apps.compliance.services import conversation_sensitive_view_record
from apps.conversations.models import Conversation
from apps.core.exceptions import NotFoundError, NotPermittedError
from apps.core.forms import form_call
from apps.core.tables import Cell, Table
from apps.dashboards.explorer_forms import (
    ConversationFilter,
    EndUserForm,
    NoteForm,
    SegmentCreateForm,
    SegmentForm,
    TagForm,
)
from apps.dashboards.models import Note, Segment
from apps.dashboards.scope import EXPLORER_URL, user_journey_url
from apps.dashboards.selectors import (
    Annotations,
    ExplorerRow,
    conversation_annotations,
    conversation_visible,
    conversations_visible_to,
    end_user_annotations,
    end_user_visible,
    explorer_page,
    note_visible,
    segments_visible_to,
    tags_all,
    transcript,
)
from apps.dashboards.services import (
    EXPLORER_ROLES,
    conversation_tag_add,
    conversation_tag_remove,
    end_user_tag_add,
    end_user_tag_remove,
    note_create,
    note_delete,
    note_update,
    segment_create,
    segment_delete,
    segment_update,
)
from apps.detection.services import masking_policy_get

PAGE_SIZE = 50
# The list counts and pages through at most this many conversations: beyond it the filters, not
# paging, are the way to find something, and the count stays cheap on any organization.
LIST_CAP = 10_000
EXPORT_ID = "conversations"
T = TypeVar("T")
# One click from any list to the conversations that show a problem (each keeps the other filters).
QUICK_VIEWS = (
    ("Frustrated", "frustrated", "1"),
    ("Abandoned", "outcome", "abandoned"),
    ("Not resolved", "outcome", "unresolved"),
    ("Escalated", "outcome", "escalated"),
    ("Rephrased", "rephrased", "1"),
    ("With sensitive findings", "findings", "1"),
)


def _service(call: Callable[[], T]) -> T:
    """Run a service whose refusals are not form errors: not permitted is a 403, not found a 404."""
    try:
        return call()
    except NotPermittedError as exc:
        raise PermissionDenied(exc.detail) from exc
    except NotFoundError as exc:
        raise Http404(exc.detail) from exc


def _require_explorer(request: AuthedRequest) -> None:
    if not has_role(request.user, *EXPLORER_ROLES):
        raise PermissionDenied("The conversation explorer is not open to your roles.")


# --- the explorer ---------------------------------------------------------------------------------


def _page_number(raw: str | None) -> int | None:
    if raw in (None, ""):
        return 1
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


def _query(
    data: QueryDict, *, drop: tuple[str, ...] = ("page", "export"), overrides: dict[str, str] | None = None
) -> str:
    """The query string of ``data`` without ``drop`` and with ``overrides`` set (paging restarts)."""
    overrides = overrides or {}
    query = data.copy()
    for name in (*drop, *overrides):
        query.pop(name, None)
    for name, value in overrides.items():
        if value:
            query[name] = value
    return query.urlencode()


def _rows_table(rows: list[ExplorerRow]) -> Table:
    """The page's list as a table: its CSV export, and the columns the template shows."""
    table = Table(
        id=EXPORT_ID,
        title="Conversations",
        columns=[
            "Started",
            "Assistant",
            "User",
            "Intent",
            "Language",
            "Outcome",
            "Frustrated",
            "Findings",
            "Turns",
            "Tags",
        ],
        numeric={7, 8},
    )
    for row in rows:
        c = row.conversation
        table.rows.append(
            [
                Cell(text=c.started_at.isoformat(), href=row.transcript_url),
                Cell(text=c.assistant.name),
                Cell(text=c.user_id, href=row.journey_url),
                Cell(text=c.intent.label if c.intent else ""),
                Cell(text=c.language or ""),
                Cell(text=row.facts.outcome),
                Cell(text="yes" if c.frustrated else "no"),
                Cell(text=str(row.facts.findings)),
                Cell(text=str(c.user_messages)),
                Cell(text=", ".join(row.tags)),
            ]
        )
    return table


def _chips(filterset: ConversationFilter, data: QueryDict) -> list[dict[str, Any]]:
    """The filters in effect, each with the link that removes it (a segment's own filters go
    with the segment)."""
    cleaned = getattr(filterset.form, "cleaned_data", {})
    names: dict[str, str] = {}
    for assistant in cleaned.get("assistant") or []:
        names[f"assistant={assistant.pk}"] = assistant.name
    for key in ("department", "intent", "segment"):
        value = cleaned.get(key)
        if value is not None:
            names[f"{key}={value.pk}"] = str(value)
    for key in ("outcome", "frustrated", "findings", "rephrased", "sort"):
        for choice, label in getattr(filterset.form.fields[key], "choices", []):
            names[f"{key}={choice}"] = str(label)
    chips = []
    for name, value in filterset.applied():
        if name in ("from", "to", "sort"):
            continue
        label = filterset.filters[name].label or name.replace("_", " ").capitalize()
        chips.append(
            {
                "label": label,
                "value": names.get(f"{name}={value}", value),
                "remove": f"?{_query(data, drop=('page', 'export', name))}" if name in data else None,
            }
        )
    return chips


def _explorer_context(request: AuthedRequest, data: QueryDict) -> tuple[dict[str, Any], int]:
    user = request.user
    base = conversations_visible_to(user=user).select_related("assistant", "intent").order_by("-started_at", "-id")
    filterset = ConversationFilter(data, queryset=base, request=request)
    context: dict[str, Any] = {
        "page_title": "Conversations",
        "filterset": filterset,
        "form": filterset.form,
        "tags": tags_all(),
        "segments": segments_visible_to(user=user),
        "segment_form": SegmentCreateForm(initial={"query": _query(data, drop=("page", "export", "sort"))}),
        "query": _query(data),
    }
    page_number = _page_number(data.get("page"))
    if not filterset.is_valid() or page_number is None:
        if page_number is None:
            context["page_error"] = "page: a page is a whole number from 1."
        return context, 400
    listed = explorer_page(filterset.qs, number=page_number, per_page=PAGE_SIZE, cap=LIST_CAP)
    page, rows = listed.page, listed.rows
    cleaned = filterset.form.cleaned_data
    context.update(
        {
            "page": page,
            "rows": rows,
            "table": _rows_table(rows),
            "capped": listed.capped,
            "cap": LIST_CAP,
            "date_from": cleaned["from"],
            "date_to": cleaned["to"],
            "chips": _chips(filterset, data),
            "quick_views": [
                (label, f"?{_query(data, overrides={name: value})}")
                for label, name, value in QUICK_VIEWS
                if data.get(name) != value
            ],
            "sort": cleaned.get("sort") or "newest",
            "sort_toggle": f"?{_query(data, overrides={'sort': 'newest' if cleaned.get('sort') == 'oldest' else 'oldest'})}",
            "page_query": _query(data, drop=("page", "export")),
            "has_any": page.paginator.count > 0 or conversations_visible_to(user=user).exists(),
        }
    )
    return context, 200


def _render_explorer(request: AuthedRequest, context: dict[str, Any], status: int) -> HttpResponse:
    template = "dashboards/explorer.html"
    if request.htmx and request.htmx.target == "explorer-body":
        template += "#body"
    return render(request, template, context, status=status)


@login_required
@require_GET
def explorer_view(request: AuthedRequest) -> HttpResponse:
    """Search and filter the conversations of the assistants the user may see."""
    _require_explorer(request)
    context, status = _explorer_context(request, request.GET)
    export = request.GET.get("export")
    if export and status == 200:
        if export != EXPORT_ID:
            raise Http404(f"No table {export!r} on this page.")
        return context["table"].csv("conversations", values="text")
    return _render_explorer(request, context, status)


# --- the transcript --------------------------------------------------------------------------------


def _conversation(request: AuthedRequest, pk: int) -> Conversation:
    _require_explorer(request)
    conversation = conversation_visible(user=request.user, pk=pk)
    if conversation is None:
        raise Http404("No such conversation among those you may see.")
    return conversation


def _panel(
    request: AuthedRequest,
    *,
    conversation: Conversation | None = None,
    end_user_id: str = "",
    tag_form: TagForm | None = None,
    note_form: NoteForm | None = None,
    error: str = "",
) -> dict[str, Any]:
    """What one annotations panel (``dashboards/_annotations.html``) shows, for one subject."""
    annotations: Annotations
    if conversation is not None:
        annotations = conversation_annotations(conversation=conversation)
        panel_id, title = "conversation-annotations", "This conversation"
        home = reverse("dashboards:conversation", args=[conversation.pk])
        tag_add = reverse("dashboards:conversation-tags", args=[conversation.pk])
        note_add = reverse("dashboards:conversation-notes", args=[conversation.pk])
        untag = [reverse("dashboards:conversation-untag", args=[conversation.pk, t.pk]) for t in annotations.tags]
    else:
        annotations = end_user_annotations(end_user_id=end_user_id)
        panel_id, title = "user-annotations", "This user"
        home = user_journey_url(end_user_id)
        tag_add, note_add = reverse("dashboards:user-tags"), reverse("dashboards:user-notes")
        untag = [reverse("dashboards:user-untag", args=[t.pk]) for t in annotations.tags]
    return {
        "panel_id": panel_id,
        "title": title,
        "end_user_id": end_user_id,
        "annotations": annotations,
        "tags": list(zip(annotations.tags, untag, strict=True)),
        "tag_add_url": tag_add,
        "note_add_url": note_add,
        "tag_form": tag_form or TagForm(),
        "note_form": note_form or NoteForm(),
        "panel_error": error,
        "me": request.user,
        "next": _next(request, default=home),
    }


def _next(request: AuthedRequest, *, default: str) -> str:
    """Where a non-htmx form goes back to: the page it was posted from (same host only), else the
    subject's own page."""
    if request.method == "GET":
        return request.get_full_path()
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_GET
@never_cache
def transcript_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """One conversation with its annotations inline, masked for every role but compliance."""
    conversation = _conversation(request, pk)
    view = transcript(conversation=conversation, viewer=request.user)
    if view.reveals_kept and view.findings:
        # Compliance sees what the policy keeps as is: every such look is on the record.
        conversation_sensitive_view_record(actor=request.user, conversation_id=conversation.pk, via="transcript")
    context = {
        "page_title": f"Conversation {conversation.external_id}",
        "t": view,
        "conversation": conversation,
        "journey_url": user_journey_url(conversation.user_id),
        "explorer_url": EXPLORER_URL,
        "user_conversations_url": f"{EXPLORER_URL}?{urlencode({'user': conversation.user_id})}",
        "can_read_cases": can_read_review_cases(request.user),
        "conversation_panel": _panel(request, conversation=conversation),
        "user_panel": _panel(request, end_user_id=conversation.user_id),
    }
    if view.reveals_kept:
        context.update({"unmask_form": UnmaskForm(), "four_eyes": masking_policy_get().four_eyes_unmask})
    return render(request, "dashboards/transcript.html", context)


# --- tags and notes (htmx: each answer is the subject's annotations panel) ---------------------------


def _panel_response(request: AuthedRequest, panel: dict[str, Any], *, ok: bool) -> HttpResponse:
    if request.htmx:
        return render(request, "dashboards/_annotations.html", {"p": panel}, status=200 if ok else 400)
    if ok:
        return HttpResponseRedirect(panel["next"])
    return render(request, "dashboards/annotations_page.html", {"panel": panel}, status=400)


def _end_user(request: AuthedRequest) -> str | HttpResponse:
    """The end user a user-level POST is about (its ``user`` field), or the 400 naming what is
    wrong with it; one the reader may not see is a 404, like one that does not exist."""
    _require_explorer(request)
    form = EndUserForm(request.POST)
    if not form.is_valid():
        errors = " ".join(f"{name}: {' '.join(str(m) for m in e)}" for name, e in form.errors.items())
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    end_user_id = str(form.cleaned_data["user"])
    if not end_user_visible(user=request.user, end_user_id=end_user_id):
        raise Http404("No conversation of this user among those you may see.")
    return end_user_id


def _submitted(form: TagForm | NoteForm, call: Callable[[], object]) -> bool:
    """Validate the form, then run the service; its refusals become the form's errors."""
    return form.is_valid() and form_call(form, call) is not None


def _annotated(
    request: AuthedRequest,
    form_class: type[TagForm] | type[NoteForm],
    add: Callable[[dict[str, Any]], object],
    **subject: Any,
) -> HttpResponse:
    """Add a tag or note from the posted form; the subject's panel comes back, with fresh forms
    when it worked and the posted form with its errors (400) when not."""
    form = form_class(request.POST)
    if _submitted(form, lambda: add(form.cleaned_data)):
        return _panel_response(request, _panel(request, **subject), ok=True)
    if isinstance(form, TagForm):
        return _panel_response(request, _panel(request, **subject, tag_form=form), ok=False)
    return _panel_response(request, _panel(request, **subject, note_form=form), ok=False)


def _for_end_user(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A user-level endpoint: the posted ``user`` resolved first (400 if missing, 404 if unseen)."""

    @wraps(view)
    def wrapper(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        end_user_id = _end_user(request)
        if isinstance(end_user_id, HttpResponse):
            return end_user_id
        return view(request, end_user_id, *args, **kwargs)

    return wrapper


@login_required
@require_POST
def conversation_tag_add_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _conversation(request, pk)
    add = partial(conversation_tag_add, actor=request.user, conversation=c)
    return _annotated(request, TagForm, lambda data: add(name=data["name"]), conversation=c)


@login_required
@require_POST
def conversation_tag_remove_view(request: AuthedRequest, pk: int, tag_id: int) -> HttpResponse:
    c = _conversation(request, pk)
    _service(lambda: conversation_tag_remove(actor=request.user, conversation=c, tag_id=tag_id))
    return _panel_response(request, _panel(request, conversation=c), ok=True)


@login_required
@require_POST
def conversation_note_add_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _conversation(request, pk)
    add = partial(note_create, actor=request.user, conversation=c)
    return _annotated(request, NoteForm, lambda data: add(text=data["text"]), conversation=c)


@login_required
@require_POST
@_for_end_user
def user_tag_add_view(request: AuthedRequest, end_user_id: str) -> HttpResponse:
    add = partial(end_user_tag_add, actor=request.user, end_user_id=end_user_id)
    return _annotated(request, TagForm, lambda data: add(name=data["name"]), end_user_id=end_user_id)


@login_required
@require_POST
@_for_end_user
def user_tag_remove_view(request: AuthedRequest, end_user_id: str, tag_id: int) -> HttpResponse:
    _service(lambda: end_user_tag_remove(actor=request.user, end_user_id=end_user_id, tag_id=tag_id))
    return _panel_response(request, _panel(request, end_user_id=end_user_id), ok=True)


@login_required
@require_POST
@_for_end_user
def user_note_add_view(request: AuthedRequest, end_user_id: str) -> HttpResponse:
    add = partial(note_create, actor=request.user, end_user_id=end_user_id)
    return _annotated(request, NoteForm, lambda data: add(text=data["text"]), end_user_id=end_user_id)


def _own_note(request: AuthedRequest, pk: int) -> Note:
    """A note the user may see (else 404) and wrote (else 403: only its author changes it)."""
    _require_explorer(request)
    note = note_visible(user=request.user, pk=pk)
    if note is None:
        raise Http404("No such note among those you may see.")
    if note.author_id != request.user.pk:
        raise PermissionDenied("Only the author of a note may change or delete it.")
    return note


def _note_panel(request: AuthedRequest, note: Note, **forms: Any) -> dict[str, Any]:
    """The panel of the subject a note is about (read before a delete: the note's fields stay)."""
    if note.conversation is not None:
        return _panel(request, conversation=note.conversation, **forms)
    return _panel(request, end_user_id=note.end_user_id, **forms)


@login_required
@require_POST
def note_update_view(request: AuthedRequest, pk: int) -> HttpResponse:
    note = _own_note(request, pk)
    form = NoteForm(request.POST)
    if _submitted(form, lambda: note_update(actor=request.user, note=note, text=form.cleaned_data["text"])):
        return _panel_response(request, _note_panel(request, note), ok=True)
    errors = "; ".join(str(e) for e in [*form.errors.get("text", []), *form.non_field_errors()])
    return _panel_response(request, _note_panel(request, note, error=f"Note not changed: {errors}"), ok=False)


@login_required
@require_POST
def note_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    note = _own_note(request, pk)
    _service(lambda: note_delete(actor=request.user, note=note))
    return _panel_response(request, _note_panel(request, note), ok=True)


# --- saved segments ------------------------------------------------------------------------------------


def _segment(request: AuthedRequest, pk: int) -> Segment:
    _require_explorer(request)
    segment = segments_visible_to(user=request.user).filter(pk=pk).first()
    if segment is None:
        raise Http404("No saved segment with this id is shared with you.")
    return segment


def _segment_error(
    request: AuthedRequest, query: str, form: SegmentForm, segment: Segment | None = None
) -> HttpResponse:
    """The explorer again, on the filters the form was posted from, with the form's errors."""
    context, _ = _explorer_context(request, QueryDict(query))
    if segment is None:
        context["segment_form"] = form
    else:
        context["segment_edit"] = {"pk": segment.pk, "form": form}
    return _render_explorer(request, context, 400)


@login_required
@require_POST
def segment_create_view(request: AuthedRequest) -> HttpResponse:
    _require_explorer(request)
    form = SegmentCreateForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        filterset = ConversationFilter(QueryDict(query), request=request)
        if not filterset.is_valid():
            form.add_error(
                None,
                "These filters cannot be saved: "
                + "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()),
            )
        else:
            data = form.cleaned_data
            segment = form_call(
                form,
                lambda: segment_create(
                    actor=request.user, name=data["name"], shared=data["shared"], filters=filterset.segment_pairs()
                ),
            )
            if segment is not None:
                return HttpResponseRedirect(f"{EXPLORER_URL}?segment={segment.pk}")
    return _segment_error(request, query, form)


@login_required
@require_POST
def segment_update_view(request: AuthedRequest, pk: int) -> HttpResponse:
    segment = _segment(request, pk)
    form = SegmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if form_call(
            form, lambda: segment_update(actor=request.user, segment=segment, name=data["name"], shared=data["shared"])
        ):
            return HttpResponseRedirect(f"{EXPLORER_URL}?segment={segment.pk}")
    segment.refresh_from_db()
    return _segment_error(request, f"segment={segment.pk}", form, segment)


@login_required
@require_POST
def segment_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    segment = _segment(request, pk)
    _service(lambda: segment_delete(actor=request.user, segment=segment))
    return HttpResponseRedirect(EXPLORER_URL)
