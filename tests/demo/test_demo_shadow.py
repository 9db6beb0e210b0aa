"""The demo's proxy logs: planted shadow-AI use shows up per department, with the planted decisions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from apps.analytics.models import Alert, AlertKind
from apps.audit.models import AuditEntry
from apps.demo.egress import (
    EGRESS_DAYS,
    LAUNCH,
    LAUNCH_DAYS_BEFORE_ANCHOR,
    MALFORMED_LINES,
    PLANTED,
    SPIKE_DAYS,
    egress_lines,
    egress_window,
)
from apps.demo.services import DEMO_SHADOW_DECISIONS, demo_portfolio_ensure, demo_shadow_ai_ensure
from apps.detection.models import AIUsageDaily, EgressImport, ShadowAIFinding
from apps.detection.shadow.selectors import finding_trend, findings_list
from apps.detection.shadow.signal_selectors import launch_impacts
from apps.registry.models import Assistant
from tests.factories import UserFactory

TODAY = date(2026, 3, 15)


def test_the_log_is_deterministic_and_small() -> None:
    first = list(egress_lines(seed=42, anchor=TODAY))
    assert first == list(egress_lines(seed=42, anchor=TODAY))
    assert first != list(egress_lines(seed=7, anchor=TODAY))
    assert 5_000 < len(first) <= 20_000
    start, end = egress_window(TODAY)
    assert (start, end) == (TODAY - timedelta(days=EGRESS_DAYS), TODAY - timedelta(days=1))


@pytest.fixture
def demo_shadow(alpha) -> dict:
    portfolio = demo_portfolio_ensure(today=TODAY)
    compliance = UserFactory(email="demo-compliance@alpha.test", roles=["compliance"])
    result = demo_shadow_ai_ensure(seed=42, anchor=portfolio.anchor)
    return {"result": result, "anchor": portfolio.anchor, "compliance": compliance}


@pytest.mark.django_db
def test_planted_services_are_findings_of_the_right_departments(demo_shadow) -> None:
    report = demo_shadow["result"].report
    assert demo_shadow["result"].imported
    assert report["malformed"] == len(MALFORMED_LINES)
    assert report["parsed"] == report["lines"] - len(MALFORMED_LINES)
    rows = {(r.department, r.service_key): r for r in findings_list(user=demo_shadow["compliance"])}
    planted = {(p.department or "unattributed", p.service): p for p in PLANTED}
    assert set(rows) == set(planted)
    approved = {(d, k) for d, k, status, _note in DEMO_SHADOW_DECISIONS if status == "approved"}
    for key, plan in planted.items():
        # The registry's verdict, or the demo's approval of that finding (it sanctions that use).
        assert rows[key].sanctioned is (plan.sanctioned or key in approved), key
    shadow_by_department = {
        dept: sorted(k for (d, k), r in rows.items() if d == dept and not r.sanctioned)
        for dept in ("Sales", "Engineering", "Marketing", "HR", "Customer Support")
    }
    assert shadow_by_department["Sales"] == ["grammarly", "openai-chatgpt", "otter", "perplexity"]
    assert shadow_by_department["Engineering"] == ["cursor", "deepseek-chat"]  # Copilot: approved
    assert rows[("unattributed", "huggingface")].department_id is None


@pytest.mark.django_db
def test_planted_decisions_are_taken_and_audited(demo_shadow) -> None:
    statuses = {
        (f.department.name if f.department else "", f.service_key): f.status for f in ShadowAIFinding.objects.all()
    }
    assert statuses[("Engineering", "github-copilot")] == "approved"
    assert statuses[("Engineering", "deepseek-chat")] == "blocked"
    assert statuses[("Sales", "openai-chatgpt")] == "acknowledged"
    assert sorted(s for s in statuses.values() if s != "new") == ["acknowledged", "approved", "blocked"]
    audited = AuditEntry.objects.filter(action__startswith="shadow_ai.finding.")
    assert sorted(audited.values_list("action", flat=True)) == [
        "shadow_ai.finding.acknowledged",
        "shadow_ai.finding.approved",
        "shadow_ai.finding.blocked",
    ]
    assert set(audited.values_list("actor_label", flat=True)) == {"demo-compliance@alpha.test"}


@pytest.mark.django_db
def test_trends_grow_and_one_service_spikes(demo_shadow) -> None:
    sales = ShadowAIFinding.objects.get(service_key="openai-chatgpt", department__name="Sales").department_id
    trend = dict(finding_trend(service_key="openai-chatgpt", department_id=sales))
    end = demo_shadow["anchor"] - timedelta(days=1)
    weekdays = [end - timedelta(days=i) for i in range(EGRESS_DAYS) if (end - timedelta(days=i)).weekday() < 5]
    recent = [trend.get(d, 0) for d in weekdays if (end - d).days < SPIKE_DAYS]
    before = [trend.get(d, 0) for d in weekdays if (end - d).days >= SPIKE_DAYS]
    assert sum(recent) / len(recent) > 4 * sum(before) / len(before)

    engineering = ShadowAIFinding.objects.get(service_key="github-copilot").department_id
    copilot = finding_trend(service_key="github-copilot", department_id=engineering)
    first_week = sum(n for d, n in copilot if (d - copilot[0][0]).days < 7)
    last_week = sum(n for d, n in copilot if (end - d).days < 7)
    assert last_week > 2 * first_week


@pytest.mark.django_db
def test_a_rerun_counts_nothing_twice(demo_shadow) -> None:
    usage = sorted(AIUsageDaily.objects.values_list("date", "service_key", "department_id", "user_ref", "requests"))
    again = demo_shadow_ai_ensure(seed=42, anchor=demo_shadow["anchor"])
    assert again.imported is False
    assert again.decisions == []
    assert EgressImport.objects.count() == 1
    assert usage == sorted(
        AIUsageDaily.objects.values_list("date", "service_key", "department_id", "user_ref", "requests")
    )
    assert AuditEntry.objects.filter(action__startswith="shadow_ai.finding.").count() == 3


@pytest.mark.django_db
def test_the_planted_spike_is_an_open_alert(demo_shadow) -> None:
    alerts = Alert.objects.filter(kind=AlertKind.AI_TRAFFIC_SPIKE)
    services = {a.dims.get("service") for a in alerts}
    assert "openai-chatgpt" in services  # six weeks of logs: the last days have 28 covered days before
    end = demo_shadow["anchor"] - timedelta(days=1)
    days = {date.fromisoformat(a.dims["day"]) for a in alerts}
    assert days <= {end - timedelta(days=i) for i in range(SPIKE_DAYS)}


@pytest.mark.django_db
def test_the_planted_launch_shows_a_real_before_after(demo_shadow) -> None:
    anchor = demo_shadow["anchor"]
    studio = Assistant.objects.get(name=LAUNCH.name)
    impacts = {i.assistant: i for i in launch_impacts(user=demo_shadow["compliance"], today=anchor - timedelta(days=1))}
    impact = impacts[LAUNCH.name]
    assert impact.assistant_id == studio.pk
    assert impact.approved_on == anchor - timedelta(days=LAUNCH_DAYS_BEFORE_ANCHOR)
    assert impact.category == "image_generation"
    assert "midjourney" in impact.services
    assert (impact.before.days, impact.after.days) == (28, LAUNCH_DAYS_BEFORE_ANCHOR - 1)
    assert impact.requests_change is not None
    assert impact.requests_change < -0.5
    assert impact.requests_p_value is not None
    assert impact.requests_p_value < 0.01
    assert "fell" in impact.summary
    # The assistants launched months before the logs: said honestly, not "no shadow use".
    assert "no egress log covers the days before it" in impacts["Sales copilot"].summary
