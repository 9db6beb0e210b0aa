from datetime import date, timedelta
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction
from tenant_schemas_celery.task import TenantTask

from apps.analytics.decisions import DecisionRunReport, decisions_evaluate
from apps.analytics.delivery import (
    ALERT,
    RECOMMENDATION,
    DeliveryError,
    finding_delivery_plan,
    finding_email_send,
    finding_webhook_send,
)
from apps.analytics.services import rollups_refresh_ended
from apps.analytics.shadow_rules import TrafficSpikeReport, traffic_spikes_evaluate
from apps.core.tenancy import dispatch_per_tenant


@shared_task
def refresh_ended_rollups() -> int:
    """One organization: refresh the rollup days of conversations that ended by inactivity."""
    return rollups_refresh_ended()


@shared_task
def refresh_ended_rollups_all_tenants() -> dict[str, str]:
    """Beat entry point (public schema): one ``refresh_ended_rollups`` task per organization."""
    return dispatch_per_tenant(refresh_ended_rollups)


# --- decisions and alert delivery ---------------------------------------------------------------

_RETRY: dict[str, Any] = {
    "autoretry_for": (DeliveryError, OperationalError),
    "retry_backoff": True,  # 1 s, 2 s, 4 s, … (with jitter)
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": settings.ANALYTICS_DELIVERY_MAX_RETRIES,
}


class DeliveryTask(TenantTask):
    """Without a broker, Celery re-runs a retry inline from the failed attempt's ``apply``, but
    without the caller's ``throw=False``: the second failure would propagate and end the retries.
    Carrying ``throw=False`` into each eager retry lets every retry run, as on a worker."""

    def signature_from_request(self, request: Any = None, *args: Any, **kwargs: Any) -> Any:
        sig = super().signature_from_request(request, *args, **kwargs)
        if (request if request is not None else self.request).is_eager:
            sig.options["throw"] = False
        return sig


def _options() -> dict[str, Any]:
    # Eager (no broker): one failed delivery must not abort its siblings or the decision run that
    # queued it — its failure stays in its own result and DeliveryAttempt rows, as with a worker.
    return {"throw": False} if deliver_alert.app.conf.task_always_eager else {}


def decisions_run(*, today: date | None = None) -> DecisionRunReport:
    """Evaluate the rules and queue the delivery of each alert and recommendation the run opened
    (after commit); a refreshed open finding is not sent again."""
    report = decisions_evaluate(today=today)
    for alert_id in report.new_alert_ids:
        transaction.on_commit(partial(deliver_alert.apply_async, kwargs={"alert_id": alert_id}, **_options()))
    for recommendation_id in report.new_recommendation_ids:
        transaction.on_commit(
            partial(deliver_recommendation.apply_async, kwargs={"recommendation_id": recommendation_id}, **_options())
        )
    return report


@shared_task
def evaluate_decisions() -> dict[str, Any]:
    """One organization: recommendations and alerts from the rules of METRICS.md."""
    return decisions_run().as_dict()


def traffic_spikes_run(*, days: list[date]) -> TrafficSpikeReport:
    """Evaluate the shadow-AI traffic spikes of ``days`` and queue the delivery of each alert it
    opened (after commit), like ``decisions_run``."""
    report = traffic_spikes_evaluate(days=days)
    for alert_id in report.new_alert_ids:
        transaction.on_commit(partial(deliver_alert.apply_async, kwargs={"alert_id": alert_id}, **_options()))
    return report


@shared_task
def evaluate_traffic_spikes(date_from: str, date_to: str) -> dict[str, Any]:
    """One organization, after an egress import: the spike rule on the days the import covered."""
    first, last = date.fromisoformat(date_from), date.fromisoformat(date_to)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return traffic_spikes_run(days=days).as_dict()


def traffic_spikes_after_import(*, date_from: date, date_to: date) -> None:
    """``settings.EGRESS_IMPORT_DONE_HOOKS`` entry (detection may not import analytics): enqueue
    ``evaluate_traffic_spikes`` once the import's usage is committed."""
    transaction.on_commit(
        partial(
            evaluate_traffic_spikes.apply_async,
            kwargs={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        )
    )


@shared_task
def evaluate_decisions_all_tenants() -> dict[str, str]:
    """Beat entry point (public schema, hourly): one ``evaluate_decisions`` task per organization."""
    return dispatch_per_tenant(evaluate_decisions)


def _deliver(subject: str, finding_id: int) -> dict[str, Any]:
    """In-app markers now; one retried task per e-mail recipient and per webhook endpoint."""
    plan = finding_delivery_plan(subject=subject, finding_id=finding_id)
    target = {"subject": subject, "finding_id": finding_id}
    for user_id in plan.email_user_ids:
        send_finding_email.apply_async(kwargs={**target, "user_id": user_id}, **_options())
    for endpoint_id in plan.endpoint_ids:
        send_finding_webhook.apply_async(kwargs={**target, "endpoint_id": endpoint_id}, **_options())
    return {"emails": len(plan.email_user_ids), "webhooks": len(plan.endpoint_ids)}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True)
def deliver_alert(alert_id: int) -> dict[str, Any]:
    return _deliver(ALERT.name, alert_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True)
def deliver_recommendation(recommendation_id: int) -> dict[str, Any]:
    return _deliver(RECOMMENDATION.name, recommendation_id)


def _last_try(task: Any) -> bool:
    return bool(task.request.retries >= task.max_retries)


@shared_task(bind=True, base=DeliveryTask, **_RETRY)
def send_finding_email(self: Any, subject: str, finding_id: int, user_id: int) -> str:
    try:
        finding_email_send(subject=subject, finding_id=finding_id, user_id=user_id, attempt=self.request.retries + 1)
    except DeliveryError:
        if _last_try(self):  # every attempt is in DeliveryAttempt; the last one ends quietly
            return "gave up"
        raise
    return "sent"


@shared_task(bind=True, base=DeliveryTask, **_RETRY)
def send_finding_webhook(self: Any, subject: str, finding_id: int, endpoint_id: int) -> str:
    try:
        finding_webhook_send(
            subject=subject, finding_id=finding_id, endpoint_id=endpoint_id, attempt=self.request.retries + 1
        )
    except DeliveryError:
        if _last_try(self):
            return "gave up"
        raise
    return "sent"
