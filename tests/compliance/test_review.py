"""Review workflow: queue, case page, unmask (+ four-eyes), decisions, suppression, API, isolation."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.audit.models import AuditEntry
from apps.compliance.models import CaseStatus, ReviewCase, UnmaskRequest
from apps.detection.models import MaskingPolicy, SensitiveFinding, SuppressionRule
from apps.detection.services import masking_policy_get
from tests.factories import UserFactory, sensitive_events

CARD = "4111 1111 1111 1111"
EMAIL = "jon.doe@example.net"
TEXT = f"Refund to card {CARD} please, and e-mail {EMAIL}."


@pytest.fixture
def case(post_events) -> ReviewCase:
    """The card's case (the e-mail in the same message opens a case of its own)."""
    assert post_events(sensitive_events("c-rev", "u-rev", TEXT)).status_code == 200
    return ReviewCase.objects.get(conversation__external_id="c-rev", finding_type="CREDIT_CARD")


@pytest.fixture
def officers(alpha) -> tuple:
    return (
        UserFactory(email="chloe@alpha.test", roles=["compliance"]),
        UserFactory(email="carl@alpha.test", roles=["compliance"]),
    )


def _client(alpha_client: Client, user) -> Client:
    alpha_client.force_login(user)
    return alpha_client


def _card(case: ReviewCase) -> SensitiveFinding:
    return SensitiveFinding.objects.get(conversation=case.conversation, type="CREDIT_CARD")


def test_queue_lists_the_case_for_compliance_only(case, officers, alpha_client) -> None:
    client = _client(alpha_client, officers[0])
    response = client.get("/compliance/queue/")
    assert response.status_code == 200
    assert f'href="/compliance/cases/{case.pk}/"' in response.content.decode()
    response = client.get("/compliance/queue/", {"finding_type": "IBAN", "status": "open"})
    assert f'/compliance/cases/{case.pk}/"' not in response.content.decode()
    for role in ("product", "cx", "viewer", "owner"):
        client.force_login(UserFactory(roles=[role]))
        assert client.get("/compliance/queue/").status_code == 403
        assert client.get(f"/compliance/cases/{case.pk}/").status_code == 403


