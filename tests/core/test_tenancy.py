"""Per-tenant beat jobs are dispatchers: one task per organization, so one failure stays its own."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.tenancy import dispatch_per_tenant
from config.celery import app

MARKER = "dispatch-marker@{schema}.test"


@shared_task
def create_marker_user(fail_in: str) -> str:
    """Per-tenant work that fails in one organization and leaves a row in the others."""
    schema = connection.schema_name
    if schema == fail_in:
        raise RuntimeError(f"organization {schema} failed")
    User.objects.create_user(email=MARKER.format(schema=schema), password=None, roles=["viewer"])
    return schema


def test_a_failing_tenant_does_not_stop_the_others(organizations, db, caplog) -> None:
    connection.set_schema_to_public()  # where beat runs the dispatchers
    with caplog.at_level(logging.ERROR):
        sent = dispatch_per_tenant(create_marker_user, fail_in="alpha")

    assert list(sent) == ["alpha", "beta"]  # alpha first: its failure comes before beta's work
    with schema_context("beta"):
        assert User.objects.filter(email=MARKER.format(schema="beta")).count() == 1
    with schema_context("alpha"):
        assert not User.objects.filter(email__startswith="dispatch-marker@").exists()
    assert "organization alpha failed" in caplog.text  # reported, not swallowed
    assert connection.schema_name == "public"


def test_beat_schedule_names_registered_dispatchers() -> None:
    app.loader.import_default_modules()
    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert names == [
        "apps.ingestion.tasks.requeue_stale_batches_all_tenants",
        "apps.ingestion.tasks.prune_raw_events_all_tenants",
        "apps.nlp.tasks.recluster_intents_all_tenants",
        "apps.compliance.tasks.apply_retention_all_tenants",
        "apps.analytics.tasks.refresh_ended_rollups_all_tenants",
        "apps.analytics.tasks.evaluate_decisions_all_tenants",
        "apps.dashboards.tasks.send_weekly_digests_all_tenants",
    ]
    assert all(name in app.tasks for name in names)
