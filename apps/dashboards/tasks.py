"""Periodic work of the dashboards: the weekly digest e-mail."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from apps.analytics.services import tenant_tz
from apps.core.tenancy import dispatch_per_tenant
from apps.dashboards.services import digests_send_due
from apps.tenants.selectors import organization_base_url


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_weekly_digests() -> dict[str, Any]:
    """One organization: e-mail the digest of the last whole week to whoever has not had it."""
    now_local = timezone.localtime(timezone.now(), tenant_tz())
    return digests_send_due(now_local=now_local, base_url=organization_base_url()).as_dict()


@shared_task
def send_weekly_digests_all_tenants() -> dict[str, str]:
    """Beat entry point (public schema), hourly: sending is idempotent per person and week, so an
    hourly run sends each digest once, on Monday morning, and catches up after any outage."""
    return dispatch_per_tenant(send_weekly_digests)
