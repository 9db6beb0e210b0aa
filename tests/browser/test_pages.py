"""Every role opens its pages in a real browser: charts draw, filters swap only the body and
stay in the URL, a number drills down, a page the role may not open is a 403."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site

ROLES = ("admin", "owner", "product", "cx", "compliance", "viewer")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_every_page_of_its_navigation(site: Site, as_role, role: str) -> None:
    page = as_role(role)
    links = page.locator("nav.main-nav a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "/dashboards/summary/" in hrefs
    for href in hrefs:
        response = page.goto(site.base + href)
        assert response is not None
        assert response.status == 200, (role, href, response.status)
        expect(page.locator("nav.main-nav a[aria-current=page]")).to_have_count(1)
        # Every chart on the page is drawn (ECharts' SVG), none left blank.
        for canvas in page.locator(".chart-canvas").all():
            expect(canvas.locator("svg")).to_have_count(1)
    assert page.errors == []  # type: ignore[attr-defined]


def test_changing_a_filter_swaps_only_the_body_and_keeps_it_in_the_url(site: Site, as_role) -> None:
    page = as_role("admin")
    page.goto(f"{site.base}/dashboards/summary/")
    page.evaluate("window.__notReloaded = true")
    before = page.locator(".kpi").first.inner_text()
    options = page.locator("select[name=assistant] option")
    value, name = options.nth(1).get_attribute("value"), options.nth(1).inner_text()
    page.select_option("select[name=assistant]", value)
    page.wait_for_url(re.compile(rf"assistant={value}"))
    expect(page.locator("#assistants tbody tr")).to_have_count(1)
    expect(page.locator("#assistants tbody tr").first).to_contain_text(name)
    assert page.evaluate("window.__notReloaded") is True  # htmx swapped the body, no reload
    assert page.locator(".kpi").first.inner_text() != before
    # The shared link reproduces the view.
    page.goto(page.url)
    expect(page.locator("#assistants tbody tr")).to_have_count(1)


def test_a_role_that_may_not_open_a_page_gets_403(site: Site, as_role) -> None:
    page = as_role("viewer")
    response = page.goto(f"{site.base}/dashboards/portfolio/")
    assert response is not None
    assert response.status == 403
    assert page.locator("nav.main-nav a[href='/dashboards/portfolio/']").count() == 0


def test_a_number_drills_down_to_the_conversations_and_a_transcript(site: Site, as_role) -> None:
    page = as_role("cx")
    page.goto(f"{site.base}/dashboards/summary/")
    # The KPI "Conversations" is a link to the explorer with the page's filters.
    page.locator(".kpi", has_text="Conversations").locator("a").click()
    page.wait_for_url(re.compile(r"/dashboards/conversations/\?.*from="))
    rows = page.locator("#conversations tbody tr")
    expect(rows.first).to_be_visible()
    rows.first.locator("td").first.locator("a").click()
    page.wait_for_url(re.compile(r"/dashboards/conversations/\d+/$"))
    expect(page.locator("h1")).to_contain_text("onversation")
    assert page.errors == []  # type: ignore[attr-defined]


def _masked_findings(django_db_blocker, limit: int = 3) -> list[tuple[int, str, str]]:
    """(conversation id, original value, masked preview) of masked findings in user messages,
    read from the vault in the test process (the server is another process)."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from apps.detection.models import SensitiveFinding
    from apps.detection.vault import vault_decrypt
    from tests.browser.conftest import GAMMA

    with django_db_blocker.unblock(), schema_context(GAMMA["slug"]):
        findings = (
            SensitiveFinding.objects.filter(suppressed=False, vault__isnull=False, type__in=["EMAIL", "CREDIT_CARD"])
            .select_related("vault")
            .order_by("id")[:limit]
        )
        try:
            return [(f.conversation_id, vault_decrypt(f.vault), f.masked_preview) for f in findings]
        finally:
            connection.close()  # this thread's own connection, or the test database cannot be dropped


@pytest.mark.parametrize("role", ["admin", "product", "cx", "compliance"])
def test_masked_content_stays_masked_in_the_dom(site: Site, as_role, django_db_blocker, role: str) -> None:
    """The transcript never ships an original value to the browser — not in text, attributes,
    scripts or hidden elements — for any role; compliance sees it only through an audited unmask."""
    # Playwright's sync API runs an event loop in this thread: Django reads in another one.
    with ThreadPoolExecutor(1) as pool:
        findings = pool.submit(_masked_findings, django_db_blocker).result()
    assert findings, "the seed plants sensitive data in user messages"
    page = as_role(role)
    opened = 0
    for conversation_id, original, _preview in findings:
        response = page.goto(f"{site.base}/dashboards/conversations/{conversation_id}/")
        assert response is not None
        if response.status in (403, 404):  # an assistant outside this role's departments
            continue
        assert response.status == 200
        opened += 1
        html = page.content()  # the live DOM after scripts ran, attributes included
        assert original not in html
        assert original not in response.text()
        marks = page.locator(".transcript mark.finding")
        assert marks.count() >= 1  # the finding is highlighted where the value was
        assert all(original not in marks.nth(i).inner_text() for i in range(marks.count()))
    assert opened, f"{role} could open none of the transcripts"


def test_compliance_decides_on_a_shadow_ai_finding_in_place(site: Site, as_role) -> None:
    page = as_role("compliance")
    page.goto(f"{site.base}/dashboards/shadow-ai/")
    expect(page.locator(".headline").first).to_contain_text("unsanctioned AI service")
    expect(page.locator("#shadow-daily .chart-canvas svg")).to_have_count(1)
    # The filter bar's own "Use" filter swaps the body and stays in the URL.
    page.select_option("select[name=shadow]", "1")
    page.wait_for_url(re.compile(r"shadow=1"))
    expect(page.locator("#findings tbody tr").filter(has_text="sanctioned")).to_have_count(0)
    page.locator("#findings tbody tr", has_text="Otter").locator("a").first.click()
    page.wait_for_url(re.compile(r"/dashboards/shadow-ai/findings/\d+/"))
    page.evaluate("window.__notReloaded = true")
    page.fill("textarea[name=note]", "Meeting recordings leave the EU")
    page.click("button[name=status][value=blocked]")
    expect(page.locator("#finding-status")).to_have_text("blocked")
    expect(page.locator("#decisions")).to_contain_text("Meeting recordings leave the EU")
    assert page.evaluate("window.__notReloaded") is True
    assert page.errors == []  # type: ignore[attr-defined]
