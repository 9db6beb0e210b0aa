"""The browser endpoint for publishable keys: origins, CORS, sendBeacon bodies, scope, rate limit.

Every test issues its own keys, so rate-limit windows (per key prefix) never carry over."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.ingestion.models import IngestBatch, RawEvent
from apps.registry.models import ApiKey
from apps.registry.services import api_key_revoke
from tests.factories import AssistantFactory, UserFactory, issue_key, issue_publishable_key
from tests.ingestion.conftest import iso

ORIGIN = "https://shop.example"
URL = "/api/v1/browser/events"


@pytest.fixture
def pk_key(assistant) -> str:
    return issue_publishable_key(assistant, origins=[ORIGIN, "http://localhost:8080"])


def _action(i: int = 1, action: str = "copy", **over: Any) -> dict[str, Any]:
    event = {
        "id": f"b-{i}",
        "type": "action",
        "timestamp": iso(),
        "conversation_id": "conv-1",
        "user_id": "anon-1",
        "message_id": "m-1",
        "action": action,
        "metadata": {"tessera_ms_since_output": 1234},
    }
    event.update(over)
    return event


@pytest.fixture
def send(alpha_client: Client, pk_key: str, django_capture_on_commit_callbacks):
    def _send(
        events: list | dict,
        *,
        key: str | None = None,
        origin: str | None = ORIGIN,
        content_type: str = "text/plain;charset=UTF-8",
        key_in: str = "query",
    ):
        body = events if isinstance(events, dict) else {"events": events}
        url = URL
        if key_in == "query":
            url = f"{URL}?key={key or pk_key}"
        elif key_in == "body":
            body = {**body, "key": key or pk_key}
        headers = {"HTTP_ORIGIN": origin} if origin else {}
        with django_capture_on_commit_callbacks(execute=True):
            return alpha_client.post(url, data=orjson.dumps(body), content_type=content_type, **headers)

    return _send


def test_text_plain_beacon_body_is_stored_with_cors_headers(send, assistant) -> None:
    response = send([_action(1), _action(2, "share")])
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response["Vary"]
    rows = RawEvent.objects.filter(assistant=assistant).order_by("event_id")
    assert [(r.type, r.message_id, r.payload["action"]) for r in rows] == [
        ("action", "m-1", "copy"),
        ("action", "m-1", "share"),
    ]
    assert IngestBatch.objects.get().source == "browser"


def test_key_in_the_body_works_too(send) -> None:
    response = send([_action()], key_in="body", content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1


def test_wrong_origin_is_refused_with_a_clear_403_and_no_cors_header(send) -> None:
    response = send([_action()], origin="https://evil.example")
    assert response.status_code == 403
    assert "origin https://evil.example is not allowed" in response.json()["detail"]
    assert "Access-Control-Allow-Origin" not in response
    assert RawEvent.objects.count() == 0


def test_a_request_without_origin_is_refused(send) -> None:
    response = send([_action()], origin=None)
    assert response.status_code == 403
    assert "web pages only" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_origins_match_exactly(send) -> None:
    for origin in ("http://shop.example", "https://shop.example:8443", "https://www.shop.example"):
        assert send([_action()], origin=origin).status_code == 403, origin
    assert send([_action()], origin="http://localhost:8080").status_code == 200
    assert RawEvent.objects.count() == 1


def test_preflight_answers_allowed_origin_only(alpha_client: Client, pk_key: str) -> None:
    allowed = alpha_client.options(
        f"{URL}?key={pk_key}",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    assert allowed["Access-Control-Allow-Headers"] == "Content-Type"
    assert int(allowed["Access-Control-Max-Age"]) > 0
    refused = alpha_client.options(
        f"{URL}?key={pk_key}", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_publishable_key_cannot_post_messages_or_final_outcomes(send, assistant) -> None:
    message = {
        "id": "msg-ev",
        "type": "message",
        "timestamp": iso(),
        "conversation_id": "conv-1",
        "user_id": "anon-1",
        "message_id": "m-9",
        "role": "assistant",
        "content": "injected answer",
    }
    resolved = {**_action(3), "type": "outcome", "outcome": "resolved"}
    del resolved["message_id"], resolved["action"]
    abandoned = {**resolved, "id": "b-4", "outcome": "abandoned"}
    feedback = {**_action(5), "type": "feedback", "rating": "down"}
    del feedback["action"]
    body = send([message, _action(2), resolved, abandoned, feedback]).json()
    assert body["accepted"] == 3
    assert [(r["index"], r["id"]) for r in body["rejected"]] == [(0, "msg-ev"), (2, "b-3")]
    assert "secret key" in body["rejected"][0]["errors"]["type"]
    assert "abandoned" in body["rejected"][1]["errors"]["outcome"]
    assert not RawEvent.objects.filter(type="message").exists()
    assert sorted(RawEvent.objects.values_list("type", flat=True)) == ["action", "feedback", "outcome"]


def test_schema_errors_keep_their_original_index(send) -> None:
    message = {"id": "x", "type": "message"}
    body = send([message, _action(1), _action(2, "teleport")]).json()
    assert body["accepted"] == 1
    assert [r["index"] for r in body["rejected"]] == [0, 2]
    assert "action" in body["rejected"][1]["errors"]


def test_publishable_key_cannot_use_the_server_endpoints(alpha_client: Client, pk_key: str) -> None:
    for path in ("/api/v1/events", "/api/v1/otlp/v1/traces"):
        response = alpha_client.post(
            path,
            data=orjson.dumps({"events": [_action()]}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {pk_key}",
        )
        assert response.status_code == 401, path
        assert "publishable key" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_publishable_key_cannot_read_anything(alpha_client: Client, pk_key: str, assistant) -> None:
    for path in ("/api/v1/metrics/", f"/api/v1/assistants/{assistant.pk}/", "/api/v1/assistants/", "/api/v1/alerts/"):
        as_bearer = alpha_client.get(path, HTTP_AUTHORIZATION=f"Bearer {pk_key}", HTTP_ORIGIN=ORIGIN)
        as_query = alpha_client.get(f"{path}?key={pk_key}", HTTP_ORIGIN=ORIGIN)
        assert as_bearer.status_code in (401, 403), path
        assert as_query.status_code in (401, 403), path
    assert alpha_client.get(f"{URL}?key={pk_key}", HTTP_ORIGIN=ORIGIN).status_code == 405


def test_secret_key_is_not_accepted_by_the_browser_endpoint(send, assistant) -> None:
    secret = issue_key(assistant)
    response = send([_action()], key=secret)
    assert response.status_code == 401
    assert "tpk_live_" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_unknown_and_revoked_keys(send, assistant, pk_key: str) -> None:
    assert send([_action()], key=pk_key[:-4] + "AAAA").status_code == 401
    api_key_revoke(actor=UserFactory(roles=["admin"]), api_key=ApiKey.objects.get(prefix=pk_key[:21]))
    response = send([_action()])
    assert response.status_code == 403
    assert "revoked" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_rate_limit_answers_429_with_retry_after_and_counts_events(send, assistant) -> None:
    key = issue_publishable_key(assistant, origins=[ORIGIN], rate_limit_per_minute=5)
    assert send([_action(i) for i in range(4)], key=key).status_code == 200
    over = send([_action(10), _action(11)], key=key)
    assert over.status_code == 429
    assert 1 <= int(over["Retry-After"]) <= 60
    assert over["Access-Control-Allow-Origin"] == ORIGIN  # the page can read Retry-After
    assert "Retry-After" in over["Access-Control-Expose-Headers"]
    assert "5 events per minute" in over.json()["detail"]
    assert RawEvent.objects.count() == 4
    # A refused batch is not counted: one more event still fits this minute.
    assert send([_action(12)], key=key).status_code == 200
    assert send([_action(13)], key=key).status_code == 429
    # The limit is per key: another key of the same assistant has its own budget.
    other = issue_publishable_key(assistant, origins=[ORIGIN], rate_limit_per_minute=5)
    assert send([_action(14)], key=other).status_code == 200


def test_key_of_another_organization_is_refused(send, beta) -> None:
    with schema_context(beta.schema_name):
        beta_key = issue_publishable_key(AssistantFactory(name="Beta bot"), origins=[ORIGIN])
    response = send([_action()], key=beta_key)
    assert response.status_code == 403
    assert "another organization" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_other_body_types_are_refused(send) -> None:
    response = send([_action()], content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert RawEvent.objects.count() == 0


def test_a_batch_larger_than_the_whole_budget_says_so(send, assistant) -> None:
    key = issue_publishable_key(assistant, origins=[ORIGIN], rate_limit_per_minute=3)
    response = send([_action(i) for i in range(4)], key=key)
    assert response.status_code == 429
    assert "send smaller batches" in response.json()["detail"]
    assert send([_action(i) for i in range(3)], key=key).status_code == 200  # nothing was counted
