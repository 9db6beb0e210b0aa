"""How a dashboard page is served: roles, the filter bar, htmx partials and CSV exports.

Every dashboard view is ``render_dashboard(request, template=..., roles=..., build=...)``: the
build function takes the validated ``Scope`` and returns the page's context (headlines, KPIs,
charts, tables). One mechanism then gives every table its CSV export (``?export=<table id>``),
every page its htmx partial (the ``body`` partial of the page template when the filter bar
swaps it), and every malformed filter a 400 with the filter bar's own errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.permissions import has_role
from apps.accounts.request import request_user
from apps.analytics.privacy import reads_cached
from apps.core.tables import Chart, Table
from apps.dashboards.scope import Scope, scope_from_request


@dataclass(frozen=True)
class Headline:
    """One finding stated as a sentence, with its evidence and the conversations behind it."""

    text: str
    evidence: str = ""
    href: str | None = None
    tone: str = ""  # good | bad | ""
    link_text: str = "see conversations"  # what ``href`` leads to (another page may link findings)


def _tables(context: dict[str, Any]) -> Iterable[Table]:
    for value in context.values():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, Table):
                yield item
            elif isinstance(item, Chart):
                yield item.table


def render_dashboard(
    request: HttpRequest,
    *,
    template: str,
    roles: Iterable[str],
    build: Callable[[Scope], dict[str, Any]],
    title: str,
    page_form: forms.Form | None = None,
) -> HttpResponseBase:
    """``page_form`` holds a page's own filters (bound to ``request.GET``): drawn in the filter bar,
    a 400 with its errors when invalid like the bar's own, and kept in the page's links and exports.
    ``build`` reads its ``cleaned_data``."""
    user = request_user(request)
    if not has_role(user, *roles):
        raise PermissionDenied(f"The {title} page is not open to your roles.")
    result = scope_from_request(request, user=user)
    context: dict[str, Any] = {"form": result.form, "page_form": page_form, "page_title": title, "scope": None}
    # The filter bar swaps only the body (htmx), a 400 with its errors included.
    partial = getattr(request, "htmx", False) and request.htmx.target == "dashboard-body"  # type: ignore[attr-defined]
    page_form_ok = page_form is None or page_form.is_valid()  # validated even beside a bad bar: all errors at once
    if result.scope is None or not page_form_ok:
        return render(request, f"{template}#body" if partial else template, context, status=400)
    scope = result.scope
    if page_form is not None:
        names = tuple(page_form.fields)
        own = tuple((k, v) for k in names for v in request.GET.getlist(k) if v != "")
        scope = replace(scope, params=scope.params + own, page_filters=names)
    context["scope"] = scope
    # A page's KPI strip, charts and tables read many of the same cuts (and the privacy settings and
    # people counts behind each): within one request each distinct read runs once.
    with reads_cached():
        context.update(build(scope))
    export = request.GET.get("export")
    if export:
        for table in _tables(context):
            if table.id == export:
                return table.csv(title.lower().replace(" ", "-"), values="text")
        raise Http404(f"No table {export!r} on this page.")
    if partial:
        return render(request, f"{template}#body", context)
    return render(request, template, context)


def dashboard(
    *, template: str, roles: Iterable[str], title: str
) -> Callable[[Callable[[Scope], dict[str, Any]]], Callable[[HttpRequest], HttpResponseBase]]:
    """Decorator form of ``render_dashboard`` for a page whose view is only its build function."""
    roles = tuple(roles)

    def wrap(build: Callable[[Scope], dict[str, Any]]) -> Callable[[HttpRequest], HttpResponseBase]:
        @login_required
        @require_GET
        def view(request: HttpRequest) -> HttpResponseBase:
            return render_dashboard(request, template=template, roles=roles, build=build, title=title)

        view.__name__ = build.__name__
        view.__doc__ = build.__doc__
        return view

    return wrap
