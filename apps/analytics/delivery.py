"""Delivery of findings (issue 11 item 4): each alert, and each recommendation, a rule run opens
goes out in-app, by e-mail and to a signed webhook, to the people who own it; every try recorded
as a ``DeliveryAttempt``.

- **Who**: the finding's stakeholders (``registry.selectors.assistant_stakeholders``): admins, and
  the owner, product and cx members of the assistant's department — the roles that may act on it
  (``decision_services.ACTING_ROLES``). Alerts and recommendations go to the same people.
- **In-app**: the Alert or Recommendation row itself, plus one ``AlertReceipt`` /
  ``RecommendationReceipt`` per recipient as the unread marker (``alerts_unread_for`` /
  ``recommendations_unread_for``, ``alert_mark_read`` / ``recommendation_mark_read``).
- **E-mail**: one message per recipient through Django's mail backend.
- **Webhook**: every active ``WebhookEndpoint`` of the organization gets a POST of
  Slack-compatible JSON (``{"text": …}`` plus the structured ``alert`` or ``recommendation``),
  signed ``X-Tessera-Signature: sha256=<hex HMAC-SHA256 of the raw body with the endpoint's secret>``.

Sending is done by the Celery tasks of ``tasks.py`` (one per e-mail and per endpoint, retried with
exponential backoff); the functions here make one attempt, record it, and raise
:class:`DeliveryError` when a retry could help. A target that already has a ``sent`` attempt for
the finding is skipped, so a task that runs twice does not send twice: one delivery per finding
and target.

**SSRF.** A webhook URL is chosen by a tenant admin but fetched by our servers, so it must not
reach our own network: only ``http``/``https``, no credentials in the URL, and every address the
host resolves to must be public (not private, loopback, link-local, multicast, reserved or
unspecified) unless it lies in ``ANALYTICS_WEBHOOK_ALLOWED_NETWORKS``. The check runs when the
endpoint is saved and again before every send (DNS may change), redirects are not followed (a 3xx
is a failed attempt), and the attempt records only scheme, host and port (Slack-style URLs carry
a token in the path). A residual DNS-rebinding window remains between the check and the
connection; deployments that need more put an egress proxy in front of the workers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.accounts.permissions import require_role
from apps.analytics.decision_services import ACTING_ROLES, ORGANIZATION_ALERT_ROLES
from apps.analytics.models import (
    Alert,
    AlertReceipt,
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryStatus,
    Recommendation,
    RecommendationReceipt,
    WebhookEndpoint,
)
from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError
from apps.core.tenancy import current_schema
from apps.registry.selectors import assistant_stakeholders

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Tessera-Signature"
USER_AGENT = "Tessera-Webhook/1"


class WebhookURLError(ApplicationError):
    """The URL may not be used as a webhook (scheme, credentials, or a refused address)."""


class DeliveryError(Exception):
    """One attempt failed in a way a retry may fix (network error, 5xx, mail server down)."""


# --- what is delivered ------------------------------------------------------------------------

Finding = Alert | Recommendation


@dataclass(frozen=True)
class Subject:
    """One kind of finding: ``name`` is its field on ``DeliveryAttempt``, its key in the webhook
    body and the prefix of the webhook event (``alert.degradation``, ``recommendation.expand``)."""

    name: str
    label: str
    model: type[Alert] | type[Recommendation]
    receipt: type[AlertReceipt] | type[RecommendationReceipt]


ALERT = Subject("alert", "Alert", Alert, AlertReceipt)
RECOMMENDATION = Subject("recommendation", "Recommendation", Recommendation, RecommendationReceipt)
SUBJECTS = {subject.name: subject for subject in (ALERT, RECOMMENDATION)}


def _subject_of(finding: Finding) -> Subject:
    return ALERT if isinstance(finding, Alert) else RECOMMENDATION


def _finding(subject: str, finding_id: int) -> Finding:
    return SUBJECTS[subject].model._default_manager.select_related("assistant").get(pk=finding_id)


# --- recipients and the in-app marker --------------------------------------------------------


def finding_recipients(*, finding: Finding) -> list[User]:
    if finding.assistant is None:  # organization-wide (shadow-AI traffic): admin and compliance
        return list(
            User.objects.filter(is_active=True, roles__overlap=list(ORGANIZATION_ALERT_ROLES)).order_by("email")
        )
    department_roles = [r for r in ACTING_ROLES if r != Role.ADMIN]
    return list(assistant_stakeholders(assistant=finding.assistant, department_roles=department_roles))


def _unread_for(subject: Subject, user: User) -> QuerySet:
    return subject.model._default_manager.filter(receipts__user=user, receipts__read_at__isnull=True).select_related(
        "assistant"
    )


def _mark_read(finding: Finding, user: User) -> bool:
    subject = _subject_of(finding)
    receipts = subject.receipt._default_manager.filter(**{subject.name: finding}, user=user, read_at__isnull=True)
    return bool(receipts.update(read_at=timezone.now()))


def alerts_unread_for(*, user: User) -> QuerySet[Alert]:
    """Alerts delivered to ``user`` in-app that they have not opened yet, newest first."""
    return _unread_for(ALERT, user)


def recommendations_unread_for(*, user: User) -> QuerySet[Recommendation]:
    """Recommendations delivered to ``user`` in-app that they have not opened yet, newest first."""
    return _unread_for(RECOMMENDATION, user)


def alert_mark_read(*, user: User, alert: Alert) -> bool:
    """Clear ``user``'s unread marker of ``alert``; False when there was none to clear."""
    return _mark_read(alert, user)


