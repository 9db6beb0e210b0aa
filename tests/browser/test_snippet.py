"""The browser snippet on a real page in headless Chromium: each signal becomes the right event.

An example shop page is served by the test from its own origin (``http://shop.localhost:<port>``,
the one origin the publishable key allows) and loads ``tessera.js`` from the Tessera server (the
production server command) the way an integrator's page would. Outputs are inserted the way a
chat UI streams them in; the page notes the ``performance.now()`` of each insertion and of each
user gesture, so the time to first action the snippet reports is checked against the browser's own
clock, not against sleeps. The events are then read back from the organization's schema.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page

from apps.accounts.services import organization_provision
from apps.conversations.models import Action
from apps.ingestion.models import RawEvent
from apps.ingestion.services import events_ingest
from apps.registry.models import Assistant
from apps.tenants.models import Organization
from tests.factories import AssistantFactory, issue_publishable_key
from tests.helpers import ROOT, free_port, process_env, start_server, stop, wait_for_port

ORG = {"slug": "snippet", "name": "Snippet Shop", "domain": "snippet.localhost", "admin_email": "admin@snippet.test"}
EDIT_WINDOW_S = 2
ABANDON_AFTER_S = 1
TOLERANCE_MS = 60  # between the page's clock at the gesture and the snippet's at its handler
CONVERSATION = "conv-shop-1"
LIMITED_RATE = 2  # events per minute of the key behind /limited

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop assistant</title></head>
<body>
  <main id="chat" data-tessera-conversation="{conversation}"></main>
  <script>
    // The page's own clock: when each output was inserted and when each gesture happened.
    window.__inserted = {{}};
    window.__gestures = [];
    ["click", "copy", "input", "keydown"].forEach(function (type) {{
      document.addEventListener(type, function () {{ window.__gestures.push([type, performance.now()]); }}, true);
    }});
    window.addOutput = function (id, html) {{
      var div = document.createElement("div");
      div.innerHTML = html;
      var output = div.firstElementChild;
      document.getElementById("chat").appendChild(output);
      window.__inserted[id] = performance.now();
    }};
  </script>
  <script src="{tessera}/static/tessera/tessera.js" data-key="{key}" data-user-id="shopper-7"
          data-feature="product-qa" data-edit-window="{edit_window}" data-abandon-after="{abandon_after}"
          data-flush-interval="100" data-debug="true"></script>
</body></html>
"""


@dataclass
class Shop:
    url: str
    schema: str
    port: int  # Tessera's
    server: subprocess.Popen
    key: str  # the publishable key of the main page


