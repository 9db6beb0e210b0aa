# Event fixtures live in tests/fixtures/events.py (registered for the whole suite in
# tests/conftest.py); the helpers are re-exported here for the tests that import them.
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.fixtures.events import iso, make_conversation

__all__ = ["iso", "make_conversation"]

PROTOBUF = "application/x-protobuf"


@pytest.fixture
def post_otlp(alpha_client: Client, api_key: str, django_capture_on_commit_callbacks) -> Callable[..., Any]:
    def _post(
        body: bytes,
        *,
        signal: str = "traces",
        content_type: str = PROTOBUF,
        key: str | None = None,
        client: Client | None = None,
        **extra: Any,
    ) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key or api_key}"} if key != "" else {}
        with django_capture_on_commit_callbacks(execute=True):
            return (client or alpha_client).post(
                f"/api/v1/otlp/v1/{signal}", data=body, content_type=content_type, **headers, **extra
            )

    return _post