def recommendation_mark_read(*, user: User, recommendation: Recommendation) -> bool:
    """Clear ``user``'s unread marker of ``recommendation``; False when there was none to clear."""
    return _mark_read(recommendation, user)


@dataclass(frozen=True)
class DeliveryPlan:
    """What is left to send for one finding: e-mail recipients (user ids) and webhook endpoints."""

    subject: str
    finding_id: int
    email_user_ids: list[int]
    endpoint_ids: list[int]


def _sent(finding: Finding, channel: str, target: str) -> bool:
    return DeliveryAttempt.objects.filter(
        **{_subject_of(finding).name: finding}, channel=channel, target=target, status=DeliveryStatus.SENT
    ).exists()


@transaction.atomic
def finding_delivery_plan(*, subject: str, finding_id: int) -> DeliveryPlan:
    """Deliver in-app (one receipt per recipient, recorded as a sent attempt) and say which e-mails
    and webhooks remain to be sent. Running it twice adds nothing."""
    finding = _finding(subject, finding_id)
    receipt_model = SUBJECTS[subject].receipt
    emails = []
    for user in finding_recipients(finding=finding):
        lookup: dict[str, Any] = {subject: finding, "user": user}
        _receipt, created = receipt_model._default_manager.get_or_create(**lookup)
        if created:
            _record(finding, DeliveryChannel.IN_APP, f"user {user.pk}", 1, DeliveryStatus.SENT)
        if user.email and not _sent(finding, DeliveryChannel.EMAIL, user.email):
            emails.append(user.pk)
    endpoints = [
        e.pk
        for e in WebhookEndpoint.objects.filter(is_active=True)
        if not _sent(finding, DeliveryChannel.WEBHOOK, _endpoint_target(e))
    ]
    return DeliveryPlan(subject=subject, finding_id=finding.pk, email_user_ids=emails, endpoint_ids=endpoints)


# --- e-mail ----------------------------------------------------------------------------------


def _about(finding: Finding) -> str:
    return finding.assistant.name if finding.assistant is not None else "organization"


def _headline(finding: Finding) -> str:
    return f"[Tessera] {finding.get_kind_display()} · {_about(finding)}: {finding.summary}"


def _numbers(finding: Finding) -> str:
    return "\n".join(
        f"  {key}: {value}"
        for key, value in sorted(finding.evidence.items())
        if key not in ("conversation_ids", "history")
    )


def finding_email_send(*, subject: str, finding_id: int, user_id: int, attempt: int = 1) -> DeliveryAttempt | None:
    """E-mail one recipient; None when it was already sent (a repeated task)."""
    finding = _finding(subject, finding_id)
    user = User.objects.get(pk=user_id)
    if _sent(finding, DeliveryChannel.EMAIL, user.email):
        return None
    body = (
        f"{finding.summary}\n\nAssistant: {_about(finding)}\n"
        f"{SUBJECTS[subject].label} #{finding.pk} ({finding.kind}), {finding.dims}\n\n"
        f"Evidence:\n{_numbers(finding)}\n\n"
        f"Sample conversations: {', '.join(str(i) for i in finding.evidence.get('conversation_ids', []))}\n"
    )
    try:
        send_mail(_headline(finding)[:200], body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except OSError as exc:  # smtplib.SMTPException is an OSError
        _record(finding, DeliveryChannel.EMAIL, user.email, attempt, DeliveryStatus.FAILED, error=type(exc).__name__)
        raise DeliveryError(f"e-mail to user {user.pk}: {type(exc).__name__}") from exc
    return _record(finding, DeliveryChannel.EMAIL, user.email, attempt, DeliveryStatus.SENT)


# --- webhooks --------------------------------------------------------------------------------


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "ANALYTICS_WEBHOOK_ALLOWED_NETWORKS", [])]


def _address_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _allowed_networks()):
        return False
    return not ip.is_global or ip.is_multicast


