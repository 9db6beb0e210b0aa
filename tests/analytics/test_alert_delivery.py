"""Delivery of alerts and recommendations: in-app markers, e-mail (locmem backend) and a signed
webhook against a real HTTP server started here, with retries proven by a server that fails first."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from apps.analytics.decision_services import alert_upsert, recommendation_upsert
from apps.analytics.delivery import (
    SIGNATURE_HEADER,
    WebhookURLError,
    alert_mark_read,
    alerts_unread_for,
    recommendation_mark_read,
    recommendations_unread_for,
    webhook_endpoint_create,
    webhook_url_validate,
)
from apps.analytics.models import (
    Alert,
    AlertReceipt,
    DeliveryAttempt,
    Recommendation,
    RecommendationReceipt,
    WebhookEndpoint,
)
from apps.analytics.services import day_start, rollups_rebuild, tenant_today
from apps.analytics.tasks import decisions_run, deliver_alert, deliver_recommendation
from apps.core.exceptions import NotPermittedError
from tests.factories import AssistantFactory, ConversationFactory, DepartmentFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "test-webhook-secret"


@dataclass
class Hook:
    """A local receiver: answers the queued statuses in order (then 200) and keeps each request."""

    port: int
    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/T000/SECRET-PATH"


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_webhooks(settings) -> None:
    settings.ANALYTICS_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def world(alpha):
    hr, sales = DepartmentFactory(name="HR"), DepartmentFactory(name="Sales")
    people = {
        name: UserFactory(email=f"dlv-{name}@alpha.test", roles=[role])
        for name, role in [
            ("admin", "admin"),
            ("owner", "owner"),
            ("product", "product"),
            ("cx", "cx"),
            ("viewer", "viewer"),
            ("compliance", "compliance"),
            ("sales-owner", "owner"),
            ("gone", "owner"),
        ]
    }
    hr.members.add(people["owner"], people["product"], people["cx"], people["viewer"], people["gone"])
    sales.members.add(people["sales-owner"])
    people["gone"].is_active = False
    people["gone"].save()
    bot = AssistantFactory(department=hr, name="HR Bot")
    sales_bot = AssistantFactory(department=sales, name="Sales Bot")
    alert = alert_upsert(
        assistant=bot,
        kind="degradation",
        dims={"metric": "acceptance_rate"},
        evidence={"recent": {"numerator": 20, "denominator": 50}, "p_value": 0.0001},
        summary="acceptance_rate fell to 40% over the last 7 days from 80% over the 28 before",
        conversation_ids=[7, 8],
    ).record
    return {"people": people, "alert": alert, "bot": bot, "sales_bot": sales_bot}


# The organization's provisioned admin (tests/conftest.py) is an admin too.
EXPECTED = ["admin@alpha.test", "dlv-admin@alpha.test", "dlv-cx@alpha.test", "dlv-owner@alpha.test", "dlv-product@alpha.test"]  # fmt: skip


def test_in_app_and_email_reach_the_roles_that_own_the_alert(world) -> None:
    alert: Alert = world["alert"]
    deliver_alert.apply(kwargs={"alert_id": alert.pk})

    assert sorted(m.to[0] for m in mail.outbox) == EXPECTED
    assert all(len(m.to) == 1 for m in mail.outbox)
    message = mail.outbox[0]
    assert message.subject.startswith("[Tessera] Degradation · HR Bot: acceptance_rate fell to 40%")
    assert "p_value: 0.0001" in message.body
    assert "Sample conversations: 7, 8" in message.body

    assert sorted(AlertReceipt.objects.values_list("user__email", flat=True)) == EXPECTED
    attempts = DeliveryAttempt.objects.filter(alert=alert)
    assert sorted(attempts.filter(channel="email").values_list("target", "status", "attempt")) == [
        (email, "sent", 1) for email in EXPECTED
    ]
    assert attempts.filter(channel="in_app", status="sent").count() == 5

    owner, viewer = world["people"]["owner"], world["people"]["viewer"]
    assert list(alerts_unread_for(user=owner)) == [alert]
    assert list(alerts_unread_for(user=viewer)) == []
    assert alert_mark_read(user=owner, alert=alert) is True
    assert alert_mark_read(user=owner, alert=alert) is False
    assert list(alerts_unread_for(user=owner)) == []

    # Delivering again (a task run twice) sends nothing twice.
    deliver_alert.apply(kwargs={"alert_id": alert.pk})
    assert len(mail.outbox) == 5
    assert attempts.count() == 10


def test_webhook_is_signed_and_slack_compatible(world, hook, local_webhooks) -> None:
    admin = world["people"]["admin"]
    endpoint = webhook_endpoint_create(actor=admin, name="ops channel", url=hook.url, secret=SECRET)
    deliver_alert.apply(kwargs={"alert_id": world["alert"].pk})

    assert len(hook.requests) == 1
    headers, body = hook.requests[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["text"].startswith("[Tessera] Degradation · HR Bot: acceptance_rate fell to 40%")
    assert payload["alert"]["id"] == world["alert"].pk
    assert payload["alert"]["kind"] == "degradation"
    assert payload["alert"]["assistant"]["name"] == "HR Bot"
    assert payload["alert"]["evidence"]["conversation_ids"] == [7, 8]
    assert payload["organization"] == "alpha"

    attempt = DeliveryAttempt.objects.get(channel="webhook")
    assert (attempt.status, attempt.http_status, attempt.attempt) == ("sent", 200, 1)
    # The path (a token, for Slack-style URLs) is never recorded.
    assert attempt.target == f"webhook {endpoint.pk} http://127.0.0.1:{hook.port}"


def test_webhook_retries_with_backoff_after_a_server_error(world, hook, local_webhooks) -> None:
    webhook_endpoint_create(actor=world["people"]["admin"], name="ops", url=hook.url, secret=SECRET)
    hook.statuses = [500]
    deliver_alert.apply(kwargs={"alert_id": world["alert"].pk})

    attempts = list(DeliveryAttempt.objects.filter(channel="webhook").values_list("attempt", "status", "http_status"))
    assert attempts == [(1, "failed", 500), (2, "sent", 200)]
    assert len(hook.requests) == 2
    assert hook.requests[0][1] == hook.requests[1][1]  # the same signed body again


def test_webhook_gives_up_after_the_retry_limit(world, hook, local_webhooks, settings) -> None:
    from apps.analytics.tasks import send_finding_webhook

    webhook_endpoint_create(actor=world["people"]["admin"], name="ops", url=hook.url, secret=SECRET)
    hook.statuses = [503] * 50
    deliver_alert.apply(kwargs={"alert_id": world["alert"].pk})

    tries = send_finding_webhook.max_retries + 1
    attempts = list(DeliveryAttempt.objects.filter(channel="webhook").values_list("attempt", "status", "http_status"))
    assert attempts == [(n, "failed", 503) for n in range(1, tries + 1)]
    assert send_finding_webhook.retry_backoff is True
    assert len(hook.requests) == tries


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "file:///etc/passwd",
        "http://user:pass@127.0.0.1/x",
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
    ],
)
def test_webhook_urls_are_validated(url: str) -> None:
    with pytest.raises(WebhookURLError):
        webhook_url_validate(url)


def test_allowed_networks_open_only_what_they_name(local_webhooks) -> None:
    webhook_url_validate("http://127.0.0.1:8080/hook")
    webhook_url_validate("https://93.184.215.14/hook")  # a public address needs no allowance
    with pytest.raises(WebhookURLError):
        webhook_url_validate("http://127.0.0.2:8080/hook")
    with pytest.raises(WebhookURLError):
        webhook_url_validate("http://10.0.0.1/hook")


def test_only_an_admin_adds_a_webhook_and_the_address_is_checked_again_at_send(world, hook, settings) -> None:
    with pytest.raises(NotPermittedError):
        webhook_endpoint_create(actor=world["people"]["owner"], name="x", url="https://93.184.215.14/h")
    with pytest.raises(WebhookURLError):
        webhook_endpoint_create(actor=world["people"]["admin"], name="x", url=hook.url)
    assert not WebhookEndpoint.objects.exists()

    # Saved while allowed, then the allowance is withdrawn: refused at send time, not retried.
    settings.ANALYTICS_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    webhook_endpoint_create(actor=world["people"]["admin"], name="ops", url=hook.url, secret=SECRET)
    settings.ANALYTICS_WEBHOOK_ALLOWED_NETWORKS = []
    deliver_alert.apply(kwargs={"alert_id": world["alert"].pk})
    attempt = DeliveryAttempt.objects.get(channel="webhook")
    assert (attempt.status, attempt.attempt) == ("refused", 1)
    assert "private or reserved address" in attempt.error
    assert hook.requests == []


# --- Recommendations: delivered like alerts, to the same people, once ------------------------


def _recommendation(bot, **dims: str) -> Recommendation:
    return recommendation_upsert(
        assistant=bot,
        kind="fix_prompt",
        dims={"feature": "draft", **dims},
        evidence={"acceptance": {"numerator": 6, "denominator": 40}},
        summary="draft: acceptance 15% (6/40) is below 25%",
        conversation_ids=[3, 4],
    ).record


def test_a_recommendation_reaches_the_same_people_in_app_by_email_and_webhook_once(world, hook, local_webhooks):
    people = world["people"]
    endpoint = webhook_endpoint_create(actor=people["admin"], name="ops", url=hook.url, secret=SECRET)
    rec = _recommendation(world["bot"])
    deliver_recommendation.apply(kwargs={"recommendation_id": rec.pk})

    assert sorted(m.to[0] for m in mail.outbox) == EXPECTED
    message = mail.outbox[0]
    assert message.subject == "[Tessera] Fix the prompt first · HR Bot: draft: acceptance 15% (6/40) is below 25%"
    assert f"Recommendation #{rec.pk} (fix_prompt)" in message.body
    assert "acceptance: {'numerator': 6, 'denominator': 40}" in message.body
    assert "Sample conversations: 3, 4" in message.body

    assert sorted(RecommendationReceipt.objects.values_list("user__email", flat=True)) == EXPECTED
    assert not AlertReceipt.objects.exists()  # the alert of the fixture was not delivered
    assert list(recommendations_unread_for(user=people["owner"])) == [rec]
    assert list(recommendations_unread_for(user=people["viewer"])) == []
    assert list(recommendations_unread_for(user=people["sales-owner"])) == []
    assert list(alerts_unread_for(user=people["owner"])) == []
    assert recommendation_mark_read(user=people["owner"], recommendation=rec) is True
    assert recommendation_mark_read(user=people["owner"], recommendation=rec) is False
    assert list(recommendations_unread_for(user=people["owner"])) == []

    assert len(hook.requests) == 1
    headers, body = hook.requests[0]
    assert headers[SIGNATURE_HEADER] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Tessera-Event"] == "recommendation.fix_prompt"
    assert headers["X-Tessera-Delivery"] == f"alpha:recommendation:{rec.pk}:{endpoint.pk}"
    payload = json.loads(body)
    assert payload["text"] == message.subject
    assert "alert" not in payload
    assert (payload["recommendation"]["id"], payload["recommendation"]["kind"]) == (rec.pk, "fix_prompt")
    assert payload["recommendation"]["evidence"]["conversation_ids"] == [3, 4]

    attempts = DeliveryAttempt.objects.filter(recommendation=rec)
    assert attempts.count() == 5 + 5 + 1  # in-app, e-mail, webhook
    assert not attempts.filter(alert__isnull=False).exists()
    # Delivered again (a task run twice): nothing is sent twice.
    deliver_recommendation.apply(kwargs={"recommendation_id": rec.pk})
    assert (len(mail.outbox), len(hook.requests), attempts.count()) == (5, 1, 11)


def test_an_alert_and_a_recommendation_are_delivered_separately(world) -> None:
    deliver_alert.apply(kwargs={"alert_id": world["alert"].pk})
    rec = _recommendation(world["bot"])
    deliver_recommendation.apply(kwargs={"recommendation_id": rec.pk})
    # Each finding reached each of the five people once: an e-mail sent for the alert does not
    # count as sent for the recommendation.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(EXPECTED * 2)
    assert DeliveryAttempt.objects.filter(alert=world["alert"], channel="email").count() == 5
    assert DeliveryAttempt.objects.filter(recommendation=rec, channel="email").count() == 5
    assert RecommendationReceipt.objects.filter(user=world["people"]["owner"]).count() == 1
    assert AlertReceipt.objects.filter(user=world["people"]["owner"]).count() == 1


def test_a_rule_run_delivers_each_recommendation_it_opens_once(world, django_capture_on_commit_callbacks):
    """Sales Bot, 3 days ago: 40 English conversations (36 resolved) and 40 Spanish ones (10
    resolved): a language gap (25% vs 90%), recommended to Sales' owner and the admins."""
    today = tenant_today()
    at = day_start(today - timedelta(days=3)) + timedelta(hours=1)
    for language, resolved in (("en", 36), ("es", 10)):
        for i in range(40):
            conv = ConversationFactory(
                assistant=world["sales_bot"],
                started_at=at + timedelta(minutes=i),
                last_event_at=at + timedelta(minutes=i + 2),
                user_messages=1,
                language=language,
                outcome="resolved" if i < resolved else "abandoned",
            )
            MessageFactory(conversation=conv, role="user", ts=conv.started_at)
    rollups_rebuild()

    with django_capture_on_commit_callbacks(execute=True):
        report = decisions_run(today=today)
    gap = Recommendation.objects.get(assistant=world["sales_bot"])
    assert (report.new_recommendation_ids, gap.kind) == ([gap.pk], "language_gap")
    recipients = ["admin@alpha.test", "dlv-admin@alpha.test", "dlv-sales-owner@alpha.test"]
    assert sorted(m.to[0] for m in mail.outbox) == recipients
    assert all(m.subject.startswith("[Tessera] Language gap · Sales Bot: ") for m in mail.outbox)
    assert list(recommendations_unread_for(user=world["people"]["sales-owner"])) == [gap]
    assert list(recommendations_unread_for(user=world["people"]["owner"])) == []  # HR's owner

    # The next run refreshes the open recommendation: nothing is delivered again.
    with django_capture_on_commit_callbacks(execute=True):
        again = decisions_run(today=today)
    assert (again.refreshed, again.new_recommendation_ids) == (1, [])
    assert len(mail.outbox) == 3
    assert RecommendationReceipt.objects.filter(recommendation=gap).count() == 3
