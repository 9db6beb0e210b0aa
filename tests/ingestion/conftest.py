from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import AssistantFactory, issue_key


@pytest.fixture
def assistant(alpha):
    return AssistantFactory(name="Helpdesk")


@pytest.fixture
def api_key(assistant) -> str:
    return issue_key(assistant)


def iso(delta: timedelta = timedelta(0)) -> str:
    return (timezone.now() - timedelta(minutes=10) + delta).isoformat()


def make_conversation(conv: str = "c1", user: str = "u1", prefix: str = "") -> list[dict[str, Any]]:
    """A small complete interaction: question, answer, copy, thumbs up, resolved."""
    p = prefix or conv
    return [
        {
            "id": f"{p}-e1",
            "type": "message",
            "timestamp": iso(),
            "conversation_id": conv,
            "user_id": user,
            "message_id": f"{p}-m1",
            "role": "user",
            "content": "How do I reset my password?",
            "user": {"locale": "en-US", "department": "Sales"},
            "feature": "chat",
        },
        {
            "id": f"{p}-e2",
            "type": "message",
            "timestamp": iso(timedelta(seconds=2)),
            "conversation_id": conv,
            "user_id": user,
            "message_id": f"{p}-m2",
            "role": "assistant",
            "content": "Open Settings → Security.",
            "model": "gpt-4o-mini",
            "variant": "prompt-a",
            "latency_ms": 812,
            "input_tokens": 40,
            "output_tokens": 12,
            "cost_usd": 0.0004,
        },
        {
            "id": f"{p}-e3",
            "type": "action",
            "timestamp": iso(timedelta(seconds=5)),
            "conversation_id": conv,
            "user_id": user,
            "message_id": f"{p}-m2",
            "action": "copy",
        },
        {
            "id": f"{p}-e4",
            "type": "feedback",
            "timestamp": iso(timedelta(seconds=6)),
            "conversation_id": conv,
            "user_id": user,
            "message_id": f"{p}-m2",
            "rating": "up",
            "comment": "thanks",
        },
        {
            "id": f"{p}-e5",
            "type": "outcome",
            "timestamp": iso(timedelta(seconds=7)),
            "conversation_id": conv,
            "user_id": user,
            "outcome": "resolved",
        },
    ]


@pytest.fixture
def post_events(alpha_client: Client, api_key: str, django_capture_on_commit_callbacks) -> Callable[..., Any]:
    def _post(events: list | dict, *, key: str | None = None, client: Client | None = None, **extra: Any):
        body = events if isinstance(events, dict) else {"events": events}
        with django_capture_on_commit_callbacks(execute=True):
            return (client or alpha_client).post(
                "/api/v1/events",
                data=orjson.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key or api_key}",
                **extra,
            )

    return _post
