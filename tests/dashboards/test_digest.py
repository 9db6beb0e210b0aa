"""The weekly digest on the hand-counted world of conftest.py (June 2026).

Digest of June 11: the week June 4-10 against May 28 - June 3.
Active users: June 4-10 HR h3..h9 and h4..h9,h0 -> {h0, h3..h9} = 8, Sales s4, s5 -> 10;
              May 28 - June 3 HR h0..h3 = 4, Sales s1..s3 = 3 -> 7. +43% (>= 20%: notable).
Success:      June 4-10 HR 7/14 + Sales 2/2 = 9/16; before HR 3/6 + Sales 3/3 = 6/9: not significant.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from apps.dashboards.digest import digest_build, digest_email
from tests.dashboards.conftest import DashWorld

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 11)


def test_the_admin_digest_states_what_changed_by_hand_count(dash_world: DashWorld) -> None:
    digest = digest_build(user=dash_world.users["admin"], today=TODAY)
    assert (digest.week_from, digest.week_to) == (date(2026, 6, 4), date(2026, 6, 10))
    changes = {c.kpi.slug: c for c in digest.changes}
    assert list(changes) == ["active_users", "success_rate", "cost_usd", "value_usd"]
    assert changes["active_users"].kpi.display == "10"
    assert changes["active_users"].kpi.change == "+43% vs previous 7 days"
    assert changes["active_users"].notable is True
    assert changes["success_rate"].kpi.display == "56.2%"  # 9/16
    assert changes["success_rate"].kpi.change == "-10.4 pts vs previous 7 days"  # 9/16 - 6/9
    assert changes["success_rate"].notable is False  # p far above 0.05 at n = 16 / 9
    assert [c.kpi.slug for c in digest.notable] == ["active_users"]


def test_each_role_gets_its_own_metrics_and_scope(dash_world: DashWorld) -> None:
    cx = digest_build(user=dash_world.users["cx"], today=TODAY)
    assert [c.kpi.slug for c in cx.changes] == [
        "frustration_rate",
        "abandonment_rate",
        "escalation_rate",
        "success_rate",
    ]
    # cx belongs to HR: HR's 7 of 14 only, not the Sales conversations.
    assert {c.kpi.slug: c.kpi.display for c in cx.changes}["success_rate"] == "50.0%"
    viewer = digest_build(user=dash_world.users["viewer"], today=TODAY)
    assert [c.kpi.slug for c in viewer.changes] == ["active_users", "conversations", "success_rate", "thumbs_up_rate"]
    assert viewer.examples == []


def test_the_digest_email_carries_the_numbers_and_absolute_links(dash_world: DashWorld) -> None:
    digest = digest_build(user=dash_world.users["admin"], today=TODAY)
    digest_email(digest=digest, base_url="https://alpha.example.com/").send()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["dash-admin@alpha.test"]
    assert sent.subject == "Tessera weekly digest, 04 Jun – 10 Jun 2026"
    assert "Active users: 10 (+43% vs previous 7 days)" in sent.body
    assert "https://alpha.example.com/dashboards/digest/" in sent.body
    html = sent.alternatives[0][0]
    assert 'href="https://alpha.example.com/dashboards/conversations/?' in html


def test_the_in_app_digest_opens_for_every_role(dash_world: DashWorld) -> None:
    for role in ("admin", "viewer", "compliance"):
        response = dash_world.client(role).get("/dashboards/digest/")
        assert response.status_code == 200
        assert b"What changed" in response.content or b"Nothing to report" in response.content
