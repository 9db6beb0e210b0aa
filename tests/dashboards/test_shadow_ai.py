"""The shadow-AI pages: inventory, finding detail and decisions, block list, egress uploads."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.accounts.models import User
from apps.analytics.services import tenant_today
from apps.audit.models import AuditEntry
from apps.demo.services import demo_portfolio_ensure, demo_shadow_ai_ensure
from apps.detection.models import EgressImport, ShadowAIFinding
from apps.registry.models import Department
from tests.conftest import ALPHA
from tests.factories import UserFactory

ROLES = ("admin", "owner", "product", "cx", "compliance", "viewer")
PAGE = "/dashboards/shadow-ai/"


@dataclass
class ShadowWorld:
    users: dict[str, User]
    period: dict[str, str]

    def client(self, role: str) -> Client:
        client = Client(HTTP_HOST=ALPHA["domain"])
        client.force_login(self.users[role])
        return client

    def finding(self, department: str, key: str) -> ShadowAIFinding:
        return ShadowAIFinding.objects.get(department__name=department, service_key=key)


@pytest.fixture
def users(alpha) -> dict[str, User]:
    return {role: UserFactory(email=f"shadow-{role}@alpha.test", roles=[role]) for role in ROLES}


@pytest.fixture
def world(alpha, users, settings, tmp_path) -> ShadowWorld:
    """The demo's four weeks of proxy logs (apps/demo/egress.py), ending yesterday."""
    settings.TESSERA_EGRESS_UPLOAD_DIR = str(tmp_path)
    today = tenant_today()
    portfolio = demo_portfolio_ensure(today=today)
    demo_shadow_ai_ensure(seed=42, anchor=portfolio.anchor)
    Department.objects.get(name="Sales").members.add(users["owner"])
    period = {"from": (today - timedelta(days=28)).isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    return ShadowWorld(users=users, period=period)


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "compliance"])
def test_the_inventory_opens_for_admin_and_compliance(world, role) -> None:
    response = world.client(role).get(PAGE, world.period)
    assert response.status_code == 200
    html = response.content.decode()
    assert "4 unsanctioned AI services used by Sales: ChatGPT, Grammarly, Otter, Perplexity." in html
    # The planted spike, as an open alert (it takes the place of the growth headline of the same use)…
    assert "Use of ChatGPT spiked to" in html
    assert "robust z =" in html
    chatgpt = ShadowAIFinding.objects.get(department__name="Sales", service_key="openai-chatgpt")
    assert f'href="/dashboards/shadow-ai/findings/{chatgpt.pk}/' in html  # …leading to the finding
    # …and the planted launch: Marketing's image studio, after which Midjourney use fell.
    assert "After Marketing image studio launched, shadow image generation use in Marketing fell" in html
    assert "Mann-Whitney p =" in html
    for label in ("Services seen", "Shadow services", "Departments with shadow use", "AI requests", "New this period"):
        assert label in html
    assert 'id="shadow-daily"' in html
    assert 'id="departments"' in html
    assert 'id="findings"' in html
    for signal in ("spikes", "mentions", "unregistered-models", "launches"):  # the other signals' tables
        assert f'id="{signal}"' in html
    assert "/dashboards/shadow-ai/blocklist/?style=squid" in html
    assert 'href="/dashboards/shadow-ai/"' in html  # in the navigation


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "product", "cx", "viewer"])
def test_other_roles_get_403_everywhere(world, role) -> None:
    client = world.client(role)
    finding = world.finding("Sales", "otter")
    before = ShadowAIFinding.objects.get(pk=finding.pk).status
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}findings/{finding.pk}/").status_code == 403
    assert client.get(f"{PAGE}blocklist/").status_code == 403
    assert client.get(f"{PAGE}imports/").status_code == 403
    response = client.post(f"{PAGE}findings/{finding.pk}/decide/", {"status": "blocked", "note": "no"})
    assert response.status_code == 403
    assert ShadowAIFinding.objects.get(pk=finding.pk).status == before
    assert 'href="/dashboards/shadow-ai/"' not in client.get("/dashboards/summary/").content.decode()