class _PageHandler(BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path.split("?")[0], b"<!doctype html><p>elsewhere</p>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def shop(organizations, django_db_blocker) -> Iterator[Shop]:
    page_port, tessera_port = free_port(), free_port()
    origin = f"http://shop.localhost:{page_port}"
    with django_db_blocker.unblock():
        org = organization_provision(**ORG, admin_password="snippet-pass-123").organization
        try:
            with schema_context(org.schema_name):
                assistant = AssistantFactory(name="Shop assistant")
                key = issue_publishable_key(assistant, origins=[origin])
                limited_key = issue_publishable_key(assistant, origins=[origin], rate_limit_per_minute=LIMITED_RATE)
            connection.set_schema_to_public()

            def page_with(publishable_key: str) -> bytes:
                return PAGE.format(
                    conversation=CONVERSATION,
                    tessera=f"http://{ORG['domain']}:{tessera_port}",
                    key=publishable_key,
                    edit_window=EDIT_WINDOW_S,
                    abandon_after=ABANDON_AFTER_S,
                ).encode()

            pages_by_path = {"/": page_with(key), "/limited": page_with(limited_key)}
            handler = type("Handler", (_PageHandler,), {"pages": pages_by_path})
            pages = ThreadingHTTPServer(("127.0.0.1", page_port), handler)
            threading.Thread(target=pages.serve_forever, daemon=True).start()
            shop = Shop(
                url=f"{origin}/",
                schema=org.schema_name,
                port=tessera_port,
                server=start_server(tessera_port, process_env()),
                key=key,
            )
            try:
                wait_for_port(tessera_port, timeout=60)
                _warm_up(shop)
                yield shop
            finally:
                stop(shop.server)
                pages.shutdown()
                pages.server_close()
        finally:
            connection.set_schema_to_public()
            Organization.objects.get(schema_name=ORG["slug"]).delete(force_drop=True)


def _warm_up(shop: Shop) -> None:
    """One browser event through the server before the tests: the first enrichment in a fresh
    server process loads the NLP models inside the request, which must not eat a test's timeouts."""
    body = {
        "events": [
            {
                "id": f"warm-up-{time.time_ns()}",
                "type": "action",
                "timestamp": timezone.now().isoformat(),
                "conversation_id": "warm-up",
                "user_id": "warm-up",
                "message_id": "warm-up",
                "action": "copy",
            }
        ]
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{shop.port}/api/v1/browser/events?key={shop.key}",
        data=json.dumps(body).encode(),
        headers={"Host": f"{ORG['domain']}:{shop.port}", "Origin": shop.url.rstrip("/"), "Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=180) as response:  # noqa: S310 - a local test server
        assert json.loads(response.read())["accepted"] == 1


@pytest.fixture
def page(shop: Shop, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    page.goto(shop.url)
    page.wait_for_function("window.Tessera && window.Tessera._state() !== null")
    yield page
    context.close()


def _events(shop: Shop, django_db_blocker, message_id: str, *, want: int = 1, timeout: float = 10.0) -> list[RawEvent]:
    """The stored browser events about ``message_id`` once ``want`` arrived (or at the timeout).

    Read in a thread of its own: Playwright's sync API keeps an event loop running in this one,
    and Django refuses database calls from a thread with a running loop."""

    def poll() -> list[RawEvent]:
        deadline = time.monotonic() + timeout
        try:
            with django_db_blocker.unblock(), schema_context(shop.schema):
                while True:
                    browser = RawEvent.objects.filter(message_id=message_id).exclude(type="message")
                    rows = list(browser.order_by("ts", "id"))
                    if len(rows) >= want or time.monotonic() > deadline:
                        return rows
                    time.sleep(0.1)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(poll).result()


def _add_output(page: Page, message_id: str, inner: str = "") -> None:
    html = f'<div data-tessera-output="{message_id}"><p class="text">Answer {message_id}: the blue one fits.</p>{inner}</div>'
    page.evaluate("([id, html]) => window.addOutput(id, html)", [message_id, html])


def _expected_ms(page: Page, message_id: str, gesture: str) -> float:
    """Milliseconds from the output's insertion to the page's last ``gesture`` event."""
    inserted, gestures = page.evaluate("id => [window.__inserted[id], window.__gestures]", message_id)
    return max(at for kind, at in gestures if kind == gesture) - inserted


def _assert_action(row: RawEvent, action: str, expected_ms: float, *, at_least_ms: float) -> None:
    assert (row.type, row.payload["action"], row.conversation_id, row.user_id) == (
        "action",
        action,
        CONVERSATION,
        "shopper-7",
    )
    assert row.payload["feature"] == "product-qa"
    measured = row.payload["metadata"]["ms_since_output"]
    assert measured >= at_least_ms
    assert abs(measured - expected_ms) <= TOLERANCE_MS, (measured, expected_ms)
    assert row.payload["metadata"]["first_action"] is True


def test_copy_of_a_selection_inside_an_output(page: Page, shop: Shop, django_db_blocker) -> None:
    _add_output(page, "m-copy")
    page.wait_for_timeout(600)
    page.evaluate(
        """() => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector('[data-tessera-output="m-copy"] .text'));
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }"""
    )
    page.keyboard.press("Control+c")
    [row] = _events(shop, django_db_blocker, "m-copy")
    _assert_action(row, "copy", _expected_ms(page, "m-copy", "copy"), at_least_ms=600)
    assert row.payload["metadata"]["trigger"] == "selection"
    assert page.errors == []  # type: ignore[attr-defined]


def test_copy_button_and_a_later_share_click(page: Page, shop: Shop, django_db_blocker) -> None:
    buttons = '<button data-tessera-action="copy">Copy</button><button data-tessera-action="share">Share</button>'
    _add_output(page, "m-buttons", buttons)
    page.wait_for_timeout(400)
    page.click('[data-tessera-output="m-buttons"] [data-tessera-action="copy"]')
    copy_ms = _expected_ms(page, "m-buttons", "click")
    page.wait_for_timeout(300)
    page.click('[data-tessera-output="m-buttons"] [data-tessera-action="share"]')
    share_ms = _expected_ms(page, "m-buttons", "click")
    copy, share = _events(shop, django_db_blocker, "m-buttons", want=2)
    _assert_action(copy, "copy", copy_ms, at_least_ms=400)
    assert share.payload["action"] == "share"
    assert abs(share.payload["metadata"]["ms_since_output"] - share_ms) <= TOLERANCE_MS
    assert share.payload["metadata"]["first_action"] is False  # time to first action is the copy's
    assert share.ts > copy.ts


def test_dismiss_regenerate_and_thumbs_declared_by_attribute(page: Page, shop: Shop, django_db_blocker) -> None:
    _add_output(page, "m-dismiss", '<button data-tessera-action="dismiss">×</button>')
    _add_output(page, "m-regen", '<button data-tessera-action="regenerate">Try again</button>')
    _add_output(page, "m-thumbs", '<button data-tessera-feedback="down">👎</button>')
    page.wait_for_timeout(300)
    page.click('[data-tessera-output="m-dismiss"] button')
    dismiss_ms = _expected_ms(page, "m-dismiss", "click")
    page.click('[data-tessera-output="m-regen"] button')
    regen_ms = _expected_ms(page, "m-regen", "click")
    page.click('[data-tessera-output="m-thumbs"] button')
    [dismiss] = _events(shop, django_db_blocker, "m-dismiss")
    [regen] = _events(shop, django_db_blocker, "m-regen")
    [thumbs] = _events(shop, django_db_blocker, "m-thumbs")
    _assert_action(dismiss, "dismiss", dismiss_ms, at_least_ms=300)
    _assert_action(regen, "regenerate", regen_ms, at_least_ms=300)
    assert (thumbs.type, thumbs.payload["rating"], thumbs.conversation_id) == ("feedback", "down", CONVERSATION)


def test_edit_within_the_window_is_recorded_once(page: Page, shop: Shop, django_db_blocker) -> None:
    _add_output(page, "m-edit", '<textarea data-tessera-edit-of="m-edit">the blue one fits.</textarea>')
    page.wait_for_timeout(500)
    page.type('[data-tessera-edit-of="m-edit"]', " Or the red.")  # many input events, one edit
    first_input_ms = page.evaluate(
        "() => window.__gestures.find(([kind]) => kind === 'input')[1] - window.__inserted['m-edit']"
    )
    rows = _events(shop, django_db_blocker, "m-edit")
    page.wait_for_timeout(400)  # let any stray second edit arrive
    rows = _events(shop, django_db_blocker, "m-edit")
    assert len(rows) == 1
    _assert_action(rows[0], "edit", first_input_ms, at_least_ms=500)


def test_edit_after_the_window_is_not_an_edit(page: Page, shop: Shop, django_db_blocker) -> None:
    _add_output(page, "m-late-edit", '<div contenteditable="true" class="draft">the blue one fits.</div>')
    _add_output(page, "m-marker", '<button data-tessera-action="save">Save</button>')
    page.wait_for_timeout(EDIT_WINDOW_S * 1000 + 400)
    page.type('[data-tessera-output="m-late-edit"] .draft', " edited late")
    page.click('[data-tessera-output="m-marker"] button')  # sent after the edit would have been
    assert len(_events(shop, django_db_blocker, "m-marker")) == 1
    page.wait_for_timeout(300)
    assert [r.payload.get("action") for r in _events(shop, django_db_blocker, "m-late-edit", timeout=0)] == []


def test_abandon_after_reading_and_leaving(page: Page, shop: Shop, django_db_blocker) -> None:
    _add_output(page, "m-read")  # read long enough, no action: abandoned when the page is left
    _add_output(page, "m-used", '<button data-tessera-action="apply">Apply</button>')
    _add_output(page, "m-rated", '<button data-tessera-feedback="5">★★★★★</button>')
    page.wait_for_timeout(ABANDON_AFTER_S * 1000 + 300)
    page.click('[data-tessera-output="m-used"] button')
    page.click('[data-tessera-output="m-rated"] button')
    _add_output(page, "m-glimpsed")  # on screen for an instant only
    page.wait_for_timeout(50)
    left_at = page.evaluate("() => performance.now() - window.__inserted['m-read']")
    page.goto(shop.url + "elsewhere")  # pagehide → sendBeacon
    [abandon] = _events(shop, django_db_blocker, "m-read")
    assert (abandon.type, abandon.payload["action"], abandon.conversation_id) == ("action", "abandon", CONVERSATION)
    meta = abandon.payload["metadata"]
    assert meta["trigger"] == "page-hidden"
    assert meta["visible_ms"] >= ABANDON_AFTER_S * 1000
    assert left_at - TOLERANCE_MS <= meta["ms_since_output"] <= left_at + 1000  # goto's own latency
    assert [r.payload["action"] for r in _events(shop, django_db_blocker, "m-used")] == ["apply"]
    assert [(r.type, r.payload["rating"]) for r in _events(shop, django_db_blocker, "m-rated")] == [("feedback", 5)]
    assert _events(shop, django_db_blocker, "m-glimpsed", timeout=0.5) == []


def test_sends_during_an_outage_are_retried_without_loss_or_duplicates(
    page: Page, shop: Shop, django_db_blocker
) -> None:
    _add_output(page, "m-retry", '<button data-tessera-action="send">Send</button>')
    stop(shop.server)  # Tessera is down: the fetches fail (connection refused)
    try:
        page.click('[data-tessera-output="m-retry"] button')
        page.wait_for_function("() => window.Tessera._state().failures >= 2", timeout=10_000)
        assert page.evaluate("() => window.Tessera._state().queue.length") == 1  # kept for the retry
        assert page.evaluate("() => sessionStorage.length") == 1  # and for the next page of this tab
    finally:
        shop.server = start_server(shop.port, process_env())
        wait_for_port(shop.port, timeout=60)
        _warm_up(shop)
    page.wait_for_function("() => window.Tessera._state().queue.length === 0", timeout=30_000)
    page.wait_for_timeout(300)
    rows = _events(shop, django_db_blocker, "m-retry", timeout=0)
    assert [r.payload["action"] for r in rows] == ["send"]
    assert page.evaluate("() => sessionStorage.length") == 0


def test_over_the_rate_limit_events_wait_for_retry_after_and_none_is_lost(
    shop: Shop, browser: Browser, django_db_blocker
) -> None:
    # The key's budget is a clock-aligned minute (apps.core.throttle.rate_window_take): a window
    # that ends mid-test refills it, the snippet's batch grows back after the next success, and
    # what this test checks depends on the second it starts. Start early in a window.
    remaining = 60 - time.time() % 60
    if remaining < 25:
        time.sleep(remaining + 0.5)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(shop.url + "limited")
        page.wait_for_function("window.Tessera && window.Tessera._state() !== null")
        ids = [f"m-limit-{i}" for i in range(5)]
        for message_id in ids:
            _add_output(page, message_id, '<button data-tessera-action="save">Save</button>')
        # One batch of 5 against a budget of 2 a minute: the five clicks in one task, so the
        # snippet queues them all before it sends. Clicked one by one they could leave as five
        # single-event sends, and a refused single event never halves the batch.
        page.evaluate(
            'ids => ids.forEach(id => document.querySelector(`[data-tessera-output="${id}"] button`).click())',
            ids,
        )
        # Halving down to what fits, then waiting: at least the budget's worth gets through.
        page.wait_for_function("() => window.Tessera._state().failures >= 1", timeout=10_000)
        page.wait_for_function(f"() => window.Tessera._state().queue.length <= {5 - LIMITED_RATE}", timeout=10_000)
        state = page.evaluate(
            "() => { const s = window.Tessera._state();"
            " return {queued: s.queue.map(e => e.message_id), wait: s.retryAt - performance.now(), batch: s.batchSize}; }"
        )
        stored = [m for m in ids if _events(shop, django_db_blocker, m, timeout=0)]
        # Whatever the minute boundary let through, every event is either stored once or queued.
        assert sorted(stored + state["queued"]) == ids
        assert len(stored) >= LIMITED_RATE
        assert state["batch"] <= LIMITED_RATE  # the batch shrank to fit the budget
        assert 0 < state["wait"] <= 61_000 * 1.2  # waiting for Retry-After, not hammering
        assert all(len(_events(shop, django_db_blocker, m, timeout=0)) == 1 for m in stored)
    finally:
        context.close()


def _in_schema(shop: Shop, django_db_blocker, work: Any) -> Any:
    """Run ``work()`` in the shop's schema on a thread of its own (see ``_events``)."""

    def run() -> Any:
        try:
            with django_db_blocker.unblock(), schema_context(shop.schema):
                return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def test_the_action_joins_the_message_the_server_sent(page: Page, shop: Shop, django_db_blocker) -> None:
    """End to end: the server sends the answer with its secret key, the page marks it, the copy
    becomes an enriched Action on that very message, timed from its appearance."""

    def server_sends_the_answer() -> None:
        answer = {
            "id": "srv-m-e2e",
            "type": "message",
            "timestamp": timezone.now().isoformat(),
            "conversation_id": CONVERSATION,
            "user_id": "shopper-7",
            "message_id": "m-e2e",
            "role": "assistant",
            "content": "The blue one fits.",
            "feature": "product-qa",
        }
        result = events_ingest(assistant=Assistant.objects.get(name="Shop assistant"), events=[answer])
        assert result.accepted == 1, result.rejected

    _in_schema(shop, django_db_blocker, server_sends_the_answer)
    _add_output(page, "m-e2e", '<button data-tessera-action="copy">Copy</button>')
    page.wait_for_timeout(700)
    page.click('[data-tessera-output="m-e2e"] button')
    [row] = _events(shop, django_db_blocker, "m-e2e")
    _assert_action(row, "copy", _expected_ms(page, "m-e2e", "click"), at_least_ms=700)

    def enriched() -> list[tuple[str, str | None, str | None]]:
        deadline = time.monotonic() + 10
        while True:
            rows = [
                (a.action, a.message.external_id if a.message else None, a.message.role if a.message else None)
                for a in Action.objects.filter(message_external_id="m-e2e").select_related("message")
            ]
            if rows or time.monotonic() > deadline:
                return rows
            time.sleep(0.1)

    assert _in_schema(shop, django_db_blocker, enriched) == [("copy", "m-e2e", "assistant")]


def test_package_and_static_copies_are_identical() -> None:
    package = (ROOT / "clients" / "browser" / "tessera.js").read_bytes()
    assert (ROOT / "static" / "tessera" / "tessera.js").read_bytes() == package, (
        "static/tessera/tessera.js must be a copy of clients/browser/tessera.js: "
        "cp clients/browser/tessera.js static/tessera/tessera.js"
    )


def test_package_version_is_the_snippets_version() -> None:
    package = json.loads((ROOT / "clients" / "browser" / "package.json").read_text())
    source = (ROOT / "clients" / "browser" / "tessera.js").read_text()
    assert f'var VERSION = "{package["version"]}";' in source
    assert f"Tessera browser signals {package['version']}" in source
