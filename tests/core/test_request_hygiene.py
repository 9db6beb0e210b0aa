"""Host routing ignores case; a refused request logs one line, not a traceback; the schema says null."""

from __future__ import annotations

import logging

from tests.factories import AssistantFactory, UserFactory, issue_key


def test_host_lookup_is_case_insensitive(alpha, alpha_client) -> None:
    alpha_client.force_login(UserFactory(email="case@alpha.test", roles=["admin"]))
    assert alpha_client.get("/api/v1/departments/", HTTP_HOST="ALPHA.LOCALHOST").status_code == 200
    assert alpha_client.get("/api/v1/departments/", HTTP_HOST="Alpha.LocalHost:8000").status_code == 200
    assert alpha_client.get("/api/v1/departments/", HTTP_HOST="nobody.localhost").status_code == 404


def test_an_ordinary_403_is_logged_without_traceback(alpha, alpha_client, caplog) -> None:
    alpha_client.force_login(UserFactory(email="viewer403@alpha.test", roles=["viewer"]))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        page = alpha_client.get("/compliance/")
        api = alpha_client.get("/api/v1/compliance/cases/")
    assert (page.status_code, api.status_code) == (403, 403)
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == [
        "Forbidden (Permission denied): /compliance/",
        "Forbidden: /api/v1/compliance/cases/",
    ]
    assert all(r.exc_info is None and not r.exc_text for r in records)
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback() -> None:
    from apps.core.logging import ClientErrorWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), sys.exc_info())
    record.status_code = 500
    assert ClientErrorWithoutTraceback().filter(record) is True
    assert record.exc_info is not None


def test_api_key_created_by_is_nullable_in_schema_and_null_for_command_keys(alpha, alpha_client) -> None:
    admin = UserFactory(email="schema@alpha.test", roles=["admin"])
    alpha_client.force_login(admin)
    schema = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for component in ("ApiKeyOut", "ApiKeyCreatedOut", "ReleaseOut"):
        assert schema["components"]["schemas"][component]["properties"]["created_by"]["nullable"] is True
    assistant = AssistantFactory()
    issue_key(assistant)  # as a management command does: no acting user
    (row,) = alpha_client.get(f"/api/v1/assistants/{assistant.pk}/keys/").json()["results"]
    assert row["created_by"] is None
