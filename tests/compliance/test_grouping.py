"""A workable queue: cases grouped per (assistant, end user, type), auto-close rules applied at
enrichment (audited), saved queue views, and the regrouping of existing cases (migration 0007)."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest

from apps.audit.models import AuditEntry
from apps.compliance.models import AutoCloseRule, CaseStatus, ReviewCase, SavedQueueView
from apps.compliance.services import review_case_decide
from tests.factories import AssistantFactory, UserFactory, issue_key, sensitive_events

CARD = "4111 1111 1111 1111"
EMAIL = "jon.doe@example.net"


def chat(conv: str, user: str, *, asks: str = "Where do I send the invoice?", answers: str = "Thanks.") -> list[dict]:
    events = sensitive_events(conv, user, asks)
    events[1]["content"] = answers  # the assistant's message
    return events


@pytest.fixture
def officer(alpha_client):
    user = UserFactory(email="officer@alpha.test", roles=["compliance"])
    alpha_client.force_login(user)
    alpha_client.user = user
    return alpha_client


def test_one_person_pasting_the_same_card_five_times_is_one_case(post_events, officer) -> None:
    for i in range(5):
        assert post_events(sensitive_events(f"c-paste-{i}", "u-paste", f"my card is {CARD}")).status_code == 200
    post_events(sensitive_events("c-other", "u-other", f"card {CARD}"))
    post_events(sensitive_events("c-mail", "u-paste", f"write to {EMAIL}"))
    case = ReviewCase.objects.get(user_id="u-paste", finding_type="CREDIT_CARD")
    assert (case.finding_count, case.conversation_count, case.status) == (5, 5, CaseStatus.OPEN)
    assert case.conversation.external_id == "c-paste-0"  # where the card was first exposed
    # Another person, or another type, is another case.
    assert sorted(ReviewCase.objects.values_list("user_id", "finding_type")) == [
        ("u-other", "CREDIT_CARD"),
        ("u-paste", "CREDIT_CARD"),
        ("u-paste", "EMAIL"),
    ]
    queue = officer.get("/compliance/queue/", {"user": "u-paste", "finding_type": "CREDIT_CARD"}).content.decode()
    assert f'href="/compliance/cases/{case.pk}/"' in queue
    assert "×5 in 5 conversations" in queue
    # The case page shows each conversation (grouped), and each look is on the record.
    page = officer.get(f"/compliance/cases/{case.pk}/").content.decode()
    assert page.count('<details class="case-conversation"') == 5
    assert CARD not in page
    assert AuditEntry.objects.filter(action="conversation.view_sensitive", actor_id=officer.user.pk).count() == 5


def test_a_decided_case_reopens_when_new_evidence_arrives(post_events, officer) -> None:
    post_events(sensitive_events("c-1", "u-re", f"card {CARD}"))
    case = ReviewCase.objects.get(user_id="u-re")
    review_case_decide(actor=officer.user, case=case, decision="accepted_risk", comment="known test card")
    post_events(sensitive_events("c-2", "u-re", f"again {CARD}"))
    case.refresh_from_db()
    assert (case.status, case.finding_count, case.conversation_count) == (CaseStatus.OPEN, 2, 2)
    reopen = AuditEntry.objects.get(action="case.reopen")
    assert (reopen.target_id, reopen.actor_label, reopen.after) == (
        str(case.pk),
        "system",
        {"status": "open", "reviewable": 2},
    )


def _rule(officer, **fields) -> object:
    data = {"finding_type": "EMAIL", "message_role": "assistant", "assistant": "", "decision": "accepted_risk",
            "comment": "addresses our assistant gives out"} | fields  # fmt: skip
    return officer.post("/compliance/policy/rules/", data)


def test_auto_close_rule_closes_what_the_assistant_wrote(post_events, officer) -> None:
    assert _rule(officer).status_code == 302
    rule = AutoCloseRule.objects.get()
    created = AuditEntry.objects.get(action="auto_close_rule.create")
    assert (created.actor_id, created.target_id, created.after) == (
        officer.user.pk,
        str(rule.pk),
        {"finding_type": "EMAIL", "message_role": "assistant", "assistant": None, "decision": "accepted_risk"},
    )
    # The assistant wrote the address: the case is born decided, by the rule, on the record.
    post_events(chat("c-a1", "u-x", answers=f"Please write to {EMAIL}."))
    case = ReviewCase.objects.get(user_id="u-x", finding_type="EMAIL")
    assert (case.status, case.auto_rule_id, case.decided_by_id, case.finding_count, case.reviewable_count) == (
        CaseStatus.ACCEPTED_RISK,
        rule.pk,
        None,
        1,
        0,
    )
    assert case.comment == f"Closed by auto-close rule #{rule.pk}: addresses our assistant gives out"
    closed = AuditEntry.objects.get(action="case.auto_close")
    assert (closed.target_id, closed.actor_label, closed.after, closed.reason) == (
        str(case.pk),
        "system",
        {"status": "accepted_risk", "rule": rule.pk, "type": "EMAIL", "findings": 1},
        "addresses our assistant gives out",
    )
    # The person then types an address themselves: no rule covers that, the case reopens.
    post_events(chat("c-a2", "u-x", asks="mine is jane.roe@example.org"))
    case.refresh_from_db()
    assert (case.status, case.auto_rule_id, case.finding_count, case.reviewable_count) == (CaseStatus.OPEN, None, 2, 1)
    assert AuditEntry.objects.filter(action="case.reopen", target_id=str(case.pk)).count() == 1
    # Another address from the assistant: covered by the rule, the open case stays open.
    post_events(chat("c-a3", "u-x", answers=f"Or to {EMAIL}."))
    case.refresh_from_db()
    assert (case.status, case.finding_count, case.reviewable_count) == (CaseStatus.OPEN, 3, 1)
    applied = AuditEntry.objects.get(action="case.auto_rule_applied")
    assert applied.after == {"status": "open", "rule": rule.pk, "findings_covered": 1}
    # A user-written address of someone else opens an ordinary case.
    post_events(chat("c-b1", "u-y", asks=f"reach me at {EMAIL}"))
    assert ReviewCase.objects.get(user_id="u-y").status == CaseStatus.OPEN


def test_a_rule_for_one_assistant_leaves_the_others_alone(post_events, officer, assistant) -> None:
    other = AssistantFactory(name="Sales copilot")
    assert _rule(officer, assistant=str(assistant.pk)).status_code == 302
    post_events(chat("c-h", "u-z", answers=f"Write to {EMAIL}."))
    post_events(chat("c-s", "u-z", answers=f"Write to {EMAIL}."), key=issue_key(other))
    statuses = dict(ReviewCase.objects.values_list("assistant_id", "status"))
    assert statuses == {assistant.pk: CaseStatus.ACCEPTED_RISK, other.pk: CaseStatus.OPEN}


def test_rules_are_validated_and_set_by_compliance_only(officer, alpha_client) -> None:
    response = _rule(officer, finding_type="SHOE_SIZE", comment="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice. SHOE_SIZE is not one of the available choices." in html
    assert "This field is required." in html
    assert _rule(officer).status_code == 302
    duplicate = _rule(officer, comment="again")
    assert duplicate.status_code == 400
    assert "a rule for this type, role and assistant exists already; delete it first" in duplicate.content.decode()
    alpha_client.force_login(UserFactory(roles=["admin"]))
    assert _rule(alpha_client, message_role="user").status_code == 403
    rule = AutoCloseRule.objects.get()
    assert alpha_client.post(f"/compliance/policy/rules/{rule.pk}/delete/").status_code == 403
    assert list(AutoCloseRule.objects.values_list("message_role", flat=True)) == ["assistant"]
    # The policy page lists the rule to both; only compliance gets the form.
    assert "addresses our assistant gives out" in alpha_client.get("/compliance/policy/").content.decode()
    assert 'id="rule-form"' not in alpha_client.get("/compliance/policy/").content.decode()
    alpha_client.force_login(officer.user)
    assert alpha_client.post(f"/compliance/policy/rules/{rule.pk}/delete/").status_code == 302
    assert not AutoCloseRule.objects.exists()
    deleted = AuditEntry.objects.get(action="auto_close_rule.delete")
    assert deleted.before["finding_type"] == "EMAIL"


def test_saved_queue_views_are_each_persons_own(officer, alpha_client) -> None:
    query = "status=open&finding_type=CREDIT_CARD"
    assert officer.post("/compliance/queue/views/", {"name": "Open cards", "query": query}).status_code == 302
    view = SavedQueueView.objects.get()
    assert (view.user_id, view.name, view.query) == (officer.user.pk, "Open cards", query)
    page = officer.get("/compliance/queue/").content.decode()
    assert f'<a href="/compliance/queue/?{query.replace("&", "&amp;")}">Open cards</a>' in page
    # The same name saves over it; an invalid filter is refused, nothing stored.
    officer.post("/compliance/queue/views/", {"name": "Open cards", "query": "status=accepted_risk"})
    assert list(SavedQueueView.objects.values_list("query", flat=True)) == ["status=accepted_risk"]
    officer.post("/compliance/queue/views/", {"name": "Broken", "query": "department=abc"})
    officer.post("/compliance/queue/views/", {"name": "Unknown", "query": "colour=red"})
    assert list(SavedQueueView.objects.values_list("name", flat=True)) == ["Open cards"]
    shown = officer.get("/compliance/queue/").content.decode()
    assert "View not saved: unknown filters: colour" in shown
    assert "View not saved: these filters are not valid: * department" in shown
    # Another officer neither sees nor deletes it.
    colleague = UserFactory(roles=["compliance"])
    alpha_client.force_login(colleague)
    assert ">Open cards</a>" not in alpha_client.get("/compliance/queue/").content.decode()
    assert alpha_client.post(f"/compliance/queue/views/{view.pk}/delete/").status_code == 404
    assert SavedQueueView.objects.filter(pk=view.pk).exists()
    alpha_client.force_login(officer.user)
    assert alpha_client.post(f"/compliance/queue/views/{view.pk}/delete/").status_code == 302
    assert not SavedQueueView.objects.exists()


# --- Regrouping existing cases (migration 0007's pure part) ---------------------------------------

regroup = importlib.import_module("apps.compliance.migrations.0007_regroup_review_cases")


def _at(day: int) -> datetime:
    return datetime(2026, 11, day, 12, tzinfo=UTC)


def _old(id_: int, conversation: int, user: str, types: tuple[str, ...], status: str, created: int, **extra):
    fields = {"assistant_id": 1, "department_id": 1, "severity": 3 if "CREDIT_CARD" in types else 2,
              "assignee_id": None, "decided_by_id": None, "decided_at": None, "comment": "",
              "updated_at": _at(created)} | extra  # fmt: skip
    return regroup.OldCase(
        id_, conversation, user_id=user, types=types, status=status, created_at=_at(created), **fields
    )


def test_old_cases_merge_per_user_and_type() -> None:
    old = [
        _old(10, 100, "u1", ("CREDIT_CARD", "EMAIL"), "open", 1, assignee_id=7, updated_at=_at(9)),
        _old(11, 101, "u1", ("CREDIT_CARD",), "accepted_risk", 2, decided_by_id=5, decided_at=_at(5), comment="ok"),
        _old(12, 102, "u1", ("EMAIL",), "false_positive", 3, decided_by_id=5, decided_at=_at(6), comment="fp"),
        _old(13, 103, "u2", ("CREDIT_CARD",), "accepted_risk", 4, decided_by_id=5, decided_at=_at(4), comment="a"),
        _old(14, 104, "u2", ("CREDIT_CARD",), "false_positive", 5, decided_by_id=6, decided_at=_at(7), comment="b"),
    ]
    stats = {
        (100, "CREDIT_CARD"): regroup.TypeStats(3, 2, _at(1)),
        (100, "EMAIL"): regroup.TypeStats(2, 1, _at(1)),
        (101, "CREDIT_CARD"): regroup.TypeStats(3, 1, _at(2)),
        (102, "EMAIL"): regroup.TypeStats(2, 4, _at(3)),
        (103, "CREDIT_CARD"): regroup.TypeStats(3, 1, _at(4)),
        # 104's findings are gone (erased): the case keeps its decision, counts none of them.
    }
    merged = {m.key: m for m in regroup.merge_cases(old, stats)}
    assert set(merged) == {(1, "u1", "CREDIT_CARD"), (1, "u1", "EMAIL"), (1, "u2", "CREDIT_CARD")}
    cards = merged[(1, "u1", "CREDIT_CARD")]
    # One of the old cases was still open: the merged case is open, undecided, and keeps the
    # earliest case's id (the card, its most severe type, gets it), conversation and assignee.
    assert (cards.id, cards.status, cards.decided_by_id, cards.comment) == (10, "open", None, "")
    assert (cards.conversation_id, cards.finding_count, cards.conversation_count, cards.assignee_id) == (100, 3, 2, 7)
    assert (cards.created_at, cards.absorbed) == (_at(1), [10, 11])
    emails = merged[(1, "u1", "EMAIL")]
    assert (emails.id, emails.status, emails.finding_count, emails.conversation_count) == (None, "open", 5, 2)
    # Every old case decided: the latest decision stands.
    u2 = merged[(1, "u2", "CREDIT_CARD")]
    assert (u2.id, u2.status, u2.decided_by_id, u2.decided_at, u2.comment) == (13, "false_positive", 6, _at(7), "b")
    assert (u2.finding_count, u2.conversation_count, u2.severity) == (1, 2, 3)
