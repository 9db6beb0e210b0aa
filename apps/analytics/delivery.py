"""Alert delivery (issue 11 item 4): in-app, e-mail and a signed webhook, to the people who own
each alert; every try recorded as a ``DeliveryAttempt``.

- **Who**: the alert's stakeholders (``registry.selectors.assistant_stakeholders``): admins, and
  the owner, product and cx members of the assistant's department — the roles that may act on it
  (``decision_services.ACTING_ROLES``).
- **In-app**: the Alert row itself, plus one ``AlertReceipt`` per recipient as the unread marker
  (``alerts_unread_for`` / ``alert_mark_read``).
- **E-mail**: one message per recipient through Django's mail backend.
- **Webhook**: every active ``WebhookEndpoint`` of the organization gets a POST of
  Slack-compatible JSON (``{"text": …}`` plus the structured ``alert``), signed
  ``X-Tessera-Signature: sha256=<hex HMAC-SHA256 of the raw body with the endpoint's secret>``.

Sending is done by the Celery tasks of ``tasks.py`` (one per e-mail and per endpoint, retried with
exponential backoff); the functions here make one attempt, record it, and raise
:class:`DeliveryError` when a retry could help. A target that already has a ``sent`` attempt is
skipped, so a task that runs twice does not send twice.

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
from apps.analytics.decision_services import ACTING_ROLES
from apps.analytics.models import (
    Alert,
    AlertReceipt,
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryStatus,
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


# --- recipients and the in-app marker --------------------------------------------------------


def alert_recipients(*, alert: Alert) -> list[User]:
    department_roles = [r for r in ACTING_ROLES if r != Role.ADMIN]
    return list(assistant_stakeholders(assistant=alert.assistant, department_roles=department_roles))


def alerts_unread_for(*, user: User) -> QuerySet[Alert]:
    """Alerts delivered to ``user`` in-app that they have not opened yet, newest first."""
    return Alert.objects.filter(receipts__user=user, receipts__read_at__isnull=True).select_related("assistant")


def alert_mark_read(*, user: User, alert: Alert) -> bool:
    """Clear ``user``'s unread marker of ``alert``; False when there was none to clear."""
    return bool(
        AlertReceipt.objects.filter(alert=alert, user=user, read_at__isnull=True).update(read_at=timezone.now())
    )


@dataclass(frozen=True)
class DeliveryPlan:
    """What is left to send for one alert: e-mail recipients (user ids) and webhook endpoints."""

    alert_id: int
    email_user_ids: list[int]
    endpoint_ids: list[int]


def _sent(alert: Alert, channel: str, target: str) -> bool:
    return DeliveryAttempt.objects.filter(
        alert=alert, channel=channel, target=target, status=DeliveryStatus.SENT
    ).exists()


@transaction.atomic
def alert_delivery_plan(*, alert_id: int) -> DeliveryPlan:
    """Deliver in-app (one receipt per recipient, recorded as a sent attempt) and say which e-mails
    and webhooks remain to be sent. Running it twice adds nothing."""
    alert = Alert.objects.select_related("assistant").get(pk=alert_id)
    emails = []
    for user in alert_recipients(alert=alert):
        _receipt, created = AlertReceipt.objects.get_or_create(alert=alert, user=user)
        if created:
            DeliveryAttempt.objects.create(
                alert=alert, channel=DeliveryChannel.IN_APP, target=f"user {user.pk}", status=DeliveryStatus.SENT
            )
        if user.email and not _sent(alert, DeliveryChannel.EMAIL, user.email):
            emails.append(user.pk)
    endpoints = [
        e.pk
        for e in WebhookEndpoint.objects.filter(is_active=True)
        if not _sent(alert, DeliveryChannel.WEBHOOK, _endpoint_target(e))
    ]
    return DeliveryPlan(alert_id=alert.pk, email_user_ids=emails, endpoint_ids=endpoints)


# --- e-mail ----------------------------------------------------------------------------------


def _headline(alert: Alert) -> str:
    return f"[Tessera] {alert.get_kind_display()} · {alert.assistant.name}: {alert.summary}"


def _numbers(alert: Alert) -> str:
    return "\n".join(
        f"  {key}: {value}"
        for key, value in sorted(alert.evidence.items())
        if key not in ("conversation_ids", "history")
    )