def test_case_page_is_masked_and_audited(case, officers, alpha_client) -> None:
    client = _client(alpha_client, officers[0])
    response = client.get(f"/compliance/cases/{case.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<mark class="finding sev-3" title="CREDIT_CARD · score 1.00">**** 1111</mark>' in body
    assert CARD not in body
    assert EMAIL not in body
    entry = AuditEntry.objects.get(action="conversation.view_sensitive")
    assert (entry.actor_id, entry.target_id, entry.after) == (
        officers[0].pk,
        str(case.conversation_id),
        {"via": "case page"},
    )


def test_unmask_requires_a_reason_and_is_audited(case, officers, alpha_client) -> None:
    client = _client(alpha_client, officers[0])
    finding = _card(case)
    response = client.post(f"/compliance/findings/{finding.pk}/unmask/", {"reason": ""})
    assert response.status_code == 400
    assert CARD not in response.content.decode()
    assert not AuditEntry.objects.filter(action="finding.unmask").exists()
    response = client.post(f"/compliance/findings/{finding.pk}/unmask/", {"reason": "chargeback dispute #77"})
    assert response.status_code == 200
    assert f'<code class="revealed">{CARD}</code>' in response.content.decode()
    entry = AuditEntry.objects.get(action="finding.unmask")
    assert (entry.actor_id, entry.target_id, entry.reason) == (
        officers[0].pk,
        str(finding.pk),
        "chargeback dispute #77",
    )
    assert CARD not in str(entry.after)


def test_other_roles_cannot_unmask(case, alpha_client) -> None:
    client = _client(alpha_client, UserFactory(roles=["admin"]))
    response = client.post(f"/compliance/findings/{_card(case).pk}/unmask/", {"reason": "curious admin"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="finding.unmask").exists()


def test_four_eyes_blocks_until_a_different_officer_approves(case, officers, alpha_client) -> None:
    MaskingPolicy.objects.filter(pk=masking_policy_get().pk).update(four_eyes_unmask=True)
    chloe, carl = officers
    finding = _card(case)
    client = _client(alpha_client, chloe)
    response = client.post(f"/compliance/findings/{finding.pk}/unmask/", {"reason": "fraud investigation"})
    assert response.status_code == 200
    assert CARD not in response.content.decode()
    assert "waiting for a second compliance user" in response.content.decode()
    request = UnmaskRequest.objects.get(finding=finding)
    # Asking again reveals nothing and files no second request.
    assert CARD not in client.post(f"/compliance/findings/{finding.pk}/unmask/", {"reason": "again"}).content.decode()
    assert UnmaskRequest.objects.count() == 1
    # The requester cannot approve their own request.
    client.post(f"/compliance/unmask-requests/{request.pk}/decide/", {"approve": "1"})
    request.refresh_from_db()
    assert request.status == "pending"
    assert not AuditEntry.objects.filter(action="finding.unmask").exists()
    # A second officer sees it in the queue and approves.
    client.force_login(carl)
    assert "fraud investigation" in client.get("/compliance/queue/").content.decode()
    client.post(f"/compliance/unmask-requests/{request.pk}/decide/", {"approve": "1"})
    request.refresh_from_db()
    assert (request.status, request.approved_by_id) == ("approved", carl.pk)
    # The approver did not ask: nothing is revealed to them.
    assert CARD not in client.post(f"/compliance/findings/{finding.pk}/unmask/", {"reason": "me too"}).content.decode()
    client.force_login(chloe)
    response = client.post(f"/compliance/findings/{finding.pk}/unmask/", {})
    assert f'<code class="revealed">{CARD}</code>' in response.content.decode()
    entry = AuditEntry.objects.get(action="finding.unmask")
    assert (entry.actor_id, entry.reason, entry.after["approval"]) == (chloe.pk, "fraud investigation", request.pk)


def _approved_request(finding: SensitiveFinding, requester, approver) -> UnmaskRequest:
    from apps.compliance.services import unmask_request_create, unmask_request_decide

    request = unmask_request_create(actor=requester, finding=finding, reason="chargeback dispute")
    return unmask_request_decide(actor=approver, request=request, approve=True)


def test_four_eyes_approval_reveals_once(case, officers) -> None:
    from apps.compliance.services import FourEyesRequiredError, finding_unmask

    MaskingPolicy.objects.filter(pk=masking_policy_get().pk).update(four_eyes_unmask=True)
    chloe, carl = officers
    finding = _card(case)
    first = _approved_request(finding, chloe, carl)
    assert finding_unmask(actor=chloe, finding=finding).value == CARD
    first.refresh_from_db()
    assert first.status == "used"
    assert first.used_at is not None
    # The same approval does not open the vault a second time.
    with pytest.raises(FourEyesRequiredError):
        finding_unmask(actor=chloe, finding=finding)
    assert AuditEntry.objects.filter(action="finding.unmask").count() == 1
    # A new request is filed (the used one is not handed back) and needs its own approval.
    second = _approved_request(finding, chloe, carl)
    assert second.pk != first.pk
    assert finding_unmask(actor=chloe, finding=finding).value == CARD
    assert AuditEntry.objects.filter(action="finding.unmask").count() == 2


def test_four_eyes_approval_lapses_after_the_configured_time(case, officers, settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from apps.compliance.services import FourEyesRequiredError, finding_unmask, unmask_request_create

    MaskingPolicy.objects.filter(pk=masking_policy_get().pk).update(four_eyes_unmask=True)
    settings.UNMASK_APPROVAL_TTL_SECONDS = 600
    chloe, carl = officers
    finding = _card(case)
    stale = _approved_request(finding, chloe, carl)
    UnmaskRequest.objects.filter(pk=stale.pk).update(decided_at=timezone.now() - timedelta(seconds=601))
    with pytest.raises(FourEyesRequiredError):
        finding_unmask(actor=chloe, finding=finding)
    assert not AuditEntry.objects.filter(action="finding.unmask").exists()
    # Asking again files a fresh request rather than returning the lapsed approval.
    assert unmask_request_create(actor=chloe, finding=finding, reason="still needed").status == "pending"


def test_false_positive_suppresses_the_value(case, officers, alpha_client, post_events) -> None:
    client = _client(alpha_client, officers[0])
    response = client.post(
        f"/compliance/cases/{case.pk}/decide/", {"decision": "false_positive", "comment": "test card from QA"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.decided_by_id, case.comment) == (
        CaseStatus.FALSE_POSITIVE,
        officers[0].pk,
        "test card from QA",
    )
    # The card's case suppresses the card only: the e-mail is its own case, still open.
    assert sorted(SuppressionRule.objects.values_list("type", flat=True)) == ["CREDIT_CARD"]
    email_case = ReviewCase.objects.get(conversation__external_id="c-rev", finding_type="EMAIL")
    assert email_case.status == CaseStatus.OPEN
    assert not SensitiveFinding.objects.filter(conversation=case.conversation, type="EMAIL", suppressed=True).exists()
    client.post(f"/compliance/cases/{email_case.pk}/decide/", {"decision": "false_positive", "comment": "QA mailbox"})
    assert sorted(SuppressionRule.objects.values_list("type", flat=True)) == ["CREDIT_CARD", "EMAIL"]
    assert AuditEntry.objects.filter(action="case.decide", target_id=str(case.pk)).count() == 1
    # The same values in a new conversation are still masked but open no case.
    post_events(sensitive_events("c-again", "u-other", f"card {CARD.replace(' ', '-')} / {EMAIL.upper()}"))
    assert not ReviewCase.objects.filter(conversation__external_id="c-again").exists()
    assert set(
        SensitiveFinding.objects.filter(conversation__external_id="c-again").values_list("suppressed", flat=True)
    ) == {True}
    # A different card still does.
    post_events(sensitive_events("c-new", "u-other", "card 5555 5555 5555 4444"))
    assert ReviewCase.objects.filter(conversation__external_id="c-new").exists()


def test_decision_needs_a_comment_and_a_compliance_user(case, officers, alpha_client) -> None:
    client = _client(alpha_client, officers[0])
    response = client.post(f"/compliance/cases/{case.pk}/decide/", {"decision": "accepted_risk", "comment": ""})
    assert response.status_code == 400
    client.force_login(UserFactory(roles=["admin"]))
    assert (
        client.post(f"/compliance/cases/{case.pk}/decide/", {"decision": "accepted_risk", "comment": "x"}).status_code
        == 403
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_bulk_assign_and_accept_risk(post_events, officers, alpha_client) -> None:
    post_events(sensitive_events("c-b1", "u1", TEXT))
    post_events(sensitive_events("c-b2", "u2", f"my e-mail is {EMAIL}"))
    ids = list(ReviewCase.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 3  # u1's card, u1's e-mail, u2's e-mail
    client = _client(alpha_client, officers[0])
    client.post("/compliance/bulk/", {"cases": ids, "action": "assign", "assignee": officers[1].pk})
    assert set(ReviewCase.objects.values_list("assignee_id", flat=True)) == {officers[1].pk}
    client.post("/compliance/bulk/", {"cases": ids, "action": "accepted_risk", "comment": ""})
    assert set(ReviewCase.objects.values_list("status", flat=True)) == {CaseStatus.OPEN}  # comment required
    client.post("/compliance/bulk/", {"cases": ids, "action": "accepted_risk", "comment": "internal test data"})
    assert set(ReviewCase.objects.values_list("status", flat=True)) == {CaseStatus.ACCEPTED_RISK}
    assert AuditEntry.objects.filter(action="case.decide").count() == 3


def test_policy_change_is_audited_with_before_and_after(officers, alpha_client) -> None:
    client = _client(alpha_client, officers[0])
    data = {f"action_{t}": "mask_and_vault" for t in ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "SSN", "NATIONAL_ID",
                                                       "IP_ADDRESS", "SECRET", "DATE_OF_BIRTH", "PERSON")}  # fmt: skip
    data |= {"action_ORGANIZATION": "keep", "action_LOCATION": "keep", "action_EMAIL": "mask"}
    data |= {"case_threshold": "3", "retention_days": "30", "four_eyes_unmask": "on"}
    assert client.post("/compliance/policy/", data).status_code == 302
    policy = masking_policy_get()
    assert (policy.case_threshold, policy.retention_days, policy.four_eyes_unmask, policy.actions["EMAIL"]) == (
        3,
        30,
        True,
        "mask",
    )
    entry = AuditEntry.objects.get(action="policy.update")
    assert entry.before["case_threshold"] == 2
    assert entry.after["case_threshold"] == 3
    assert entry.before["retention_days"] is None
    assert entry.after["four_eyes_unmask"] is True
    client.force_login(UserFactory(roles=["cx"]))
    assert client.post("/compliance/policy/", data).status_code == 403


def test_api_lists_retrieves_and_decides_for_compliance_only(case, officers, alpha_client) -> None:
    client = _client(alpha_client, officers[0])
    listing = client.get("/api/v1/compliance/cases/", {"finding_type": "CREDIT_CARD"}).json()
    assert [c["id"] for c in listing["results"]] == [case.pk]
    assert {
        k: listing["results"][0][k] for k in ("user_id", "finding_type", "finding_count", "conversation_count")
    } == {
        "user_id": "u-rev",
        "finding_type": "CREDIT_CARD",
        "finding_count": 1,
        "conversation_count": 1,
    }
    detail = client.get(f"/api/v1/compliance/cases/{case.pk}/")
    assert detail.status_code == 200
    assert [f["masked_preview"] for f in detail.json()["findings"]] == ["**** 1111"]
    assert CARD not in detail.content.decode()
    assert AuditEntry.objects.filter(action="conversation.view_sensitive", after={"via": "api"}).count() == 1
    bad = client.post(f"/api/v1/compliance/cases/{case.pk}/decide/", {"decision": "nope", "comment": "x"})
    assert bad.status_code == 400
    ok = client.post(
        f"/api/v1/compliance/cases/{case.pk}/decide/", {"decision": "confirmed_incident", "comment": "real card"}
    )
    assert (ok.status_code, ok.json()["status"]) == (200, "confirmed_incident")
    client.force_login(UserFactory(roles=["cx"]))
    assert client.get("/api/v1/compliance/cases/").status_code == 403
    assert client.get(f"/api/v1/compliance/cases/{case.pk}/").status_code == 403


def test_another_tenants_cases_are_unreachable(case, beta, beta_client) -> None:
    finding = _card(case)
    with schema_context(beta.schema_name):
        officer = UserFactory(email="officer@beta.test", roles=["compliance"])
        beta_client.force_login(officer)
    assert beta_client.get(f"/compliance/cases/{case.pk}/").status_code == 404
    assert beta_client.get(f"/api/v1/compliance/cases/{case.pk}/").status_code == 404
    assert beta_client.get("/api/v1/compliance/cases/").json()["results"] == []
    response = beta_client.post(f"/compliance/findings/{finding.pk}/unmask/", {"reason": "cross-tenant probe"})
    assert response.status_code == 404
    assert CARD not in response.content.decode()