def webhook_url_validate(url: str) -> None:
    """Raise :class:`WebhookURLError` unless ``url`` is http(s), carries no credentials and every
    address its host resolves to is public (or inside ``ANALYTICS_WEBHOOK_ALLOWED_NETWORKS``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise WebhookURLError("a webhook URL must start with http:// or https://")
    if parts.username or parts.password:
        raise WebhookURLError("a webhook URL may not carry a user name or password")
    if not parts.hostname:
        raise WebhookURLError("a webhook URL needs a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise WebhookURLError(f"the webhook host {parts.hostname!r} cannot be resolved") from exc
    refused = sorted({str(info[4][0]) for info in infos if _address_refused(str(info[4][0]))})
    if refused:
        raise WebhookURLError(
            f"the webhook host {parts.hostname!r} resolves to a private or reserved address ({', '.join(refused)}); "
            "allow its network in ANALYTICS_WEBHOOK_ALLOWED_NETWORKS if it is meant to be reached"
        )


def webhook_endpoint_create(*, actor: User, name: str, url: str, secret: str = "") -> WebhookEndpoint:
    """An admin adds where alerts and recommendations are POSTed; without ``secret`` one is generated (read it from
    the returned endpoint to configure the receiver)."""
    require_role(actor, Role.ADMIN)
    webhook_url_validate(url)
    endpoint = WebhookEndpoint.objects.create(name=name, url=url, secret=secret or secrets.token_hex(32))
    audit_record(actor=actor, action="webhook.create", target=endpoint, after={"name": name, "host": _host(url)})
    return endpoint


def webhook_signature(secret: str, body: bytes) -> str:
    """The ``X-Tessera-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_payload(finding: Finding) -> dict[str, Any]:
    """Slack-compatible (``text``) with the structured finding (under ``alert`` or
    ``recommendation``) for other receivers."""
    return {
        "text": _headline(finding),
        "organization": current_schema(),
        _subject_of(finding).name: {
            "id": finding.pk,
            "kind": finding.kind,
            "status": finding.status,
            "assistant": (
                {"id": finding.assistant_id, "name": finding.assistant.name} if finding.assistant is not None else None
            ),
            "dims": finding.dims,
            "summary": finding.summary,
            "evidence": finding.evidence,
            "created_at": finding.created_at.isoformat(),
            "last_seen_at": finding.last_seen_at.isoformat(),
        },
    }


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _endpoint_target(endpoint: WebhookEndpoint) -> str:
    return f"webhook {endpoint.pk} {_host(endpoint.url)}"[:300]


def finding_webhook_send(
    *, subject: str, finding_id: int, endpoint_id: int, attempt: int = 1
) -> DeliveryAttempt | None:
    """POST the finding to one endpoint; None when it was already delivered there. A refused URL
    is recorded and not retried; a network error or a non-2xx answer raises :class:`DeliveryError`."""
    finding = _finding(subject, finding_id)
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    target = _endpoint_target(endpoint)
    if _sent(finding, DeliveryChannel.WEBHOOK, target):
        return None
    try:
        webhook_url_validate(endpoint.url)
    except WebhookURLError as exc:
        return _record(finding, DeliveryChannel.WEBHOOK, target, attempt, DeliveryStatus.REFUSED, error=exc.detail)
    body = orjson.dumps(webhook_payload(finding))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: webhook_signature(endpoint.secret, body),
        "X-Tessera-Event": f"{subject}.{finding.kind}",
        # The same on every retry of this finding and endpoint: receivers dedupe by it.
        "X-Tessera-Delivery": f"{current_schema()}:{subject}:{finding.pk}:{endpoint.pk}",
    }
    timeout = float(getattr(settings, "ANALYTICS_WEBHOOK_TIMEOUT_SECONDS", 10))
    try:
        response = requests.post(endpoint.url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        # The exception text repeats the URL (and its token): keep only the kind of failure.
        _record(finding, DeliveryChannel.WEBHOOK, target, attempt, DeliveryStatus.FAILED, error=type(exc).__name__)
        raise DeliveryError(f"webhook {endpoint.pk}: {type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        _record(
            finding,
            DeliveryChannel.WEBHOOK,
            target,
            attempt,
            DeliveryStatus.FAILED,
            http_status=response.status_code,
            error=f"HTTP {response.status_code}",
        )
        raise DeliveryError(f"webhook {endpoint.pk}: HTTP {response.status_code}")
    return _record(
        finding, DeliveryChannel.WEBHOOK, target, attempt, DeliveryStatus.SENT, http_status=response.status_code
    )


def _record(
    finding: Finding,
    channel: str,
    target: str,
    attempt: int,
    status: str,
    *,
    http_status: int | None = None,
    error: str = "",
) -> DeliveryAttempt:
    subject = _subject_of(finding).name
    row = DeliveryAttempt.objects.create(
        **{subject: finding},
        channel=channel,
        target=target,
        attempt=attempt,
        status=status,
        http_status=http_status,
        error=error[:300],
    )
    log = logger.info if status == DeliveryStatus.SENT else logger.warning
    log(
        "finding delivery",
        extra={
            "schema": current_schema(),
            "subject": subject,
            "finding_id": finding.pk,
            "channel": channel,
            "delivery_status": status,
            "attempt": attempt,
            "http_status": http_status,
        },
    )
    return row
