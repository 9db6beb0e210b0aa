"""Stored recommendations and alerts: de-duplication, resolve/dismiss (audited), scoped reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.analytics.decision_selectors import (
    alerts_open_for,
    recommendations_open_for,
    recommendations_visible_to,
)
from apps.analytics.decision_services import (
    MAX_CONVERSATION_IDS,
    alert_dismiss,
    alert_resolve,
    alert_upsert,
    decision_record,
    recommendation_dismiss,
    recommendation_resolve,
    recommendation_upsert,
)
from apps.analytics.definitions import Rate
from apps.analytics.models import Alert, Recommendation
from apps.analytics.rules import AdoptionCut, sunset_or_redesign, usage_spike
from apps.audit.models import AuditEntry
from apps.core.exceptions import ConflictError, NotPermittedError
from apps.registry.models import Assistant
from tests.factories import AssistantFactory, DepartmentFactory, UserFactory


@dataclass
class World:
    hr_bot: Assistant
    sales_bot: Assistant
    users: dict[str, User]


@pytest.fixture
def world(alpha) -> World:
    hr = DepartmentFactory(name="HR")
    sales = DepartmentFactory(name="Sales")
    users = {
        role: UserFactory(email=f"dec-{role}@alpha.test", roles=[role])
        for role in ("admin", "owner", "product", "cx", "compliance", "viewer")
    }
    hr.members.add(users["owner"], users["product"], users["cx"], users["viewer"])
    return World(
        hr_bot=AssistantFactory(department=hr, name="HR Bot"),
        sales_bot=AssistantFactory(department=sales, name="Sales Bot"),
        users=users,
    )


def _fix_prompt(assistant: Assistant, *, feature: str = "summarize", median: float = 3.0, **kw):
    return recommendation_upsert(
        assistant=assistant,
        kind="fix_prompt",
        dims={"feature": feature},
        evidence={"median_regenerations": median},
        summary=f"median {median}",
        **kw,
    )


def test_upsert_refreshes_the_open_finding_instead_of_duplicating(world: World) -> None:
    first = _fix_prompt(world.hr_bot, conversation_ids=[3, 1, 2])
    assert first.created is True
    again = _fix_prompt(world.hr_bot, median=4.0, conversation_ids=[9])
    assert again.created is False
    assert again.record.pk == first.record.pk
    row = Recommendation.objects.get()
    assert row.evidence == {"median_regenerations": 4.0, "conversation_ids": [9]}
    assert row.summary == "median 4.0"
    assert row.status == "open"
    assert row.last_seen_at >= first.record.last_seen_at
    # Same kind, other dims or other assistant: other findings.
    assert _fix_prompt(world.hr_bot, feature="draft").created is True
    assert _fix_prompt(world.sales_bot).created is True
    assert Recommendation.objects.count() == 3
    # The dims' key order does not make a new finding.
    a = alert_upsert(assistant=world.hr_bot, kind="degradation", dims={"metric": "m", "variant": "B"}, evidence={})
    b = alert_upsert(assistant=world.hr_bot, kind="degradation", dims={"variant": "B", "metric": "m"}, evidence={})
    assert (a.created, b.created, b.record.pk) == (True, False, a.record.pk)


def test_upsert_caps_the_conversation_sample_and_cleans_numbers(world: World) -> None:
    result = recommendation_upsert(
        assistant=world.hr_bot,
        kind="expand",
        dims={"dimension": "department", "value": "HR"},
        evidence={"ratio": float("nan"), "z": float("inf")},
        conversation_ids=range(100),
    )
    result.record.refresh_from_db()
    assert result.record.evidence == {"ratio": None, "z": None, "conversation_ids": list(range(MAX_CONVERSATION_IDS))}


def test_upsert_refuses_an_unknown_kind(world: World) -> None:
    with pytest.raises(ValueError, match="not a recommendation kind"):
        recommendation_upsert(assistant=world.hr_bot, kind="degradation", dims={}, evidence={})
    with pytest.raises(ValueError, match="not an alert kind"):
        alert_upsert(assistant=world.hr_bot, kind="expand", dims={}, evidence={})
    assert Recommendation.objects.count() == Alert.objects.count() == 0


def test_resolve_is_audited_and_a_recurrence_opens_a_new_finding(world: World) -> None:
    rec = _fix_prompt(world.hr_bot).record
    product = world.users["product"]
    resolved = recommendation_resolve(actor=product, recommendation=rec, reason="new prompt shipped")
    assert (resolved.status, resolved.resolved_by, resolved.resolved_at is not None) == ("resolved", product, True)
    entry = AuditEntry.objects.get(action="recommendation.resolve")
    assert (entry.actor, entry.target_id, entry.reason) == (product, str(rec.pk), "new prompt shipped")
    assert entry.before["status"] == "open"
    assert entry.after["status"] == "resolved"
    assert entry.after["resolved_by"] == product.pk
    again = _fix_prompt(world.hr_bot)
    assert again.created is True
    assert again.record.pk != rec.pk
    assert list(Recommendation.objects.order_by("id").values_list("status", flat=True)) == ["resolved", "open"]
    with pytest.raises(ConflictError, match="already resolved"):
        recommendation_resolve(actor=product, recommendation=rec)
    assert AuditEntry.objects.filter(action="recommendation.resolve").count() == 1


def test_dismiss_keeps_the_finding_quiet_for_the_quiet_period(world: World, settings) -> None:
    rec = _fix_prompt(world.hr_bot).record
    recommendation_dismiss(actor=world.users["owner"], recommendation=rec, reason="intended")
    assert AuditEntry.objects.filter(action="recommendation.dismiss", target_id=str(rec.pk)).count() == 1
    quiet = _fix_prompt(world.hr_bot, median=9.0)
    assert (quiet.created, quiet.suppressed, quiet.record.pk) == (False, True, rec.pk)
    rec.refresh_from_db()
    assert rec.status == "dismissed"
    assert rec.evidence["median_regenerations"] == 3.0  # left as it was dismissed
    assert Recommendation.objects.count() == 1
    # After the quiet period the rule may raise it again.
    Recommendation.objects.filter(pk=rec.pk).update(resolved_at=timezone.now() - timedelta(days=31))
    assert _fix_prompt(world.hr_bot).created is True
    settings.ANALYTICS_DISMISS_QUIET_DAYS = 0
    alert = alert_upsert(assistant=world.hr_bot, kind="usage_spike", dims={"day": "2025-03-01"}, evidence={}).record
    alert_dismiss(actor=world.users["admin"], alert=alert)
    assert alert_upsert(assistant=world.hr_bot, kind="usage_spike", dims={"day": "2025-03-01"}, evidence={}).created


@pytest.mark.parametrize("role", ["viewer", "compliance"])
def test_roles_that_do_not_own_findings_cannot_close_them(world: World, role: str) -> None:
    rec = _fix_prompt(world.hr_bot).record
    with pytest.raises(NotPermittedError):
        recommendation_resolve(actor=world.users[role], recommendation=rec)
    rec.refresh_from_db()
    assert rec.status == "open"
    assert not AuditEntry.objects.filter(action__startswith="recommendation.").exists()


def test_members_cannot_close_findings_of_another_department(world: World) -> None:
    alert = alert_upsert(assistant=world.sales_bot, kind="degradation", dims={"metric": "m"}, evidence={}).record
    for role in ("owner", "product", "cx"):
        with pytest.raises(NotPermittedError):
            alert_resolve(actor=world.users[role], alert=alert)
    assert alert_resolve(actor=world.users["admin"], alert=alert).status == "resolved"
    assert AuditEntry.objects.filter(action="alert.resolve").count() == 1


def test_open_findings_are_scoped_by_visible_assistants(world: World) -> None:
    hr = _fix_prompt(world.hr_bot).record
    sales = _fix_prompt(world.sales_bot).record
    closed = _fix_prompt(world.hr_bot, feature="old").record
    recommendation_resolve(actor=world.users["admin"], recommendation=closed)
    hr_alert = alert_upsert(assistant=world.hr_bot, kind="degradation", dims={"metric": "m"}, evidence={}).record
    alert_upsert(assistant=world.sales_bot, kind="degradation", dims={"metric": "m"}, evidence={})

    assert set(recommendations_open_for(user=world.users["product"])) == {hr}
    assert set(recommendations_open_for(user=world.users["admin"])) == {hr, sales}
    assert set(recommendations_open_for(user=world.users["compliance"])) == {hr, sales}
    assert set(recommendations_open_for(user=world.users["admin"], assistant_id=world.sales_bot.pk)) == {sales}
    assert set(recommendations_open_for(user=world.users["admin"], kind="expand")) == set()
    assert set(recommendations_visible_to(user=world.users["viewer"])) == {hr, closed}
    assert list(alerts_open_for(user=world.users["cx"])) == [hr_alert]
    outsider = UserFactory(email="dec-none@alpha.test", roles=[])
    assert not recommendations_open_for(user=outsider).exists()


def test_decision_record_stores_fired_rules_in_their_table(world: World) -> None:
    sunset = sunset_or_redesign(AdoptionCut(50, 200, Rate(4, 50, 30), feature="novelty"))
    result = decision_record(assistant=world.hr_bot, decision=sunset, conversation_ids=[7])
    assert result is not None
    rec = Recommendation.objects.get()
    assert (rec.kind, rec.dims, rec.summary) == ("sunset_or_redesign", {"feature": "novelty"}, sunset.summary)
    assert rec.evidence["day1_adoption"]["value"] == 0.25
    assert rec.evidence["conversation_ids"] == [7]
    spike = usage_spike(
        metric="conversations", day=date(2025, 3, 1), count=106, history=[100, 102, 98, 101, 99, 100, 103] * 4
    )
    decision_record(assistant=world.hr_bot, decision=spike)
    assert Alert.objects.get().evidence["robust_z"] == pytest.approx(6 / 1.4826)
    quiet = usage_spike(metric="conversations", day=date(2025, 3, 2), count=100, history=[100] * 27 + [101])
    assert decision_record(assistant=world.hr_bot, decision=quiet) is None
    assert Alert.objects.count() == 1