def alert_email_send(*, alert_id: int, user_id: int, attempt: int = 1) -> DeliveryAttempt | None:
    """E-mail one recipient; None when it was already sent (a repeated task)."""
    alert = Alert.objects.select_related("assistant").get(pk=alert_id)
    user = User.objects.get(pk=user_id)
    if _sent(alert, DeliveryChannel.EMAIL, user.email):
        return None
    body = (
        f"{alert.summary}\n\nAssistant: {alert.assistant.name}\nAlert #{alert.pk} ({alert.kind}), "
        f"{alert.dims}\n\nEvidence:\n{_numbers(alert)}\n\n"
        f"Sample conversations: {', '.join(str(i) for i in alert.evidence.get('conversation_ids', []))}\n"
    )
    try:
        send_mail(_headline(alert)[:200], body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except OSError as exc:  # smtplib.SMTPException is an OSError
        _record(alert, DeliveryChannel.EMAIL, user.email, attempt, DeliveryStatus.FAILED, error=type(exc).__name__)
        raise DeliveryError(f"e-mail to user {user.pk}: {type(exc).__name__}") from exc
    return _record(alert, DeliveryChannel.EMAIL, user.email, attempt, DeliveryStatus.SENT)


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
    """An admin adds where alerts are POSTed; without ``secret`` one is generated (read it from
    the returned endpoint to configure the receiver)."""
    require_role(actor, Role.ADMIN)
    webhook_url_validate(url)
    endpoint = WebhookEndpoint.objects.create(name=name, url=url, secret=secret or secrets.token_hex(32))
    audit_record(actor=actor, action="webhook.create", target=endpoint, after={"name": name, "host": _host(url)})
    return endpoint


def webhook_signature(secret: str, body: bytes) -> str:
    """The ``X-Tessera-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_payload(alert: Alert) -> dict[str, Any]:
    """Slack-compatible (``text``) with the structured alert for other receivers."""
    return {
        "text": _headline(alert),
        "organization": current_schema(),
        "alert": {
            "id": alert.pk,
            "kind": alert.kind,
            "status": alert.status,
            "assistant": {"id": alert.assistant_id, "name": alert.assistant.name},
            "dims": alert.dims,
            "summary": alert.summary,
            "evidence": alert.evidence,
            "created_at": alert.created_at.isoformat(),
            "last_seen_at": alert.last_seen_at.isoformat(),
        },
    }


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _endpoint_target(endpoint: WebhookEndpoint) -> str:
    return f"webhook {endpoint.pk} {_host(endpoint.url)}"[:300]


def alert_webhook_send(*, alert_id: int, endpoint_id: int, attempt: int = 1) -> DeliveryAttempt | None:
    """POST the alert to one endpoint; None when it was already delivered there. A refused URL is
    recorded and not retried; a network error or a non-2xx answer raises :class:`DeliveryError`."""
    alert = Alert.objects.select_related("assistant").get(pk=alert_id)
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    target = _endpoint_target(endpoint)
    if _sent(alert, DeliveryChannel.WEBHOOK, target):
        return None
    try:
        webhook_url_validate(endpoint.url)
    except WebhookURLError as exc:
        return _record(alert, DeliveryChannel.WEBHOOK, target, attempt, DeliveryStatus.REFUSED, error=exc.detail)
    body = orjson.dumps(webhook_payload(alert))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: webhook_signature(endpoint.secret, body),
        "X-Tessera-Event": f"alert.{alert.kind}",
        "X-Tessera-Delivery": f"{current_schema()}:{alert.pk}:{endpoint.pk}",  # receivers dedupe retries by it
    }
    timeout = float(getattr(settings, "ANALYTICS_WEBHOOK_TIMEOUT_SECONDS", 10))
    try:
        response = requests.post(endpoint.url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        # The exception text repeats the URL (and its token): keep only the kind of failure.
        _record(alert, DeliveryChannel.WEBHOOK, target, attempt, DeliveryStatus.FAILED, error=type(exc).__name__)
        raise DeliveryError(f"webhook {endpoint.pk}: {type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        _record(
            alert,
            DeliveryChannel.WEBHOOK,
            target,
            attempt,
            DeliveryStatus.FAILED,
            http_status=response.status_code,
            error=f"HTTP {response.status_code}",
        )
        raise DeliveryError(f"webhook {endpoint.pk}: HTTP {response.status_code}")
    return _record(
        alert, DeliveryChannel.WEBHOOK, target, attempt, DeliveryStatus.SENT, http_status=response.status_code
    )


def _record(
    alert: Alert,
    channel: str,
    target: str,
    attempt: int,
    status: str,
    *,
    http_status: int | None = None,
    error: str = "",
) -> DeliveryAttempt:
    row = DeliveryAttempt.objects.create(
        alert=alert,
        channel=channel,
        target=target,
        attempt=attempt,
        status=status,
        http_status=http_status,
        error=error[:300],
    )
    log = logger.info if status == DeliveryStatus.SENT else logger.warning
    log(
        "alert delivery",
        extra={
            "schema": current_schema(),
            "alert_id": alert.pk,
            "channel": channel,
            "delivery_status": status,
            "attempt": attempt,
            "http_status": http_status,
        },
    )
    return row
