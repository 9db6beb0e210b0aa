"""Sanctioned vs shadow, the decision workflow, block lists, and the API around them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.audit.models import AuditEntry
from apps.core.exceptions import ApplicationError, NotPermittedError
from apps.detection.models import AIUsageDaily, EgressImport, ShadowAIFinding
from apps.detection.shadow.selectors import (
    blocklist_domains,
    blocklist_squid,
    findings_list,
    inventory_by_department,
)
from apps.detection.shadow.services import finding_decide, findings_refresh, shadow_policy_update
from apps.registry.models import Assistant
from tests.factories import AssistantFactory, DepartmentFactory, UserFactory


def _usage(key: str, department, rows: list[tuple[date, str, int]]) -> ShadowAIFinding:
    for day, user, n in rows:
        AIUsageDaily.objects.create(
            date=day, service_key=key, department=department, user_ref=user, requests=n, bytes=n * 10
        )
    findings_refresh(pairs={(key, department.id if department else None)})
    return ShadowAIFinding.objects.get(service_key=key, department=department)


@pytest.fixture
def officer(alpha):
    return UserFactory(roles=["compliance"])


def test_findings_aggregate_usage(alpha, officer) -> None:
    sales = DepartmentFactory(name="Sales")
    finding = _usage(
        "anthropic-claude",
        sales,
        [(date(2024, 3, 4), "u1", 3), (date(2024, 3, 4), "u2", 1), (date(2024, 3, 6), "u1", 5)],
    )
    assert (finding.first_seen, finding.last_seen, finding.distinct_users, finding.requests, finding.bytes) == (
        date(2024, 3, 4),
        date(2024, 3, 6),
        2,
        9,
        90,
    )
    [inventory] = inventory_by_department(user=officer)
    assert (inventory.department, inventory.shadow_services, inventory.shadow_requests) == ("Sales", 1, 9)
    assert inventory.trend == [(date(2024, 3, 4), 4), (date(2024, 3, 6), 5)]


def test_sanctioned_by_approved_assistant_of_that_department_only(alpha, officer) -> None:
    sales, hr = DepartmentFactory(name="Sales"), DepartmentFactory(name="HR")
    AssistantFactory(department=sales, vendor="ANTHROPIC", status="approved")
    AssistantFactory(department=hr, vendor="Anthropic", status="pilot")  # a pilot sanctions nothing
    _usage("anthropic-claude", sales, [(date(2024, 3, 4), "u1", 1)])
    _usage("anthropic-claude", hr, [(date(2024, 3, 4), "u2", 1)])
    _usage("anthropic-claude", None, [(date(2024, 3, 4), "u3", 1)])
    verdict = {row.department: row.sanctioned for row in findings_list(user=officer)}
    assert verdict == {"Sales": True, "HR": False, "unattributed": False}
    assert [row.department for row in findings_list(user=officer, shadow_only=True)] == ["HR", "unattributed"]


def test_sanctioned_by_policy_per_department_or_everywhere(alpha, officer) -> None:
    sales, hr = DepartmentFactory(name="Sales"), DepartmentFactory(name="HR")
    admin = UserFactory(roles=["admin"])
    _usage("deepseek-chat", sales, [(date(2024, 3, 4), "u1", 1)])
    _usage("deepseek-chat", hr, [(date(2024, 3, 4), "u2", 1)])
    _usage("openai-chatgpt", None, [(date(2024, 3, 4), "u3", 1)])
    shadow_policy_update(actor=admin, approved_vendors={"DeepSeek": [sales.id], "openai": ["*"]})
    verdict = {(row.service_key, row.department): row.sanctioned for row in findings_list(user=officer)}
    assert verdict == {
        ("deepseek-chat", "Sales"): True,
        ("deepseek-chat", "HR"): False,
        ("openai-chatgpt", "unattributed"): True,
    }


def test_decisions_move_along_the_workflow_and_are_audited(alpha, officer) -> None:
    sales = DepartmentFactory(name="Sales")
    finding = _usage("deepseek-chat", sales, [(date(2024, 3, 4), "u1", 1)])
    finding_decide(actor=officer, finding=finding, status="acknowledged")
    finding_decide(actor=officer, finding=finding, status="blocked", note="PRC data residency")
    finding.refresh_from_db()
    assert (finding.status, finding.note, finding.decided_by_id) == ("blocked", "PRC data residency", officer.id)
    actions = list(AuditEntry.objects.filter(target_id=str(finding.pk)).values_list("action", flat=True).order_by("id"))
    assert actions == ["shadow_ai.finding.acknowledged", "shadow_ai.finding.blocked"]
    with pytest.raises(ApplicationError, match="cannot become 'acknowledged'"):
        finding_decide(actor=officer, finding=finding, status="acknowledged")
    viewer = UserFactory(roles=["viewer"])
    with pytest.raises(NotPermittedError):
        finding_decide(actor=viewer, finding=finding, status="approved")
    finding.refresh_from_db()
    assert finding.status == "blocked"


def test_approve_can_register_a_draft_assistant(alpha) -> None:
    admin = UserFactory(roles=["admin"])
    sales = DepartmentFactory(name="Sales")
    finding = _usage("anthropic-claude", sales, [(date(2024, 3, 4), "u1", 1)])
    finding = finding_decide(actor=admin, finding=finding, status="approved", create_assistant=True)
    assistant = Assistant.objects.get(pk=finding.assistant_id)
    assert (assistant.department_id, assistant.vendor, assistant.model, assistant.status) == (
        sales.id,
        "Anthropic",
        "Claude",
        "pilot",
    )
    # Compliance may approve, but registering an assistant is the registry's call (admin/owner).
    officer = UserFactory(roles=["compliance"])
    other = _usage("deepseek-chat", sales, [(date(2024, 3, 4), "u1", 1)])
    with pytest.raises(NotPermittedError):
        finding_decide(actor=officer, finding=other, status="approved", create_assistant=True)
    other.refresh_from_db()
    assert (other.status, Assistant.objects.count()) == ("new", 1)


def test_block_lists(alpha, officer) -> None:
    sales = DepartmentFactory(name="Sales")
    for key in ("deepseek-chat", "aws-bedrock"):
        finding = _usage(key, sales, [(date(2024, 3, 4), "u1", 1)])
        finding_decide(actor=officer, finding=finding, status="blocked")
    _usage("openai-chatgpt", sales, [(date(2024, 3, 4), "u1", 1)])  # not blocked: not listed
    assert blocklist_domains(user=officer) == "chat.deepseek.com\n"
    squid = blocklist_squid(user=officer).splitlines()
    assert squid[2:] == [
        "acl tessera_blocked_ai dstdomain .chat.deepseek.com",
        r"acl tessera_blocked_ai_re dstdom_regex -i (^|\.)bedrock-runtime\.[^.]+\.amazonaws\.com$",
        r"acl tessera_blocked_ai_re dstdom_regex -i (^|\.)bedrock\.[^.]+\.amazonaws\.com$",
    ]


def test_other_roles_read_nothing(alpha) -> None:
    _usage("deepseek-chat", DepartmentFactory(name="Sales"), [(date(2024, 3, 4), "u1", 1)])
    for role in ("owner", "product", "cx", "viewer"):
        assert findings_list(user=UserFactory(roles=[role])) == []


def test_api_upload_list_filter_decide_and_isolation(
    alpha, beta, alpha_client, officer, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.TESSERA_EGRESS_UPLOAD_DIR = str(tmp_path)
    sales = DepartmentFactory(name="Sales")
    alpha_client.force_login(officer)
    line = b"1709510400.123 1 10.1.2.3 TCP_TUNNEL/200 10 CONNECT chat.deepseek.com:443 - HIER_DIRECT/1.1.1.1 -\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = alpha_client.post(
            "/api/v1/shadow-ai/imports/", {"file": SimpleUploadedFile("a.log", line), "format": "squid"}
        )
    assert response.status_code == 202, response.content
    record = EgressImport.objects.get()
    assert (record.status, record.lines, record.ai_requests) == ("done", 1, 1)
    assert record.stored_path.startswith(str(settings.TESSERA_EGRESS_UPLOAD_DIR))
    assert not Path(record.stored_path).exists()  # the task deletes the upload once imported
    again = alpha_client.post(
        "/api/v1/shadow-ai/imports/", {"file": SimpleUploadedFile("b.log", line), "format": "squid"}
    )
    assert again.status_code == 409
    assert again.json()["import_id"] == record.pk
    bad = alpha_client.post(
        "/api/v1/shadow-ai/imports/", {"file": SimpleUploadedFile("c.log", b"x"), "format": "bluecoat"}
    )
    assert bad.status_code == 400
    assert "format" in bad.json()
    listed = alpha_client.get("/api/v1/shadow-ai/imports/").json()
    assert [item["ai_requests"] for item in listed["results"]] == [1]
    findings = alpha_client.get("/api/v1/shadow-ai/findings/?shadow=true").json()
    assert [(f["service_key"], f["department"]) for f in findings["results"]] == [("deepseek-chat", "unattributed")]
    assert alpha_client.get("/api/v1/shadow-ai/findings/?status=nope").status_code == 400
    finding_id = findings["results"][0]["id"]
    decided = alpha_client.post(f"/api/v1/shadow-ai/findings/{finding_id}/decide/", {"status": "blocked"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "blocked"
    squid = alpha_client.get("/api/v1/shadow-ai/findings/blocklist/?style=squid")
    assert "dstdomain .chat.deepseek.com" in squid.content.decode()
    assert sales.id not in [f["department_id"] for f in findings["results"]]
    with schema_context(beta.schema_name):
        assert ShadowAIFinding.objects.count() == 0
        assert EgressImport.objects.count() == 0


def test_api_upload_size_limit(alpha, alpha_client, officer, settings, tmp_path) -> None:
    settings.TESSERA_EGRESS_UPLOAD_MAX_BYTES = 10
    settings.TESSERA_EGRESS_UPLOAD_DIR = str(tmp_path)
    alpha_client.force_login(officer)
    response = alpha_client.post(
        "/api/v1/shadow-ai/imports/", {"file": SimpleUploadedFile("a.log", b"x" * 100), "format": "squid"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "the file is larger than the limit of 10 bytes"
    assert EgressImport.objects.count() == 0
    assert list(Path(settings.TESSERA_EGRESS_UPLOAD_DIR).glob("**/*.log")) == []


def test_approving_a_finding_sanctions_that_service_for_that_department_until_blocked(alpha, officer) -> None:
    sales, hr = DepartmentFactory(name="Sales"), DepartmentFactory(name="HR")
    copilot = _usage("github-copilot", sales, [(date(2024, 3, 4), "u1", 1)])
    _usage("github-copilot", hr, [(date(2024, 3, 4), "u2", 1)])
    _usage("openai-chatgpt", sales, [(date(2024, 3, 4), "u1", 1)])

    def verdict() -> dict[tuple[str, str], bool]:
        return {(row.service_key, row.department): row.sanctioned for row in findings_list(user=officer)}

    assert not any(verdict().values())
    finding_decide(actor=officer, finding=copilot, status="approved", note="enterprise plan")
    # That service for that department only: not HR's use, not another service of Sales.
    assert verdict() == {
        ("github-copilot", "Sales"): True,
        ("github-copilot", "HR"): False,
        ("openai-chatgpt", "Sales"): False,
    }
    assert [r.service_key for r in findings_list(user=officer, department_id=sales.id, shadow_only=True)] == [
        "openai-chatgpt"
    ]
    entry = AuditEntry.objects.filter(target_id=str(copilot.pk)).latest("id")
    assert (entry.action, entry.after["sanctioned"]) == ("shadow_ai.finding.approved", True)
    copilot.refresh_from_db()
    finding_decide(actor=officer, finding=copilot, status="blocked", note="revised: data terms")
    assert verdict()[("github-copilot", "Sales")] is False
    entry = AuditEntry.objects.filter(target_id=str(copilot.pk)).latest("id")
    assert (entry.action, entry.before["status"], entry.after["sanctioned"]) == (
        "shadow_ai.finding.blocked",
        "approved",
        False,
    )
