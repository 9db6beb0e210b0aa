"""A person follows an assistant's getting-started page in a real browser: creates a key, copies
a snippet from the page, runs it as printed, and watches the indicator turn green — for curl,
the Python SDK, an OpenTelemetry exporter, the Langfuse SDK and the browser snippet (a
publishable key created on the registry page, the page's test page served by the page's command). The production server command serves Alpha, with
TESSERA_PUBLIC_URL_TEMPLATE pointing at it, so the snippets name this server as they would name
the organization's real host."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect

from apps.registry.models import Assistant, Department
from tests.conftest import ADMIN_PASSWORD, ALPHA
from tests.factories import AssistantFactory, DepartmentFactory, issue_key
from tests.helpers import free_port, process_env, start_server, stop, wait_for_http, wait_for_port

SDK_ROOT = Path(__file__).resolve().parents[2] / "clients" / "python"
# curl and Chromium resolve *.localhost to loopback themselves; Python asks the system resolver,
# which may not. The snippets' scripts run with this on their path, as a developer on an
# *.localhost host would add the name to /etc/hosts.
SITECUSTOMIZE = """
import socket
_getaddrinfo = socket.getaddrinfo
def _loopback(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _loopback
"""
# What an app instrumented with OpenTelemetry does; the exporter is configured only by the
# environment variables of the page's snippet.
OTEL_APP = """
import json
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

provider = TracerProvider()
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
tracer = provider.get_tracer("getting-started")
with tracer.start_as_current_span("chat gpt-4o-mini") as span:
    span.set_attribute("gen_ai.operation.name", "chat")
    span.set_attribute("gen_ai.request.model", "gpt-4o-mini")
    span.set_attribute("gen_ai.conversation.id", "otel-getting-started")
    span.set_attribute("user.id", "tester")
    span.set_attribute("gen_ai.input.messages", json.dumps([{"role": "user", "content": "Hello Tessera"}]))
    span.set_attribute("gen_ai.output.messages", json.dumps([{"role": "assistant", "content": "Hi!"}]))
assert provider.force_flush(60_000)
provider.shutdown()
"""


@dataclass
class Connect:
    base: str
    assistants: dict[str, Assistant]
    keys: dict[str, str]  # path -> plaintext (the UI-created one is read from the page)
    env: dict[str, str]


@pytest.fixture(scope="module")
def connect(organizations, django_db_blocker, tmp_path_factory) -> Iterator[Connect]:
    tag = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        with schema_context("alpha"):
            department = DepartmentFactory(name=f"Getting started {tag}")
            assistants = {
                path: AssistantFactory(department=department, name=f"{path}-{tag}")
                for path in ("curl", "python", "otel", "langfuse", "snippet")
            }
            keys = {path: issue_key(assistants[path]) for path in ("python", "otel", "langfuse")}
        connection.set_schema_to_public()
        port = free_port()
        env = process_env(
            REDIS_URL="", TESSERA_EAGER_ENRICHMENT="background", TESSERA_PUBLIC_URL_TEMPLATE=f"http://{{domain}}:{port}"
        )
        server = start_server(port, env)
        site_dir = tmp_path_factory.mktemp("resolver")
        (site_dir / "sitecustomize.py").write_text(SITECUSTOMIZE)
        script_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site_dir), str(SDK_ROOT)])}
        try:
            wait_for_port(port, timeout=60)
            wait_for_http(port, ALPHA["domain"])
            yield Connect(base=f"http://{ALPHA['domain']}:{port}", assistants=assistants, keys=keys, env=script_env)
        finally:
            log = stop(server)
            with schema_context("alpha"):
                Assistant.objects.filter(department=department).delete()
                Department.objects.filter(pk=department.pk).delete()
            connection.set_schema_to_public()
            assert "Traceback" not in log, log


def _admin(browser: Browser, base: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    # The first pages a fresh server worker renders (templates compiled, caches empty) took
    # over Playwright's 30 s on a busy 2-core machine; later navigations are quick.
    page.set_default_timeout(90_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", ALPHA["admin_email"])
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.stdout, done.stderr)


def _wait_green(page: Page, started: float) -> None:
    indicator = page.locator("#first-event")
    expect(indicator).to_have_attribute("data-arrived", "true", timeout=30_000)
    expect(indicator).to_contain_text("First event received")
    elapsed = time.monotonic() - started
    print(f"snippet run to green indicator: {elapsed:.1f}s")  # shown with -s (docs quote it)
    assert elapsed < 60


def test_curl_from_a_key_created_on_the_page(connect: Connect, browser: Browser) -> None:
    assistant = connect.assistants["curl"]
    page = _admin(browser, connect.base)
    page.goto(f"{connect.base}/registry/{assistant.pk}/")
    page.fill("#key-name", "first")
    page.click("text=Create key")
    secret = page.locator("#new-key").inner_text().strip()
    assert secret.startswith("tsk_live_")
    page.click("text=Send a first event with this key")
    expect(page.locator("#first-event")).to_contain_text("Waiting for your first event")
    assert secret not in page.content()  # the page names the prefix, never the secret
    assert f"LANGFUSE_PUBLIC_KEY={secret[:21]}" in page.locator("#langfuse").inner_text()

    started = time.monotonic()
    snippet = page.locator("#curl pre code").inner_text()
    assert snippet.startswith(f"curl -sS -X POST {connect.base}/api/v1/events")
    _run(["bash", "-c", snippet], {**connect.env, "TESSERA_API_KEY": secret})
    _wait_green(page, started)
    assert page.errors == []  # type: ignore[attr-defined]


def test_python_sdk_snippet(connect: Connect, browser: Browser) -> None:
    assistant = connect.assistants["python"]
    page = _admin(browser, connect.base)
    page.goto(f"{connect.base}/registry/{assistant.pk}/getting-started/")
    expect(page.locator("#first-event")).to_have_attribute("data-arrived", "false")
    started = time.monotonic()
    code = page.locator("#python pre code").nth(1).inner_text()
    assert f'"{connect.base}"' in code
    _run([sys.executable, "-c", code], {**connect.env, "TESSERA_API_KEY": connect.keys["python"]})
    _wait_green(page, started)


def test_opentelemetry_snippet(connect: Connect, browser: Browser) -> None:
    assistant = connect.assistants["otel"]
    page = _admin(browser, connect.base)
    page.goto(f"{connect.base}/registry/{assistant.pk}/getting-started/")
    expect(page.locator("#first-event")).to_have_attribute("data-arrived", "false")
    started = time.monotonic()
    exports = page.locator("#otel pre code").inner_text()
    env = {**connect.env, "TESSERA_API_KEY": connect.keys["otel"], "OTEL_APP": textwrap.dedent(OTEL_APP)}
    _run(["bash", "-c", f'{exports}\nexec "{sys.executable}" -c "$OTEL_APP"'], env)
    _wait_green(page, started)


def test_langfuse_sdk_snippet(connect: Connect, browser: Browser) -> None:
    pytest.importorskip("langfuse", minversion="3")
    assistant = connect.assistants["langfuse"]
    page = _admin(browser, connect.base)
    page.goto(f"{connect.base}/registry/{assistant.pk}/getting-started/")
    expect(page.locator("#first-event")).to_have_attribute("data-arrived", "false")
    exports, code = (page.locator("#langfuse pre code").nth(i).inner_text() for i in (0, 1))
    assert f"export LANGFUSE_PUBLIC_KEY={connect.keys['langfuse'][:21]}\n" in exports
    assert f"export LANGFUSE_BASE_URL={connect.base}\n" in exports
    started = time.monotonic()
    env = {**connect.env, "TESSERA_API_KEY": connect.keys["langfuse"], "LANGFUSE_APP": code}
    _run(["bash", "-c", f'{exports}\nexec "{sys.executable}" -c "$LANGFUSE_APP"'], env)
    _wait_green(page, started)


def test_browser_snippet_with_a_publishable_key_created_on_the_page(
    connect: Connect, browser: Browser, tmp_path: Path
) -> None:
    assistant = connect.assistants["snippet"]
    page = _admin(browser, connect.base)
    page.goto(f"{connect.base}/registry/{assistant.pk}/getting-started/")
    browser_section = page.locator("#browser")
    expect(browser_section).to_contain_text("This assistant has no publishable key yet.")
    command = browser_section.locator("pre code").nth(1).inner_text()
    port = free_port()
    origin = f"http://localhost:{port}"  # the page's origin, on a free port instead of the printed one
    create = browser_section.locator("text=Create a publishable key")
    assert create.get_attribute("href") == f"/registry/{assistant.pk}/#publishable-key-form"
    page.goto(f"{connect.base}/registry/{assistant.pk}/")
    page.fill("#pk-name", "test page")
    page.fill("#pk-origins", origin)
    page.click("text=Create publishable key")
    key = page.locator("#new-key").inner_text().strip()
    assert key.startswith("tpk_live_")
    page.click("text=Send a first event with this key")
    expect(page.locator("#first-event")).to_contain_text("Waiting for your first event")
    assert key not in page.content()

    html = browser_section.locator("pre code").nth(0).inner_text()
    assert f'<script src="{connect.base}/static/tessera/tessera.js"' in html
    assert f'data-key="{key[:21]}…"' in html  # the prefix as a placeholder for the whole key
    (tmp_path / "tessera-test.html").write_text(html.replace(f"{key[:21]}…", key), encoding="utf-8")
    served = re.sub(r"http\.server \d+", f"http.server {port}", command)
    assert served != command
    started = time.monotonic()
    server = subprocess.Popen(  # the page's own command, in a temporary folder
        ["bash", "-c", served.replace("python3", f'"{sys.executable}"', 1)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=30)
        shop = page.context.new_page()
        shop.goto(f"{origin}/tessera-test.html")
        shop.wait_for_function("window.Tessera && window.Tessera._state() !== null")
        shop.click("text=Copy")
        _wait_green(page, started)
    finally:
        server.terminate()
        server.wait(timeout=10)
