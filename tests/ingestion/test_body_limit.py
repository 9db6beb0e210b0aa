"""One body limit (INGEST_MAX_BYTES), answered as JSON 413 on the batch and OTLP paths alike."""

from __future__ import annotations

import orjson
import pytest
from django.conf import settings

from apps.ingestion.models import RawEvent
from tests.fixtures.events import iso

THREE_MB = 3 * 1024 * 1024


def _padded(payload: dict, size: int) -> bytes:
    # JSON whitespace makes a body of any size that stays a valid request (and costs no NLP time).
    body = orjson.dumps(payload)
    return body[:-1] + b" " * (size - len(body)) + b"}"


def _event() -> dict:
    return {
        "id": "big-1",
        "type": "message",
        "timestamp": iso(),
        "conversation_id": "big",
        "user_id": "u-big",
        "message_id": "m-big",
        "role": "user",
        "content": "How large may a batch be?",
    }


PATHS = {
    "events": ("/api/v1/events", lambda: {"events": [_event()]}),
    "otlp": ("/api/v1/otlp/v1/traces", lambda: {"resourceSpans": []}),
}


def test_django_limit_is_the_ingestion_limit() -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.INGEST_MAX_BYTES == 5 * 1024 * 1024


@pytest.mark.parametrize("path", PATHS)
def test_a_3_mb_body_is_accepted(alpha_client, api_key, django_capture_on_commit_callbacks, path) -> None:
    url, payload = PATHS[path]
    body = _padded(payload(), THREE_MB)
    assert len(body) == THREE_MB
    with django_capture_on_commit_callbacks(execute=True):
        response = alpha_client.post(
            url, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_key}"
        )
    assert response.status_code == 200, response.content[:300]
    if path == "events":
        assert response.json()["accepted"] == 1
        assert RawEvent.objects.count() == 1


@pytest.mark.parametrize("path", PATHS)
def test_a_body_over_5_mb_is_a_json_413(alpha_client, api_key, path) -> None:
    url, payload = PATHS[path]
    size = settings.INGEST_MAX_BYTES + 1
    response = alpha_client.post(
        url, data=_padded(payload(), size), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_key}"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"request body is {size} bytes; the limit is {size - 1} bytes"}
    assert RawEvent.objects.count() == 0


@pytest.mark.parametrize("path", PATHS)
def test_django_refusal_is_answered_as_json_413_too(alpha_client, api_key, settings, path) -> None:
    # Should the two limits ever differ again, Django's refusal still becomes the documented 413.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    url, payload = PATHS[path]
    response = alpha_client.post(
        url, data=_padded(payload(), 4096), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_key}"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body is over the limit of {settings.INGEST_MAX_BYTES} bytes"}
