"""Schema fuzzing (schemathesis) of the whole API, in-process through the WSGI app.

As a tenant admin (session cookie + CSRF token) for the session-authenticated API and with an
assistant key for ingestion: no 5xx, every status documented, every body and content type as
the schema says. Bounded: ``SCHEMA_FUZZ_EXAMPLES`` generated cases per operation (default 15,
about 300 requests); raise it for a longer run, e.g. ``SCHEMA_FUZZ_EXAMPLES=200``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ALPHA
from tests.factories import AssistantFactory, DepartmentFactory, UserFactory, issue_key, sensitive_events

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    # Like Django's test client: the test's transaction must survive each request's end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(alpha, post_events) -> dict[str, dict[str, str]]:
    """A tenant admin's session (admin + compliance: every session operation is open to it)
    and an assistant key, with a conversation and a review case to read."""
    hr = DepartmentFactory(name="HR")
    bot = AssistantFactory(department=hr, name="HR Bot")
    key = issue_key(bot)
    post_events(sensitive_events("c-fuzz", "u-fuzz", "card 4111 1111 1111 1111"), key=key)
    admin = UserFactory(email="fuzz-admin@alpha.test", roles=["admin", "compliance"], is_staff=True)
    browser = Client(HTTP_HOST=ALPHA["domain"])
    browser.force_login(admin)
    csrf = get_token(RequestFactory().get("/"))
    session = {"Host": ALPHA["domain"], "X-CSRFToken": csrf, "Referer": f"http://{ALPHA['domain']}/"}
    return {
        "session": session,
        "key": {"Host": ALPHA["domain"], "Authorization": f"Bearer {key}"},
        "cookies": {"sessionid": browser.cookies["sessionid"].value, "csrftoken": csrf},
    }


def fuzz_operation(operation, headers: dict[str, str], cookies: dict[str, str]) -> tuple[int, str | None]:
    """Run ``EXAMPLES`` generated cases against one operation; (cases run, first failure or None)."""
    cases = 0

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case) -> None:
        nonlocal cases
        cases += 1
        case.call_and_validate(headers=dict(headers), cookies=dict(cookies), checks=CHECKS)

    try:
        run()
    except Exception as exc:  # one operation's failure must not hide the others'
        return cases, f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}"
    return cases, None


def test_api_answers_as_documented(credentials, wsgi_app) -> None:
    # ``credentials`` first: its test-client request reconnects the signals ``wsgi_app`` disconnects.
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers={"Host": ALPHA["domain"]})
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    failures: list[str] = []
    total = 0
    for operation in operations:
        uses_key = any("assistantApiKey" in req for req in operation.definition.raw.get("security", []))
        if uses_key:
            cases, failure = fuzz_operation(operation, credentials["key"], {})
        else:
            cases, failure = fuzz_operation(operation, credentials["session"], credentials["cookies"])
        total += cases
        if failure:
            failures.append(failure)
    print(f"schema fuzz: {total} cases over {len(operations)} operations")
    assert failures == [], "\n\n".join(failures)
