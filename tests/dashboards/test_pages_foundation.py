"""The shared shape of every dashboard page, on the Summary page (open to every role):
numbers from the engine, the filter bar (400 on a bad or out-of-scope filter), CSV export of
any table, the htmx partial, the role-aware navigation and the honest "not enough data" state."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from apps.analytics.services import rollups_rebuild
from tests.dashboards.conftest import JUNE, NOW, DashWorld, _conversation
from tests.factories import AssistantFactory

pytestmark = pytest.mark.django_db


def test_summary_counts_match_the_hand_counted_world(dash_world: DashWorld) -> None:
    response = dash_world.client("admin").get("/dashboards/summary/", JUNE)
    assert response.status_code == 200
    kpis = {k.label: k for k in response.context["kpis"]}
    assert kpis["Conversations"].display == "25"
    assert kpis["Active users"].display == "15"
    # 10 of 20 HR conversations and 5 of 5 Sales ones resolved.
    assert kpis["Success rate"].display == "60.0%"
    assert kpis["Success rate"].title == "15 of 25"
    rows = {r[0].text: [c.text for c in r[1:]] for r in response.context["assistants_table"].rows}
    assert rows["HR bot"][:3] == ["10", "20", "50.0%"]
    assert rows["Sales bot"][:3] == ["5", "5", "100.0%"]


def test_summary_csv_export_is_the_table(dash_world: DashWorld) -> None:
    response = dash_world.client("admin").get("/dashboards/summary/", {**JUNE, "export": "assistants"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert table[0] == ["Assistant", "Active users", "Conversations", "Success rate", "Thumbs up"]
    assert ["HR bot", "10", "20", "50.0%", "no data"] in table
    missing = dash_world.client("admin").get("/dashboards/summary/", {**JUNE, "export": "nope"})
    assert missing.status_code == 404


def test_an_hr_member_sees_only_hr_numbers(dash_world: DashWorld) -> None:
    response = dash_world.client("product").get("/dashboards/summary/", JUNE)
    assert response.status_code == 200
    assert [r[0].text for r in response.context["assistants_table"].rows] == ["HR bot"]
    assert {k.label: k.display for k in response.context["kpis"]}["Conversations"] == "20"
    assert b"Sales bot" not in response.content


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-06-30", "to": "2026-06-01"}, "from", "must be on or before"),
        ({"from": "yesterday"}, "from", "Enter a valid date"),
        ({"from": "2020-01-01", "to": "2026-06-30"}, "from", "at most 731 days"),
        ({"interval": "hour"}, "interval", "Select a valid choice"),
        ({"assistant": "abc"}, "assistant", "is not a valid value"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(dash_world: DashWorld, params, field, message) -> None:
    response = dash_world.client("admin").get("/dashboards/summary/", params)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message.encode() in response.content


def test_an_assistant_outside_the_users_scope_is_refused_like_an_unknown_one(dash_world: DashWorld) -> None:
    # The product user belongs to HR: the Sales bot's id is not a choice, whatever it exists.
    response = dash_world.client("product").get("/dashboards/summary/", {"assistant": dash_world.sales_bot.pk})
    assert response.status_code == 400
    assert "assistant" in response.context["form"].errors
    assert b"Sales bot" not in response.content


def test_filters_narrow_the_numbers_and_stay_in_links(dash_world: DashWorld) -> None:
    params = {**JUNE, "assistant": dash_world.sales_bot.pk}
    response = dash_world.client("admin").get("/dashboards/summary/", params)
    kpis = {k.label: k for k in response.context["kpis"]}
    assert kpis["Conversations"].display == "5"
    assert f"assistant={dash_world.sales_bot.pk}" in kpis["Conversations"].href
    assert "from=2026-06-01" in kpis["Conversations"].href


def test_htmx_gets_only_the_body_partial(dash_world: DashWorld) -> None:
    response = dash_world.client("admin").get(
        "/dashboards/summary/", JUNE, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dashboard-body"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body">')
    assert "<html" not in body
    assert "Sales bot" in body


def test_not_enough_data_is_said_not_hidden(dash_world: DashWorld, settings) -> None:
    settings.ANALYTICS_MIN_SAMPLE = 30
    response = dash_world.client("admin").get("/dashboards/summary/", JUNE)
    kpis = {k.label: k for k in response.context["kpis"]}
    assert kpis["Success rate"].display == "not enough data (n = 25)"
    assert kpis["Success rate"].href is None


def test_an_assistant_without_traffic_shows_how_to_send_the_first_event(dash_world: DashWorld) -> None:
    quiet = AssistantFactory(department=dash_world.sales, name="Quiet bot")
    response = dash_world.client("admin").get("/dashboards/summary/", {"assistant": quiet.pk})
    assert response.status_code == 200
    assert b"No conversations yet" in response.content
    assert b"/api/v1/events" in response.content
    # A quiet period of an assistant with traffic shows its zeros, not the first-event help.
    quiet_period = dash_world.client("admin").get("/dashboards/summary/", {"from": "2025-01-01", "to": "2025-01-31"})
    assert b"No conversations yet" not in quiet_period.content
    # (Privacy mode is on by default: a cut of 0 people is below k = 5 and says so.)
    assert {k.label: k.display for k in quiet_period.context["kpis"]}["Conversations"] == "fewer than 5 people"


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("admin", ["Portfolio", "Product", "Customer experience", "Compliance", "Conversations"], ["My department"]),
        ("viewer", ["Summary", "Assistants"], ["Portfolio", "Product", "Compliance", "Conversations"]),
        ("cx", ["Customer experience", "Conversations"], ["Portfolio", "Product", "Compliance"]),
        ("compliance", ["Compliance", "Conversations"], ["Portfolio", "Product", "Customer experience"]),
        ("owner", ["Product", "My department"], ["Portfolio", "Compliance"]),
    ],
)
def test_the_navigation_shows_exactly_the_pages_of_the_users_roles(dash_world: DashWorld, role, visible, hidden):
    response = dash_world.client(role).get("/dashboards/summary/", JUNE)
    nav = {p["title"]: p for p in response.context["nav_pages"]}
    assert set(visible) <= set(nav)
    assert not set(hidden) & set(nav)
    assert nav["Summary"]["current"] is True
    assert response.content.count(b'aria-current="page"') == 1


def test_cached_page_numbers_change_as_soon_as_the_rollups_change(dash_world: DashWorld, settings) -> None:
    settings.DASHBOARD_CACHE_SECONDS = 600
    client = dash_world.client("admin")
    first = client.get("/dashboards/summary/", JUNE)
    assert {k.label: k.display for k in first.context["kpis"]}["Conversations"] == "25"
    # One more Sales conversation, folded in by the rollups as enrichment would: the next page
    # view must not serve the cached 25.
    _conversation(dash_world.sales_bot, datetime(2026, 6, 6, 10, 0, tzinfo=UTC), "s9", "copy")
    rollups_rebuild(now=NOW)
    second = client.get("/dashboards/summary/", JUNE)
    assert {k.label: k.display for k in second.context["kpis"]}["Conversations"] == "26"
