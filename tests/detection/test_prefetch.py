"""Detection of a batch's texts on a thread while the batch's conversations are built."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

import pytest
from django.test import override_settings

from apps.conversations.models import Message
from apps.conversations.services import batch_enrich
from apps.core.digests import text_digest
from apps.core.tenancy import current_schema
from apps.detection import enrichment
from apps.detection.enrichment import sensitive_prefetch
from apps.detection.models import SensitiveFinding
from apps.detection.sensitive import detect
from apps.ingestion.models import IngestBatch
from apps.ingestion.services import events_ingest
from tests.factories import sensitive_events

TEXT = "Hi, I am Maria Gonzalez. My card 4242 4242 4242 4242 was charged twice, mail me at maria@example.org."
OTHER = "Please send the contract to Tamsin Okonkwo-Reyes at Quillfeather Partners in Lisbon."


def _store(assistant, conversation: str, text: str) -> int:
    """Stores the events without enriching them (no commit: the enrichment task is not queued)."""
    result = events_ingest(assistant=assistant, events=sensitive_events(conversation, "u-" + conversation, text))
    assert result.batch_id is not None
    return result.batch_id


def _stored(conversation: str) -> tuple[str, list[tuple[str, int, int]]]:
    message = Message.objects.get(external_id=f"{conversation}-m1")
    findings = SensitiveFinding.objects.filter(message=message).order_by("start")
    return message.content, [(f.type, f.start, f.end) for f in findings]


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    # Per-process caches: a text another test detected would make the prefetch a no-op.
    enrichment._SCANNED_TEXTS.clear()
    enrichment._NER_WINDOWS.clear()


def test_prefetch_detects_the_batch_texts_on_another_thread(assistant) -> None:
    batch_id = _store(assistant, "pf-1", TEXT)
    interval = sys.getswitchinterval()
    join = sensitive_prefetch(batch_id=batch_id)
    assert enrichment._PREFETCHING[(current_schema(), batch_id)] is join  # what messages_scan waits for
    join()
    assert sys.getswitchinterval() == interval  # restored
    assert not enrichment._PREFETCHING  # the sensitive step has nothing left to wait for
    join()  # awaiting again (batch_prefetched's exit) costs nothing
    key = text_digest(TEXT)
    assert key in enrichment._SCANNED_TEXTS
    assert list(enrichment._SCANNED_TEXTS[key]) == detect([TEXT])[0]
    assert enrichment._prefetcher is not None
    threads = {t.name for t in threading.enumerate()}
    assert any(name.startswith("tessera-detect") for name in threads)


def test_a_batch_without_texts_prefetches_nothing(assistant) -> None:
    outcome = [e for e in sensitive_events("pf-empty", "u", TEXT) if e["type"] != "message"]
    batch_id = events_ingest(assistant=assistant, events=outcome).batch_id
    assert batch_id is not None
    before = len(enrichment._SCANNED_TEXTS)
    sensitive_prefetch(batch_id=batch_id)()
    assert len(enrichment._SCANNED_TEXTS) == before


def test_enrichment_stores_the_same_with_and_without_prefetch(assistant) -> None:
    for conversation, text in (("pf-a", TEXT), ("pf-b", OTHER)):
        batch_id = _store(assistant, conversation, text)
        batch_enrich(batch_id=batch_id)
    enrichment._SCANNED_TEXTS.clear()
    enrichment._NER_WINDOWS.clear()
    with override_settings(ENRICHMENT_PREFETCH=[]):
        for conversation, text in (("pf-c", TEXT), ("pf-d", OTHER)):
            batch_id = _store(assistant, conversation, text)
            batch_enrich(batch_id=batch_id)
    assert _stored("pf-a") == _stored("pf-c")
    assert _stored("pf-b") == _stored("pf-d")
    assert _stored("pf-a")[0] != TEXT  # masked: the comparison is not between untouched texts


def failing_prefetch(*, batch_id: int) -> Callable[[], None]:
    def join() -> None:
        raise RuntimeError(f"prefetch of batch {batch_id} failed")

    return join


@override_settings(ENRICHMENT_PREFETCH=["tests.detection.test_prefetch.failing_prefetch"])
def test_a_failing_prefetch_fails_the_batch_which_stays_unenriched(assistant) -> None:
    batch_id = _store(assistant, "pf-fail", TEXT)
    with pytest.raises(RuntimeError, match="prefetch of batch"):
        batch_enrich(batch_id=batch_id)
    assert IngestBatch.objects.get(pk=batch_id).enriched_at is None
    assert not Message.objects.filter(external_id="pf-fail-m1").exists()  # the build rolled back


def test_a_forked_child_makes_its_own_prefetch_thread() -> None:
    # The parent's thread does not exist in a forked child (a prefork worker): an executor made
    # before the fork would take work no thread runs.
    assert enrichment._prefetch_executor() is enrichment._prefetcher
    pid = os.fork()
    if pid == 0:  # the child: report and leave at once, without any cleanup of the parent's state
        os._exit(0 if enrichment._prefetcher is None and not enrichment._PREFETCHING else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert enrichment._prefetcher is not None  # the parent keeps its own
