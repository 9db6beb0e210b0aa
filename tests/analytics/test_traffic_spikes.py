"""Spike alerts on shadow-AI traffic (apps/analytics/shadow_rules.py), on a hand-computed series."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core import mail

from apps.analytics.decision_selectors import alerts_open_for
from apps.analytics.decision_services import alert_dismiss
from apps.analytics.delivery import finding_recipients
from apps.analytics.models import Alert, AlertReceipt
from apps.analytics.shadow_rules import traffic_spike, traffic_spikes_evaluate
from apps.analytics.tasks import decisions_run
from apps.core.exceptions import NotPermittedError
from apps.detection.models import AIUsageDaily
from apps.detection.shadow.services import egress_import_create, egress_import_run
from tests.factories import DepartmentFactory, UserFactory

DAY1 = date(2026, 2, 1)
SPIKE_DAY = DAY1 + timedelta(days=28)  # 2026-03-01, the 29th day


def _usage(department, key: str, counts: list[int], first: date = DAY1, user: str = "u1") -> None:
    AIUsageDaily.objects.bulk_create(
        AIUsageDaily(date=first + timedelta(days=i), service_key=key, department=department, user_ref=user, requests=n)
        for i, n in enumerate(counts)
        if n
    )


@pytest.fixture
def sales_spike(alpha):
    """Sales, days 1 to 28: ChatGPT 6 then 7 a day (14 days each), Claude 4 then 5; day 29: 30 + 10.

    Department series: 14 x 10 then 14 x 12 -> median 11, every deviation 1 -> MAD 1, scale 1.4826;
    day 29 = 40 -> z = (40 - 11) / 1.4826 = 19.56.
    ChatGPT: 14 x 6, 14 x 7 -> median 6.5, MAD 0.5, scale 0.7413; 30 -> z = 23.5 / 0.7413 = 31.70.
    Claude: median 4.5, MAD 0.5; 10 -> z = 7.42 > 4 but 10 < 30 requests: no alert.
    """
    sales = DepartmentFactory(name="Sales")
    _usage(sales, "openai-chatgpt", [6] * 14 + [7] * 14 + [30])
    _usage(sales, "anthropic-claude", [4] * 14 + [5] * 14 + [10])
    return sales


def test_rule_on_a_hand_computed_series() -> None:
    series = {DAY1 + timedelta(days=i): (10 if i < 14 else 12) for i in range(28)} | {SPIKE_DAY: 40}
    decision = traffic_spike(metric="m", day=SPIKE_DAY, series=series, first_day=DAY1, dims={"department": "1"})
    assert decision.fired
    ev = decision.evidence
    assert (ev["count"], ev["median"], ev["mad"]) == (40, 11, 1)
    assert ev["robust_z"] == pytest.approx(29 / 1.4826, abs=1e-3)
    assert ev["history"] == [10] * 14 + [12] * 14
    # z = (16 − 11) / 1.4826 = 3.37: not above 4.
    assert not traffic_spike(metric="m", day=SPIKE_DAY, series=series | {SPIKE_DAY: 16}, first_day=DAY1, dims={}).fired
    # The 28 days before must be covered by logs: a first log day after DAY1 makes them unknown.
    late = traffic_spike(metric="m", day=SPIKE_DAY, series=series, first_day=DAY1 + timedelta(days=1), dims={})
    assert not late.fired
    assert late.evidence["covered_by_logs"] is False
    # Below the 30-request minimum: z = (29 − 11) / 1.4826 = 12.1 but only 29 requests.
    assert not traffic_spike(metric="m", day=SPIKE_DAY, series=series | {SPIKE_DAY: 29}, first_day=DAY1, dims={}).fired


def test_department_and_service_spikes_become_alerts(sales_spike) -> None:
    report = traffic_spikes_evaluate(days=[SPIKE_DAY, SPIKE_DAY - timedelta(days=1)])
    assert (report.fired, report.created) == (2, 2)
    alerts = {tuple(sorted(a.dims.items())): a for a in Alert.objects.all()}
    department = alerts[
        (("day", "2026-03-01"), ("department", str(sales_spike.pk)), ("metric", "department_ai_requests"))
    ]
    service = alerts[(("day", "2026-03-01"), ("metric", "service_ai_requests"), ("service", "openai-chatgpt"))]
    assert department.assistant is None
    assert department.kind == "ai_traffic_spike"
    assert (department.evidence["count"], department.evidence["median"], department.evidence["mad"]) == (40, 11, 1)
    assert department.evidence["robust_z"] == pytest.approx(19.56, abs=0.01)
    assert department.summary == (
        "AI traffic of Sales spiked to 40 requests on 2026-03-01 (median 11 over the previous 28 days, "
        "MAD 1, robust z = 19.6)"
    )
    assert (service.evidence["median"], service.evidence["mad"]) == (6.5, 0.5)
    assert service.evidence["robust_z"] == pytest.approx(31.70, abs=0.01)
    assert service.summary.startswith("Use of ChatGPT spiked to 30 requests on 2026-03-01")

    # De-duplicated: the next run refreshes the open alerts.
    again = traffic_spikes_evaluate(days=[SPIKE_DAY])
    assert (again.fired, again.created, again.refreshed) == (2, 0, 2)
    assert Alert.objects.count() == 2


def test_delivered_to_admin_and_compliance_only(sales_spike, django_capture_on_commit_callbacks) -> None:
    admin = UserFactory(roles=["admin"], email="boss@alpha.test")
    officer = UserFactory(roles=["compliance"], email="officer@alpha.test")
    owner = UserFactory(roles=["owner", "product"], email="owner@alpha.test")
    owner.departments.add(sales_spike)
    with django_capture_on_commit_callbacks(execute=True):
        report = decisions_run(today=SPIKE_DAY)
    assert len(report.new_alert_ids) == 2
    alert = Alert.objects.get(pk=report.new_alert_ids[0])
    recipients = {u.email for u in finding_recipients(finding=alert)}
    assert {"boss@alpha.test", "officer@alpha.test"} <= recipients
    assert "owner@alpha.test" not in recipients
    assert AlertReceipt.objects.filter(alert=alert, user=owner).count() == 0
    assert AlertReceipt.objects.filter(alert=alert, user__in=[admin, officer]).count() == 2
    sent_to = {to for message in mail.outbox for to in message.to}
    assert {"boss@alpha.test", "officer@alpha.test"} <= sent_to
    assert "owner@alpha.test" not in sent_to
    assert "[Tessera] AI traffic spike · organization:" in mail.outbox[0].subject
    # Seen by admin and compliance, not by a department owner; closed by them only.
    assert alerts_open_for(user=officer).count() == 2
    assert alerts_open_for(user=owner).count() == 0
    with pytest.raises(NotPermittedError):
        alert_dismiss(actor=owner, alert=alert)
    assert alert_dismiss(actor=officer, alert=alert).status == "dismissed"


def test_alerts_api_serializes_an_alert_without_assistant(sales_spike, alpha_client) -> None:
    traffic_spikes_evaluate(days=[SPIKE_DAY])
    alpha_client.force_login(UserFactory(roles=["compliance"]))
    rows = alpha_client.get("/api/v1/alerts/?kind=ai_traffic_spike").json()["results"]
    assert sorted(r["dims"]["metric"] for r in rows) == ["department_ai_requests", "service_ai_requests"]
    assert {(r["assistant"], r["assistant_name"]) for r in rows} == {(None, None)}


def test_an_egress_import_triggers_the_rule(alpha, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
    """28 days of unattributed ChatGPT traffic (5 a day), then a Squid log of day 29 with 45 requests."""
    _usage(None, "openai-chatgpt", [5] * 14 + [6] * 14)
    epoch = 1772323200  # 2026-03-01T00:00:00Z
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            f"{epoch + 3600 + i}.000 120 10.0.0.7 TCP_TUNNEL/200 2048 CONNECT chatgpt.com:443 - HIER_DIRECT/1.2.3.4 -\n"
            for i in range(45)
        )
    )
    record = egress_import_create(actor=None, path=log, filename="access.log", fmt="squid")
    with django_capture_on_commit_callbacks(execute=True):
        egress_import_run(import_id=record.pk, path=log)
    alerts = {a.dims["metric"]: a for a in Alert.objects.filter(kind="ai_traffic_spike")}
    assert set(alerts) == {"department_ai_requests", "service_ai_requests"}
    assert alerts["department_ai_requests"].dims["department"] == "unattributed"
    assert alerts["department_ai_requests"].evidence["count"] == 45
