"""A real Celery worker (Redis broker) runs a task in tenant A's schema and sees only A's data."""

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.tenancy import dispatch_per_tenant
from apps.demo.tasks import tenant_snapshot
from config.celery import app
from tests.helpers import process_env, start_worker, stop


@pytest.fixture
def committed_people(organizations, django_db_blocker) -> Iterator[dict[str, str]]:
    """Rows the worker process can see: committed, not inside the test's transaction."""
    tag = uuid.uuid4().hex[:8]
    emails = {"alpha": f"worker-{tag}@alpha.test", "beta": f"worker-{tag}@beta.test"}
    with django_db_blocker.unblock():
        for slug, email in emails.items():
            with schema_context(slug):
                User.objects.create_user(email=email, password=None, roles=["viewer"])
        yield emails
        for slug, email in emails.items():
            with schema_context(slug):
                User.objects.filter(email=email).delete()
        connection.set_schema_to_public()


def _alpha_snapshot(
    django_db_blocker, *, env: dict[str, str], pool: str = "solo", timeout: int = 60
) -> tuple[dict, str]:
    """``tenant_snapshot`` sent from alpha's schema to a fresh real worker; (its result, the worker's log)."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue, env, pool=pool)
    app.conf.task_always_eager = False
    try:
        with django_db_blocker.unblock(), schema_context("alpha"):
            result = tenant_snapshot.apply_async(queue=queue)
        snapshot = result.get(timeout=timeout)
    finally:
        app.conf.task_always_eager = True
        log = stop(worker)
    return snapshot, log


def test_real_worker_runs_task_in_sending_tenant_schema_only(committed_people, django_db_blocker) -> None:
    snapshot, log = _alpha_snapshot(django_db_blocker, env=process_env())
    assert snapshot["schema"] == "alpha", log
    assert committed_people["alpha"] in snapshot["users"]
    assert committed_people["beta"] not in snapshot["users"]
    assert "admin@beta.test" not in snapshot["users"]
    assert "admin@alpha.test" in snapshot["users"]


def test_real_worker_runs_each_dispatched_task_in_its_own_tenant_schema(committed_people, django_db_blocker) -> None:
    """What the beat dispatchers do: sent from public, one task per organization, each in its schema."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue, process_env())
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            sent = dispatch_per_tenant(tenant_snapshot)
        snapshots = {schema: app.AsyncResult(task_id).get(timeout=60) for schema, task_id in sent.items()}
    finally:
        app.conf.task_always_eager = True
        app.conf.task_default_queue = "celery"
        log = stop(worker)
    assert {schema: snapshot["schema"] for schema, snapshot in snapshots.items()} == {
        "alpha": "alpha",
        "beta": "beta",
    }, log
    assert committed_people["alpha"] in snapshots["alpha"]["users"]
    assert committed_people["alpha"] not in snapshots["beta"]["users"]
    assert committed_people["beta"] in snapshots["beta"]["users"]
    assert committed_people["beta"] not in snapshots["alpha"]["users"]


def test_a_prefork_worker_child_warms_up_and_runs_tasks(committed_people, django_db_blocker) -> None:
    """As `make run` starts it: the parent imports every task module and forks; the child loads the
    NLP models (worker_process_init) and must not hang in Lingua (apps.nlp.language, config/celery.py)."""
    snapshot, log = _alpha_snapshot(django_db_blocker, env=process_env(NLP_WARM_UP="true"), pool="prefork", timeout=180)
    assert snapshot["schema"] == "alpha", log
