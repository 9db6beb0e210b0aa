"""No log line and no error page carries what a failing database statement quoted (issue 10, item 1).

A validator gap is simulated by poisoning the rows the real validator returns (a NUL escape in
the jsonb payload, the class of the original bug); PostgreSQL then rejects the COPY and quotes
the row, with the planted card number and e-mail, in its CONTEXT line.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

import apps.ingestion.services as ingestion_services
from apps.core.logging import redacted_traceback
from tests.factories import sensitive_events

CARD = "4111 1111 1111 1111"
EMAIL = "leaky.person@example.net"
PLANTED = (CARD, EMAIL, "4111111111111111")


@pytest.fixture
def poisoned_validator(monkeypatch):
    real = ingestion_services.validate_event

    def poisoned(event, **kwargs):
        row, errors = real(event, **kwargs)
        if row is not None:
            row = (*row[:-1], row[-1][:-1] + ',"poison":"\\u0000"}')
        return row, errors

    monkeypatch.setattr(ingestion_services, "validate_event", poisoned)


def _post(client: Client, api_key: str, **extra):
    return client.post(
        "/api/v1/events",
        data={"events": sensitive_events("c-leak", "u-leak", f"card {CARD}, mail {EMAIL}")},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
        **extra,
    )


def test_failing_copy_leaves_no_value_in_the_logs(alpha, api_key, poisoned_validator, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    client = Client(HTTP_HOST="alpha.localhost", raise_request_exception=False)
    response = _post(client, api_key)
    assert response.status_code == 500
    assert "Internal Server Error: /api/v1/events" in caplog.text
    # The log still says what failed, by class, SQLSTATE and column.
    assert "database error details redacted" in caplog.text
    assert "sqlstate=22P05" in caplog.text
    for value in PLANTED:
        assert value not in caplog.text, value
    for record in caplog.records:
        for value in PLANTED:
            assert value not in record.getMessage(), value


def test_debug_error_page_shows_no_body_no_locals_no_values(alpha, api_key, poisoned_validator, settings) -> None:
    settings.DEBUG = True
    client = Client(HTTP_HOST="alpha.localhost", raise_request_exception=False)
    for accept in ("text/html", "application/json"):
        response = _post(client, api_key, HTTP_ACCEPT=accept)
        assert response.status_code == 500
        body = response.content.decode()
        assert "UntranslatableCharacter" in body
        assert "database error details redacted" in body
        for value in PLANTED:
            assert value not in body, (accept, value)


def test_query_log_keeps_the_statement_shape_not_the_values(alpha, caplog, settings) -> None:
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s, %s", [EMAIL, 4111111111111111])
    finally:
        connection.force_debug_cursor = False
    lines = [r.getMessage() for r in caplog.records if r.name == "django.db.backends"]
    assert lines
    assert all(EMAIL not in line and "4111111111111111" not in line for line in lines), lines
    assert any("SELECT [redacted]" in line for line in lines), lines


def test_redacted_traceback_keeps_frames_and_chain(alpha) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT '{EMAIL}'::int")
    except Exception as exc:
        text = redacted_traceback(exc)
    assert "Traceback (most recent call last)" in text
    assert "test_redacted_traceback_keeps_frames_and_chain" in text
    assert "sqlstate=22P02" in text
    assert EMAIL not in text
