"""The conversation explorer's filters, declared once (django-filter), and the forms of the
qualitative layer (tags, notes, saved segments).

``ConversationFilter`` speaks the link contract of docs/dashboards.md "Links": the filter bar's
names (``from``, ``to``, ``assistant``, ``department``, ``variant``, ``feature``, ``language``,
``user_department``, ``dim1``..``dim3``) and the explorer's own (``intent``, ``outcome``,
``frustrated``, ``findings``, ``rephrased``, ``user``, ``tag``, ``segment``, ``q``), plus ``sort``.
Its base queryset is already confined to the assistants the user may see, and every choice
(assistant, department, intent, segment) is drawn from what the user may see, so a foreign id is
refused exactly like one that does not exist.

The cuts match the metric engine's (apps/analytics): days are the tenant's, ``variant`` and
``feature`` match the conversation or any of its messages (``conversation_ids_sample``), and
outcomes use ``apps.analytics.definitions``' terms, so a number and the list behind it agree.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import date, timedelta
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.permissions import can_unmask
from apps.analytics.definitions import abandon_signal_q, ended_q, escalated_q, resolved_q
from apps.analytics.services import day_start, tenant_today
from apps.conversations.models import Conversation, Message
from apps.dashboards.models import NOTE_MAX_LENGTH, SEGMENT_NAME_MAX_LENGTH, TAG_MAX_LENGTH, Segment
from apps.dashboards.scope import clean_date_range, given
from apps.dashboards.selectors import (
    conversation_tagged_q,
    intents_visible_to,
    segment_filters,
    segments_visible_to,
)
from apps.detection.models import MaskAction, SensitiveFinding
from apps.registry.models import Assistant, Department
from apps.registry.selectors import assistants_visible_to, departments_visible_to

OUTCOME_CHOICES = (
    ("resolved", "Resolved"),
    ("unresolved", "Ended, not resolved"),
    ("escalated", "Escalated"),
    ("abandoned", "Abandoned"),
    ("open", "Open (not ended)"),
)
YES_NO = (("1", "Yes"), ("0", "No"))
SORT_CHOICES = (("newest", "Newest first"), ("oldest", "Oldest first"))
SORTS = {"newest": ("-started_at", "-id"), "oldest": ("started_at", "id")}
Q_MIN_LENGTH, Q_MAX_LENGTH = 2, 200
# Names a saved segment keeps: every filter but the segment itself (paging, sorting and exports
# are how a list is read, not which conversations are in it).
SEGMENT_EXCLUDED = frozenset({"segment", "sort", "page", "export"})

# Letters (any script), digits, spaces and - _ . : / & + #, starting with a letter or digit.
_TAG_RE = re.compile(r"^[^\W_][\w .:/&+#-]*$")


def normalize_tag(value: str) -> str:
    return " ".join(value.split()).lower()


def validate_tag_name(value: str) -> None:
    if not _TAG_RE.match(value):
        raise ValidationError(
            "A tag starts with a letter or digit and holds only letters, digits, spaces and - _ . : / & + #.",
            code="invalid_tag",
        )


def _user(request: HttpRequest | None) -> User:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        raise TypeError("ConversationFilter needs the request of a signed-in user")
    return user


def _assistants(request: HttpRequest | None) -> QuerySet[Assistant]:
    return assistants_visible_to(user=_user(request)).order_by("name")


def _departments(request: HttpRequest | None) -> QuerySet[Department]:
    return departments_visible_to(user=_user(request)).order_by("name")


class _DateRangeForm(forms.Form):
    """The base of the FilterSet's form: the filter bar's date defaults and limits (scope.py)."""

    def clean(self) -> dict[str, Any]:
        return clean_date_range(self, super().clean() or {}, today=tenant_today())


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class ConversationFilter(django_filters.FilterSet):
    # ``from`` and ``to`` are the URL's names; ``from`` is a Python keyword, so both are declared
    # as date_from/date_to and renamed in get_filters().
    date_from = django_filters.DateFilter(method="filter_from", label="From", widget=_date_input())
    date_to = django_filters.DateFilter(method="filter_to", label="To", widget=_date_input())
    assistant = django_filters.ModelMultipleChoiceFilter(
        queryset=_assistants,
        field_name="assistant",
        error_messages={"invalid_choice": "No assistant %(value)s that you may see."},
    )
    department = django_filters.ModelChoiceFilter(
        queryset=_departments,
        field_name="assistant__department",
        empty_label="All departments",
        error_messages={"invalid_choice": "No department that you may see has this id."},
    )
    variant = django_filters.CharFilter(method="filter_cut", max_length=128)
    feature = django_filters.CharFilter(method="filter_cut", max_length=128)
    language = django_filters.CharFilter(field_name="language", max_length=8)
    user_department = django_filters.CharFilter(field_name="user_department", max_length=128, label="User's department")
    dim1 = django_filters.CharFilter(method="filter_dim", max_length=128, label="Dimension 1")
    dim2 = django_filters.CharFilter(method="filter_dim", max_length=128, label="Dimension 2")
    dim3 = django_filters.CharFilter(method="filter_dim", max_length=128, label="Dimension 3")
    intent = django_filters.ModelChoiceFilter(
        queryset=lambda request: intents_visible_to(user=_user(request)),
        field_name="intent",
        empty_label="Any intent",
        error_messages={"invalid_choice": "No intent of an assistant you may see has this id."},
    )
    outcome = django_filters.ChoiceFilter(choices=OUTCOME_CHOICES, method="filter_outcome", empty_label="Any outcome")
    frustrated = django_filters.ChoiceFilter(choices=YES_NO, method="filter_frustrated", empty_label="Any")
    findings = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_findings", empty_label="Any", label="Sensitive findings"
    )
    rephrased = django_filters.ChoiceFilter(choices=YES_NO, method="filter_rephrased", empty_label="Any")
    user = django_filters.CharFilter(field_name="user_id", max_length=128, label="User id")
    tag = django_filters.CharFilter(method="filter_tag", max_length=TAG_MAX_LENGTH, validators=[validate_tag_name])
    segment = django_filters.ModelChoiceFilter(
        queryset=lambda request: segments_visible_to(user=_user(request)),
        method="filter_segment",
        empty_label="No saved segment",
        label="Saved segment",
        error_messages={"invalid_choice": "No saved segment with this id is shared with you."},
    )
    q = django_filters.CharFilter(
        method="filter_text", min_length=Q_MIN_LENGTH, max_length=Q_MAX_LENGTH, label="Text in messages"
    )
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="sort_by", empty_label=None)

    class Meta:
        model = Conversation
        fields: tuple[str, ...] = ()
        form = _DateRangeForm

    @classmethod
    def get_filters(cls) -> OrderedDict[str, django_filters.Filter]:
        filters = super().get_filters()
        renamed = {"date_from": "from", "date_to": "to"}
        return OrderedDict((renamed.get(name, name), f) for name, f in filters.items())

    def __init__(self, data: QueryDict | None = None, queryset: QuerySet[Conversation] | None = None, **kwargs: Any):
        request = kwargs.get("request")
        if data is not None:
            data = self._with_segment(given(data), _user(request))
        super().__init__(data, queryset, **kwargs)

    @staticmethod
    def _with_segment(data: QueryDict, user: User) -> QueryDict:
        """The URL's filters over a saved segment's: a name the URL sets replaces the segment's."""
        raw = data.get("segment", "")
        stored = segment_filters(user, int(raw)) if raw.isdigit() else None
        if not stored:
            return data
        merged = QueryDict(mutable=True)
        for name, value in stored:
            if name not in data:
                merged.appendlist(name, value)
        for name in data:
            for value in data.getlist(name):
                merged.appendlist(name, value)
        return merged

    # --- filters ------------------------------------------------------------------------------

    def filter_from(self, queryset: QuerySet[Conversation], name: str, value: date) -> QuerySet[Conversation]:
        return queryset.filter(started_at__gte=day_start(value))

    def filter_to(self, queryset: QuerySet[Conversation], name: str, value: date) -> QuerySet[Conversation]:
        return queryset.filter(started_at__lt=day_start(value + timedelta(days=1)))

    def filter_cut(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        # An output's own variant/feature counts too: the engine cuts output metrics by it.
        on_message = Exists(Message.objects.filter(conversation=OuterRef("pk"), **{name: value}))
        return queryset.filter(Q(**{name: value}) | Q(on_message))

    def filter_dim(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        # dimN is the conversation's value of its assistant's Nth declared metadata key.
        position = int(name[-1]) - 1
        key_value = Func(
            F("dims"),
            KeyTextTransform(str(position), "assistant__metric_dimensions"),
            function="jsonb_extract_path_text",
            output_field=CharField(),
        )
        return queryset.alias(**{f"_{name}": key_value}).filter(**{f"_{name}": value})

    def filter_outcome(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        ended = ended_q(now=timezone.now())
        if value == "open":
            return queryset.exclude(ended)
        queryset = queryset.filter(ended)
        if value == "resolved":
            return queryset.filter(resolved_q())
        if value == "unresolved":
            return queryset.exclude(resolved_q())
        if value == "escalated":
            return queryset.filter(escalated_q())
        # METRICS.md: ended, not resolved, not escalated, and the last user turn signals it.
        return queryset.exclude(resolved_q()).exclude(escalated_q()).filter(abandon_signal_q())

    def filter_frustrated(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return queryset.filter(frustrated=True) if value == "1" else queryset.exclude(frustrated=True)

    def filter_findings(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        has = Exists(SensitiveFinding.objects.filter(conversation=OuterRef("pk")))
        return queryset.filter(has if value == "1" else ~has)

    def filter_rephrased(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        has = Exists(Message.objects.filter(conversation=OuterRef("pk"), is_rephrase=True))
        return queryset.filter(has if value == "1" else ~has)

    def filter_tag(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return queryset.filter(conversation_tagged_q(normalize_tag(value)))

    def filter_segment(self, queryset: QuerySet[Conversation], name: str, value: Segment) -> QuerySet[Conversation]:
        return queryset  # its filters were merged into the data (``_with_segment``)

    def filter_text(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        # Stored content is masked, so this never matches a vaulted value. A value the policy keeps
        # as is is shown masked to every reader but compliance (selectors.displayed_pieces), so for
        # them it must not be findable either: messages holding one are left out of their search.
        matches = Message.objects.filter(conversation=OuterRef("pk"), content__icontains=value)
        if not can_unmask(_user(self.request)):
            kept = SensitiveFinding.objects.filter(message=OuterRef("pk"), action=MaskAction.KEEP)
            matches = matches.exclude(Exists(kept))
        return queryset.filter(Exists(matches))

    def sort_by(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return queryset.order_by(*SORTS[value])

    # --- reading the validated filters ------------------------------------------------------------

    def applied(self) -> list[tuple[str, str]]:
        """The filters as the URL carries them (segment's included), without paging or exports."""
        return [
            (name, value)
            for name in self.data
            if name in self.filters
            for value in self.data.getlist(name)
            if value != ""
        ]

    def segment_pairs(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value in self.applied() if name not in SEGMENT_EXCLUDED]


# --- the qualitative layer's forms -----------------------------------------------------------


class TagForm(forms.Form):
    name = forms.CharField(
        max_length=TAG_MAX_LENGTH,
        validators=[validate_tag_name],
        error_messages={"required": "Name the tag.", "max_length": f"A tag is at most {TAG_MAX_LENGTH} characters."},
    )

    def clean_name(self) -> str:
        return normalize_tag(self.cleaned_data["name"])


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write the note.",
            "max_length": f"A note is at most {NOTE_MAX_LENGTH:,} characters (it has %(show_value)d).",
        },
    )


class EndUserForm(forms.Form):
    """The end user a user-level tag or note is about (pseudonymous id, posted with the form)."""

    user = forms.CharField(max_length=128, error_messages={"required": "Say which user (their pseudonymous id)."})


class SegmentForm(forms.Form):
    name = forms.CharField(
        max_length=SEGMENT_NAME_MAX_LENGTH,
        error_messages={
            "required": "Name the segment.",
            "max_length": f"A segment name is at most {SEGMENT_NAME_MAX_LENGTH} characters.",
        },
    )
    shared = forms.BooleanField(required=False, label="Share with the organization")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Name the segment.", code="required")
        return name


class SegmentCreateForm(SegmentForm):
    # The explorer's current query string: the filters the segment saves.
    query = forms.CharField(max_length=4000, required=False, widget=forms.HiddenInput)
