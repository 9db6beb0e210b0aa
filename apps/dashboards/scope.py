"""The one filter bar of every dashboard page (DESIGN.md "Pages: how an answer is shown").

A page's URL carries its filters (``from``, ``to``, ``assistant`` (repeatable), ``department``,
``variant``, ``feature``, ``language``, ``user_department``, ``dim1``..``dim3``, ``interval``) so
any view can be shared as a link. ``scope_from_request`` validates them against what the user may
see (an assistant or department outside the user's scope is a form error, exactly like an id that
does not exist) and returns a ``Scope`` every widget reads. The same names are the conversation
explorer's, so "show me the conversations behind this number" keeps the filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, QueryDict

from apps.accounts.models import User
from apps.analytics.services import tenant_today
from apps.registry.models import Assistant, Department
from apps.registry.selectors import assistants_visible_to, departments_visible_to

DEFAULT_DAYS = 30
MAX_DAYS = 731
INTERVAL_CHOICES = (("", "Automatic"), ("day", "Day"), ("week", "Week"), ("month", "Month"))
# Filter-bar names → the metric engine's dimension names (apps.analytics.engine.COLUMNS).
ENGINE_FILTERS = {
    "variant": "variant",
    "feature": "feature",
    "language": "language",
    "user_department": "department",
    "dim1": "dim1",
    "dim2": "dim2",
    "dim3": "dim3",
}
EXPLORER_URL = "/dashboards/conversations/"
USER_JOURNEY_URL = "/dashboards/users/"
# Explorer-only filters, beyond the filter bar's (docs/dashboards.md "Links"): a number anywhere
# links to the explorer with these set, e.g. ``scope.explorer_url(outcome="escalated")``.
EXPLORER_FILTERS = ("intent", "outcome", "frustrated", "findings", "rephrased", "user", "tag", "segment", "q")


def conversation_url(conversation_id: int) -> str:
    return f"{EXPLORER_URL}{conversation_id}/"


def user_journey_url(user_id: str) -> str:
    """One pseudonymous user's journey; the id travels as a parameter (ids may hold any character)."""
    return f"{USER_JOURNEY_URL}?{urlencode({'user': user_id})}"


class FilterForm(forms.Form):
    """Validates the filter bar; the ``from`` field is added in ``__init__`` (a Python keyword)."""

    assistant = forms.ModelMultipleChoiceField(queryset=Assistant.objects.none(), required=False)
    department: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )
    variant = forms.CharField(max_length=128, required=False)
    feature = forms.CharField(max_length=128, required=False)
    language = forms.CharField(max_length=8, required=False)
    user_department = forms.CharField(max_length=128, required=False, label="User's department")
    dim1 = forms.CharField(max_length=128, required=False, label="Dimension 1")
    dim2 = forms.CharField(max_length=128, required=False, label="Dimension 2")
    dim3 = forms.CharField(max_length=128, required=False, label="Dimension 3")
    interval = forms.ChoiceField(choices=INTERVAL_CHOICES, required=False)

    def __init__(self, data: QueryDict | Mapping[str, Any] | None, *, user: User, today: date) -> None:
        super().__init__(data)
        self.today = today
        self.fields = {
            "from": forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})),
            "to": forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})),
            **self.fields,
        }
        assistant_field = self.fields["assistant"]
        assert isinstance(assistant_field, forms.ModelMultipleChoiceField)
        assistant_field.queryset = assistants_visible_to(user=user).order_by("name")
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.ModelChoiceField)
        department_field.queryset = departments_visible_to(user=user).order_by("name")

    def clean(self) -> dict[str, Any]:
        return clean_date_range(self, super().clean() or {}, today=self.today)


