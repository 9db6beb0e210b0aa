from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from apps.audit.models import AuditEntry
from apps.audit.services import audit_chain_verify


def test_chain_verifies(changes) -> None:
    report = audit_chain_verify()
    assert report.ok
    assert report.entries == AuditEntry.objects.count()


def test_chain_detects_an_edited_entry(changes) -> None:
    victim = changes[-2]
    AuditEntry.objects.filter(pk=victim.pk).update(after={"status": "retired"})
    report = audit_chain_verify()
    assert not report.ok
    assert report.first_bad_id == victim.pk
    assert "edited" in report.problem


def test_chain_detects_a_deleted_entry(changes) -> None:
    AuditEntry.objects.filter(pk=changes[-2].pk).delete()
    report = audit_chain_verify()
    assert not report.ok
    assert report.first_bad_id == changes[-1].pk
    assert "deleted" in report.problem


def test_command_prints_ok_and_fails_when_broken(changes, alpha) -> None:
    out = io.StringIO()
    call_command("verify_audit_chain", org=alpha.schema_name, stdout=out)
    assert out.getvalue().strip() == f"audit chain of alpha OK: {AuditEntry.objects.count()} entries verified"
    AuditEntry.objects.filter(pk=changes[-1].pk).update(actor_label="someone-else")
    with pytest.raises(CommandError, match=f"BROKEN at entry {changes[-1].pk}") as excinfo:
        call_command("verify_audit_chain", org=alpha.schema_name)
    assert excinfo.value.returncode == 1
    with pytest.raises(CommandError, match="no organization with slug 'nope'") as excinfo:
        call_command("verify_audit_chain", org="nope")
    assert excinfo.value.returncode == 2
