"""Sending the weekly digest: once per person and week, from Monday's send hour, retried after a
mail failure, never to someone who turned it off (docs/dashboards.md "Weekly digest").

On conftest's June 2026 world (June 1 is a Monday) the week due on Monday June 8 after 07:00 is
June 1-7. Every one of the six role users sees at least one assistant with traffic that week,
so each gets an e-mail, as does Alpha's admin; an extra user without roles gets none.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from io import StringIO
from smtplib import SMTPServerDisconnected
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from apps.dashboards.models import DigestDelivery
from apps.dashboards.services import digest_week_due, digests_send_due
from tests.conftest import ALPHA
from tests.dashboards.conftest import ROLES, DashWorld
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
MONDAY_9 = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)
BASE = "https://alpha.example.com"
PEOPLE = len(ROLES) + 1  # the six role users and Alpha's own admin (tests/conftest.py)


class DownMailServer(BaseEmailBackend):
    """The organization's mail server refusing connections (outside the product)."""

    def send_messages(self, email_messages: object) -> int:
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.mark.parametrize(
    ("now", "week_from"),
    [
        (datetime(2026, 6, 8, 6, 59, tzinfo=UTC), date(2026, 5, 25)),  # Monday before the send hour: still last week's
        (datetime(2026, 6, 8, 7, 0, tzinfo=UTC), date(2026, 6, 1)),
        (datetime(2026, 6, 10, 15, 0, tzinfo=UTC), date(2026, 6, 1)),  # a late run catches up the same week
        (datetime(2026, 6, 15, 6, 0, tzinfo=UTC), date(2026, 6, 1)),
        (datetime(2026, 6, 15, 7, 30, tzinfo=UTC), date(2026, 6, 8)),
    ],
)
def test_the_week_due_starts_on_the_monday_send_hour(now: datetime, week_from: date) -> None:
    assert django_settings.TESSERA_DIGEST_SEND_HOUR == 7
    assert digest_week_due(now) == week_from


def test_each_person_gets_the_week_once_however_often_it_runs(dash_world: DashWorld) -> None:
    UserFactory(email="no-roles@alpha.test", roles=[])
    first = digests_send_due(now_local=MONDAY_9, base_url=BASE)
    assert (first.sent, first.empty, first.failed) == (PEOPLE, 0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [ALPHA["admin_email"], *(f"dash-{role}@alpha.test" for role in ROLES)]
    )
    assert {m.subject for m in mail.outbox} == {"Tessera weekly digest, 01 Jun – 07 Jun 2026"}
    assert set(DigestDelivery.objects.values_list("status", flat=True)) == {DigestDelivery.Status.SENT}

    again = digests_send_due(now_local=MONDAY_9.replace(hour=10), base_url=BASE)
    assert (again.sent, again.skipped) == (0, PEOPLE)
    assert len(mail.outbox) == PEOPLE
    # The next week is a new digest.
    later = digests_send_due(now_local=datetime(2026, 6, 15, 8, 0, tzinfo=UTC), base_url=BASE)
    assert later.sent + later.empty == PEOPLE
    assert DigestDelivery.objects.filter(week_from=date(2026, 6, 8)).count() == PEOPLE


def test_a_week_with_no_traffic_records_empty_and_sends_nothing(dash_world: DashWorld) -> None:
    run = digests_send_due(now_local=datetime(2026, 8, 3, 8, 0, tzinfo=UTC), base_url=BASE)
    assert (run.sent, run.empty) == (0, PEOPLE)
    assert mail.outbox == []


def test_a_mail_failure_is_recorded_and_retried_by_the_next_run(dash_world: DashWorld, settings) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.DownMailServer"
    failed = digests_send_due(now_local=MONDAY_9, base_url=BASE)
    assert (failed.sent, failed.failed) == (0, PEOPLE)
    row = DigestDelivery.objects.get(user=dash_world.users["admin"])
    assert (row.status, row.attempts) == (DigestDelivery.Status.FAILED, 1)
    assert row.error == "SMTPServerDisconnected: Connection unexpectedly closed"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = digests_send_due(now_local=MONDAY_9.replace(hour=10), base_url=BASE)
    assert (retried.sent, retried.failed) == (PEOPLE, 0)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == (DigestDelivery.Status.SENT, 2, "")
    assert len(mail.outbox) == PEOPLE


def test_retries_stop_after_the_last_attempt(dash_world: DashWorld, settings) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.DownMailServer"
    settings.TESSERA_DIGEST_MAX_ATTEMPTS = 2
    assert digests_send_due(now_local=MONDAY_9, base_url=BASE).failed == PEOPLE
    assert digests_send_due(now_local=MONDAY_9, base_url=BASE).failed == PEOPLE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    third = digests_send_due(now_local=MONDAY_9, base_url=BASE)
    assert (third.sent, third.skipped) == (0, PEOPLE)
    assert mail.outbox == []


def test_a_person_turns_their_own_digest_email_off_and_on(dash_world: DashWorld) -> None:
    viewer = dash_world.client("viewer")
    page = viewer.get("/dashboards/digest/")
    assert b"Stop the e-mail" in page.content
    assert viewer.post("/dashboards/digest/subscription/", {"email": "off"}).status_code == 302
    assert b"E-mail it to me every Monday" in viewer.get("/dashboards/digest/").content

    run = digests_send_due(now_local=MONDAY_9, base_url=BASE)
    assert run.sent == PEOPLE - 1
    assert "dash-viewer@alpha.test" not in [m.to[0] for m in mail.outbox]

    bad = viewer.post("/dashboards/digest/subscription/", {"email": "maybe"})
    assert (bad.status_code, bad.content) == (400, b"email must be 'on' or 'off'")
    assert viewer.post("/dashboards/digest/subscription/", {"email": "on"}).status_code == 302
    assert digests_send_due(now_local=MONDAY_9, base_url=BASE).sent == 1  # only the viewer's, now due


def test_the_command_sends_as_the_task_does_and_prints_a_summary(dash_world: DashWorld) -> None:
    out = StringIO()
    call_command("send_digests", "--org", ALPHA["slug"], "--now", "2026-06-08T09:00", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary == {
        "org": ALPHA["slug"],
        "week_from": "2026-06-01",
        "sent": PEOPLE,
        "empty": 0,
        "failed": 0,
        "skipped": 0,
    }
    sent = mail.outbox[0]
    assert "http://alpha.localhost:8000/dashboards/digest/" in sent.body  # the organization's own address


def test_the_hourly_beat_entry_runs_the_digest_task() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["dashboards-weekly-digests"]
    assert entry["task"] == "apps.dashboards.tasks.send_weekly_digests_all_tenants"
    assert entry["schedule"] == 3600.0
