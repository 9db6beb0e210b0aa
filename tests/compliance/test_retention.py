"""Retention expires old content only; erasure removes one end user only."""

from __future__ import annotations

import io
from datetime import timedelta
from unittest.mock import ANY

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.compliance.models import ErasureRecord, ReviewCase
from apps.compliance.retention import EXPIRED, end_user_erase, end_user_hash, retention_apply
from apps.compliance.services import review_case_decide
from apps.compliance.tasks import apply_retention_all_tenants
from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.core.exceptions import NotPermittedError
from apps.detection.models import MaskingPolicy, SensitiveFinding, SuppressionRule, VaultEntry
from apps.detection.services import masking_policy_get
from apps.ingestion.models import RawEvent
from tests.factories import UserFactory, sensitive_events
from tests.fixtures.events import make_conversation

OLD_TEXT = "Old: card 4111 1111 1111 1111, mail old.user@example.com"
NEW_TEXT = "New: card 5555 5555 5555 4444, mail new.user@example.com"


@pytest.fixture
def two_ages(post_events) -> tuple[Conversation, Conversation]:
    post_events(sensitive_events("c-old", "u-old", OLD_TEXT) + make_conversation("c-old-2", "u-old"))
    post_events(sensitive_events("c-new", "u-new", NEW_TEXT))
    old = Conversation.objects.filter(external_id__in=["c-old", "c-old-2"])
    long_ago = timezone.now() - timedelta(days=20)
    Message.objects.filter(conversation__in=old).update(ts=long_ago)
    Feedback.objects.filter(conversation__in=old).update(ts=long_ago)
    RawEvent.objects.filter(conversation_id__in=["c-old", "c-old-2"]).update(ts=long_ago)
    return Conversation.objects.get(external_id="c-old"), Conversation.objects.get(external_id="c-new")


def test_no_retention_configured_changes_nothing(two_ages) -> None:
    before = (Message.objects.filter(content=EXPIRED).count(), RawEvent.objects.count(), VaultEntry.objects.count())
    assert retention_apply().messages_expired == 0
    assert (
        Message.objects.filter(content=EXPIRED).count(),
        RawEvent.objects.count(),
        VaultEntry.objects.count(),
    ) == before


def test_retention_expires_old_content_and_keeps_the_rest(two_ages) -> None:
    old, new = two_ages
    MaskingPolicy.objects.filter(pk=masking_policy_get().pk).update(retention_days=10)
    new_contents = list(Message.objects.filter(conversation=new).values_list("content", flat=True))
    new_raw = RawEvent.objects.filter(conversation_id="c-new").count()
    new_vault = set(SensitiveFinding.objects.filter(conversation=new).values_list("vault_id", flat=True))
    counts = {c.pk: (c.user_messages, c.assistant_messages) for c in Conversation.objects.all()}

    # The beat entry point: one retention task per organization (run in-process in tests).
    assert sorted(apply_retention_all_tenants()) == ["alpha", "beta"]

    assert AuditEntry.objects.get(action="retention.apply").after == {
        "retention_days": 10,
        "cutoff": ANY,
        "messages_expired": 4,
        "feedback_comments_expired": 1,
        "raw_events_deleted": 8,
        "vault_entries_deleted": 2,
        "otlp_join_rows_deleted": 0,
        "langfuse_traces_deleted": 0,
    }
    assert set(
        Message.objects.filter(conversation__external_id__in=["c-old", "c-old-2"]).values_list("content", flat=True)
    ) == {EXPIRED}
    assert not RawEvent.objects.filter(conversation_id__in=["c-old", "c-old-2"]).exists()
    assert not SensitiveFinding.objects.filter(conversation=old, vault__isnull=False).exists()
    # Conversations, counts, findings and cases stay (aggregates), the newer data is untouched.
    assert {c.pk: (c.user_messages, c.assistant_messages) for c in Conversation.objects.all()} == counts
    assert SensitiveFinding.objects.filter(conversation=old).count() == 2
    assert ReviewCase.objects.filter(conversation=old).exists()
    assert Action.objects.filter(conversation__external_id="c-old-2").count() == 1
    assert list(Message.objects.filter(conversation=new).values_list("content", flat=True)) == new_contents
    assert RawEvent.objects.filter(conversation_id="c-new").count() == new_raw
    assert set(SensitiveFinding.objects.filter(conversation=new).values_list("vault_id", flat=True)) == new_vault
    assert VaultEntry.objects.filter(pk__in=new_vault).count() == 2
    assert AuditEntry.objects.get(action="retention.apply").after["messages_expired"] == 4
    # A second run finds nothing more to do.
    assert retention_apply().messages_expired == 0
    assert AuditEntry.objects.filter(action="retention.apply").count() == 1


def test_retention_keeps_raw_events_not_yet_enriched(two_ages) -> None:
    MaskingPolicy.objects.filter(pk=masking_policy_get().pk).update(retention_days=10)
    batch = RawEvent.objects.filter(conversation_id="c-old").first().batch
    type(batch).objects.filter(pk=batch.pk).update(enriched_at=None)
    retention_apply()
    assert RawEvent.objects.filter(batch=batch).count() == batch.accepted


