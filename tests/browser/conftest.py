"""Browser tests: the real pages in headless Chromium (Debian's ``chromium`` driven by Playwright).

A third organization, ``gamma``, is created for the module and filled with a small demo seed
through the real ingestion and enrichment path (committed: the server is another process), the
production server command (gunicorn) serves it, and the schema is dropped afterwards. Chromium is
installed by the project's setup (``scripts/env.sh ensure_chromium``); a missing browser fails
these tests with how to install it — it never skips them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, sync_playwright

from apps.accounts.services import organization_provision
from apps.analytics.tasks import decisions_run
from apps.demo.generator import Plan, demo_batches
from apps.demo.services import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    demo_people_ensure,
    demo_portfolio_ensure,
    demo_shadow_ai_ensure,
)
from apps.ingestion.services import events_ingest
from apps.ingestion.validation import Limits
from apps.tenants.models import Organization
from tests.helpers import free_port, process_env, start_server, stop, wait_for_http, wait_for_port

GAMMA = {"slug": "gamma", "name": "Gamma Browser Co", "domain": "gamma.localhost", "admin_email": DEMO_LOGINS[0].email}
SEED_DAYS = 45
SEED_EVENTS = 3_000


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium (scripts/env.sh ensure_chromium)")
    return path


@dataclass
class Site:
    base: str
    logins: dict[str, str]  # role -> e-mail
    password: str


def _seed(now: datetime) -> None:
    """The demo generator, scaled down, through ingestion and eager enrichment (as in production)."""
    demo_people_ensure()
    portfolio = demo_portfolio_ensure(today=now.date() - timedelta(days=10))
    plan = Plan(seed=7, today=now.date(), now=now, anchor=portfolio.anchor, days=SEED_DAYS, events=SEED_EVENTS)
    limits = Limits(
        content_max_chars=65_536,
        metadata_max_bytes=8_192,
        max_age=timedelta(days=SEED_DAYS + 5),
        max_future=timedelta(minutes=5),
    )
    for batch in demo_batches(plan):
        events_ingest(
            assistant=portfolio.assistants[batch.assistant], events=batch.events, source="seed", limits=limits
        )
    decisions_run()
    demo_shadow_ai_ensure(seed=7, anchor=portfolio.anchor)


@pytest.fixture(scope="module")
def site(organizations, django_db_blocker) -> Iterator[Site]:
    with django_db_blocker.unblock():
        org = organization_provision(**GAMMA, admin_password=DEMO_PASSWORD).organization
        try:
            with schema_context(org.schema_name):
                _seed(datetime.now(UTC))
            connection.set_schema_to_public()
            port = free_port()
            server = start_server(port, process_env())
            try:
                wait_for_port(port, timeout=60)
                wait_for_http(port, GAMMA["domain"])
                yield Site(
                    base=f"http://{GAMMA['domain']}:{port}",
                    logins={role: login.email for login in DEMO_LOGINS for role in login.roles},
                    password=DEMO_PASSWORD,
                )
            finally:
                stop(server)
        finally:
            connection.set_schema_to_public()
            Organization.objects.get(schema_name=GAMMA["slug"]).delete(force_drop=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        # *.localhost is loopback for Chromium already; the rule makes it explicit.
        launched = p.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--host-resolver-rules=MAP *.localhost 127.0.0.1"]
        )
        yield launched
        launched.close()


@pytest.fixture
def as_role(site: Site, browser: Browser) -> Iterator[Any]:
    """``as_role("cx")`` → a signed-in page; console errors are collected in ``page.errors``."""
    contexts = []

    def login(role: str) -> Page:
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
        # The first pages a fresh server worker renders (templates compiled, caches empty) took
        # over Playwright's 30 s on a busy 2-core machine; later navigations are quick.
        page.set_default_timeout(90_000)
        page.goto(f"{site.base}/accounts/login/")
        page.fill("input[name=username]", site.logins[role])
        page.fill("input[name=password]", site.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.base}/")
        return page

    yield login
    for context in contexts:
        context.close()