def clean_date_range(form: forms.Form, data: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The bar's dates in ``data``: ``to`` defaults to today and ``from`` to DEFAULT_DAYS before it;
    a range runs forwards and spans at most MAX_DAYS (errors on ``from``). Any form carrying the
    bar's ``from``/``to`` (the explorer's FilterSet too) cleans them here."""
    end = data.get("to") or today
    start = data.get("from") or (end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        form.add_error("from", "'From' must be on or before 'To'.")
    elif (end - start).days + 1 > MAX_DAYS:
        form.add_error("from", f"A range spans at most {MAX_DAYS} days.")
    data["from"], data["to"] = start, end
    return data


def auto_interval(start: date, end: date) -> str:
    days = (end - start).days + 1
    return "day" if days <= 62 else "week" if days <= 190 else "month"


@dataclass(frozen=True)
class Scope:
    """Validated filters of one page request: what every widget on the page reads."""

    user: User
    date_from: date
    date_to: date
    interval: str
    assistants: tuple[Assistant, ...]
    filters: Mapping[str, str]  # engine dimension → value
    params: tuple[tuple[str, str], ...] = field(default=())  # the URL's filters, for links
    # A page's own filters (``render_dashboard(page_form=...)``, e.g. the portfolio's vendor): kept
    # in the page's links and exports, dropped from explorer links (the explorer does not know them).
    page_filters: tuple[str, ...] = field(default=())

    @property
    def assistant_ids(self) -> list[int]:
        return [a.pk for a in self.assistants]

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Scope:
        """The period of the same length just before this one (the KPI strip's comparison)."""
        end = self.date_from - timedelta(days=1)
        return replace(self, date_from=end - timedelta(days=self.days - 1), date_to=end)

    def query(self, drop: Iterable[str] = (), **overrides: Any) -> str:
        """This page's query string with some parameters replaced (None removes one)."""
        dropped = set(drop) | set(overrides)
        pairs = [(k, v) for k, v in self.params if k not in dropped]
        for key, value in overrides.items():
            values = value if isinstance(value, list | tuple) else [value]
            pairs += [(key, str(v)) for v in values if v is not None and v != ""]
        return urlencode(pairs)

    def explorer_url(self, **extra: Any) -> str:
        """The conversations behind a number, with this page's filters and ``extra`` ones; the
        period is always explicit (the page's default range is not necessarily the explorer's)."""
        period = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        qs = self.query(drop=("interval", "export", *self.page_filters), **{**period, **extra})
        return f"{EXPLORER_URL}?{qs}" if qs else EXPLORER_URL


@dataclass
class ScopeResult:
    form: FilterForm
    scope: Scope | None


def given(query: QueryDict) -> QueryDict:
    """The parameters of ``query`` that carry a value: a form sends its blank choices ("All
    assistants" is ``assistant=``), and a blank means no filter, not an invalid one."""
    kept = QueryDict(mutable=True)
    for name in query:
        for value in query.getlist(name):
            if value != "":
                kept.appendlist(name, value)
    return kept


def scope_from_request(request: HttpRequest, *, user: User) -> ScopeResult:
    form = FilterForm(given(request.GET), user=user, today=tenant_today())
    if not form.is_valid():
        return ScopeResult(form=form, scope=None)
    data = form.cleaned_data
    assistants = list(data["assistant"]) or list(form.fields["assistant"].queryset)  # type: ignore[attr-defined]
    if data["department"] is not None:
        assistants = [a for a in assistants if a.department_id == data["department"].pk]
    filters = {dim: data[name] for name, dim in ENGINE_FILTERS.items() if data.get(name)}
    keep = {"from", "to", "assistant", "department", "interval", *ENGINE_FILTERS}
    params = tuple((k, v) for k in request.GET for v in request.GET.getlist(k) if k in keep and v != "")
    scope = Scope(
        user=user,
        date_from=data["from"],
        date_to=data["to"],
        interval=data["interval"] or auto_interval(data["from"], data["to"]),
        assistants=tuple(assistants),
        filters=filters,
        params=params,
    )
    return ScopeResult(form=form, scope=scope)