def test_erase_user_removes_that_user_only(post_events, alpha) -> None:
    post_events(sensitive_events("c-a", "u-erase", OLD_TEXT) + make_conversation("c-b", "u-erase"))
    post_events(sensitive_events("c-keep", "u-keep", NEW_TEXT))
    keep = Conversation.objects.get(external_id="c-keep")
    keep_state = (
        Message.objects.filter(conversation=keep).count(),
        RawEvent.objects.filter(user_id="u-keep").count(),
        SensitiveFinding.objects.filter(conversation=keep).count(),
        VaultEntry.objects.filter(findings__conversation=keep).count(),
        ReviewCase.objects.filter(conversation=keep).count(),
    )
    officer = UserFactory(roles=["compliance"])

    record = end_user_erase(actor=officer, user_id="u-erase")

    assert record.counts == {
        "conversations": 2,
        "messages": 4,
        "actions": 1,
        "feedback": 1,
        "findings": 2,
        "cases": 2,  # a card and an e-mail: one case per type
        "vault_entries": 2,
        "otlp_join_rows": 0,
        "langfuse_traces": 0,
        "raw_events": 8,
        "end_user_annotations": 0,
    }
    assert record.user_hash == end_user_hash("u-erase")
    assert not Conversation.objects.filter(user_id="u-erase").exists()
    assert not RawEvent.objects.filter(user_id="u-erase").exists()
    assert VaultEntry.objects.count() == keep_state[3]
    assert keep_state == (
        Message.objects.filter(conversation=keep).count(),
        RawEvent.objects.filter(user_id="u-keep").count(),
        SensitiveFinding.objects.filter(conversation=keep).count(),
        VaultEntry.objects.filter(findings__conversation=keep).count(),
        ReviewCase.objects.filter(conversation=keep).count(),
    )
    entry = AuditEntry.objects.get(action="user.erase")
    assert entry.actor_id == officer.pk
    assert "u-erase" not in str(entry.after) + entry.target_label


def test_erase_user_keeps_suppression_rules_but_forgets_their_case(post_events) -> None:
    post_events(sensitive_events("c-fp", "u-fp", OLD_TEXT))
    cases = {c.finding_type: c for c in ReviewCase.objects.filter(conversation__external_id="c-fp")}
    officer = UserFactory(roles=["compliance"])
    for case in cases.values():
        review_case_decide(actor=officer, case=case, decision="false_positive", comment="QA test data")
    assert set(SuppressionRule.objects.values_list("type", "source_case_id")) == {
        ("CREDIT_CARD", cases["CREDIT_CARD"].pk),
        ("EMAIL", cases["EMAIL"].pk),
    }

    end_user_erase(actor=officer, user_id="u-fp")

    assert not ReviewCase.objects.filter(pk__in=[c.pk for c in cases.values()]).exists()
    assert set(SuppressionRule.objects.values_list("type", "source_case_id")) == {
        ("CREDIT_CARD", None),
        ("EMAIL", None),
    }


def test_erase_user_command(post_events, alpha) -> None:
    post_events(sensitive_events("c-cmd", "u-cmd", OLD_TEXT))
    out = io.StringIO()
    call_command("erase_user", org="alpha", user_id="u-cmd", stdout=out)
    assert "conversations=1" in out.getvalue()
    assert ErasureRecord.objects.get().counts["raw_events"] == 3
    assert not Conversation.objects.filter(user_id="u-cmd").exists()


def test_erase_requires_admin_or_compliance(post_events) -> None:
    post_events(sensitive_events("c-x", "u-x", OLD_TEXT))
    with pytest.raises(NotPermittedError, match="only admins and compliance"):
        end_user_erase(actor=UserFactory(roles=["cx"]), user_id="u-x")
    assert Conversation.objects.filter(user_id="u-x").exists()


def test_erasure_schedules_a_vault_vacuum_that_a_transaction_skips_safely(
    post_events, alpha, django_capture_on_commit_callbacks, caplog
) -> None:
    post_events(sensitive_events("c-vac", "u-vac", OLD_TEXT))
    assert VaultEntry.objects.exists()
    officer = UserFactory(roles=["compliance"])
    # The test's own transaction stands in for a caller's outer atomic block: VACUUM cannot run
    # there, so it is skipped (logged) and neither the erasure nor the transaction breaks.
    with django_capture_on_commit_callbacks(execute=True) as callbacks, caplog.at_level("INFO"):
        end_user_erase(actor=officer, user_id="u-vac")
    # One vacuum scheduled (the erasure's other on-commit work, e.g. the rollups' cache version, aside).
    assert [c.__qualname__ for c in callbacks].count("vault_entries_delete.<locals>.<lambda>") == 1
    assert "vault vacuum skipped" in caplog.text
    assert not VaultEntry.objects.exists()
    assert ErasureRecord.objects.count() == 1


def test_vault_vacuum_statement_runs_outside_a_transaction(alpha) -> None:
    import psycopg

    from apps.detection.services import vault_vacuum_statement
    from tests.helpers import test_database_url

    with psycopg.connect(test_database_url(), autocommit=True) as conn:
        conn.execute(vault_vacuum_statement(schema=alpha.schema_name))