@pytest.mark.django_db
def test_filters_narrow_the_findings_table(world) -> None:
    client = world.client("compliance")
    rows = _csv(client.get(PAGE, {**world.period, "export": "findings"}))
    assert {r["Use"] for r in rows} == {"sanctioned", "shadow"}
    assert len(rows) == 18

    shadow = _csv(client.get(PAGE, {**world.period, "shadow": "1", "export": "findings"}))
    assert {r["Use"] for r in shadow} == {"shadow"}
    assert len(shadow) == 14  # 15 planted shadow uses, one of them (Copilot in Engineering) approved

    blocked = _csv(client.get(PAGE, {**world.period, "status": "blocked", "export": "findings"}))
    assert [(r["Service"], r["Department"], r["Status"]) for r in blocked] == [
        ("DeepSeek Chat", "Engineering", "blocked")
    ]

    sales = Department.objects.get(name="Sales").pk
    in_sales = _csv(client.get(PAGE, {**world.period, "department": sales, "risk": "high", "export": "findings"}))
    assert {r["Department"] for r in in_sales} == {"Sales"}
    assert {r["Risk"] for r in in_sales} == {"high"}

    assert client.get(PAGE, {"risk": "extreme"}).status_code == 400
    assert client.get(PAGE, {"status": "maybe"}).status_code == 400


@pytest.mark.django_db
def test_csv_exports_of_tables_and_charts(world) -> None:
    client = world.client("admin")
    response = client.get(PAGE, {**world.period, "export": "departments"})
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[-1]["Department"] == "unattributed"
    assert {r["Department"] for r in rows} == {
        "Sales", "Engineering", "Marketing", "HR", "Customer Support", "unattributed",
    }  # fmt: skip
    daily = _csv(client.get(PAGE, {**world.period, "export": "shadow-daily-table"}))
    assert len(daily) == 28
    assert "Sales" in daily[0]


@pytest.mark.django_db
def test_the_finding_page_shows_trend_domains_notes_and_history(world) -> None:
    finding = world.finding("Engineering", "deepseek-chat")
    response = world.client("compliance").get(f"{PAGE}findings/{finding.pk}/", world.period)
    assert response.status_code == 200
    html = response.content.decode()
    assert "DeepSeek Chat in Engineering" in html
    assert "<code>chat.deepseek.com</code>" in html
    assert "People&#x27;s Republic of China" in html  # the catalog's data-use note
    assert 'id="trend"' in html
    assert "Data stored in the PRC: blocked at the proxy" in html  # the decision history
    other = ShadowAIFinding.objects.exclude(pk=finding.pk).first()
    assert world.client("admin").get(f"{PAGE}findings/999999/").status_code == 404
    assert other is not None


