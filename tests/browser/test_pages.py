"""Every role opens its pages in a real browser: charts draw, filters swap only the body and
stay in the URL, a number drills down, a page the role may not open is a 403."""

from __future__ import annotations

import re

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
