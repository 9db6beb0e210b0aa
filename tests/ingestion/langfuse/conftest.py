from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.test import Client
from django.utils import timezone

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "langfuse"


def basic(public: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode()


def pair(key: str) -> str:
    """The Langfuse pair of a Tessera key: public = its prefix, secret = the whole key."""
    return basic(key[: len("tsk_live_") + 12], key)


def load_fixture(name: str) -> Any:
    """A recorded payload with ``{{T-n}}`` replaced by the time n seconds ago (validation wants recent events)."""
    text = (FIXTURES / name).read_text()
    now = timezone.now()
    text = re.sub(r"\{\{T-(\d+)\}\}", lambda m: (now - timedelta(seconds=int(m.group(1)))).isoformat(), text)
    return orjson.loads(text)


@pytest.fixture
def post_langfuse(alpha_client: Client, api_key: str, django_capture_on_commit_callbacks) -> Callable[..., Any]:
    def _post(path: str, body: Any, *, auth: str | None = None, client: Client | None = None, **extra: Any) -> Any:
        headers = {"HTTP_AUTHORIZATION": auth if auth is not None else pair(api_key)} if auth != "" else {}
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        with django_capture_on_commit_callbacks(execute=True):
            return (client or alpha_client).post(
                f"/api/public/{path}", data=data, content_type="application/json", **headers, **extra
            )

    return _post