@pytest.mark.django_db
def test_a_decision_changes_the_status_and_is_audited(world) -> None:
    finding = world.finding("Sales", "otter")
    client = world.client("compliance")
    url = f"{PAGE}findings/{finding.pk}/decide/"

    # No reason: refused, nothing changes.
    response = client.post(url, {"status": "blocked", "note": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert ShadowAIFinding.objects.get(pk=finding.pk).status == "new"

    response = client.post(url, {"status": "blocked", "note": "Recordings leave the EU"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="decision-panel"' in response.content.decode()
    assert "<!doctype" not in response.content.decode().lower()  # only the panel is swapped
    assert ShadowAIFinding.objects.get(pk=finding.pk).status == "blocked"
    entry = AuditEntry.objects.get(action="shadow_ai.finding.blocked", target_id=str(finding.pk))
    assert entry.actor_label == "shadow-compliance@alpha.test"
    assert entry.after["note"] == "Recordings leave the EU"
    assert "otter.ai" in client.get(f"{PAGE}blocklist/?style=domains").content.decode()

    # Blocked → acknowledged is no transition of the workflow: a 400, nothing changes.
    response = client.post(url, {"status": "acknowledged", "note": "x"})
    assert response.status_code == 302
    assert ShadowAIFinding.objects.get(pk=finding.pk).status == "blocked"
    assert AuditEntry.objects.filter(target_id=str(finding.pk), action__startswith="shadow_ai.finding.").count() == 1


@pytest.mark.django_db
def test_approving_can_register_a_pilot_assistant_for_an_admin(world) -> None:
    finding = world.finding("Marketing", "midjourney")
    response = world.client("admin").post(
        f"{PAGE}findings/{finding.pk}/decide/",
        {"status": "approved", "note": "Design team pilot", "create_assistant": "on"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "approved"
    assert finding.assistant is not None
    assert finding.assistant.department.name == "Marketing"
    assert finding.assistant.status == "pilot"


@pytest.mark.django_db
def test_blocklist_downloads(world) -> None:
    client = world.client("admin")
    domains = client.get(f"{PAGE}blocklist/?style=domains")
    assert domains["Content-Disposition"].startswith("attachment")
    assert "chat.deepseek.com\n" in domains.content.decode()
    squid = client.get(f"{PAGE}blocklist/?style=squid").content.decode()
    assert "acl tessera_blocked_ai dstdomain .chat.deepseek.com" in squid
    assert client.get(f"{PAGE}blocklist/?style=pf").status_code == 400


SQUID = (
    b"1767225600.000    120 10.20.1.7 TCP_TUNNEL/200 5234 CONNECT claude.ai:443 asmith HIER_DIRECT/1.2.3.4 -\n"
    b"1767225660.000    120 10.20.1.7 TCP_TUNNEL/200 1200 CONNECT www.perplexity.ai:443 asmith HIER_DIRECT/1.2.3.4 -\n"
    b"garbage\n"
)


@pytest.mark.django_db
def test_upload_form_imports_and_refuses_a_reimport(world, django_capture_on_commit_callbacks) -> None:
    client = world.client("compliance")
    url = f"{PAGE}imports/"
    assert client.get(url).status_code == 200
    count = EgressImport.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"format": "squid", "file": SimpleUploadedFile("proxy.log", SQUID)})
    assert response.status_code == 302
    names = [getattr(c, "__qualname__", "") for c in callbacks]
    assert names.count("egress_upload_accept.<locals>.<lambda>") == 1
    record = EgressImport.objects.latest("id")
    assert (record.filename, record.status, record.lines, record.malformed, record.ai_requests) == (
        "proxy.log", "done", 3, 1, 2,
    )  # fmt: skip
    page = client.get(url).content.decode()
    assert "proxy.log" in page
    assert "1 malformed sample" in page

    again = client.post(url, {"format": "squid", "file": SimpleUploadedFile("copy.log", SQUID)})
    assert again.status_code == 409
    assert f"See import {record.pk} below." in again.content.decode()
    assert EgressImport.objects.count() == count + 1


@pytest.mark.django_db
def test_upload_form_refuses_a_bad_format_or_mapping(world, settings) -> None:
    client = world.client("admin")
    url = f"{PAGE}imports/"
    count = EgressImport.objects.count()
    response = client.post(url, {"format": "syslog", "file": SimpleUploadedFile("a.log", SQUID)})
    assert response.status_code == 400
    assert "syslog" in response.content.decode()
    response = client.post(url, {"format": "csv", "mapping": "[1]", "file": SimpleUploadedFile("b.csv", b"a,b\n")})
    assert response.status_code == 400
    response = client.post(
        url, {"format": "csv", "mapping": '{"user": "u"}', "file": SimpleUploadedFile("c.csv", b"u\n")}
    )
    assert response.status_code == 400  # a generic format needs a timestamp and a host or url column
    settings.TESSERA_EGRESS_UPLOAD_MAX_BYTES = 10
    response = client.post(url, {"format": "squid", "file": SimpleUploadedFile("d.log", SQUID)})
    assert response.status_code == 413
    assert EgressImport.objects.count() == count


@pytest.mark.django_db
def test_empty_state_explains_how_to_import_a_first_log(alpha, users) -> None:
    client = Client(HTTP_HOST=ALPHA["domain"])
    client.force_login(users["compliance"])
    html = client.get(PAGE).content.decode()
    assert "No egress logs imported yet" in html
    assert "manage.py egress_import --org alpha --format squid" in html
    assert "/api/v1/shadow-ai/imports/" in html


@pytest.mark.django_db
def test_the_compliance_overview_links_the_inventory(world) -> None:
    html = world.client("compliance").get("/compliance/").content.decode()
    assert 'href="/dashboards/shadow-ai/"' in html


@pytest.mark.django_db
def test_filters_egress_logs_cannot_apply_are_named(world) -> None:
    html = world.client("admin").get(PAGE, {**world.period, "language": "en"}).content.decode()
    assert "the language filter does not apply to this page" in html
    assert 'id="ignored-filters"' not in world.client("admin").get(PAGE, world.period).content.decode()


@pytest.mark.django_db
def test_privacy_mode_suppresses_small_user_counts_except_for_compliance(world) -> None:
    def users_of(role: str) -> dict[tuple[str, str], str]:
        rows = _csv(world.client(role).get(PAGE, {**world.period, "export": "findings"}))
        return {(r["Department"], r["Service"]): r["Users"] for r in rows}

    admin, officer = users_of("admin"), users_of("compliance")
    small = [pair for pair, users in officer.items() if users.isdigit() and 0 < int(users) < 5]
    assert small  # the demo has small cuts (Character.AI in Customer Support: 2 people)
    for pair in small:
        assert admin[pair] == "fewer than 5 people"
    large = [pair for pair, users in officer.items() if users.isdigit() and int(users) >= 5]
    assert large
    assert all(admin[pair] == officer[pair] for pair in large)
    from apps.detection.shadow.selectors import findings_list

    ids = {(r.department, r.product): r.id for r in findings_list(user=world.users["compliance"])}
    page = f"{PAGE}findings/{ids[small[0]]}/"
    assert "fewer than 5 people" in world.client("admin").get(page, world.period).content.decode()
    assert "fewer than 5 people" not in world.client("compliance").get(page, world.period).content.decode()


@pytest.mark.django_db
def test_an_approved_finding_shows_as_sanctioned(world) -> None:
    rows = _csv(world.client("compliance").get(PAGE, {**world.period, "export": "findings"}))
    use = {(r["Department"], r["Service"]): r["Use"] for r in rows}
    assert use[("Engineering", "GitHub Copilot")] == "sanctioned"  # approved by the demo's decision
    assert use[("Engineering", "DeepSeek Chat")] == "shadow"  # blocked


@pytest.mark.django_db
def test_mentions_and_unregistered_models_drill_down_to_conversations(world) -> None:
    from django.utils import timezone

    from apps.detection.models import ExternalAIMention, UnregisteredModelFinding
    from apps.registry.models import Assistant
    from tests.factories import ConversationFactory, MessageFactory

    assistant = Assistant.objects.get(name="Sales copilot")
    now = timezone.now()
    older, newer = (ConversationFactory(assistant=assistant, started_at=now - timedelta(days=d)) for d in (3, 1))
    for conversation in (older, newer):
        message = MessageFactory(conversation=conversation, content="I pasted this into ChatGPT first")
        ExternalAIMention.objects.create(
            message=message, conversation=conversation, service_key="openai-chatgpt", name="ChatGPT",
            cue="paste", start=19, end=26, created_at=conversation.started_at,
        )  # fmt: skip
    UnregisteredModelFinding.objects.create(
        assistant=assistant, vendor="openai", model="gpt-4o", registered_vendor="anthropic",
        registered_model="claude", reason="vendor+model", first_seen=now, last_seen=now, count=3,
        example_conversation_ids=[older.pk, newer.pk],
    )  # fmt: skip
    html = world.client("compliance").get(PAGE, world.period).content.decode()
    mentions = html[html.index('id="mentions"') : html.index('id="unregistered-models"')]
    assert f'href="/dashboards/conversations/{newer.pk}/"' in mentions  # the newest mention's conversation
    unregistered = html[html.index('id="unregistered-models"') :]
    assert "2 conversations" in unregistered
    assert f'href="/dashboards/conversations/{older.pk}/"' in unregistered
    assert f"examples: #{older.pk}, #{newer.pk}" in unregistered
