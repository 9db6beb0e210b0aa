"""The decision runner on hand-built enriched data: factories write the record, the rollups are
rebuilt from it, ``decisions_evaluate`` reads them through the engine. Each assistant plants one
finding; the expected numbers are counted by hand below.

- Lingo bot (language gap), on day T-3: 40 English conversations (36 resolved, 4 abandoned) and
  40 Spanish ones (10 resolved, 30 abandoned): Spanish success 10/40 = 25% vs 36/40 = 90%.
- Launch bot (sunset), audience 40, launched T-59: 12 people on the launch day and 20 more on
  T-55..T-50 (32 active in [T-59, T-30]); 2 of them come back on T-5: day-1 adoption 12/40 = 30%,
  30-day return 2/32 = 6.25%.
- Slide bot (degradation), one output per conversation: 100 on T-20 (80 copied, 20 dismissed),
  50 on T-3 (20 copied, 30 dismissed): acceptance 20/50 = 40% vs 80/100 = 80%; an accepted last
  output resolves the conversation, so success falls the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command

from apps.analytics.decision_services import alert_resolve, recommendation_resolve
from apps.analytics.decisions import decisions_evaluate
from apps.analytics.models import Alert, Recommendation
from apps.analytics.services import day_start, rollups_rebuild, tenant_today
from apps.conversations.models import Conversation
from tests.factories import ActionFactory, AssistantFactory, ConversationFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = tenant_today()


def _at(days_ago: int, minute: int = 0) -> datetime:
    return day_start(TODAY - timedelta(days=days_ago)) + timedelta(hours=1, minutes=minute)


def _conv(assistant, n: int, days_ago: int, *, user: str | None = None, **fields) -> Conversation:
    start = _at(days_ago, n % 60)
    conv = ConversationFactory(
        assistant=assistant, started_at=start, last_event_at=start + timedelta(minutes=2), user_messages=1, **fields
    )
    MessageFactory(conversation=conv, role="user", ts=start)
    if user is not None:
        Conversation.objects.filter(pk=conv.pk).update(user_id=user)
    return conv


@pytest.fixture
def planted(alpha):
    lingo = AssistantFactory(name="Lingo bot")
    en = [_conv(lingo, i, 3, language="en", outcome="resolved" if i < 36 else "abandoned") for i in range(40)]
    es = [_conv(lingo, i, 3, language="es", outcome="resolved" if i < 10 else "abandoned") for i in range(40)]

    launch = AssistantFactory(name="Launch bot", audience_size=40, launched_on=TODAY - timedelta(days=59))
    for i in range(12):
        _conv(launch, i, 59, user=f"early-{i}")
    for i in range(20):
        _conv(launch, i, 55 - i % 6, user=f"later-{i}")
    for user in ("early-0", "later-0"):
        _conv(launch, 0, 5, user=user)

    slide = AssistantFactory(name="Slide bot")
    recent = []
    for i, (days_ago, accepted) in enumerate([(20, i < 80) for i in range(100)] + [(3, i < 20) for i in range(50)]):
        conv = _conv(slide, i, days_ago)
        output = MessageFactory(conversation=conv, role="assistant", ts=conv.started_at + timedelta(seconds=20))
        ActionFactory(message=output, action="copy" if accepted else "dismiss")
        if days_ago == 3:
            recent.append((conv.pk, accepted))
    rollups_rebuild()
    return {"lingo": lingo, "launch": launch, "slide": slide, "en": en, "es": es, "recent": recent}


def test_planted_findings_fire_with_their_evidence(planted) -> None:
    report = decisions_evaluate(today=TODAY)

    gap = Recommendation.objects.get(assistant=planted["lingo"])
    assert (gap.kind, gap.dims, gap.status) == ("language_gap", {"language": "es", "metric": "success_rate"}, "open")
    ev = gap.evidence
    assert ev["majority_language"] == "en"
    assert (ev["language_rate"]["numerator"], ev["language_rate"]["denominator"]) == (10, 40)
    assert (ev["majority_rate"]["numerator"], ev["majority_rate"]["denominator"]) == (36, 40)
    assert ev["gap_points"] == pytest.approx(0.90 - 0.25)
    assert ev["p_value"] < 0.01
    assert ev["window"] == {"from": (TODAY - timedelta(days=27)).isoformat(), "to": TODAY.isoformat()}
    # The sample: the newest 20 of the 30 Spanish conversations that were not resolved.
    unresolved_es = {c.pk for c in planted["es"][10:]}
    assert len(ev["conversation_ids"]) == 20
    assert set(ev["conversation_ids"]) <= unresolved_es

    sunset = Recommendation.objects.get(assistant=planted["launch"])
    assert (sunset.kind, sunset.dims) == ("sunset_or_redesign", {})
    ev = sunset.evidence
    assert ev["day1_users"] == 12
    assert (ev["day1_adoption"]["numerator"], ev["day1_adoption"]["denominator"]) == (12, 40)
    assert (ev["return_30d"]["numerator"], ev["return_30d"]["denominator"]) == (2, 32)
    assert ev["first_day"] == (TODAY - timedelta(days=59)).isoformat()
    assert len(ev["conversation_ids"]) == 20

    alerts = {a.dims["metric"]: a for a in Alert.objects.filter(assistant=planted["slide"])}
    assert set(alerts) == {"acceptance_rate", "success_rate"}
    acceptance = alerts["acceptance_rate"]
    assert acceptance.kind == "degradation"
    ev = acceptance.evidence
    assert (ev["recent"]["numerator"], ev["recent"]["denominator"]) == (20, 50)
    assert (ev["baseline"]["numerator"], ev["baseline"]["denominator"]) == (80, 100)
    assert ev["worse_by_points"] == pytest.approx(0.8 - 0.4)
    assert ev["p_value"] < 0.01
    assert ev["windows"]["recent"] == {"from": (TODAY - timedelta(days=6)).isoformat(), "to": TODAY.isoformat()}
    # The sample: recent conversations whose output was rejected (the 30 dismissed ones).
    dismissed = {pk for pk, accepted in planted["recent"] if not accepted}
    assert len(ev["conversation_ids"]) == 20
    assert set(ev["conversation_ids"]) <= dismissed

    # Nothing else fired anywhere.
    assert Recommendation.objects.count() == 2
    assert Alert.objects.count() == 2
    assert (report.fired, report.created, report.refreshed) == (4, 4, 0)
    assert sorted(report.new_alert_ids) == sorted(a.pk for a in alerts.values())
    assert sorted(report.new_recommendation_ids) == sorted([gap.pk, sunset.pk])


def test_second_run_refreshes_instead_of_duplicating(planted) -> None:
    decisions_evaluate(today=TODAY)
    before = {(r.pk, r.fingerprint) for r in Recommendation.objects.all()}
    alerts_before = {(a.pk, a.fingerprint) for a in Alert.objects.all()}

    report = decisions_evaluate(today=TODAY)

    assert (report.fired, report.created, report.refreshed, report.new_alert_ids) == (4, 0, 4, [])
    assert report.new_recommendation_ids == []
    assert {(r.pk, r.fingerprint) for r in Recommendation.objects.all()} == before
    assert {(a.pk, a.fingerprint) for a in Alert.objects.all()} == alerts_before


def test_resolved_finding_reopens_only_when_it_recurs(planted) -> None:
    admin = UserFactory(roles=["admin"])
    decisions_evaluate(today=TODAY)
    gap = Recommendation.objects.get(assistant=planted["lingo"])
    recommendation_resolve(actor=admin, recommendation=gap, reason="translated the prompt")
    for alert in Alert.objects.all():
        alert_resolve(actor=admin, alert=alert)

    # Six weeks on, the planted days are out of every window: nothing fires, nothing reopens.
    later = decisions_evaluate(today=TODAY + timedelta(days=42))
    assert (later.fired, later.created) == (0, 0)
    assert Recommendation.objects.filter(assistant=planted["lingo"], status="open").count() == 0
    assert Alert.objects.filter(status="open").count() == 0

    # The same gap again (a run over the same days): a new open row; the resolved one stays resolved.
    again = decisions_evaluate(today=TODAY, assistant_ids=[planted["lingo"].pk])
    assert (again.fired, again.created) == (1, 1)
    rows = Recommendation.objects.filter(assistant=planted["lingo"]).order_by("id")
    assert [(r.pk == gap.pk, r.status) for r in rows] == [(True, "resolved"), (False, "open")]
    assert rows[1].fingerprint == gap.fingerprint


def test_command_runs_for_one_organization(planted, organizations, capsys) -> None:
    call_command("decisions_run", "--org", "alpha", "--today", TODAY.isoformat())
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert out == "alpha: 3 assistants, 4 fired, 4 new, 0 refreshed, 0 suppressed, 2 new alerts, 2 new recommendations"
    assert Recommendation.objects.count() == 2


def test_nothing_fires_without_data(alpha) -> None:
    AssistantFactory(name="Quiet bot")
    report = decisions_evaluate(today=date(2026, 6, 30))
    assert (report.assistants, report.fired) == (1, 0)
    assert not Recommendation.objects.exists()
    assert not Alert.objects.exists()
