"""The audit log page and its CSV export (compliance's page over ``apps.audit``)."""

from __future__ import annotations

import csv
import io

import pytest

from apps.audit.models import AuditEntry


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("compliance", 200), ("owner", 403), ("viewer", 403)])
def test_audit_page_access(login, changes, role, status) -> None:
    response = login(role).get("/registry/audit/")
    assert response.status_code == status
    assert login(role).get("/registry/audit/export.csv").status_code == status


def test_audit_page_shows_entries_filters_and_chain_status(login, changes) -> None:
    client = login("admin")
    html = client.get("/registry/audit/").content.decode()
    assert "Chain intact." in html
    assert "assistant.update" in html
    response = client.get(
        "/registry/audit/", {"action": "policy.change"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="audit-entries"
    )
    partial = response.content.decode()
    assert partial.lstrip().startswith('<div id="audit-entries"')
    assert "policy.change" in partial
    assert "assistant.update" not in partial
    actor_html = client.get("/registry/audit/", {"actor": "reg-owner"}).content.decode()
    assert actor_html.count("<code>assistant.update</code>") == 2
    assert "<code>policy.change</code>" not in actor_html
    bad = client.get("/registry/audit/", {"date_from": "2030-01-02", "date_to": "2030-01-01"}).content.decode()
    assert "must be on or after the start date" in bad


def test_audit_page_reports_tampering(login, changes) -> None:
    AuditEntry.objects.filter(pk=changes[0].pk).update(reason="nothing to see")
    html = login("admin").get("/registry/audit/").content.decode()
    assert f"Chain BROKEN at entry #{changes[0].pk}." in html


def test_csv_export_uses_filters_and_neutralises_formulas(login, changes) -> None:
    response = login("admin").get("/registry/audit/export.csv", {"target_type": "compliance.policy"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="audit-alpha-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "id",
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "target",
        "before",
        "after",
        "reason",
    ]
    assert len(rows) == 2
    assert rows[1][3] == "policy.change"
    assert rows[1][2] == "'=cmd|' /C calc'!A0"  # a formula-looking label is defused
    assert rows[1][8] == '{"note":"=HYPERLINK(\\"http://evil\\")"}'
    full = login("admin").get("/registry/audit/export.csv")
    all_rows = list(csv.reader(io.StringIO(b"".join(full.streaming_content).decode())))
    assert len(all_rows) == AuditEntry.objects.count() + 1
