"""The web process's own task queue when there is no broker (the demo without Redis).

Eager Celery runs a task inside its caller: a request would wait for its batch's enrichment
(28 s for 1,000 PII-heavy events), and a client that gives up leaves a committed batch that
nobody enriches, its raw rows unmasked, with no beat to notice. With
``TESSERA_EAGER_ENRICHMENT = "background"`` a serving process (config/wsgi.py) starts one
thread instead: tasks queued by name (``apps.core.enqueue.task_enqueue``) run there after the
response, in the schema they were queued from, on the thread's own database connection, closed
after every task. The same thread stands in for beat's recovery work: at start-up and then
periodically it runs ``TESSERA_EAGER_PERIODIC_TASKS`` (the stale-batch requeue across
organizations), so a batch left behind by a process that died is enriched by the next one.

Management commands never start it: a command that queues work (``seed_demo``) expects it done
when the call returns, so there tasks still run inline.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass

from celery import current_app, signature
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.tenancy import current_schema

logger = logging.getLogger(__name__)

EAGER_MODES = ("inline", "background")
# Jobs waiting at once; past it a job is dropped with a warning. Nothing is lost by that: the
# work it stood for is committed (an unenriched batch) and the periodic sweep queues it again.
QUEUE_BOUND = 1_000


@dataclass(frozen=True)
class Job:
    name: str
    args: tuple[object, ...]
    schema: str


class BackgroundQueue:
    """One daemon thread, a bounded FIFO of jobs, and periodic tasks due by a monotonic clock."""

    def __init__(self, *, periodic: dict[str, float], bound: int = QUEUE_BOUND) -> None:
        self._queue: queue.Queue[Job] = queue.Queue(bound)
        self._waiting: set[Job] = set()  # a job queued twice (sweep + client retry) runs once
        self._lock = threading.Lock()
        self._periodic = dict(periodic)
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._thread = threading.Thread(target=self._run, name="tessera-background", daemon=True)
            self._thread.start()

    def submit(self, job: Job) -> bool:
        with self._lock:
            if job in self._waiting:
                return True
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                logger.warning("background queue full; task=%s left for the periodic sweep", job.name)
                return False
            self._waiting.add(job)
        return True

    def _run(self) -> None:
        due = dict.fromkeys(self._periodic, 0.0)  # every periodic task runs once at start-up
        while True:
            now = time.monotonic()
            for name, at in due.items():
                if at <= now:
                    self._execute(Job(name=name, args=(), schema=get_public_schema_name()))
                    due[name] = time.monotonic() + self._periodic[name]
            timeout = max(0.0, min(due.values()) - time.monotonic()) if due else None
            try:
                job = self._queue.get(timeout=timeout)
            except queue.Empty:
                continue
            with self._lock:
                self._waiting.discard(job)
            self._execute(job)

    @staticmethod
    def _execute(job: Job) -> None:
        app = current_app
        if job.name not in app.tasks:
            app.loader.import_default_modules()
        try:
            with schema_context(job.schema):
                signature(job.name, args=job.args, app=app).apply(throw=True)
        except Exception:
            # A worker would log the failure and go on with the next task; so does this thread
            # (a batch that failed stays unenriched and the sweep tries it again).
            logger.exception("background task failed: task=%s", job.name)
        finally:
            connections.close_all()  # this thread's connections only


_queue: BackgroundQueue | None = None
_queue_lock = threading.Lock()


def eager_mode() -> str:
    mode = settings.TESSERA_EAGER_ENRICHMENT
    if mode not in EAGER_MODES:
        raise ImproperlyConfigured(f"TESSERA_EAGER_ENRICHMENT must be one of {EAGER_MODES}, not {mode!r}")
    return mode


def background_start() -> bool:
    """Start this process's queue when tasks are eager and the mode is ``background``; a serving
    process calls it once at start-up (config/wsgi.py). Returns whether the queue runs."""
    global _queue
    if not current_app.conf.task_always_eager or eager_mode() != "background":
        return False
    with _queue_lock:
        if _queue is None:
            _queue = BackgroundQueue(periodic=settings.TESSERA_EAGER_PERIODIC_TASKS)
        _queue.start()
    return True


def background_submit(name: str, args: tuple[object, ...]) -> bool:
    """Queue ``name(*args)`` on this process's background thread, in the current schema.

    False when no queue runs here (the caller then runs the task inline).
    """
    if _queue is None or not _queue.running:
        return False
    _queue.submit(Job(name=name, args=args, schema=current_schema()))
    return True
