"""The Portfolio page (admin) and the Department page (owner; admin with a picker) on dash_world,
with value settings added so that value, cost and ROI can be counted by hand (METRICS.md ROI).

Over June 2026 (30 days, so each fixed monthly cost counts once in full):
- HR bot: 10 resolved conversations, all self-served (no escalation), 10 users. Settings: 12 min saved
  per task at $50/h, $8 per human contact with a deflection share of 0.5, $60 fixed a month, no model
  cost. Value = 10 x 12/60 x 50 + 10 x 8 x 0.5 = 100 + 40 = $140; cost = $60; ROI = 80/60 = +133%.
- Sales bot (anthropic / claude-sonnet-4): 5 resolved, 5 users. 30 min at $80/h, $40 fixed.
  Value = 5 x 30/60 x 80 = $200; cost = $40; ROI = 160/40 = +400%.
- HR pilot (new, HR, no traffic): $30 fixed. Value 0, cost 30; no people, so privacy mode hides it.
Departments: HR = (140 + 0 - (60 + 30)) / 90 = +56%; Sales = +400%.
Portfolio: value 340, cost 130, ROI = 210/130 = +162%.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from apps.analytics.decision_services import alert_upsert, recommendation_upsert
from apps.analytics.privacy import analytics_settings_update
from apps.registry.models import ApiKey, Assistant
from apps.registry.services import api_key_create, api_key_revoke, assistant_update, release_annotate
from tests.dashboards.conftest import JUNE, DashWorld
from tests.factories import AssistantFactory

pytestmark = pytest.mark.django_db

PORTFOLIO = "/dashboards/portfolio/"
DEPARTMENT = "/dashboards/department/"


@dataclass
class PortWorld:
    dash: DashWorld
    hr_pilot: Assistant


@pytest.fixture
def world(dash_world: DashWorld) -> PortWorld:
    admin = dash_world.users["admin"]
    assistant_update(
        actor=admin,
        assistant=dash_world.hr_bot,
        status="approved",
        minutes_saved_per_task=Decimal(12),
        hourly_cost=Decimal(50),
        cost_per_human_contact=Decimal(8),
        deflection_share=Decimal("0.5"),
        fixed_monthly_cost=Decimal(60),
    )
    assistant_update(
        actor=admin,
        assistant=dash_world.sales_bot,
        status="approved",
        vendor="anthropic",
        model="claude-sonnet-4",
        minutes_saved_per_task=Decimal(30),
        hourly_cost=Decimal(80),
        cost_per_human_contact=Decimal(0),
        fixed_monthly_cost=Decimal(40),
    )
    pilot = AssistantFactory(department=dash_world.hr, name="HR pilot", status="pilot", fixed_monthly_cost=30)
    return PortWorld(dash=dash_world, hr_pilot=pilot)


def rows_of(table) -> dict[str, list[str]]:
    return {r[0].text: [c.text for c in r[1:]] for r in table.rows}


def column(table, name: str) -> dict[str, str]:
    i = table.columns.index(name)
    return {r[0].text: r[i].text for r in table.rows}


# --- Portfolio -------------------------------------------------------------------------------------


def test_portfolio_ranks_assistants_by_roi_and_says_so_plainly(world: PortWorld) -> None:
    response = world.dash.client("admin").get(PORTFOLIO, JUNE)
    assert response.status_code == 200
    headlines = [h.text for h in response.context["headlines"]]
    assert headlines[0] == "Sales bot returns the most: ROI +400% ($200 value for $40.00 cost)"
    assert headlines[1] == "HR bot returns the least: ROI +133% ($140 value for $60.00 cost)"
    # The inputs behind the figure are stated with it.
    assert response.context["headlines"][1].evidence == (
        "value = 10 resolved × 12 min × $50.00/h + 10 self-served × $8.00 × 0.5; cost = model $0.00 + fixed $60.00"
    )
    assert b"Sales bot returns the most: ROI +400%" in response.content
    chart = response.context["roi_chart"]
    assert [r[0].text for r in chart.table.rows] == ["Sales bot", "HR bot"]  # the pilot has no ROI to rank
    assert [p["value"] for p in chart.option["series"][0]["data"]] == [400.0, 133.3]


def test_portfolio_side_by_side_numbers_are_the_hand_counted_ones(world: PortWorld) -> None:
    response = world.dash.client("admin").get(PORTFOLIO, JUNE)
    table = response.context["assistants_table"]
    assert table.columns == [
        "Assistant", "Department", "Vendor / model", "Active users", "Trend", "Acceptance", "Success rate",
        "Self-service", "Frustrated", "Cost", "Value", "ROI", "Value per user",
    ]  # fmt: skip
    rows = rows_of(table)
    # HR bot: 10 users; 20 outputs with an action, 10 copied; 10 of 20 resolved, all self-served.
    assert rows["HR bot"] == [
        "HR", "openai / gpt-4o-mini", "10", "new", "50.0%", "50.0%", "50.0%", "0.0%", "$60.00", "$140", "+133%", "$14.00",
    ]  # fmt: skip
    assert rows["Sales bot"] == [
        "Sales", "anthropic / claude-sonnet-4", "5", "new", "100.0%", "100.0%", "100.0%", "0.0%",
        "$40.00", "$200", "+400%", "$40.00",
    ]  # fmt: skip
    # No one used the pilot: no activity to count, and privacy mode (k = 5) hides its value and cost
    # (a cut of 0 people) rather than showing them.
    assert rows["HR pilot (pilot)"][2:8] == ["no data", "—", "no data", "no data", "no data", "no data"]
    assert rows["HR pilot (pilot)"][8:] == ["fewer than 5 people"] * 4
    kpis = {k.label: k.display for k in response.context["kpis"]}
    assert kpis["ROI"] == "+162%"  # (340 - 130) / 130, not the mean of the assistants' ROIs
    assert kpis["Active users"] == "15"


def test_trend_is_active_users_against_the_previous_period_with_a_sparkline(world: PortWorld) -> None:
    week = {"from": "2026-06-04", "to": "2026-06-10"}  # against 28 May - 3 June
    hidden = world.dash.client("admin").get(PORTFOLIO, week)
    trend = {r[0].text: r[4] for r in hidden.context["assistants_table"].rows}
    # HR bot: h3..h9 and h0 this week (8 people); h0..h3 the week before: 4 people, a cut that
    # privacy mode hides, so there is no change to state.
    assert (trend["HR bot"].text, trend["HR bot"].title) == ("—", "previous 7 days: fewer than 5 people")
    analytics_settings_update(actor=world.dash.users["admin"], changes={"privacy_mode": False})
    response = world.dash.client("admin").get(PORTFOLIO, week)
    trend = {r[0].text: r[4] for r in response.context["assistants_table"].rows}
    assert trend["HR bot"].text == "+100%"
    assert trend["HR bot"].title == "8 active users vs 4 in the previous 7 days"
    assert trend["HR bot"].spark["series"][0]["data"] == [2.0] * 7  # two people a day
    # Sales bot: s4, s5 against s1..s3; nobody on 6-10 June (zeros, now that no cut is hidden).
    assert (trend["Sales bot"].text, trend["Sales bot"].tone) == ("-33%", "bad")
    assert trend["Sales bot"].spark["series"][0]["data"] == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert b'class="spark spark-inline"' in response.content


def test_the_most_valuable_assistant_is_named_when_it_is_not_the_best_return(world: PortWorld) -> None:
    admin = world.dash.users["admin"]
    assistant_update(actor=admin, assistant=world.dash.sales_bot, fixed_monthly_cost=Decimal(190))
    response = world.dash.client("admin").get(PORTFOLIO, JUNE)
    assert [h.text for h in response.context["headlines"]] == [
        "HR bot returns the most: ROI +133% ($140 value for $60.00 cost)",
        # (200 - 190) / 190 = +5%; it is also the least return, said once.
        "Sales bot brings the most value: $200 for $190 cost (ROI +5%)",
    ]


def test_a_huge_roi_is_cut_at_the_axis_edge_and_labelled_in_full(world: PortWorld) -> None:
    admin = world.dash.users["admin"]
    analytics_settings_update(actor=admin, changes={"privacy_mode": False})
    assistant_update(actor=admin, assistant=world.dash.sales_bot, fixed_monthly_cost=Decimal(10))
    chart = world.dash.client("admin").get(PORTFOLIO, JUNE).context["roi_chart"]
    # Sales (200 - 10) / 10 = +1,900%, HR +133%, the unused pilot (0 - 30) / 30 = -100%: the axis
    # stops at 3 x the median |ROI| (3 x 133.3 = 400), and Sales' bar carries its full value.
    assert [r[1].text for r in chart.table.rows] == ["+1,900%", "+133%", "-100%"]
    assert chart.option["xAxis"]["max"] == 400
    labels = [(p["label"]["formatter"], p["label"]["position"]) for p in chart.option["series"][0]["data"]]
    assert labels == [("+1,900%", "insideRight"), ("+133%", "right"), ("-100%", "right")]
    assert "cut at its edge" in chart.description


def test_department_comparison_sums_value_and_cost_before_dividing(world: PortWorld) -> None:
    response = world.dash.client("admin").get(PORTFOLIO, JUNE)
    table = response.context["departments"].table
    assert rows_of(table) == {
        "HR": ["2", "10", "50.0%", "$90.00", "$140", "+56%"],
        "Sales": ["1", "5", "100.0%", "$40.00", "$200", "+400%"],
    }
    assert "sum of its assistants' value" in table.note
    # Privacy mode hides the unused pilot's row, so HR's figures came from the engine over HR as a
    # whole; without privacy mode they are the sums of the rows: the same numbers either way.
    analytics_settings_update(actor=world.dash.users["admin"], changes={"privacy_mode": False})
    again = world.dash.client("admin").get(PORTFOLIO, JUNE).context["departments"].table
    assert rows_of(again) == rows_of(table)
    hr = table.rows[0][0]
    assert hr.href.startswith(DEPARTMENT)
    assert f"department={world.dash.hr.pk}" in hr.href
    series = {s["name"]: [d["value"] for d in s["data"]] for s in response.context["departments"].option["series"]}
    assert series == {"Value": [140.0, 200.0], "Cost": [90.0, 40.0]}


def test_vendor_and_model_filters_narrow_the_portfolio_and_stay_in_its_links(world: PortWorld) -> None:
    client = world.dash.client("admin")
    response = client.get(PORTFOLIO, {**JUNE, "vendor": "anthropic"})
    assert response.status_code == 200
    assert list(rows_of(response.context["assistants_table"])) == ["Sales bot"]
    assert {k.label: k.display for k in response.context["kpis"]}["ROI"] == "+400%"
    # The explorer does not know "vendor": the links name the assistants instead.
    link = response.context["kpis"][0].href
    assert "vendor" not in link
    assert f"assistant={world.dash.sales_bot.pk}" in link
    assert b'name="vendor"' in response.content
    assert b'<option value="anthropic" selected>' in response.content
    by_model = client.get(PORTFOLIO, {**JUNE, "model": "gpt-4o-mini"})
    assert list(rows_of(by_model.context["assistants_table"])) == ["HR bot", "HR pilot (pilot)"]
    both = client.get(PORTFOLIO, {**JUNE, "vendor": "anthropic", "model": "gpt-4o-mini"})
    assert both.context["assistants_table"].rows == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"vendor": "nope"}, "vendor: Select a valid choice. nope is not one of the available choices."),
        ({"model": "gpt-9"}, "model: Select a valid choice. gpt-9 is not one of the available choices."),
    ],
)
def test_an_unknown_vendor_or_model_is_a_400_naming_it(world: PortWorld, params, message) -> None:
    response = world.dash.client("admin").get(PORTFOLIO, {**JUNE, **params})
    assert response.status_code == 400
    assert message.encode() in response.content
    assert "assistants_table" not in response.context


def test_a_bad_filter_swapped_in_by_htmx_is_the_body_with_its_error(world: PortWorld) -> None:
    response = world.dash.client("admin").get(
        PORTFOLIO, {"vendor": "nope"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dashboard-body"
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body">')
    assert "<html" not in body
    assert "vendor: Select a valid choice. nope is not one of the available choices." in body


def test_portfolio_csv_export_keeps_the_page_filters(world: PortWorld) -> None:
    response = world.dash.client("admin").get(PORTFOLIO, {**JUNE, "vendor": "anthropic", "export": "assistants"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert table[0][:4] == ["Assistant", "Department", "Vendor / model", "Active users"]
    assert [r[0] for r in table[1:]] == ["Sales bot"]
    assert table[1][-3:] == ["$200", "+400%", "$40.00"]
    ranking = world.dash.client("admin").get(PORTFOLIO, {**JUNE, "export": "roi-ranking"})
    assert list(csv.reader(io.StringIO(ranking.getvalue().decode())))[1:] == [
        ["Sales bot", "+400%", "$200", "$40.00"],
        ["HR bot", "+133%", "$140", "$60.00"],
    ]
    # The page's CSV links carry the vendor, so the file is the filtered table.
    page = world.dash.client("admin").get(PORTFOLIO, {**JUNE, "vendor": "anthropic"})
    links = re.findall(r'href="\?([^"]*export=assistants)"', page.content.decode())
    assert len(links) == 1
    assert "vendor=anthropic" in links[0]


@pytest.mark.parametrize("role", ["owner", "product", "cx", "compliance", "viewer"])
def test_portfolio_is_for_admins_only(world: PortWorld, role: str) -> None:
    response = world.dash.client(role).get(PORTFOLIO, JUNE)
    assert response.status_code == 403
    assert b"Sales bot" not in response.content
    # A malformed page filter does not turn the refusal into a 400.
    assert world.dash.client(role).get(PORTFOLIO, {"vendor": "nope"}).status_code == 403


def test_open_findings_across_the_organization_with_evidence_and_conversations(world: PortWorld) -> None:
    alert_upsert(
        assistant=world.dash.hr_bot,
        kind="degradation",
        dims={"metric": "success_rate"},
        evidence={
            "p_value": 0.0004,
            "windows": {
                "recent": {"from": "2026-06-24", "to": "2026-06-30"},
                "baseline": {"from": "2026-05-27", "to": "2026-06-23"},
            },
        },
        summary="success_rate fell to 40% over the last 7 days from 60% over the 28 before",
    )
    recommendation_upsert(
        assistant=world.dash.sales_bot,
        kind="fix_prompt",
        dims={"feature": "email_draft"},
        evidence={"reasons": ["acceptance"], "window": {"from": "2026-06-01", "to": "2026-06-30"}},
        summary="Fix the prompt of email_draft first",
    )
    response = world.dash.client("admin").get(PORTFOLIO, JUNE)
    rows = [[c.text for c in r] for r in response.context["findings"].rows]
    assert [r[:4] for r in rows] == [
        [
            "Alert: Degradation",
            "HR bot",
            "success_rate fell to 40% over the last 7 days from 60% over the 28 before",
            "p < 0.001; 2026-06-24 – 2026-06-30 vs 2026-05-27 – 2026-06-23",
        ],
        [
            "Recommendation: Fix the prompt first",
            "Sales bot",
            "Fix the prompt of email_draft first",
            "2026-06-01 – 2026-06-30; because of acceptance",
        ],
    ]
    link = response.context["findings"].rows[1][-1].href
    assert link.startswith("/dashboards/conversations/?")
    assert f"assistant={world.dash.sales_bot.pk}" in link
    assert "feature=email_draft" in link
    # The owner of HR sees HR's alert on their page, never Sales' recommendation.
    owner = world.dash.client("owner").get(DEPARTMENT, JUNE)
    assert [r[1].text for r in owner.context["findings"].rows] == ["HR bot"]


# --- Department ------------------------------------------------------------------------------------


def test_owner_sees_only_their_department(world: PortWorld) -> None:
    key = api_key_create(actor=None, assistant=world.dash.hr_bot, name="production")
    api_key_create(actor=None, assistant=world.dash.sales_bot, name="sales-prod")
    response = world.dash.client("owner").get(DEPARTMENT, JUNE)
    assert response.status_code == 200
    assert [d.name for d in response.context["departments_shown"]] == ["HR"]
    assert list(rows_of(response.context["registry_table"])) == ["HR bot", "HR pilot"]
    assert rows_of(response.context["registry_table"])["HR bot"][:4] == ["HR", "Approved", "openai", "gpt-4o-mini"]
    assert response.context["registry_table"].rows[0][0].href == f"/registry/{world.dash.hr_bot.pk}/"
    assert [r[0].text for r in response.context["keys_table"].rows] == ["HR bot"]
    assert b"Sales bot" not in response.content
    assert b"sales-prod" not in response.content
    # The key's prefix, never its secret.
    assert key.api_key.prefix.encode() in response.content
    assert key.plaintext.encode() not in response.content
    kpis = {k.label: k.display for k in response.context["kpis"]}
    assert kpis["Active users"] == "10"
    assert kpis["Success rate"] == "50.0%"
    assert kpis["ROI"] == "+56%"  # HR bot and HR pilot: (140 - 90) / 90
    assert column(response.context["metrics_table"], "Value") == {
        "HR bot": "$140",
        "HR pilot (pilot)": "fewer than 5 people",
    }


def test_owner_cannot_pick_another_department(world: PortWorld) -> None:
    response = world.dash.client("owner").get(DEPARTMENT, {**JUNE, "department": world.dash.sales.pk})
    assert response.status_code == 400
    assert "department" in response.context["form"].errors
    assert b"Sales bot" not in response.content


def test_owner_cannot_open_another_departments_assistant(world: PortWorld) -> None:
    response = world.dash.client("owner").get(DEPARTMENT, {**JUNE, "assistant": world.dash.sales_bot.pk})
    assert response.status_code == 400
    assert "assistant" in response.context["form"].errors
    assert b"Sales bot" not in response.content


@pytest.mark.parametrize("role", ["product", "cx", "compliance", "viewer"])
def test_department_page_is_for_owners_and_admins(world: PortWorld, role: str) -> None:
    assert world.dash.client(role).get(DEPARTMENT, JUNE).status_code == 403


def test_admin_picks_a_department(world: PortWorld) -> None:
    client = world.dash.client("admin")
    picker = client.get(DEPARTMENT, JUNE)
    assert picker.status_code == 200
    assert [d.name for d, _ in picker.context["picker"]] == ["HR", "Sales"]
    assert "registry_table" not in picker.context
    href = {d.name: h for d, h in picker.context["picker"]}["Sales"]
    assert f"department={world.dash.sales.pk}" in href
    assert "from=2026-06-01" in href
    sales = client.get(DEPARTMENT, {**JUNE, "department": world.dash.sales.pk})
    assert list(rows_of(sales.context["registry_table"])) == ["Sales bot"]
    assert {k.label: k.display for k in sales.context["kpis"]}["ROI"] == "+400%"


def test_api_keys_show_created_last_used_and_revoked(world: PortWorld) -> None:
    admin = world.dash.users["admin"]
    old = api_key_create(actor=admin, assistant=world.dash.hr_bot, name="old").api_key
    api_key_revoke(actor=admin, api_key=old)
    ApiKey.objects.filter(pk=old.pk).update(last_used_at="2026-06-20T10:00:00Z", revoked_at="2026-06-21T10:00:00Z")
    api_key_create(actor=admin, assistant=world.dash.hr_bot, name="new")
    response = world.dash.client("owner").get(DEPARTMENT, JUNE)
    rows = {r[1].text: [c.text for c in r] for r in response.context["keys_table"].rows}
    assert rows["old"][4:] == ["2026-06-20", "revoked 2026-06-21"]
    assert rows["new"][4:] == ["never", "active"]
    assert rows["new"][2].startswith("tsk_")
    assert rows["new"][2].endswith("…")


def test_release_annotations_with_success_before_and_after(world: PortWorld) -> None:
    release_annotate(
        actor=world.dash.users["admin"], assistant=world.dash.hr_bot, date=date(2026, 6, 6), kind="prompt", text="v2"
    )
    response = world.dash.client("owner").get(DEPARTMENT, JUNE)
    table = response.context["releases_table"]
    # Before = 23 May - 5 June: days 1-5, 10 conversations, 5 resolved. After = 7-20 June: days 7-10,
    # 8 conversations, 4 resolved. Equal rates: no significant change (z = 0, p = 1).
    assert [[c.text for c in r] for r in table.rows] == [
        [
            "HR bot",
            "2026-06-06",
            "Prompt change",
            "v2",
            "50.0%",
            "50.0%",
            "+0.0 pts",
            "no significant change (p = 1.000)",
        ],
    ]
    before, after = table.rows[0][4], table.rows[0][5]
    assert (before.title, after.title) == ("5 of 10", "4 of 8")
    assert "from=2026-06-07" in after.href
    assert "to=2026-06-20" in after.href
    assert "outcome=resolved" in after.href
    marks = response.context["success_chart"].option["series"][0]["markLine"]["data"]
    assert marks == [{"name": "HR bot: prompt change", "xAxis": "2026-06-06"}]


def test_department_csv_export(world: PortWorld) -> None:
    api_key_create(actor=None, assistant=world.dash.hr_bot, name="production")
    response = world.dash.client("owner").get(DEPARTMENT, {**JUNE, "export": "api-keys"})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert table[0] == ["Assistant", "Name", "Prefix", "Created", "Last used", "State"]
    assert [(r[0], r[1], r[4], r[5]) for r in table[1:]] == [("HR bot", "production", "never", "active")]
